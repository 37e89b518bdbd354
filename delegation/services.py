"""The case and delegation service layer: every rule about cases lives here.

Each public function is one transaction in one centre's schema, takes the acting ``Actor``
explicitly, and either does all it says or raises a ``DomainError`` having done nothing (no
row, no event, no message). Messages to other centres are written to the outbox in the same
transaction (``messaging.outbox``); the handlers that apply incoming messages are at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import mask_phone
from core import personal_data, sql
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import DESK_ROLES, Actor
from delegation.identity import check_credit_code, check_id_number
from delegation.models import (
    DECIDED_STATES,
    OPEN_STATES,
    ApplicantKind,
    Case,
    CasePause,
    Channel,
    Delegation,
    Direction,
    State,
)
from delegation.states import next_state
from delegation.tracking import new_query_code, query_code_hash
from messaging.outbox import enqueue
from network.projection import record_case
from notifications.hooks import case_event
from supervision.orders import case_moved
from tenants.divisions import TIER_RANK, Tier
from tenants.models import CentreStatus, ServiceCentre
from tenants.tenancy import in_centre

# --- message kinds of the delegation protocol -------------------------------------------------
FORWARDED = "case.forwarded"  # up: a new case for the parent
SUPPLEMENTED = "case.supplemented"  # up: the applicant supplied what the one-time notice listed
WITHDRAWN = "case.withdrawn"  # up: the applicant withdrew
DELIVERED = "case.delivered"  # up: the result reached the applicant
STATUS = "case.status"  # down: the state of the case at the tier holding it

_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class Applicant:
    kind: str
    name: str
    id_number: str
    phone: str = ""


# --- helpers -----------------------------------------------------------------------------------


def _centre(code_or_centre: str | ServiceCentre) -> ServiceCentre:
    if isinstance(code_or_centre, ServiceCentre):
        return code_or_centre
    # SQL written once on the hot path (core.sql): the ORM spent more time compiling this
    # lookup than PostgreSQL spent running it.
    centre = sql.one(ServiceCentre, "WHERE division_code = %s LIMIT 1", [code_or_centre])
    if centre is None:
        raise NotFound(
            _("没有行政区划代码为“%(code)s”的服务中心。"),
            code="centre_not_found",
            params={"code": code_or_centre},
        )
    return centre


def _check_actor(centre: ServiceCentre, actor: Actor) -> None:
    if actor.centre != centre.division_code:
        raise PermissionDenied(
            _("%(actor)s 不在本中心（%(centre)s）任职，不能办理本中心的办件。"),
            code="wrong_centre",
            params={"actor": actor.name, "centre": centre.name},
        )


def _active(centre: ServiceCentre) -> None:
    if centre.status != CentreStatus.ACTIVE:
        raise DomainError(
            _("%(centre)s 已暂停服务。"), code="centre_suspended", params={"centre": centre.name}
        )


def _today() -> dt.date:
    return timezone.localdate()


def validate_applicant(applicant: Applicant) -> Applicant:
    name = (applicant.name or "").strip()
    if not name:
        raise DomainError(
            _("申请人姓名（名称）不能为空。"),
            code="applicant_name_required",
            field="applicant_name",
        )
    if applicant.kind == ApplicantKind.PERSON:
        number = check_id_number(applicant.id_number)
    elif applicant.kind == ApplicantKind.ENTERPRISE:
        number = check_credit_code(applicant.id_number)
    else:
        raise DomainError(
            _("申请人类型无效，应为自然人或法人/企业。"),
            code="invalid_applicant_kind",
            field="applicant_kind",
        )
    phone = (applicant.phone or "").strip()
    if phone and not _PHONE_RE.match(phone):
        raise DomainError(
            _("联系电话“%(phone)s”格式不正确。"),
            code="invalid_phone",
            field="applicant_phone",
            params={"phone": mask_phone(phone)},
        )
    return Applicant(kind=applicant.kind, name=name, id_number=number, phone=phone)


def _next_tracking_no(centre: ServiceCentre, day: dt.date) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO delegation_dailycounter (day, last) VALUES (%s, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = delegation_dailycounter.last + 1 RETURNING last",
            [day],
        )
        (seq,) = cur.fetchone()
    return f"{centre.division_code}-{day:%Y%m%d}-{seq:05d}"


def _applicant_fields(kind: str, name: str, id_number: str, phone: str) -> dict:
    """A new case's applicant columns, with the keyed hash its sealed ID number is found by."""
    return {
        "applicant_kind": kind,
        "applicant_name": name,
        "applicant_id_number": id_number,
        "applicant_phone": phone,
        "applicant_id_hash": personal_data.lookup_hash(id_number),
    }


def _version_fields(version) -> dict:
    """A new case's copy of its dictionary version (the case keeps what it was filed under)."""
    return {
        "item_version": version,
        "item_code": version.item.code,
        "item_name": version.name,
        "handling_type": version.handling_type,
        "legal_limit_days": version.legal_limit_days,
        "promised_limit_days": version.promised_limit_days,
    }


def _get_case(ref: int | str | Case, *, lock: bool = True) -> Case:
    """The case by id or tracking number, locked (``FOR UPDATE``) unless ``lock`` is false.

    SQL written once (core.sql: the ORM's compilation cost more than the query); the
    item version comes from ``_version`` (versions are immutable), and the delegations are
    loaded only if a caller touches them (``_peer`` reads their immutable peer centre).
    """
    if isinstance(ref, Case):
        ref = ref.pk
    column = "id" if isinstance(ref, int) else "tracking_no"
    case = sql.one(Case, _GET_CASE_SQL[column, lock], [ref])
    if case is None:
        raise NotFound(_("本中心没有办件“%(ref)s”。"), code="case_not_found", params={"ref": ref})
    _ITEM_VERSION_FIELD.set_cached_value(case, _version(case.item_version_id))
    return case


_GET_CASE_SQL = {
    (column, lock): f"WHERE {column} = %s" + (" FOR UPDATE" if lock else "")
    for column in ("id", "tracking_no")
    for lock in (False, True)
}
_ITEM_VERSION_FIELD = Case._meta.get_field("item_version")
_versions: dict[int, object] = {}
_peers: dict[tuple[str, uuid.UUID], str] = {}


