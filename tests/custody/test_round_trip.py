"""The applicant's papers from the village to the county and back, hop by hop: each hand-over
listed by the sender, signed for by the receiver, a missing paper flagged where it was missed;
the result and the originals back to the applicant against a signature; and the case closed
only once every paper is accounted for. Messages through the real outbox and inbox, relayed
in-process (the transport used without a broker)."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from custody import services as custody
from custody.models import Authorization, PaperForm, Route
from custody.records.models import DiscrepancyRecord, PaperRecord
from delegation import services as s
from delegation.models import Case, State
from tests.custody.helpers import (
    FORM,
    ID_CARD,
    at,
    drain,
    handovers,
    held,
    logged,
    pending_in,
)
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)

LICENCE = ("最低生活保障证", "result")


def test_papers_go_up_and_come_back_with_the_result(network):
    no = logged()
    assert held(VILLAGE, no) == {ID_CARD: 1, FORM: 1}
    with at(VILLAGE):
        authorization = Authorization.objects.get(case__tracking_no=no)
        assert authorization.agent_name == AGENT.name

    # Village → township: the papers leave with the case (by default everything held).
    s.forward_case(VILLAGE, AGENT, no)
    assert held(VILLAGE, no) == {}
    drain()
    incoming = pending_in(TOWNSHIP, no)
    assert (incoming.route, incoming.peer_centre, incoming.sent_by) == ("up", VILLAGE, AGENT.name)
    assert held(TOWNSHIP, no) == {}  # not held until signed for
    custody.confirm_receipt(TOWNSHIP, TOWN_STAFF, no, incoming.pk, arrived=[ID_CARD, FORM])
    assert held(TOWNSHIP, no) == {ID_CARD: 1, FORM: 1}
    drain()
    sent = next(h for h in handovers(VILLAGE, no) if h.route == Route.UP and not h.incoming)
    assert (sent.received_by, sent.discrepancy) == (TOWN_STAFF.name, False)

    # Township → county, only the ID card: the county flags the form as missing.
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no, papers=[ID_CARD])
    assert held(TOWNSHIP, no) == {FORM: 1}
    drain()
    incoming = pending_in(COUNTY, no)
    handover = custody.confirm_receipt(
        COUNTY, COUNTY_STAFF, no, incoming.pk, arrived=[ID_CARD], extra=[("申请表", "original", 1)]
    )
    assert handover.discrepancy  # a paper came that was not on the list
    record = DiscrepancyRecord.objects.get(centre_code=COUNTY, tracking_no=no)
    assert (record.missing, record.extra) == (0, 1)
    drain()
    township_copy = next(h for h in handovers(TOWNSHIP, no) if not h.incoming)
    assert township_copy.discrepancy and township_copy.received_by == COUNTY_STAFF.name
    # The form did leave the township in the envelope, unlisted: it is no longer held there.
    assert held(TOWNSHIP, no) == {}
    assert held(COUNTY, no) == {ID_CARD: 1, FORM: 1}

    # Decision and result at the county; back down.
    s.accept_case(COUNTY, COUNTY_STAFF, no)
    s.start_review(COUNTY, COUNTY_STAFF, no)
    s.approve_case(COUNTY, COUNTY_STAFF, no, note="符合条件")
    custody.record_result(COUNTY, COUNTY_STAFF, no, name=LICENCE[0])
    custody.hand_over(COUNTY, COUNTY_STAFF, no)
    assert held(COUNTY, no) == {}
    drain()
    down = pending_in(TOWNSHIP, no)
    assert down.route == Route.DOWN
    custody.confirm_receipt(TOWNSHIP, TOWN_STAFF, no, down.pk, arrived=[ID_CARD, FORM, LICENCE])
    custody.hand_over(TOWNSHIP, TOWN_STAFF, no)
    drain()
    down = pending_in(VILLAGE, no)
    # The village signs without the application form: flagged missing at the village.
    custody.confirm_receipt(VILLAGE, AGENT, no, down.pk, arrived=[ID_CARD, LICENCE])
    assert DiscrepancyRecord.objects.get(centre_code=VILLAGE, tracking_no=no).missing == 1
    drain()
    assert held(VILLAGE, no) == {LICENCE: 1, ID_CARD: 1}

    # Closing refused while papers are held, then once an original is still away.
    with pytest.raises(DomainError) as exc:
        s.deliver_case(VILLAGE, AGENT, no)
    assert exc.value.code == "papers_held"
    custody.return_to_applicant(VILLAGE, AGENT, no, received_by="刘桂兰")
    assert held(VILLAGE, no) == {}
    with pytest.raises(DomainError) as exc:
        s.deliver_case(VILLAGE, AGENT, no)
    assert exc.value.code == "originals_not_returned"
    assert "申请表" in exc.value.message

    # The form was lost between the township and the village: explained, signed, then closed.
    custody.settle_lost_originals(
        VILLAGE, AGENT, no, papers=[FORM], received_by="刘桂兰", note="乡镇送回途中遗失，已补开证明"
    )
    s.deliver_case(VILLAGE, AGENT, no)
    with at(VILLAGE):
        assert Case.objects.get(tracking_no=no).state == State.DELIVERED


def test_close_is_allowed_once_every_paper_is_back(network):
    no = logged()
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    custody.confirm_receipt(
        TOWNSHIP, TOWN_STAFF, no, pending_in(TOWNSHIP, no).pk, arrived=[ID_CARD, FORM]
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    custody.confirm_receipt(
        COUNTY, COUNTY_STAFF, no, pending_in(COUNTY, no).pk, arrived=[ID_CARD, FORM]
    )
    s.accept_case(COUNTY, COUNTY_STAFF, no)
    s.start_review(COUNTY, COUNTY_STAFF, no)
    s.approve_case(COUNTY, COUNTY_STAFF, no)
    custody.record_result(COUNTY, COUNTY_STAFF, no, name=LICENCE[0])
    custody.hand_over(COUNTY, COUNTY_STAFF, no)
    drain()
    custody.confirm_receipt(
        TOWNSHIP, TOWN_STAFF, no, pending_in(TOWNSHIP, no).pk, arrived=[ID_CARD, FORM, LICENCE]
    )
    # Sent down but not yet signed for at the village: the village cannot close.
    custody.hand_over(TOWNSHIP, TOWN_STAFF, no)
    drain()
    with pytest.raises(DomainError) as exc:
        s.deliver_case(VILLAGE, AGENT, no)
    assert exc.value.code == "handover_pending"
    custody.confirm_receipt(
        VILLAGE, AGENT, no, pending_in(VILLAGE, no).pk, arrived=[ID_CARD, FORM, LICENCE]
    )
    custody.return_to_applicant(VILLAGE, AGENT, no, received_by="刘桂兰", note="本人签收")
    s.deliver_case(VILLAGE, AGENT, no)
    drain()
    for code in (VILLAGE, TOWNSHIP, COUNTY):
        with at(code):
            assert Case.objects.get(tracking_no=no).state == State.DELIVERED, code
    given = next(h for h in handovers(VILLAGE, no) if h.route == Route.TO_APPLICANT)
    assert given.received_by == "刘桂兰"
    assert {(line.name, line.form) for line in given.lines.all()} == {ID_CARD, FORM, LICENCE}
    assert PaperRecord.objects.filter(tracking_no=no, papers_held__gt=0).count() == 0
    assert not DiscrepancyRecord.objects.filter(tracking_no=no).exists()


def test_a_case_without_papers_closes_as_before(network):
    from tests.delegation.conftest import PERSON

    case = s.log_request(
        VILLAGE,
        AGENT,
        applicant=PERSON,
        item_code="T-1",
        materials_received=list(dict([ID_CARD, FORM])),
    )
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    assert handovers(TOWNSHIP, case.tracking_no) == []
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.start_review(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.approve_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    drain()
    s.deliver_case(VILLAGE, AGENT, case.tracking_no)
    assert PaperForm.RESULT == "result"


def test_the_projection_rebuilds_from_the_centres(network):
    from django.core.management import call_command

    no = logged()
    s.forward_case(VILLAGE, AGENT, no, papers=[ID_CARD])
    drain()
    custody.confirm_receipt(TOWNSHIP, TOWN_STAFF, no, pending_in(TOWNSHIP, no).pk, arrived=[])

    def snapshot():
        return (
            sorted(
                PaperRecord.objects.values_list(
                    "centre_code", "tracking_no", "papers_held", "pending"
                )
            ),
            sorted(
                DiscrepancyRecord.objects.values_list(
                    "centre_code", "handover_id", "missing", "extra"
                )
            ),
        )

    before = snapshot()
    assert before[1] and any(row[2] for row in before[0])
    PaperRecord.objects.all().delete()
    DiscrepancyRecord.objects.all().delete()
    call_command("rebuild_custody_records", verbosity=0)
    assert snapshot() == before
