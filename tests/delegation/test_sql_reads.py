"""Reads written as SQL (core.sql) give the same instances the ORM gives.

The API's hot reads (routing, the token and membership, a case, its events, delegations and
chain, dictionary versions) no longer go through the ORM's compiler; these tests hold them to
the ORM's answer field by field, converters included (sealed ID number and phone, JSON, arrays,
dates with their time zone), and check the statements they save.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from accounts.services import _token_with_user, hash_token
from catalog.models import ServiceItemVersion
from catalog.services import versions_with_item
from core import sql
from core.routing import centre_for_code
from delegation import queries
from delegation import services as s
from delegation.models import Case, CaseEvent, Delegation
from network.models import CaseRecord
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE

ALL = ["居民身份证", "申请表"]


def values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def same(mine, orm) -> None:
    assert type(mine) is type(orm)
    assert values(mine) == values(orm)
    assert mine._state.adding is False and mine._state.db == orm._state.db


@pytest.fixture
def forwarded(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    return case


def test_a_case_and_its_events_and_delegations_read_as_the_orm_reads_them(network, forwarded):
    with in_centre(network[VILLAGE]):
        mine = sql.one(Case, "WHERE tracking_no = %s LIMIT 1", [forwarded.tracking_no])
        orm = Case.objects.get(tracking_no=forwarded.tracking_no)
        same(mine, orm)
        # Sealed at rest, opened on reading, as the ORM's field does it.
        assert mine.applicant_id_number == PERSON.id_number
        assert mine.applicant_phone == PERSON.phone
        assert mine.materials == orm.materials and isinstance(mine.materials, list)
        assert mine.submitted_at.tzinfo is not None
        events = sql.rows(CaseEvent, "WHERE case_id = ANY(%s) ORDER BY seq", [[orm.pk]])
        expected = list(CaseEvent.objects.filter(case=orm).order_by("seq"))
        assert len(events) == len(expected) == 2
        for a, b in zip(events, expected, strict=True):
            same(a, b)
        (hop,) = sql.rows(Delegation, "WHERE case_id = %s", [orm.pk])
        same(hop, Delegation.objects.get(case=orm))
        assert sql.one(Case, "WHERE tracking_no = %s LIMIT 1", ["no-such-number"]) is None


def test_an_instance_is_filled_at_once_unless_something_listens_to_its_creation(network, forwarded):
    """Without init receivers the row fills the instance's attributes in one update: the same
    attributes the ORM sets, nothing more, and it behaves as the ORM's (a related object is
    fetched through the foreign key). With a receiver the ORM's from_db() builds it and sends."""
    from django.db.models.signals import post_init

    with in_centre(network[VILLAGE]):
        orm = Case.objects.get(tracking_no=forwarded.tracking_no)
        mine = sql.one(Case, "WHERE tracking_no = %s LIMIT 1", [forwarded.tracking_no])
        assert sql.shape(Case).plain
        assert mine.__dict__.keys() == orm.__dict__.keys()
        same(mine, orm)
        assert mine.item_version.pk == orm.item_version_id
        seen = []

        def heard(sender, instance, **kwargs):
            seen.append(instance)

        post_init.connect(heard, sender=Case)
        try:
            again = sql.one(Case, "WHERE tracking_no = %s LIMIT 1", [forwarded.tracking_no])
        finally:
            post_init.disconnect(heard, sender=Case)
        assert seen == [again]
        same(again, orm)