def _version(pk: int):
    """A dictionary version by id, cached in the process: versions never change (the database
    refuses UPDATE on them, catalog migration 0001)."""
    from catalog.models import ServiceItemVersion

    version = _versions.get(pk)
    if version is None:
        version = _versions[pk] = ServiceItemVersion.objects.get(pk=pk)
    return version


def _peer(delegation_id: uuid.UUID | None) -> str:
    """The centre at the other end of a delegation of this centre ("" for none), cached: a
    delegation's peer never changes. Keyed by schema, as both ends share the delegation's id."""
    if delegation_id is None:
        return ""
    key = (connection.schema_name, delegation_id)
    peer = _peers.get(key)
    if peer is None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT peer_centre FROM delegation_delegation WHERE id = %s", [delegation_id]
            )
            (peer,) = cur.fetchone()
        if len(_peers) > 100_000:
            _peers.clear()
        _peers[key] = peer
    return peer


def _remember_peer(delegation: Delegation) -> None:
    """A delegation just created here: its peer is known, no need to read it back (``_peer``).
    Should the transaction roll back, the entry names an id no delegation will ever have."""
    _peers[(connection.schema_name, delegation.id)] = delegation.peer_centre


def _hop(delegation_id: uuid.UUID) -> Delegation:
    """A reference to one of this centre's delegations, enough for ``_send`` (which locks the
    row with its UPDATE): its id and its immutable peer, without reading the row again."""
    return Delegation(id=delegation_id, peer_centre=_peer(delegation_id))


@contextmanager
def _case_at(
    centre: ServiceCentre | str, actor: Actor | None, case_ref
) -> Iterator[tuple[ServiceCentre, Case]]:
    """The prologue of every case service: the centre, the actor acting there (unless the applicant
    acts: ``None``), one transaction in the centre's schema, and the case locked in it."""
    centre = _centre(centre)
    if actor is not None:
        _check_actor(centre, actor)
    with in_centre(centre), transaction.atomic():
        yield centre, _get_case(case_ref)


_EVENT_SQL = (
    "INSERT INTO delegation_caseevent "
    "(case_id, seq, action, from_state, to_state, actor, role, centre, at, note, data) VALUES "
    # Numbered inside the INSERT (the caller holds the case's row lock): one statement, not two.
    "(%s, (SELECT COALESCE(MAX(seq), 0) + 1 FROM delegation_caseevent WHERE case_id = %s), "
    "%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)


def _record(
    case: Case, action: str, from_state: str, actor: Actor, note: str = "", at=None, **data
) -> None:
    """Append an event to the case's history (one INSERT, SQL written once), and write the
    notifications it causes (``notifications.hooks``) in the same transaction."""
    at = at or timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            _EVENT_SQL,
            [
                case.pk,
                case.pk,
                action,
                from_state,
                case.state,
                actor.name,
                actor.role,
                actor.centre,
                at,
                note,
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False),
            ],
        )
    case_event(case, action, actor, at, data)


def _project(case: Case, centre: ServiceCentre) -> None:
    record_case(
        case,
        centre,
        received_from=_peer(case.received_from_id),
        forwarded_to=_peer(case.forwarded_to_id),
    )


def _send(delegation: Delegation, kind: str, payload: dict, sender: ServiceCentre) -> None:
    """Number the next message of ``delegation`` and put it in the outbox. The UPDATE locks the
    delegation until commit, so messages of one delegation are numbered in commit order."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE delegation_delegation SET sent_seq = sent_seq + 1 WHERE id = %s RETURNING sent_seq",
            [delegation.pk],
        )
        (delegation.sent_seq,) = cur.fetchone()
    enqueue(
        kind=kind,
        sender=sender.division_code,
        recipient=delegation.peer_centre,
        stream=delegation.id,
        seq=delegation.sent_seq,
        payload=payload,
    )


def _report_down(
    case: Case, centre: ServiceCentre, action: str, note: str = "", origin: dict | None = None
) -> None:
    """Tell the lower centre (if the case came from one) the state this case now shows."""
    if case.received_from_id is None:
        return
    delegation = _hop(case.received_from_id)
    payload = origin or {
        "centre": centre.division_code,
        "tier": centre.tier,
        "action": action,
        "at": timezone.now().isoformat(),
        "note": note,
    }
    payload = {
        **payload,
        "state": case.effective_state,
        # Which centre holds the case now (the tier above, while this one has handed it up).
        "holder": case.upstream_centre if case.state == State.ESCALATED else centre.division_code,
        "decision_reason": case.decision_reason,
        "missing_materials": list(case.missing_materials),
        "due_on": case.due_on.isoformat() if case.due_on else None,
    }
    _send(delegation, STATUS, payload, centre)


def _apply(
    centre: ServiceCentre,
    case: Case,
    action: str,
    actor: Actor,
    note: str = "",
    *,
    report: bool = True,
    on: dt.datetime | None = None,
    **data,
) -> Case:
    """Move ``case`` by ``action``: check the move, save, write the event, project, report down.

    ``on`` is when the decision was taken, if elsewhere (a decision reported from upstream).
    """
    from_state = case.state
    case.state = next_state(action, from_state, actor.role)
    now = timezone.now()
    if case.state in DECIDED_STATES:
        case.decided_at = on or now
        _close_clock(case, timezone.localdate(case.decided_at))
    if case.state in {State.REFUSED, State.WITHDRAWN, State.DELIVERED}:
        case.closed_at = now
    sql.update(case)  # case.save(), its UPDATE written once (core.sql)
    _record(case, action, from_state, actor, note, at=now, **data)
    _project(case, centre)
    case_moved(centre, case, actor)  # 督办: an order on the case is answered by the move
    if report:
        _report_down(case, centre, action, note)
    return case


# --- the clock -----------------------------------------------------------------------------------


def _pauses(case: Case) -> list[tuple[dt.date, dt.date | None]]:
    with connection.cursor() as cur:  # read afresh: a pause may have begun in this transaction
        cur.execute(
            "SELECT started_on, ended_on FROM delegation_casepause WHERE case_id = %s"
            " ORDER BY started_on",
            [case.pk],
        )
        return cur.fetchall()


def _start_clock(case: Case, day: dt.date) -> None:
    from workdays.calendar import add_working_days

    case.clock_started_on = day
    deadline = add_working_days(day, case.promised_limit_days)
    case.due_on = deadline.due
    case.calendar_fallback = case.calendar_fallback or deadline.fallback


def _move_deadline(case: Case) -> None:
    from workdays.calendar import due_date_with_pauses

    deadline = due_date_with_pauses(case.clock_started_on, case.promised_limit_days, _pauses(case))
    case.due_on = deadline.due
    case.calendar_fallback = case.calendar_fallback or deadline.fallback


def _close_clock(case: Case, day: dt.date) -> None:
    from workdays.calendar import assess_completion

    if case.clock_started_on is None:
        return
    result = assess_completion(
        case.clock_started_on, day, case.promised_limit_days, case.legal_limit_days, _pauses(case)
    )
    case.elapsed_working_days = result.elapsed
    case.on_time = result.on_time
    case.early = result.early
    case.saved_vs_legal = result.saved_vs_legal
    case.saved_vs_promised = result.saved_vs_promised
    case.calendar_fallback = case.calendar_fallback or result.fallback


# --- repairing deadlines after a calendar change -----------------------------------------------


@dataclass(frozen=True)
class DeadlineRepair:
    """What ``recompute_deadlines`` did: centres visited, open cases checked, cases changed."""

    centres: int = 0
    checked: int = 0
    changed: int = 0


_RESCHEDULE_SQL = """
WITH v AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(due)s::date[], %(fallback)s::boolean[],
                         %(notes)s::text[], %(data)s::text[]) AS v(id, due, fallback, note, data)
), changed AS (
    UPDATE delegation_case c SET due_on = v.due, calendar_fallback = v.fallback, updated_at = %(at)s
    FROM v WHERE c.id = v.id
    RETURNING c.id, c.state
), projected AS (
    UPDATE public.network_caserecord r
    SET due_on = v.due, calendar_fallback = v.fallback, updated_at = %(at)s
    FROM v WHERE r.centre_id = %(centre_id)s AND r.case_id = v.id
)
INSERT INTO delegation_caseevent
    (case_id, seq, action, from_state, to_state, actor, role, centre, at, note, data)
