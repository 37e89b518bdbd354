"""Fixtures for ratings: the delegation layer (demo network, items) and a decided chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock

import pytest
from django.utils import timezone

from tests.delegation.conftest import (  # noqa: F401 (fixtures)
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
    _layer_delegation,
    actor,
    items,
    network,
)

ALL = ["居民身份证", "申请表"]


def drain() -> int:
    from messaging import relay
    from messaging.transport import LocalTransport

    return relay.drain(LocalTransport())


@dataclass
class Chain:
    tracking_no: str
    query_code: str


def log_and_forward(item: str = "C-1") -> Chain:
    from delegation import services as s

    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code=item, materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    return Chain(case.tracking_no, case.query_code)


def decide_at_county(chain: Chain) -> Chain:
    """village → township → county, approved at the county, the status back at the village."""
    from delegation import services as s

    no = chain.tracking_no
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, no)
    s.start_review(COUNTY, COUNTY_STAFF, no)
    s.approve_case(COUNTY, COUNTY_STAFF, no, note="符合条件")
    drain()
    return chain


@pytest.fixture
def decided(network) -> Chain:  # noqa: F811
    """A chain village → township → county, decided (approved) at the county."""
    return decide_at_county(log_and_forward())


@pytest.fixture
def undecided(network) -> Chain:  # noqa: F811
    """A chain forwarded to the township, not decided yet."""
    return log_and_forward()


class Clock:
    """``timezone.now`` under the test's control (local Asia/Shanghai times)."""

    def __init__(self, text: str) -> None:
        self.set(text)

    def set(self, text: str) -> None:
        self.now = timezone.make_aware(dt.datetime.fromisoformat(text))

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def at():
    """``at("2026-09-28 10:00")``: from then on, that is the time."""
    patcher = None
    clock = Clock("2026-01-01 00:00")

    def set_time(text: str) -> Clock:
        nonlocal patcher
        clock.set(text)
        if patcher is None:
            patcher = mock.patch("django.utils.timezone.now", clock)
            patcher.start()
        return clock

    yield set_time
    if patcher is not None:
        patcher.stop()
