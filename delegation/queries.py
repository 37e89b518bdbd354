"""The read side of cases: who sees which cases, the worklist's filters, workload aggregates.

Every function that reads a centre's cases takes the centre and the acting ``Actor`` and checks
them first (``accounts.permissions``): a centre's cases are read only by a desk role at that
centre, and only from that centre's schema (the request was routed there; reading another
schema by mistake raises instead of answering). Workload aggregates come from the network
projection (``network.CaseRecord``), which holds no personal data: a head reads its subtree's,
an assessor its city's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import (
    require_assessor_scope,
    require_desk_actor,
    require_head,
    subtree_prefix,
)
from core import personal_data, sql
from core.errors import NotFound
from core.roles import Actor
from delegation.models import OPEN_STATES, Case, State
from delegation.tracking import Hop, hops_of
from tenants.models import ServiceCentre

#: A case is "due soon" (yellow warning) when its promised date is at most this many working
#: days ahead; "overdue" (red) once the date has passed.
DUE_SOON_WORKING_DAYS = 2
#: States in which the clock runs (a supplement request stops it).
CLOCK_RUNNING = frozenset(OPEN_STATES - {State.SUPPLEMENT_NEEDED})
YELLOW, RED = "yellow", "red"


def _in_schema(centre: ServiceCentre) -> None:
    if connection.schema_name != centre.schema_name:
        raise RuntimeError(
            f"reading {centre.division_code}'s cases from schema {connection.schema_name}"
        )


def today() -> dt.date:
    return timezone.localdate()


def due_soon_until(day: dt.date) -> dt.date:
    from workdays.calendar import add_working_days

    return add_working_days(day, DUE_SOON_WORKING_DAYS).due


def overdue_q(day: dt.date) -> Q:
    return Q(state__in=CLOCK_RUNNING, due_on__lt=day)


def due_soon_q(day: dt.date) -> Q:
    return Q(state__in=CLOCK_RUNNING, due_on__gte=day, due_on__lte=due_soon_until(day))


def deadline_warning(case: Case, day: dt.date, soon: dt.date) -> str | None:
    """``red`` overdue, ``yellow`` due soon, None otherwise (电子监察预警)."""
    if case.state not in CLOCK_RUNNING or case.due_on is None:
        return None
    if case.due_on < day:
        return RED
    if case.due_on <= soon:
        return YELLOW
    return None


def calendar_notice(case: Case) -> str | None:
    """What staff and the applicant should know when a case's dates were counted on days the
    calendar does not know yet (weekends-only, ``calendar_fallback``); None otherwise."""
    if not case.calendar_fallback:
        return None
    if case.state in OPEN_STATES and case.due_on is not None:
        return str(
            _(
                "承诺办结日 %(due)s 是暂定的：期间有的年份尚未公布节假日安排，暂按周一至周五"
                "计算工作日。安排公布并录入后，系统会自动重新计算。"
            )
            % {"due": case.due_on.isoformat()}
        )
    return str(_("办理时限按周一至周五计算：办理期间有的年份当时尚未公布节假日安排。"))


# --- a centre's cases ----------------------------------------------------------------------------


def visible_cases(centre: ServiceCentre, actor: Actor | None) -> QuerySet[Case]:
    """Every case ``actor`` may read at ``centre``: the centre's own register, including the
    cases delegated to it. An agent's village holds only its register, so the same rule gives
    an agent its village's register and nothing else."""
    _may_read(centre, actor)
    return Case.objects.all()


def _may_read(centre: ServiceCentre, actor: Actor | None) -> None:
    """``visible_cases``' rule, for reads written as SQL: a desk role at this very centre,
    reading in its schema. Every row of the schema is then visible."""
    require_desk_actor(actor, centre)
    _in_schema(centre)