SELECT changed.id,
       COALESCE((SELECT MAX(e.seq) FROM delegation_caseevent e WHERE e.case_id = changed.id), 0) + 1,
       'recompute_deadline', changed.state, changed.state, %(actor)s, %(role)s, %(centre)s, %(at)s,
       v.note, v.data::jsonb
FROM changed JOIN v ON v.id = changed.id
"""


#: Centres repaired per transaction by ``recompute_deadlines``.
REPAIR_BATCH_CENTRES = 50


def recompute_deadlines(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    centres: Iterable[ServiceCentre] | None = None,
) -> DeadlineRepair:
    """Recompute the promised date of every open case whose clock window may contain a day in
    [since, until], in every centre (or in ``centres``), by the calendar as it is now.

    Called by ``workdays.services`` once each calendar write has committed, and by
    ``manage.py recompute_deadlines``. The candidates come from the projection (open, clock
    started on or before ``until``, due on or after ``since``), one query for the network; each
    centre with candidates is then repaired in its own schema with two statements whatever its
    number of cases: lock and read the cases with their pauses, then one statement that updates
    the cases that changed, their projection rows, and appends a ``recompute_deadline`` event
    to each. ``calendar_fallback`` is set afresh, so it clears once the calendar knows the days.
    Idempotent: a second run changes nothing.
    """
    from network.models import CaseRecord

    records = CaseRecord.objects.filter(
        state__in=OPEN_STATES, clock_started_on__isnull=False, due_on__isnull=False
    )
    if since is not None:
        records = records.filter(due_on__gte=since)
    if until is not None:
        records = records.filter(clock_started_on__lte=until)
    if centres is not None:
        records = records.filter(centre__in=list(centres))
    by_centre: dict[int, list[int]] = {}
    for centre_id, case_id in records.values_list("centre_id", "case_id").iterator(chunk_size=5000):
        by_centre.setdefault(centre_id, []).append(case_id)
    checked = changed = 0
    centres_to_repair = list(
        ServiceCentre.objects.filter(pk__in=by_centre).order_by("division_code")
    )
    # A batch of centres per transaction: commits are amortised, and the locks one transaction
    # takes on each schema's tables stay far below max_locks_per_transaction (a whole
    # prefecture's schemas in one transaction would exhaust the lock table).
    for first in range(0, len(centres_to_repair), REPAIR_BATCH_CENTRES):
        with transaction.atomic():
            for centre in centres_to_repair[first : first + REPAIR_BATCH_CENTRES]:
                ids = by_centre[centre.pk]
                checked += len(ids)
                changed += _recompute_centre(centre, ids)
    return DeadlineRepair(centres=len(by_centre), checked=checked, changed=changed)


def _recompute_centre(centre: ServiceCentre, case_ids: list[int]) -> int:
    from workdays.calendar import due_date_with_pauses

    # Inside the batch's transaction (no savepoint per centre: a failure undoes the batch).
    with in_centre(centre), transaction.atomic(savepoint=False), connection.cursor() as cur:
        cur.execute(
            "SELECT c.id, c.clock_started_on, c.promised_limit_days, c.due_on, c.calendar_fallback,"
            " (SELECT array_agg(p.started_on ORDER BY p.started_on) FROM delegation_casepause p"
            "   WHERE p.case_id = c.id),"
            " (SELECT array_agg(p.ended_on ORDER BY p.started_on) FROM delegation_casepause p"
            "   WHERE p.case_id = c.id) "
            "FROM delegation_case c WHERE c.id = ANY(%s) AND c.state = ANY(%s) "
            "AND c.clock_started_on IS NOT NULL ORDER BY c.id FOR UPDATE OF c",
            [case_ids, list(OPEN_STATES)],
        )
        cases = cur.fetchall()
        rows: dict[str, list] = {"ids": [], "due": [], "fallback": [], "notes": [], "data": []}
        for case_id, started, days, due_on, fallback, pauses_from, pauses_to in cases:
            pauses = list(zip(pauses_from, pauses_to, strict=True)) if pauses_from else ()
            deadline = due_date_with_pauses(started, days, pauses)
            if (deadline.due, deadline.fallback) == (due_on, fallback):
                continue
            rows["ids"].append(case_id)
            rows["due"].append(deadline.due)
            rows["fallback"].append(deadline.fallback)
            rows["notes"].append(
                str(
                    _("工作日安排有变，承诺办结日由 %(old)s 调整为 %(new)s。")
                    % {"old": due_on.isoformat(), "new": deadline.due.isoformat()}
                    if deadline.due != due_on
                    else _("工作日安排已确定，承诺办结日 %(due)s 不变。")
                    % {"due": deadline.due.isoformat()}
                )
            )
            rows["data"].append(
                json.dumps(
                    {
                        "old_due_on": due_on.isoformat(),
                        "due_on": deadline.due.isoformat(),
                        "calendar_fallback": deadline.fallback,
                    }
                )
            )
        if rows["ids"]:
            system = Actor.system(centre.division_code)
            cur.execute(
                _RESCHEDULE_SQL,
                {
                    **rows,
                    "at": timezone.now(),
                    "centre_id": centre.pk,
                    "actor": system.name,
                    "role": system.role,
                    "centre": centre.division_code,
                },
            )
        return len(rows["ids"])


# --- logging a request ---------------------------------------------------------------------------


def log_request(
    centre: ServiceCentre | str,
    actor: Actor,
    *,
    applicant: Applicant,
    item_code: str,
    materials_received: Iterable[str] = (),
    channel: str | None = None,
    idempotency_key: str | None = None,
    note: str = "",
    sms_opt_out: bool = False,
) -> Case:
    """Register a citizen's request at ``centre`` (a village register entry, or a window case).

    ``sms_opt_out``: the applicant declines the non-essential text messages (docs/notifications.md).
    """
    from catalog.services import active_version

    centre = _centre(centre)
    _check_actor(centre, actor)
    _active(centre)
    if actor.role not in DESK_ROLES:
        raise PermissionDenied(_("只有代办员或窗口人员可以登记办件。"), code="role_not_allowed")
    applicant = validate_applicant(applicant)
    version = active_version(item_code)
    received = set(materials_received)
    required = list(version.materials.order_by("position"))
    unknown = received - {m.name for m in required}
    if unknown:
        raise DomainError(
            _("“%(names)s”不是该事项要求的材料。"),
            code="unknown_material",
            field="materials_received",
            params={"names": "、".join(sorted(unknown))},
        )
    if channel is None:
        channel = Channel.VILLAGE_PROXY if centre.tier == Tier.VILLAGE else Channel.WINDOW
    if channel not in {Channel.WINDOW, Channel.VILLAGE_PROXY, Channel.ONLINE}:
        raise DomainError(
            _("渠道“%(channel)s”无效。"),
            code="invalid_channel",
            field="channel",
            params={"channel": channel},
        )
    with in_centre(centre), transaction.atomic():
        if idempotency_key and Case.objects.filter(idempotency_key=idempotency_key).exists():
            existing = Case.objects.get(idempotency_key=idempotency_key)
            raise DomainError(
                _("重复提交：该申请已登记为 %(tracking_no)s。"),
                code="duplicate_submission",
                field="idempotency_key",
                params={"tracking_no": existing.tracking_no},
            )
        today = _today()
        tracking_no = _next_tracking_no(centre, today)
        query_code = new_query_code()  # printed on the receipt: the second factor of tracking
        case = Case(
            tracking_no=tracking_no,
            query_code=query_code,
            query_code_hash=query_code_hash(tracking_no, query_code),
            channel=channel,
            **_applicant_fields(
                applicant.kind, applicant.name, applicant.id_number, applicant.phone
            ),
            **_version_fields(version),
            materials=[
                {"name": m.name, "form": m.form, "count": m.count, "received": m.name in received}
                for m in required
            ],
            handler_name=actor.name,
            idempotency_key=idempotency_key or None,
            note=note,
            origin_centre=centre.division_code,
        )
        if centre.tier == Tier.VILLAGE:
            # The village register promises the citizen the item's limit from the day they came.
            _start_clock(case, today)
        try:
            with transaction.atomic():
                sql.insert(case)  # case.save(), its INSERT written once (core.sql)
        except IntegrityError as exc:  # a concurrent submission with the same key won the race
            raise DomainError(
                _("重复提交：该申请已登记。"), code="duplicate_submission", field="idempotency_key"
            ) from exc
        _record(
            case,
            "log",
            "",
            actor,
            note,
            item_version=version.pk,
            **({"sms_opt_out": True} if sms_opt_out else {}),
        )
        _project(case, centre)
    return case


def complete_materials(
    centre: ServiceCentre | str, actor: Actor, case_ref, *, materials: list[str], note: str = ""
) -> Case:
    """补齐材料: the applicant hands in materials that were missing when the case was logged.

    For a case logged at this centre (a village register entry, a window case) that has not
    left it: the agent or the window clerk records them, so a forward refused for missing
    materials is never a dead end. A case received from below gets a one-time notice instead.
    """
    with _case_at(centre, actor, case_ref) as (centre, case):
        if case.channel == Channel.DELEGATED:
            raise DomainError(
                _("该办件由下级转报，缺少的材料请一次性告知申请人补正。"),
                code="materials_from_below",
                field="materials",
            )
        next_state("complete_materials", case.state, actor.role)
        names = [m.strip() for m in materials if m and m.strip()]
        if not names:
            raise DomainError(
                _("请列出申请人补交的材料。"), code="materials_empty", field="materials"
            )
        unknown = set(names) - {m["name"] for m in case.materials}
        if unknown:
            raise DomainError(
                _("“%(names)s”不是该事项要求的材料。"),
                code="unknown_material",
                field="materials",
                params={"names": "、".join(sorted(unknown))},
            )
        added = [m["name"] for m in case.materials if m["name"] in names and not m["received"]]
        if not added:  # already recorded (a retry): nothing to do
            return case
        for material in case.materials:
            if material["name"] in added:
                material["received"] = True
        case.save(update_fields=["materials", "updated_at"])
        still = [m["name"] for m in case.materials if not m["received"]]
        _record(
            case, "complete_materials", case.state, actor, note, added=added, still_missing=still
        )
        _project(case, centre)
        return case


# --- handing a case up ---------------------------------------------------------------------------


def forward_case(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    to: str | None = None,
    note: str = "",
    papers=None,
) -> Delegation:
    """A village agent forwards a proxy case (全程代办) to the township centre above."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        if not case.item_version.proxy_eligible:
            raise DomainError(
                _("事项“%(item)s”不可代办。"),
                code="not_proxy_eligible",
                params={"item": case.item_name},
            )
        return _hand_up(centre, actor, case, "forward", to=to, note=note, papers=papers)


