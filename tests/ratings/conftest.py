"""Fixtures for ratings: the delegation layer (demo network, items) and a decided chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock

import pytest
from django.utils import timezone

from core.roles import Actor, Role
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


# --- the web app's layer (demo users and the sample dictionary), for the pages' tests -----------

from tests.web.conftest import (  # noqa: E402, F401 (fixtures)
    ID_NUMBER,
    ITEM,
    ITEM_MATERIALS,
    _layer_web,
    agent_client,
    county_client,
    demo_users,
    township_client,
)
from tests.web.conftest import drain as web_drain  # noqa: E402


@pytest.fixture
def web_decided(demo_users):  # noqa: F811
    """SX-0020 logged at the village, escalated by the township, approved by the county."""
    from delegation import services as s
    from delegation.services import Applicant

    agent = Actor("王代办", Role.AGENT, VILLAGE)
    town = Actor("李窗口", Role.STAFF, TOWNSHIP)
    county = Actor("张审批", Role.STAFF, COUNTY)
    applicant = Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER, phone="13907171234")
    case = s.log_request(
        VILLAGE, agent, applicant=applicant, item_code=ITEM, materials_received=ITEM_MATERIALS
    )
    no = case.tracking_no
    s.forward_case(VILLAGE, agent, no)
    web_drain()
    s.accept_case(TOWNSHIP, town, no)
    s.escalate_case(TOWNSHIP, town, no)
    web_drain()
    s.accept_case(COUNTY, county, no)
    s.start_review(COUNTY, county, no)
    s.approve_case(COUNTY, county, no, note="符合条件")
    web_drain()
    return no, case.query_code
