"""Electronic supervision (电子监察): the scheme and the evaluation of every open case.

The evaluation is one SQL statement over the public projection ``network_caserecord``: each open
case's current step, its deadline in working days, its level (yellow, red) and an
``INSERT … ON CONFLICT DO NOTHING`` of the warnings not yet recorded. The working-day arithmetic
is set-based: ``workdays.calendar`` fills a window of days (each day's running count of working
days) that the statement joins, so the calendar (holidays, 调休, the network's overrides) is the
same one the case clock uses, and no centre's schema is visited. See docs/supervision.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, PermissionDenied
from core.roles import Actor, Role
from notifications.sql import WARNING_NOTIFICATIONS_CTE
from supervision.models import MAX_LIMIT_DAYS, ItemLimit, Level, Step, SupervisionScheme, Warning

#: The calendar window the evaluation joins: far enough back that any step started before it is
#: long over, far enough ahead for any deadline a limit can reach.
WINDOW_BACK_DAYS = 3 * 366
WINDOW_AHEAD_DAYS = 400

SCHEME_FIELDS = (
    "forward_days",
    "intake_days",
    "deliver_days",
    "yellow_days_left",
    "yellow_percent",
)
LIMIT_FIELDS = ("forward_days", "intake_days", "deliver_days")
#: Who may revise the scheme: the city centre's head or assessors.
EDITOR_ROLES = frozenset({Role.HEAD, Role.ASSESSOR})


# --- the scheme ----------------------------------------------------------------------------------


#: Version 1, as the data migration seeds it (0002_default_scheme).
DEFAULT_SCHEME = {
    "forward_days": 3,  # 全程代办: the agent forwards within 3 working days
    "intake_days": 5,  # 行政许可法 art. 32: accept, refuse or notify within 5
    "deliver_days": 10,  # art. 44: hand the licence over within 10 days of the decision
    "yellow_days_left": 1,
    "yellow_percent": 80,
}


def current_scheme() -> SupervisionScheme:
    """The version in force: the latest (version 1, the default, if the table was emptied)."""
    scheme = SupervisionScheme.objects.order_by("-version").first()
    if scheme is None:
        scheme, _created = SupervisionScheme.objects.get_or_create(
            version=1, defaults={**DEFAULT_SCHEME, "note": "默认方案", "created_by_name": "system"}
        )
    return scheme


def _require_editor(actor: Actor | None) -> None:
    from tenants.models import ServiceCentre

    if actor is None or actor.role not in EDITOR_ROLES:
        raise PermissionDenied(
            _("只有市级中心负责人或考核人员可以修订监察方案。"), code="not_supervision_editor"
        )
    if not ServiceCentre.objects.filter(division_code=actor.centre, tier="city").exists():
        raise PermissionDenied(
            _("只有市级中心负责人或考核人员可以修订监察方案。"), code="not_supervision_editor"
        )


def _check_days(value, field: str, *, low: int, high: int, code: str):
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("时限必须是整数。"), code="supervision_limit_not_integer", field=field)
    if not low <= value <= high:
        raise DomainError(
            _("“%(field)s”须在 %(low)d 到 %(high)d 之间。"),
            code=code,
            field=field,
            params={
                "field": str(SupervisionScheme._meta.get_field(field).verbose_name),
                "low": low,
                "high": high,
            },
        )
    return value


def validate_scheme(values: dict, item_limits: Iterable[dict]) -> list[dict]:
    """Check a scheme's values and its per-item overrides; the overrides, cleaned.

    Coded errors: ``supervision_limit_not_integer``, ``supervision_limit_out_of_range`` (a limit
    outside 1–60 working days), ``supervision_threshold_out_of_range`` (days left outside 0–60,
    percent outside 1–100), ``supervision_item_code_missing``, ``supervision_item_duplicate``.
    """
    for field in LIMIT_FIELDS:
        _check_days(
            values[field], field, low=1, high=MAX_LIMIT_DAYS, code="supervision_limit_out_of_range"
        )
    _check_days(
        values["yellow_days_left"],
        "yellow_days_left",
        low=0,
        high=MAX_LIMIT_DAYS,
        code="supervision_threshold_out_of_range",
    )
    _check_days(
        values["yellow_percent"],
        "yellow_percent",
        low=1,
        high=100,
        code="supervision_threshold_out_of_range",
    )
    cleaned, seen = [], set()
    for entry in item_limits:
        code = str(entry.get("item_code") or "").strip()
        if not code:
            raise DomainError(
                _("事项监察时限须注明事项编码。"),
                code="supervision_item_code_missing",
                field="item_code",
            )
        if code in seen:
            raise DomainError(
                _("事项“%(code)s”的监察时限重复。"),
                code="supervision_item_duplicate",
                field="item_code",
                params={"code": code},
            )
        seen.add(code)
        row = {"item_code": code}
        for field in LIMIT_FIELDS:
            value = entry.get(field)
            if value is not None:
                _check_days(
                    value, field, low=1, high=MAX_LIMIT_DAYS, code="supervision_limit_out_of_range"
                )
            row[field] = value
        cleaned.append(row)
    return cleaned


def revise_scheme(
    actor: Actor, *, item_limits: Iterable[dict] | None = None, note: str = "", **changes
) -> SupervisionScheme:
    """A new version of the scheme: the current one with ``changes`` (any of ``SCHEME_FIELDS``)
    and, if given, ``item_limits`` replacing its per-item overrides (else they are carried over).
    Nothing is saved if any value is invalid."""
    _require_editor(actor)
    unknown = set(changes) - set(SCHEME_FIELDS)
    if unknown:
        raise DomainError(
            _("监察方案没有这一项。"), code="supervision_unknown_field", field=sorted(unknown)[0]
        )
    with transaction.atomic():
        # Serialise revisions: each gets the next version number.
        with connection.cursor() as cur:
            cur.execute("LOCK TABLE supervision_supervisionscheme IN SHARE ROW EXCLUSIVE MODE")
        base = current_scheme()
        values = {field: getattr(base, field) for field in SCHEME_FIELDS} | changes
        if item_limits is None:
            item_limits = list(base.item_limits.values("item_code", *LIMIT_FIELDS))
        limits = validate_scheme(values, item_limits)
        scheme = SupervisionScheme.objects.create(
            version=base.version + 1,
            note=(note or "").strip()[:200],
            created_by_id=actor.user_id,
            created_by_name=actor.name,
            **values,
        )
        ItemLimit.objects.bulk_create(ItemLimit(scheme=scheme, **row) for row in limits)
        return scheme


# --- the evaluation ------------------------------------------------------------------------------


def calendar_window(today: dt.date) -> tuple[list[dt.date], list[int], list[dt.date]]:
    """Days around ``today``; for each, the working days from the first up to and including it;
    and the working days in order (``workdays.calendar``: holidays, 调休, overrides)."""
    from workdays.calendar import is_working_day

    first = today - dt.timedelta(days=WINDOW_BACK_DAYS)
    days, ranks, nth = [], [], []
    for offset in range(WINDOW_BACK_DAYS + WINDOW_AHEAD_DAYS + 1):
        day = first + dt.timedelta(days=offset)
        if is_working_day(day):
            nth.append(day)
        days.append(day)
        ranks.append(len(nth))
    return days, ranks, nth


#: The open steps of the projection, their deadlines and levels. One scan of the projection:
#: the step follows from the row's state (forward: logged at a village; intake: received, not
#: accepted; decide: accepted or under review, by the promised due date; deliver: decided, at
#: the centre where the applicant applied, not yet handed over). Suspended cases (awaiting a
#: supplement) are in none: the clock is the applicant's.
#:
#: The calendar is two constant arrays, read by subscript (no join, no sort): ``ranks[i]`` the
#: working days from the window's first day up to day i (1-based), ``nth[k]`` the k-th working
#: day of the window. A deadline is ``nth[rank(start) + limit]``; the working days left are
#: ``rank(deadline) - rank(today)``. Days outside the window are clamped to it (a step started
#: three years ago is long over; no limit reaches 400 days ahead).
#:
#: ``levelled`` stays inlined: materialised, its expressions are computed once per row (a first
#: evaluation −13 %) but the hourly run, whose anti-join then cannot be planned into the scan,
#: takes ~20 % longer (docs/benchmarks.md). The hourly run is the one that recurs.
LEVELS_SQL = """
WITH steps AS (
    SELECT r.centre_id, r.centre_code, r.tier, r.case_id, r.tracking_no, r.item_code,
           CASE WHEN r.state = 'submitted' AND r.tier = 'village' THEN 'forward'
                WHEN r.state = 'submitted' THEN 'intake'
                WHEN r.state IN ('accepted', 'in_review') THEN 'decide'
                ELSE 'deliver' END AS step,
           CASE WHEN r.state = 'submitted' AND r.tier = 'village'
                     THEN (r.submitted_at AT TIME ZONE %(tz)s)::date
                WHEN r.state = 'submitted'
                     THEN coalesce(r.intake_on, (r.submitted_at AT TIME ZONE %(tz)s)::date)
                WHEN r.state IN ('accepted', 'in_review') THEN NULL
                ELSE (r.decided_at AT TIME ZONE %(tz)s)::date END AS start_on,
           CASE WHEN r.state = 'submitted' AND r.tier = 'village'
                     THEN coalesce(o.forward_days, %(forward_days)s)
                WHEN r.state = 'submitted' THEN coalesce(o.intake_days, %(intake_days)s)
                WHEN r.state IN ('accepted', 'in_review') THEN r.promised_limit_days
                ELSE coalesce(o.deliver_days, %(deliver_days)s) END AS limit_days,
           CASE WHEN r.state IN ('accepted', 'in_review') THEN r.due_on END AS due_on
      FROM network_caserecord r
      LEFT JOIN supervision_itemlimit o ON o.scheme_id = %(scheme)s AND o.item_code = r.item_code
     WHERE (r.state = 'submitted' AND r.accepted_at IS NULL)
        OR (r.state IN ('accepted', 'in_review') AND r.due_on IS NOT NULL)
        OR (r.state IN ('approved', 'denied') AND r.received_from_centre = ''
            AND r.decided_at IS NOT NULL)
), dated AS (
    SELECT s.*,
           coalesce(s.due_on, (%(nth)s::date[])[
               (%(ranks)s::int[])[greatest(s.start_on, %(first)s::date) - %(first)s::date + 1]
               + s.limit_days]) AS deadline
      FROM steps s
), left_ AS (
    SELECT d.*,
           (%(ranks)s::int[])[
               least(greatest(d.deadline, %(first)s::date), %(last)s::date) - %(first)s::date + 1
           ] - %(today_rank)s AS days_left
      FROM dated d
), levelled AS (
    SELECT l.*,
           CASE WHEN l.deadline < %(today)s THEN 'red'
                WHEN l.days_left <= %(yellow_days_left)s
                  OR (l.limit_days - l.days_left) * 100 >= %(yellow_percent)s * l.limit_days
                THEN 'yellow' END AS level
      FROM left_ l
)
"""

#: Warnings already recorded are skipped by an anti-join (the usual hourly run finds most of
#: them there). Evaluations take a transaction-level advisory lock first (``evaluate``), so a
#: concurrent run waits and its statement then sees what the first committed: a plain insert,
#: sorted in the unique index's order, instead of ``ON CONFLICT DO NOTHING`` (a speculative
#: insertion per row: the first evaluation of a prefecture writes ~224,000 warnings, and the
#: sorted plain insert takes about half the time). The unique index still forbids a duplicate.
INSERT_SQL = (
    LEVELS_SQL
    + """, recorded AS (
    INSERT INTO supervision_warning
           (centre_id, centre_code, tier, case_id, tracking_no, item_code, step, level, deadline,
            raised_on, working_days_left, limit_days, scheme_id, created_at)
    SELECT l.centre_id, l.centre_code, l.tier, l.case_id, l.tracking_no, l.item_code, l.step,
           l.level, l.deadline, %(today)s, l.days_left, l.limit_days, %(scheme)s, now()
      FROM levelled l
     WHERE l.level IS NOT NULL
       AND NOT EXISTS (
           SELECT 1 FROM supervision_warning w
            WHERE w.centre_id = l.centre_id AND w.case_id = l.case_id AND w.step = l.step
              AND w.level = l.level)
     ORDER BY l.centre_id, l.case_id, l.step, l.level
    RETURNING centre_id, tracking_no, step, level
)"""
    # The desk of the centre held to account hears of the new warnings, in this statement.
    + WARNING_NOTIFICATIONS_CTE
    + """