def escalate_case(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    to: str | None = None,
    note: str = "",
    papers=None,
) -> Delegation:
    """Hand a case this centre may not decide to the parent centre (上报)."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        tiers = case.item_version.decision_tiers
        if centre.tier in tiers:
            raise DomainError(
                _("本中心（%(tier)s）有权办理“%(item)s”，应在本级办结，不能上报。"),
                code="decide_here",
                params={"tier": Tier(centre.tier).label, "item": case.item_name},
            )
        if not any(TIER_RANK[t] > TIER_RANK[centre.tier] for t in tiers):
            raise DomainError(_("没有更高层级有权办理该事项。"), code="no_deciding_tier")
        return _hand_up(centre, actor, case, "escalate", to=to, note=note, papers=papers)


def _hand_up(
    centre: ServiceCentre,
    actor: Actor,
    case: Case,
    action: str,
    *,
    to: str | None,
    note: str,
    papers=None,
) -> Delegation:
    parent = centre.parent
    if parent is None:
        raise DomainError(
            _("%(centre)s 没有上级中心。"), code="no_parent", params={"centre": centre.name}
        )
    if to is not None and to != parent.division_code:
        raise DomainError(
            _("只能上报给直接上级（%(parent)s），不能报给“%(to)s”。"),
            code="not_parent",
            field="to",
            params={"parent": parent.division_code, "to": to},
        )
    if parent.status != CentreStatus.ACTIVE:
        raise DomainError(
            _("上级中心 %(parent)s 已暂停服务。"),
            code="parent_suspended",
            params={"parent": parent.name},
        )
    missing = [m["name"] for m in case.materials if not m["received"]]
    if missing:
        raise DomainError(
            _("材料不齐，不能上报：缺少 %(names)s。"),
            code="materials_missing",
            field="materials",
            params={"names": "、".join(missing)},
        )
    next_state(action, case.state, actor.role)  # check before creating anything
    delegation = sql.insert(
        Delegation(
            id=uuid.uuid4(),
            direction=Direction.UP,
            case=case,
            peer_centre=parent.division_code,
            peer_tier=parent.tier,
            tracking_no=case.tracking_no,
        )
    )
    _remember_peer(delegation)
    case.forwarded_to = delegation
    case.escalated_at = timezone.now()
    case.upstream_state = State.SUBMITTED
    case.upstream_centre = parent.division_code
    _apply(centre, case, action, actor, note, to=parent.division_code)
    _send(
        delegation,
        FORWARDED,
        {
            "tracking_no": case.tracking_no,
            "query_code_hash": case.query_code_hash,
            "origin_centre": case.origin_centre,
            "item_version": case.item_version_id,
            # ID number and phone sealed (core.personal_data); apply_forwarded opens them.
            "applicant": personal_data.seal_applicant(
                {
                    "kind": case.applicant_kind,
                    "name": case.applicant_name,
                    "id_number": case.applicant_id_number,
                    "phone": case.applicant_phone,
                }
            ),
            "materials": case.materials,
            "note": note,
            "forwarded_by": actor.name,
            "sender_tier": centre.tier,
            "at": case.escalated_at.isoformat(),
        },
        centre,
    )
    # The applicant's papers go with the case (全程代办): by default all this centre holds.
    from custody.services import papers_follow_case

    papers_follow_case(centre, actor, case, papers)
    return delegation


# --- deciding ------------------------------------------------------------------------------------


def accept_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, note: str = "") -> Case:
    """受理: take the case on. All required materials must be in; the clock starts today, or on
    the intake day if the 5-working-day window has already lapsed (the law counts the case as
    accepted from then: ``INTAKE_WINDOW_WORKING_DAYS``)."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        missing = [m["name"] for m in case.materials if not m["received"]]
        if missing:
            raise DomainError(
                _("材料不齐，不能受理：缺少 %(names)s。请一次性告知申请人补正，或不予受理。"),
                code="materials_missing",
                field="materials",
                params={"names": "、".join(missing)},
            )
        next_state("accept", case.state, actor.role)
        today = _today()
        data = {}
        if _intake_lapsed(centre, case, today):
            day, case.accepted_at = _intake_received(case)
            data["deemed_from"] = day
        else:
            day, case.accepted_at = today, timezone.now()
        if case.clock_started_on is None:
            _start_clock(case, day)
        return _apply(centre, case, "accept", actor, note, **data)


