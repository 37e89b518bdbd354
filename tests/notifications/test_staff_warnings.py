"""A yellow or red supervision warning tells the desk of the centre held to account, in the
evaluation's own statement, once; ``notify_staff`` is the door for other kinds (督办)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from delegation import services as s
from notifications import services as notify
from notifications.models import StaffKind
from notifications.texts import staff_text
from supervision import services as sup
from tests.delegation.conftest import AGENT, PERSON, TOWNSHIP, VILLAGE
from tests.notifications.conftest import staff
from tests.supervision.test_evaluation import DAY0, at, move

ALL = ["居民身份证", "申请表"]


def test_each_new_warning_notifies_the_holding_centre_once(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL)
    no = case.tracking_no
    move(VILLAGE, no, submitted_at=at(DAY0))
    sup.evaluate(today=dt.date(2026, 10, 8))
    (yellow,) = staff(VILLAGE)
    assert (yellow.kind, yellow.tracking_no, yellow.text_args) == (
        StaffKind.WARNING_YELLOW,
        no,
        {"step": "forward"},
    )
    sup.evaluate(today=dt.date(2026, 10, 9))  # nothing new recorded, nothing new notified
    assert len(staff(VILLAGE)) == 1
    sup.evaluate(today=dt.date(2026, 10, 10))
    assert [n.kind for n in staff(VILLAGE)] == [StaffKind.WARNING_YELLOW, StaffKind.WARNING_RED]
    assert staff(TOWNSHIP) == []


def test_many_new_warnings_at_one_centre_make_one_digest_per_level(network):
    """More than NOTIFY_WARNINGS_EACH_UP_TO new warnings of one level at a centre in one run:
    one notice with their count, linked to the worklist's warning filter; the next run that
    finds few again names each case."""
    cases = []
    for _n in range(3):
        case = s.log_request(
            VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL
        )
        move(VILLAGE, case.tracking_no, submitted_at=at(DAY0))
        cases.append(case.tracking_no)
    with override_settings(NOTIFY_WARNINGS_EACH_UP_TO=2):
        run = sup.evaluate(today=dt.date(2026, 10, 8))
        assert run.recorded == {("forward", "yellow"): 3}
        (digest,) = staff(VILLAGE)
        assert (digest.kind, digest.tracking_no, digest.text_args) == (
            StaffKind.WARNING_YELLOW,
            "",
            {"count": 3},
        )
        assert staff_text(digest.kind, digest.text_args, "") == (
            "本次监察新增 3 件黄色预警（即将超时），请在待办中按预警筛选查看。"
        )
        # Two go red on the 10th (one was forwarded meanwhile): two notices, each naming its case.
        s.forward_case(VILLAGE, AGENT, cases[0])
        sup.evaluate(today=dt.date(2026, 10, 10))
        reds = staff(VILLAGE, StaffKind.WARNING_RED)
        assert sorted(n.tracking_no for n in reds) == sorted(cases[1:])
    assert len(staff(VILLAGE)) == 3


def test_notify_staff_for_other_kinds_once_per_key(network):
    assert notify.notify_staff(TOWNSHIP, "duban", "T-0001", {"note": "请三日内办结"}, key="order-1")
    assert not notify.notify_staff(TOWNSHIP, "duban", "T-0001", {"note": "again"}, key="order-1")
    assert notify.notify_staff(TOWNSHIP, "duban", "T-0001", {"note": "second order"}, key="order-2")
    assert [n.text_args["note"] for n in staff(TOWNSHIP, "duban")] == [
        "请三日内办结",
        "second order",
    ]
    with pytest.raises(notify.DomainError) as unknown:
        notify.notify_staff(TOWNSHIP, "gossip", "T-0001", {})
    assert unknown.value.code == "unknown_notification_kind"
