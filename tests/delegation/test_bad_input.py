"""Bad input: a coded error, and nothing persisted, nothing sent."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog import services as catalog
from core.errors import DomainError
from core.roles import Actor, Role
from delegation import services as s
from delegation.models import Case, CaseEvent, State
from messaging.models import OutboxMessage
from network.models import CaseRecord
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    AGENT,
    COUNTY_STAFF,
    ENTERPRISE,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.delegation.test_chain import drain

ALL = ["居民身份证", "申请表"]


def footprint() -> tuple:
    counts = []
    for centre in ServiceCentre.objects.order_by("division_code"):
        with in_centre(centre):
            counts.append((Case.objects.count(), CaseEvent.objects.count()))
    connection.set_schema_to_public()
    return tuple(counts), OutboxMessage.objects.count(), CaseRecord.objects.count()


def log(**overrides):
    kwargs = dict(applicant=PERSON, item_code="C-1", materials_received=ALL)
    kwargs.update(overrides)
    return s.log_request(VILLAGE, AGENT, **kwargs)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"applicant": s.Applicant("person", "刘", "420581199001010012")}, "invalid_id_number"),
        ({"applicant": s.Applicant("person", "刘", "12345")}, "invalid_id_number"),
        (
            {"applicant": s.Applicant("enterprise", "某公司", "91420500MA4F0X1A0M")},
            "invalid_credit_code",
        ),
        ({"applicant": s.Applicant("robot", "某", "1")}, "invalid_applicant_kind"),
        (
            {"applicant": s.Applicant("person", " ", "420581199001010011")},
            "applicant_name_required",
        ),
        ({"applicant": s.Applicant("person", "刘", "420581199001010011", "12")}, "invalid_phone"),
        ({"item_code": "NOPE-1"}, "unknown_item"),
        ({"materials_received": ["户口簿"]}, "unknown_material"),
        ({"channel": "fax"}, "invalid_channel"),
    ],
)
def test_logging_bad_requests_leaves_nothing(network, overrides, code):
    before = footprint()
    with pytest.raises(DomainError) as exc:
        log(**overrides)
    assert exc.value.code == code
    assert exc.value.message  # a sentence for a person
    assert footprint() == before


def test_enterprise_applicants_are_checked_by_credit_code(network):
    case = log(applicant=ENTERPRISE)
    assert case.applicant_id_number == ENTERPRISE.id_number


def test_a_retired_item_takes_no_new_cases(network):
    catalog.retire_item("C-1")
    before = footprint()
    with pytest.raises(DomainError) as exc:
        log()
    assert exc.value.code == "retired_item"
    assert footprint() == before


def test_a_duplicate_submission_is_refused(network):
    first = log(idempotency_key="app-42")
    before = footprint()
    with pytest.raises(DomainError) as exc:
        log(idempotency_key="app-42")
    assert exc.value.code == "duplicate_submission"
    assert first.tracking_no in exc.value.message
    assert footprint() == before


def test_forwarding_rules(network):
    no = log(materials_received=["居民身份证"]).tracking_no
    before = footprint()
    with pytest.raises(DomainError) as exc:
        s.forward_case(VILLAGE, AGENT, no)
    assert exc.value.code == "materials_missing"
    with pytest.raises(DomainError) as exc:
        s.forward_case(VILLAGE, AGENT, no, to="420506")  # the county: not the parent
    assert exc.value.code == "not_parent"
    assert footprint() == before

    no_proxy = log(item_code="N-1").tracking_no
    before = footprint()
    with pytest.raises(DomainError) as exc:
        s.forward_case(VILLAGE, AGENT, no_proxy)
    assert exc.value.code == "not_proxy_eligible"
    assert footprint() == before


def test_forbidden_moves_and_wrong_people(network):
    no = log(item_code="T-1").tracking_no
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    before = footprint()
    cases = [
        (
            lambda: s.approve_case(TOWNSHIP, TOWN_STAFF, no),
            "forbidden_transition",
        ),  # not yet in review
        (lambda: s.deliver_case(TOWNSHIP, TOWN_STAFF, no), "forbidden_transition"),
        (
            lambda: s.accept_case(TOWNSHIP, COUNTY_STAFF, no),
            "wrong_centre",
        ),  # staff of another centre
        (
            lambda: s.accept_case(TOWNSHIP, Actor("代办", Role.AGENT, TOWNSHIP), no),
            "role_not_allowed",
        ),
        (lambda: s.refuse_case(TOWNSHIP, TOWN_STAFF, no, reason=" "), "reason_required"),
        (lambda: s.forward_case(VILLAGE, AGENT, no), "forbidden_transition"),  # already handed up
        (
            lambda: s.accept_case(TOWNSHIP, TOWN_STAFF, "420506101201-20000101-00001"),
            "case_not_found",
        ),
        (
            lambda: s.request_supplement(TOWNSHIP, TOWN_STAFF, no, materials=[]),
            "supplement_list_empty",
        ),
        (lambda: s.rate_case(VILLAGE, no, rating=5), "not_finished"),
    ]
    for call, code in cases:
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == code, code
    assert footprint() == before


def test_accepting_with_missing_materials_is_refused(network):
    staff = Actor("窗口", Role.STAFF, TOWNSHIP)
    case = s.log_request(
        TOWNSHIP, staff, applicant=PERSON, item_code="T-1", materials_received=["居民身份证"]
    )
    assert case.channel == "window"
    before = footprint()
    with pytest.raises(DomainError) as exc:
        s.accept_case(TOWNSHIP, staff, case.tracking_no)
    assert exc.value.code == "materials_missing"
    assert "申请表" in exc.value.message
    assert footprint() == before


def test_a_suspended_centre_takes_no_requests(network):
    from tenants.services import set_centre_status

    set_centre_status(ServiceCentre.objects.get(division_code=VILLAGE), "suspended")
    with pytest.raises(DomainError) as exc:
        log()
    assert exc.value.code == "centre_suspended"


def test_errors_have_english_too(network):
    with pytest.raises(DomainError) as exc:
        log(item_code="NOPE-1")
    payload = exc.value.as_dict()
    assert payload["code"] == "unknown_item" and payload["message"] and payload["message_en"]


def test_clock_due_date_and_timeliness(network):
    import datetime as dt

    from workdays.calendar import add_working_days

    no = log(item_code="T-1").tracking_no
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    town = s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    today = town.clock_started_on
    assert town.due_on == add_working_days(today, 5).due
    s.start_review(TOWNSHIP, TOWN_STAFF, no)
    town = s.approve_case(TOWNSHIP, TOWN_STAFF, no)
    assert (
        town.elapsed_working_days,
        town.on_time,
        town.saved_vs_promised,
        town.saved_vs_legal,
    ) == (0, True, 5, 20)
    assert town.state == State.APPROVED
    assert isinstance(town.due_on, dt.date)