# --- intake: the 5-working-day window of 行政许可法 art. 32 ------------------------------------

#: A received case is accepted, refused or given the one-time notice within this many working
#: days of its intake day; otherwise it counts as accepted from that day (超时默认).
INTAKE_WINDOW_WORKING_DAYS = 5


def _intake_received(case: Case) -> tuple[dt.date, dt.datetime]:
    """The intake day of a case not yet accepted, and the moment it began: the receipt, or, if
    a one-time notice came before acceptance, the day its supplement completed the materials
    (the application is complete from then, so the window runs again from then)."""
    ended = [end for _start, end in _pauses(case) if end is not None]
    received = timezone.localdate(case.submitted_at)
    if ended and max(ended) > received:
        day = max(ended)
        return day, timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return received, case.submitted_at


def intake_window_ends(case: Case, centre: ServiceCentre | None = None) -> dt.date | None:
    """The last day to accept, refuse or notify a received case at ``centre`` (None once it is
    past intake, or for a village register entry). Read in the centre's schema."""
    from workdays.calendar import add_working_days

    if case.state != State.SUBMITTED or case.accepted_at is not None:
        return None
    if centre is not None and centre.tier == Tier.VILLAGE:
        return None
    day, _moment = _intake_received(case)
    return add_working_days(day, INTAKE_WINDOW_WORKING_DAYS).due


