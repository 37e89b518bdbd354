"""Bad input to custody: a coded error (Chinese first, English too), and nothing partial — no
hand-over, no line, no message."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.errors import DomainError
from core.roles import Role
from custody import services as custody
from custody.models import Authorization, Handover, HandoverLine
from delegation import services as s
from messaging.models import OutboxMessage
from tests.custody.helpers import FORM, ID_CARD, at, drain, held, logged, pending_in
from tests.delegation.conftest import (
    AGENT,
    OTHER_VILLAGE,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
    actor,
)

OTHER_AGENT = actor(OTHER_VILLAGE, Role.AGENT, "周代办")


def counts(code: str) -> tuple[int, int, int]:
    with at(code):
        return (
            Handover.objects.count(),
            HandoverLine.objects.count(),
            OutboxMessage.objects.count(),
        )


def refused(code: str, call, *args, **kwargs) -> DomainError:
    before = counts(code)
    with pytest.raises(DomainError) as exc:
        call(*args, **kwargs)
    assert counts(code) == before, "something of a refused call remained"
    with translation.override("en"):
        english = exc.value.message
    with translation.override("zh-hans"):
        chinese = exc.value.message
    assert english and chinese and english != chinese, exc.value.code
    return exc.value


def at_township() -> str:
    no = logged()
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    return no


def test_confirming_receipt_twice(network):
    no = at_township()
    handover = pending_in(TOWNSHIP, no)
    custody.confirm_receipt(TOWNSHIP, TOWN_STAFF, no, handover.pk, arrived=[ID_CARD, FORM])
    error = refused(
        TOWNSHIP, custody.confirm_receipt, TOWNSHIP, TOWN_STAFF, no, handover.pk, arrived=[ID_CARD]
    )
    assert error.code == "handover_already_received"
    assert TOWN_STAFF.name in error.message


def test_a_paper_the_case_does_not_have(network):
    no = logged(papers=[ID_CARD])
    error = refused(VILLAGE, custody.hand_over, VILLAGE, AGENT, no, papers=[("户口簿", "original")])
    # The case is not handed up yet: there is nowhere to send papers.
    assert error.code == "no_handover_route"
    error = refused(VILLAGE, s.forward_case, VILLAGE, AGENT, no, papers=[("户口簿", "original")])
    assert (error.code, error.field) == ("paper_unknown", "papers")
    assert "户口簿" in error.message
    # Known to the case but not handed over by the applicant: not held here.
    error = refused(VILLAGE, s.forward_case, VILLAGE, AGENT, no, papers=[FORM])
    assert error.code == "paper_not_held"
    error = refused(
        VILLAGE,
        custody.authorize_proxy,
        VILLAGE,
        AGENT,
        s.log_request(
            VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=[]
        ).tracking_no,
        papers=[("户口簿", "copy")],
    )
    assert error.code == "paper_unknown"


def test_ticking_a_paper_not_on_the_list(network):
    no = logged(papers=[ID_CARD])
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    handover = pending_in(TOWNSHIP, no)
    error = refused(
        TOWNSHIP, custody.confirm_receipt, TOWNSHIP, TOWN_STAFF, no, handover.pk, arrived=[FORM]
    )
    assert (error.code, error.field) == ("paper_not_listed", "arrived")
    error = refused(
        TOWNSHIP,
        custody.confirm_receipt,
        TOWNSHIP,
        TOWN_STAFF,
        no,
        handover.pk,
        arrived=[ID_CARD],
        extra=[("户口簿", "original", 1)],
    )
    assert error.code == "paper_unknown"
    error = refused(
        TOWNSHIP, custody.confirm_receipt, TOWNSHIP, TOWN_STAFF, no, "not-a-uuid", arrived=[]
    )
    assert error.code == "handover_not_found"


def test_a_hand_over_by_someone_not_at_the_holding_centre(network):
    no = logged()
    s.forward_case(VILLAGE, AGENT, no, papers=[])  # the papers stay at the village for now
    assert held(VILLAGE, no) == {ID_CARD: 1, FORM: 1}
    error = refused(VILLAGE, custody.hand_over, VILLAGE, OTHER_AGENT, no)
    assert error.code == "wrong_centre"
    error = refused(VILLAGE, custody.hand_over, VILLAGE, TOWN_STAFF, no)
    assert error.code == "wrong_centre"
    # The township does not hold them: it cannot send them anywhere.
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    error = refused(TOWNSHIP, custody.hand_over, TOWNSHIP, TOWN_STAFF, no, papers=[ID_CARD])
    assert error.code == "paper_not_held"
    # The village sends them later, on its own.
    custody.hand_over(VILLAGE, AGENT, no, note="补送原件")
    assert held(VILLAGE, no) == {}


def test_authorization_rules(network):
    no = logged()
    error = refused(VILLAGE, custody.authorize_proxy, VILLAGE, AGENT, no, papers=[ID_CARD])
    assert error.code == "authorization_exists"
    case = s.log_request(
        VILLAGE,
        AGENT,
        applicant=PERSON,
        item_code="C-1",
        materials_received=["居民身份证", "申请表"],
    )
    error = refused(VILLAGE, custody.authorize_proxy, VILLAGE, AGENT, case.tracking_no, papers=[])
    assert error.code == "papers_empty"
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    error = refused(
        VILLAGE, custody.authorize_proxy, VILLAGE, AGENT, case.tracking_no, papers=[ID_CARD]
    )
    assert error.code == "authorization_too_late"
    with at(VILLAGE):
        assert Authorization.objects.filter(case__tracking_no=case.tracking_no).count() == 0


def test_result_and_return_rules(network):
    no = at_township()
    error = refused(TOWNSHIP, custody.record_result, TOWNSHIP, TOWN_STAFF, no, name="证明")
    assert error.code == "result_not_decided_here"
    error = refused(TOWNSHIP, custody.record_result, TOWNSHIP, TOWN_STAFF, no, name=" ")
    assert error.code == "result_name_required"
    error = refused(VILLAGE, custody.return_to_applicant, VILLAGE, AGENT, no, received_by="刘桂兰")
    assert error.code == "case_still_open"
    error = refused(
        TOWNSHIP, custody.return_to_applicant, TOWNSHIP, TOWN_STAFF, no, received_by="刘桂兰"
    )
    assert error.code == "not_origin_centre"
    error = refused(
        VILLAGE,
        custody.settle_lost_originals,
        VILLAGE,
        AGENT,
        no,
        papers=[ID_CARD],
        received_by="刘桂兰",
        note="遗失",
    )
    assert error.code == "case_still_open"
    s.withdraw_case(VILLAGE, AGENT, no, reason="申请人撤回")
    error = refused(
        VILLAGE,
        custody.settle_lost_originals,
        VILLAGE,
        AGENT,
        no,
        papers=[ID_CARD],
        received_by="刘桂兰",
        note=" ",
    )
    assert (error.code, error.field) == ("loss_explanation_required", "note")
    error = refused(
        VILLAGE,
        custody.settle_lost_originals,
        VILLAGE,
        AGENT,
        no,
        papers=[("户口簿", "original")],
        received_by="刘桂兰",
        note="遗失",
    )
    assert error.code == "paper_not_away"


def test_a_village_sees_only_its_own_papers(network):
    no = logged()
    with at(OTHER_VILLAGE):
        assert not Handover.objects.filter(case__tracking_no=no).exists()
    error = refused(
        OTHER_VILLAGE, custody.authorize_proxy, OTHER_VILLAGE, OTHER_AGENT, no, papers=[ID_CARD]
    )
    assert error.code == "case_not_found"