def test_the_orm_fills_list_models_at_once_too(network, forwarded):
    """Case, its events and delegations, and the projection (QuickFromDb): a full row read by
    the ORM is the instance Model.from_db() makes; deferred columns and receivers still go
    through it (a deferred column is loaded when read, a receiver hears every instance)."""
    from django.db.models import Model
    from django.db.models.signals import post_init

    with in_centre(network[VILLAGE]):
        case = Case.objects.get(tracking_no=forwarded.tracking_no)
        names = [f.attname for f in Case._meta.concrete_fields]
        row = [getattr(case, name) for name in names]
        reference = Model.from_db.__func__(Case, "default", names, row)
        assert case.__dict__.keys() == reference.__dict__.keys()
        same(case, reference)
        for event in CaseEvent.objects.filter(case=case):
            assert event.__dict__.keys() == {
                "_state",
                *(f.attname for f in CaseEvent._meta.concrete_fields),
            }
        partial = Case.objects.only("tracking_no").get(pk=case.pk)
        assert partial.get_deferred_fields() and partial.applicant_phone == PERSON.phone
        seen = []

        def heard(sender, instance, **kwargs):
            seen.append(instance.pk)

        post_init.connect(heard, sender=Case)
        try:
            list(Case.objects.filter(pk=case.pk))
        finally:
            post_init.disconnect(heard, sender=Case)
        assert seen == [case.pk]
    record = CaseRecord.objects.get(tracking_no=forwarded.tracking_no)
    assert record._state.db == "default" and not record._state.adding
    assert record.centre.division_code == VILLAGE


def test_the_detail_and_the_chain_are_the_orms(network, forwarded):
    village = network[VILLAGE]
    with in_centre(village):
        detail = queries.case_detail(village, AGENT, forwarded.tracking_no)
        same(detail, Case.objects.get(tracking_no=forwarded.tracking_no))
        (chain,) = queries.chains([forwarded.tracking_no]).values()
    records = CaseRecord.objects.filter(tracking_no=forwarded.tracking_no).select_related("centre")
    assert [h.centre_code for h in chain] == [VILLAGE]
    assert chain[0].centre_name == records.get().centre.name


def test_the_detail_keeps_the_rule_of_who_may_read(network, forwarded):
    from core.errors import PermissionDenied

    with in_centre(network[VILLAGE]), pytest.raises(PermissionDenied):
        queries.case_detail(network[VILLAGE], TOWN_STAFF, forwarded.tracking_no)


def test_routing_token_and_versions_read_as_the_orm_reads_them(network, forwarded):
    from django.contrib.auth import get_user_model

    from accounts import services as accounts
    from core.roles import Role

    same(centre_for_code(TOWNSHIP), ServiceCentre.objects.get(division_code=TOWNSHIP))
    assert centre_for_code("999999") is None

    user = get_user_model().objects.create(username="sql-reads", first_name="读")
    accounts.grant_membership(user, network[VILLAGE], Role.AGENT)
    raw = accounts.issue_token(user, centre=network[VILLAGE]).token
    token = _token_with_user(hash_token(raw))
    same(token, ApiToken.objects.get(key_hash=hash_token(raw)))
    same(token.user, user)
    assert _token_with_user(hash_token(raw + "x")) is None

    (version,) = versions_with_item([forwarded.item_version_id])
    orm = ServiceItemVersion.objects.select_related("item", "department").get(
        pk=forwarded.item_version_id
    )
    same(version, orm)
    same(version.item, orm.item)
    same(version.department, orm.department)
    assert version.decision_tiers == ["county"]