def _intake_lapsed(centre: ServiceCentre, case: Case, today: dt.date) -> bool:
    """Whether the intake window of ``case`` is over. A village register entry has none: the
    agent forwards it (supervised separately), the receiving centre's window starts then."""
    from workdays.calendar import add_working_days

    if centre.tier == Tier.VILLAGE or case.state != State.SUBMITTED or case.accepted_at:
        return False
    # A supplement only moves the intake day later: in time by the receipt is in time (and
    # spares the hot path of acceptance a query for the pauses).
    received = timezone.localdate(case.submitted_at)
    if today <= add_working_days(received, INTAKE_WINDOW_WORKING_DAYS).due:
        return False
    ends = intake_window_ends(case)
    return ends is not None and today > ends


def _deem_accepted(centre: ServiceCentre, case: Case) -> Case:
    day, case.accepted_at = _intake_received(case)
    if case.clock_started_on is None:
        _start_clock(case, day)
    missing = [m["name"] for m in case.materials if not m["received"]]
    return _apply(
        centre,
        case,
        "deemed_accept",
        Actor.system(centre.division_code),
        _(
            "收到申请材料之日（%(day)s）起 %(days)d 个工作日内未受理、未一次性告知补正，"
            "依法自该日起视为受理。"
        )
        % {"day": day.isoformat(), "days": INTAKE_WINDOW_WORKING_DAYS},
        deemed_from=day,
        missing_materials=missing,
    )


def accept_lapsed_intake(
    centre: ServiceCentre | str, case_ref, *, today: dt.date | None = None
) -> Case | None:
    """超时默认: accept ``case_ref`` from its intake day if its window has lapsed; the case, or
    None if there was nothing to do (already handled, a village register entry, still in time).
    Idempotent: a second call finds the case accepted and does nothing."""
    with _case_at(centre, None, case_ref) as (centre, case):
        if case.state != State.SUBMITTED or not _intake_lapsed(centre, case, today or _today()):
            return None
        return _deem_accepted(centre, case)


def _last_lapsed_intake_day(today: dt.date) -> dt.date:
    """The latest intake day whose window is over by ``today``."""
    from workdays.calendar import add_working_days

    day = today - dt.timedelta(days=1)
    while add_working_days(day, INTAKE_WINDOW_WORKING_DAYS).due >= today:
        day -= dt.timedelta(days=1)
    return day


def accept_lapsed_intakes(
    *, today: dt.date | None = None, centres: Iterable[ServiceCentre] | None = None
) -> int:
    """Apply ``accept_lapsed_intake`` to every received case in the network whose window is over.

    The candidates come from the projection (received, not at a village, arrived on or before the
    last lapsed intake day); each centre then confirms them in its own schema (a supplement after
    a pre-acceptance notice moves the intake day later). Returns the number of cases accepted.
    """
    from network.models import CaseRecord

    today = today or _today()
    last = _last_lapsed_intake_day(today)
    before = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    records = CaseRecord.objects.filter(state=State.SUBMITTED, submitted_at__lt=before).exclude(
        tier=Tier.VILLAGE
    )
    if centres is not None:
        records = records.filter(centre__in=list(centres))
    by_centre: dict[int, list[int]] = {}
    for centre_id, case_id in records.values_list("centre_id", "case_id"):
        by_centre.setdefault(centre_id, []).append(case_id)
    accepted = 0
    for centre in ServiceCentre.objects.filter(pk__in=by_centre).order_by("division_code"):
        for case_id in sorted(by_centre[centre.pk]):
            if accept_lapsed_intake(centre, case_id, today=today) is not None:
                accepted += 1
    return accepted