SELECT step, level, count(*) FROM recorded GROUP BY step, level
"""
)


#: Memory for the evaluation's sort and its materialised rows (this transaction only).
EVALUATION_WORK_MEM = "64MB"

#: The advisory lock key of an evaluation (one at a time across the network's processes).
EVALUATION_LOCK = 0x5355_5045_5256  # "SUPERV"


@dataclass(frozen=True)
class Evaluation:
    today: dt.date
    scheme_version: int
    #: Warnings recorded by this run, by (step, level).
    recorded: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.recorded.values())


def _params(today: dt.date, scheme: SupervisionScheme) -> dict:
    days, ranks, nth = calendar_window(today)
    return {
        "ranks": ranks,
        "nth": nth,
        "first": days[0],
        "last": days[-1],
        "today": today,
        "today_rank": ranks[WINDOW_BACK_DAYS],
        "tz": settings.TIME_ZONE,
        "scheme": scheme.pk,
        "each_up_to": settings.NOTIFY_WARNINGS_EACH_UP_TO,
        "run": uuid.uuid4().hex,
        **{field: getattr(scheme, field) for field in SCHEME_FIELDS},
    }


def evaluate(*, today: dt.date | None = None) -> Evaluation:
    """Evaluate every open case of the network against the scheme in force; record each warning
    not yet recorded (append-only, once per case, step and level: running it twice, or two runs
    at once, records nothing twice). Returns what this run recorded."""
    today = today or timezone.localdate()
    scheme = current_scheme()
    params = _params(today, scheme)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [EVALUATION_LOCK])
        # A first evaluation sorts and keeps ~224,000 rows: in memory, not in temporary files.
        cur.execute(f"SET LOCAL work_mem = '{EVALUATION_WORK_MEM}'")
        cur.execute(INSERT_SQL, params)
        recorded = {(step, level): count for step, level, count in cur.fetchall()}
    return Evaluation(today=today, scheme_version=scheme.version, recorded=recorded)


# --- reading -------------------------------------------------------------------------------------


def step_of(state: str, tier: str, *, at_origin: bool) -> str | None:
    """The supervised step a case in ``state`` at a centre of ``tier`` is at (None: none)."""
    if state == "submitted":
        return Step.FORWARD if tier == "village" else Step.INTAKE
    if state in ("accepted", "in_review"):
        return Step.DECIDE
    if state in ("approved", "denied") and at_origin:
        return Step.DELIVER
    return None


def case_warnings(centre, case_ids: Iterable[int]) -> dict[int, list[Warning]]:
    """The warnings recorded for these cases of ``centre``, oldest first, by case id."""
    found: dict[int, list[Warning]] = {}
    for warning in Warning.objects.filter(centre_id=centre.pk, case_id__in=list(case_ids)).order_by(
        "created_at", "step", "level"
    ):
        found.setdefault(warning.case_id, []).append(warning)
    return found


def current_level(case, tier: str, warnings: Iterable[Warning]) -> str | None:
    """The highest level warned for the step ``case`` is at now; None once it moved on."""
    step = step_of(case.state, tier, at_origin=case.received_from_id is None)
    levels = {w.level for w in warnings if w.step == step}
    if Level.RED in levels:
        return Level.RED
    return Level.YELLOW if Level.YELLOW in levels else None


def warned_cases_q(centre, level: str):
    """A filter on ``centre``'s cases (in its schema): those with a warning of ``level`` (yellow:
    yellow or red) for the step they are at now — a case that moved on drops out."""
    from django.db.models import Exists, OuterRef, Q

    if level not in Level.values:
        raise DomainError(
            _("没有这一预警级别。"), code="invalid_warning_level", field="supervision"
        )
    levels = [Level.RED] if level == Level.RED else [Level.YELLOW, Level.RED]

    def warned(step: str) -> Exists:
        return Exists(
            Warning.objects.filter(
                centre_id=centre.pk, case_id=OuterRef("pk"), step=step, level__in=levels
            )
        )

    intake = Step.FORWARD if centre.tier == "village" else Step.INTAKE
    return (
        (Q(state="submitted") & warned(intake))
        | (Q(state__in=["accepted", "in_review"]) & warned(Step.DECIDE))
        | (Q(state__in=["approved", "denied"], received_from__isnull=True) & warned(Step.DELIVER))
    )