def test_a_case_page_over_the_api_runs_fewer_statements(network, forwarded, client):
    """The case page's delegations bring their peer centres in the same statement, and the
    token with its user is one statement: 11 statements in all, two of them SET search_path."""
    from django.contrib.auth import get_user_model

    from accounts import services as accounts
    from core.roles import Role
    from tests.api.conftest import operation_text

    user = get_user_model().objects.create(username="sql-reads-api", first_name="读")
    accounts.grant_membership(user, network[VILLAGE], Role.AGENT)
    raw = accounts.issue_token(user, centre=network[VILLAGE]).token
    body = {"query": operation_text("staff", "CaseDetail")}
    body["variables"] = {"trackingNo": forwarded.tracking_no}
    post = dict(content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.post(f"/c/{VILLAGE}/graphql/", body, **post)  # the token's first use is recorded
    with CaptureQueriesContext(connection) as statements:
        response = client.post(f"/c/{VILLAGE}/graphql/", body, **post)
    data = response.json()["data"]["case"]
    assert data["delegations"][0]["peerCentre"]["divisionCode"] == TOWNSHIP
    assert data["applicantIdNumber"] == PERSON.id_number
    assert len(statements.captured_queries) == 11, [q["sql"][:80] for q in statements]


def test_the_item_a_request_is_filed_under_reads_as_the_orm_reads_it(network):
    from catalog.models import ServiceItem
    from catalog.services import _item, active_version
    from core.errors import NotFound

    orm = ServiceItem.objects.select_related("current_version__department").get(code="C-1")
    for locked in (False, True):
        mine = _item("c-1", for_update=locked)
        same(mine, orm)
        same(mine.current_version, orm.current_version)
        same(mine.current_version.department, orm.current_version.department)
    version = active_version("C-1")
    same(version, orm.current_version)
    assert version.item.code == "C-1"
    with pytest.raises(NotFound) as refused:
        active_version("NO-SUCH")
    assert refused.value.code == "unknown_item"


def test_the_write_path_reads_a_case_and_its_centre_as_the_orm_does(network, forwarded):
    from delegation.inbox import _centre as inbox_centre
    from delegation.services import _centre, _get_case, _pauses

    same(_centre(VILLAGE), ServiceCentre.objects.get(division_code=VILLAGE))
    same(inbox_centre(TOWNSHIP), ServiceCentre.objects.get(division_code=TOWNSHIP))
    assert inbox_centre("999999") is None
    with in_centre(network[VILLAGE]):
        by_number = _get_case(forwarded.tracking_no, lock=False)
        same(by_number, Case.objects.get(pk=forwarded.pk))
        same(_get_case(forwarded.pk), by_number)
        assert _pauses(by_number) == []


def test_a_case_written_back_by_sql_update_is_what_save_would_write(network, forwarded):
    from django.db import DatabaseError

    with in_centre(network[VILLAGE]):
        case = Case.objects.get(pk=forwarded.pk)
        stamped = case.updated_at
        case.note_for_test = "ignored"  # not a field: nothing to write
        case.upstream_state = "accepted"
        case.materials = [*case.materials, {"name": "补充", "form": "copy", "count": 1}]
        sql.update(case)
        again = Case.objects.get(pk=forwarded.pk)
        assert values(again) == values(case)
        assert again.upstream_state == "accepted" and again.materials[-1]["name"] == "补充"
        assert again.updated_at > stamped  # auto_now, as save() stamps it
        with connection.cursor() as cur:  # sealed at rest, as save() seals it
            cur.execute(
                "SELECT applicant_id_number, applicant_phone FROM delegation_case WHERE id = %s",
                [case.pk],
            )
            assert not any(PERSON.id_number in v or PERSON.phone in v for v in cur.fetchone())
        case.pk = 987654321
        with pytest.raises(DatabaseError):
            sql.update(case)


def test_rows_inserted_by_sql_insert_are_what_save_would_insert(network, forwarded):
    import uuid as uuid_

    from django.db import IntegrityError, transaction

    with in_centre(network[VILLAGE]):
        template = Case.objects.get(pk=forwarded.pk)
        fresh = Case(
            **{
                f.attname: getattr(template, f.attname)
                for f in Case._meta.concrete_fields
                if not f.primary_key and f.attname not in ("submitted_at", "updated_at")
            }
        )
        fresh.tracking_no = template.tracking_no + "-X"
        fresh.idempotency_key = None
        fresh.forwarded_to_id, fresh.state, fresh.escalated_at = None, "submitted", None
        sql.insert(fresh)
        assert fresh.pk and fresh.pk != template.pk and not fresh._state.adding
        assert fresh.submitted_at is not None and fresh.updated_at is not None  # stamped
        same(fresh, Case.objects.get(pk=fresh.pk))
        hop = sql.insert(
            Delegation(
                id=uuid_.uuid4(),
                direction="up",
                case=fresh,
                peer_centre=TOWNSHIP,
                peer_tier="township",
                tracking_no=fresh.tracking_no,
            )
        )
        same(hop, Delegation.objects.get(pk=hop.pk))
        duplicate = Case(**{k: v for k, v in values(fresh).items() if k != "id"})
        with pytest.raises(IntegrityError), transaction.atomic():
            sql.insert(duplicate)  # the same tracking number: refused as save() would be