def refuse_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, reason: str) -> Case:
    """不予受理, with the reason the applicant is told."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        _require_reason(reason)  # after the actor check: outsiders learn nothing
        if case.state == State.SUBMITTED and _intake_lapsed(centre, case, _today()):
            raise DomainError(
                _(
                    "该办件收到材料后 %(days)d 个工作日内未作处理，依法已视为受理，"
                    "不能再不予受理；请审核后作出决定。"
                ),
                code="intake_deemed_accepted",
                params={"days": INTAKE_WINDOW_WORKING_DAYS},
            )
        case.decision_reason = reason
        return _apply(centre, case, "refuse", actor, reason)


def request_supplement(
    centre: ServiceCentre | str, actor: Actor, case_ref, *, materials: list[str], note: str = ""
) -> Case:
    """一次性告知: list every missing or defective material at once; the clock stops.

    On a received case (before acceptance) within its intake window, or on an accepted one. A
    notice on a received case whose window has lapsed comes too late to hold up acceptance: the
    case is first accepted from its intake day (超时默认), then the notice stops its clock.
    """
    with _case_at(centre, actor, case_ref) as (centre, case):
        names = [m.strip() for m in materials if m and m.strip()]
        if not names:
            raise DomainError(
                _("一次性告知必须列出全部需补正的材料。"),
                code="supplement_list_empty",
                field="materials",
            )
        if len(set(names)) != len(names):
            raise DomainError(
                _("补正材料清单有重复项。"), code="supplement_list_duplicate", field="materials"
            )
        if case.state == State.SUPPLEMENT_NEEDED:
            raise DomainError(
                _("已发出一次性告知，不能再次要求补正，请等待申请人补齐。"),
                code="supplement_already_requested",
            )
        next_state("request_supplement", case.state, actor.role)
        if case.state == State.SUBMITTED and _intake_lapsed(centre, case, _today()):
            case = _deem_accepted(centre, case)
        known = {m["name"] for m in case.materials}
        for material in case.materials:
            if material["name"] in names:
                material["received"] = False
        case.materials = case.materials + [
            {"name": n, "form": "original", "count": 1, "received": False}
            for n in names
            if n not in known
        ]
        case.missing_materials = names
        CasePause.objects.create(case=case, started_on=_today(), materials=names)
        return _apply(centre, case, "request_supplement", actor, note, materials=names)


def receive_supplement(
    centre: ServiceCentre | str, actor: Actor, case_ref, *, materials: list[str], note: str = ""
) -> Case:
    """补正: the applicant supplied materials. When all listed are in, the clock runs again.

    At a centre where the case is handed up and the tier above asked for supplements, the
    materials are passed up instead (full-process proxy: the citizen never travels).
    """
    with _case_at(centre, actor, case_ref) as (centre, case):
        if case.state == State.ESCALATED and case.upstream_state == State.SUPPLEMENT_NEEDED:
            return _pass_supplement_up(centre, case, actor, materials, note)
        return _receive_supplement(centre, case, actor, materials, note)


def _receive_supplement(centre, case: Case, actor: Actor, materials: list[str], note: str) -> Case:
    if case.state == State.SUBMITTED and case.channel != Channel.DELEGATED:
        # No notice in force on a case logged here: the materials are simply completed.
        raise DomainError(
            _("该办件没有待补正的一次性告知；申请人补交的材料请用“补齐材料”登记。"),
            code="no_notice_in_force",
            field="materials",
        )
    if case.state != State.SUPPLEMENT_NEEDED:
        next_state("receive_supplement", case.state, actor.role)  # raises the coded error
    supplied = set(materials)
    unknown = supplied - set(case.missing_materials)
    if unknown:
        raise DomainError(
            _("“%(names)s”不在一次性告知的补正清单中。"),
            code="not_requested",
            field="materials",
            params={"names": "、".join(sorted(unknown))},
        )
    still = [name for name in case.missing_materials if name not in supplied]
    for material in case.materials:
        if material["name"] in supplied:
            material["received"] = True
    case.missing_materials = still
    if still:
        case.save(update_fields=["materials", "missing_materials", "updated_at"])
        _record(
            case,
            "partial_supplement",
            case.state,
            actor,
            note,
            supplied=sorted(supplied),
            still_missing=still,
        )
        _project(case, centre)
        return case
    CasePause.objects.filter(case=case, ended_on__isnull=True).update(ended_on=_today())
    if case.clock_started_on is not None:
        _move_deadline(case)
    # Back to the step the notice found the case at: received (the intake window runs again
    # from today, the day the materials are complete) or accepted (the clock runs again).
    action = "receive_supplement_at_intake" if case.accepted_at is None else "receive_supplement"
    return _apply(centre, case, action, actor, note, supplied=sorted(supplied))


def _pass_supplement_up(centre, case: Case, actor: Actor, materials: list[str], note: str) -> Case:
    delegation = _hop(case.forwarded_to_id)
    for material in case.materials:
        if material["name"] in materials:
            material["received"] = True
    case.save(update_fields=["materials", "updated_at"])
    _record(
        case,
        "supplement_passed_up",
        case.state,
        actor,
        note,
        supplied=sorted(materials),
        to=delegation.peer_centre,
    )
    _send(
        delegation,
        SUPPLEMENTED,
        {"materials": sorted(materials), "note": note, "by": actor.name},
        centre,
    )
    return case


def start_review(centre: ServiceCentre | str, actor: Actor, case_ref, *, note: str = "") -> Case:
    """承办/审核: the centre starts working on an accepted case it may decide."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        _may_decide(centre, case)
        return _apply(centre, case, "start_review", actor, note)


def approve_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, note: str = "") -> Case:
    return _decide(centre, actor, case_ref, "approve", note)


def deny_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, reason: str) -> Case:
    _require_reason(reason)
    return _decide(centre, actor, case_ref, "deny", reason)


def _decide(centre, actor: Actor, case_ref, action: str, note: str) -> Case:
    with _case_at(centre, actor, case_ref) as (centre, case):
        _may_decide(centre, case)
        case.decision_reason = note
        return _apply(centre, case, action, actor, note)


def _may_decide(centre: ServiceCentre, case: Case) -> None:
    if centre.tier not in case.item_version.decision_tiers:
        raise DomainError(
            _("“%(item)s”不在%(tier)s的办理权限内，应上报。"),
            code="not_decision_tier",
            params={"item": case.item_name, "tier": Tier(centre.tier).label},
        )


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise DomainError(_("必须说明理由。"), code="reason_required", field="reason")