def worklist(
    centre: ServiceCentre,
    actor: Actor | None,
    *,
    state: str | None = None,
    item_code: str | None = None,
    due_soon: bool = False,
    overdue: bool = False,
    calendar_fallback: bool | None = None,
    order: str = "newest",
    day: dt.date | None = None,
    applicant_id_number: str | None = None,
    supervision: str | None = None,
) -> QuerySet[Case]:
    day = day or today()
    cases = visible_cases(centre, actor)
    if applicant_id_number:
        # The column is sealed (every seal differs): match the keyed hash, under every key.
        hashes = personal_data.lookup_hashes(applicant_id_number)
        cases = cases.filter(applicant_id_hash__in=hashes)
    if state:
        cases = cases.filter(state=state)
    if item_code:
        cases = cases.filter(item_code=item_code.strip().upper())
    if due_soon:
        cases = cases.filter(due_soon_q(day))
    if overdue:
        cases = cases.filter(overdue_q(day))
    if calendar_fallback is not None:
        cases = cases.filter(calendar_fallback=calendar_fallback)
    if supervision:
        from supervision.services import warned_cases_q

        cases = cases.filter(warned_cases_q(centre, supervision))
    if order == "due":
        return cases.order_by(F("due_on").asc(nulls_last=True), "id")
    return cases.order_by("-submitted_at", "-id")


def case_detail(centre: ServiceCentre, actor: Actor | None, tracking_no: str) -> Case:
    _may_read(centre, actor)
    number = (tracking_no or "").strip()
    case = sql.one(Case, "WHERE tracking_no = %s ORDER BY id LIMIT 1", [number])
    if case is None:
        raise NotFound(
            _("本中心没有办件“%(ref)s”。"), code="case_not_found", params={"ref": tracking_no}
        )
    return case


# --- the chain, from the projection ---------------------------------------------------------------


def chains(tracking_nos: list[str]) -> dict[str, list[Hop]]:
    """The chains of several tracking numbers in one query (what ``services.track`` gives one by
    one): village first, with the working days each centre held the case."""
    from network.models import CaseRecord

    records, centres = sql.shape(CaseRecord, "r"), sql.shape(ServiceCentre, "c")
    by_number: dict[str, list] = defaultdict(list)
    for record, centre in sql.joined(
        [records, centres],
        f"FROM {records.table} r JOIN {centres.table} c ON c.id = r.centre_id"
        " WHERE r.tracking_no = ANY(%s)",
        [list(tracking_nos)],
    ):
        record.centre = centre
        by_number[record.tracking_no].append(record)
    result = {}
    for number, records in by_number.items():
        result[number] = hops_of(records)
    return result


# --- workload (aggregates, no personal data) --------------------------------------------------------


@dataclass(frozen=True)
class WorkloadRow:
    centre: ServiceCentre
    total: int = 0
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    awaiting_supplement: int = 0
    escalated: int = 0
    decided: int = 0


def workload(
    prefix: str, *, tier: str | None = None, day: dt.date | None = None
) -> list[WorkloadRow]:
    """Per centre whose division code starts with ``prefix``: its cases by what needs doing.

    Two queries whatever the subtree's size (the projection is in the public schema)."""
    from network.models import CaseRecord

    day = day or today()
    centres = ServiceCentre.objects.filter(division_code__startswith=prefix)
    if tier:
        centres = centres.filter(tier=tier)
    records = CaseRecord.objects.filter(centre_code__startswith=prefix)
    if tier:
        records = records.filter(tier=tier)
    counts = {
        row.pop("centre_code"): row
        for row in records.values("centre_code").annotate(
            total=Count("id"),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            overdue=Count("id", filter=overdue_q(day)),
            due_soon=Count("id", filter=due_soon_q(day)),
            awaiting_supplement=Count("id", filter=Q(state=State.SUPPLEMENT_NEEDED)),
            escalated=Count("id", filter=Q(state=State.ESCALATED)),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
        )
    }
    return [
        WorkloadRow(centre=centre, **counts.get(centre.division_code, {}))
        for centre in centres.order_by("division_code")
    ]


def subtree_workload(centre: ServiceCentre, actor: Actor | None, **filters) -> list[WorkloadRow]:
    """A centre head's view: the workload of every centre of its subtree (itself included)."""
    require_head(actor, centre)
    return workload(subtree_prefix(centre), **filters)


def network_workload(user, division_code: str, **filters) -> list[WorkloadRow]:
    """An assessor's view: the workload of any subtree within their city."""
    root = require_assessor_scope(user, division_code)
    return workload(subtree_prefix(root), **filters)