def withdraw_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, reason: str) -> Case:
    """撤回 on the applicant's request; a handed-up case is withdrawn up the chain too."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        _require_reason(reason)  # after the actor check: outsiders learn nothing
        was_escalated = case.state == State.ESCALATED
        case = _apply(centre, case, "withdraw", actor, reason)
        if was_escalated:
            delegation = _hop(case.forwarded_to_id)
            _send(delegation, WITHDRAWN, {"reason": reason, "by": actor.name}, centre)
        return case


def deliver_case(centre: ServiceCentre | str, actor: Actor, case_ref, *, note: str = "") -> Case:
    """送达: the result reaches the applicant. At the origin this is the reply to the citizen."""
    with _case_at(centre, actor, case_ref) as (centre, case):
        from custody.services import check_papers_accounted

        check_papers_accounted(case)  # never closed with the applicant's papers unaccounted
        case = _apply(centre, case, "deliver", actor, note)
        _deliver_upwards(case, centre)
        return case


def _deliver_upwards(case: Case, centre: ServiceCentre) -> None:
    if case.forwarded_to_id:
        delegation = _hop(case.forwarded_to_id)
        _send(delegation, DELIVERED, {"at": timezone.now().isoformat()}, centre)


def rate_case(
    centre: ServiceCentre | str,
    case_ref,
    *,
    rating: int,
    recorded_by: Actor | None = None,
    comment: str = "",
    hop: str | None = None,
) -> Case:
    """好差评 entered at the desk: the rating the applicant gave (1 very poor … 5 very good).

    ``recorded_by`` is the agent or window staff entering it (the village register, a phone
    call); it must work at ``centre``. The rating is recorded by ``ratings.services`` (public
    schema, marked ``desk``) for ``hop``, by default the centre that decided the case, whose
    rating feeds the assessment (docs/ratings.md). ``Case.rating`` is no longer written."""
    from ratings import services as ratings

    with _case_at(centre, recorded_by, case_ref) as (centre, case):
        ratings.rate_at_desk(
            centre, recorded_by, case.tracking_no, level=rating, comment=comment, hop=hop
        )
        return case


# --- applying messages from other centres (called by delegation.inbox) ------------------------------


def apply_forwarded(centre: ServiceCentre, message: dict) -> Delegation:
    """A lower centre forwarded a case: open it here as a new case of this centre."""
    from catalog.models import ServiceItemVersion

    p = message["payload"]
    applicant = personal_data.open_applicant(p["applicant"])
    version = ServiceItemVersion.objects.select_related("item").get(pk=p["item_version"])
    case = sql.insert(
        Case(
            tracking_no=p["tracking_no"],
            query_code_hash=p.get("query_code_hash", ""),  # absent in messages of older versions
            channel=Channel.DELEGATED,
            **_applicant_fields(
                applicant["kind"], applicant["name"], applicant["id_number"], applicant["phone"]
            ),
            **_version_fields(version),
            materials=p["materials"],
            origin_centre=p["origin_centre"],
            note=p.get("note", ""),
            # The delegation row follows in this transaction; the foreign key is checked at commit
            # (Django's PostgreSQL keys are DEFERRABLE INITIALLY DEFERRED), so no UPDATE after it.
            received_from_id=message["stream"],
        )
    )
    # A case just opened has no clock pauses: the projection need not ask.
    case._prefetched_objects_cache = {"pauses": CasePause.objects.none()}
    delegation = sql.insert(
        Delegation(
            id=message["stream"],
            direction=Direction.DOWN,
            case=case,
            peer_centre=message["sender"],
            peer_tier=p.get("sender_tier", ""),
            tracking_no=case.tracking_no,
        )
    )
    _remember_peer(delegation)
    case.received_from = delegation
    _record(
        case,
        "receive",
        "",
        Actor.system(centre.division_code),
        p.get("note", ""),
        from_centre=message["sender"],
    )
    _project(case, centre)
    return delegation


_UPSTREAM_ACTIONS = {
    State.APPROVED: "upstream_approved",
    State.DENIED: "upstream_denied",
    State.REFUSED: "upstream_refused",
    State.WITHDRAWN: "upstream_withdrawn",
}


def apply_status(centre: ServiceCentre, delegation: Delegation, message: dict) -> Case:
    """The tier above reports the state of the case it holds: mirror it, and pass it down."""
    p = message["payload"]
    case = _get_case(delegation.case_id)
    system = Actor.system(centre.division_code)
    if case.state != State.ESCALATED or case.forwarded_to_id != delegation.pk:
        # Already closed here (e.g. withdrawn while the decision travelled): keep the report.
        _record(
            case,
            "upstream_status_ignored",
            case.state,
            system,
            p.get("note", ""),
            **_status_data(p),
        )
        return case
    case.upstream_state = p["state"]
    case.upstream_centre = p["holder"]
    if p.get("state") == State.SUPPLEMENT_NEEDED:
        case.missing_materials = p.get("missing_materials", [])
        for material in case.materials:
            if material["name"] in case.missing_materials:
                material["received"] = False
    action = _UPSTREAM_ACTIONS.get(p["state"])
    if action:
        case.decision_reason = p.get("decision_reason", "")
        case.upstream_state = ""
        decided = dt.datetime.fromisoformat(p["at"]) if p.get("at") else None
        _apply(
            centre,
            case,
            action,
            system,
            p.get("note", ""),
            report=False,
            on=decided,
            **_status_data(p),
        )
    else:
        sql.update(case)
        _record(case, "upstream_status", case.state, system, p.get("note", ""), **_status_data(p))
        _project(case, centre)
    _report_down(case, centre, p.get("action", ""), origin=_status_origin(p))
    return case


def _status_data(p: dict) -> dict:
    return {
        "upstream_state": p.get("state"),
        "upstream_centre": p.get("holder"),
        "acted_at_centre": p.get("centre"),
        "upstream_action": p.get("action"),
    }


def _status_origin(p: dict) -> dict:
    return {k: p.get(k) for k in ("centre", "tier", "action", "at", "note")}


def apply_supplemented(centre: ServiceCentre, delegation: Delegation, message: dict) -> Case:
    p = message["payload"]
    case = _get_case(delegation.case_id)
    system = Actor.system(centre.division_code)
    if case.state == State.ESCALATED and case.upstream_state == State.SUPPLEMENT_NEEDED:
        return _pass_supplement_up(centre, case, system, p["materials"], p.get("note", ""))
    if case.state == State.SUPPLEMENT_NEEDED:
        try:
            with transaction.atomic():
                return _receive_supplement(centre, case, system, p["materials"], p.get("note", ""))
        except DomainError as exc:
            _record(
                case,
                "supplement_rejected",
                case.state,
                system,
                exc.message,
                supplied=p["materials"],
            )
            return case
    _record(
        case, "supplement_ignored", case.state, system, p.get("note", ""), supplied=p["materials"]
    )
    return case


def apply_withdrawn(centre: ServiceCentre, delegation: Delegation, message: dict) -> Case:
    p = message["payload"]
    case = _get_case(delegation.case_id)
    system = Actor.system(centre.division_code)
    if case.state in {
        State.SUBMITTED,
        State.ACCEPTED,
        State.SUPPLEMENT_NEEDED,
        State.IN_REVIEW,
        State.ESCALATED,
    }:
        was_escalated = case.state == State.ESCALATED
        case.decision_reason = p.get("reason", "")
        # No report down: the lower centre already withdrew.
        _apply(centre, case, "withdraw", system, p.get("reason", ""), report=False)
        if was_escalated:
            up = _hop(case.forwarded_to_id)
            _send(up, WITHDRAWN, p, centre)
    else:
        _record(case, "withdraw_too_late", case.state, system, p.get("reason", ""))
    return case


def apply_delivered(centre: ServiceCentre, delegation: Delegation, message: dict) -> Case:
    case = _get_case(delegation.case_id)
    system = Actor.system(centre.division_code)
    if case.state in DECIDED_STATES:
        _apply(centre, case, "deliver", system, report=False)
        _deliver_upwards(case, centre)
    else:
        _record(case, "delivery_noted", case.state, system)
    return case
