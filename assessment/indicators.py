"""The indicators of a coverage assessment, computed set-based from the public schema.

Nothing here reads a centre's schema: the case figures come from the activity buckets
(``assessment.activity``, fed by the ``network.CaseRecord`` projection) and, for cases still
open at the end of the period, from ``network_caserecord`` itself; the registry figures from
``tenants_servicecentre`` and ``tenants_centrestatuschange``. Three queries for the case figures
whatever the size of the subtree, then sums over at most ~1,700 rows in Python.

Counting rules (also in docs/assessment.md)
-------------------------------------------
A period is a range of whole local days (Asia/Shanghai) ``[start, end]``. A case is one row of
the projection: one case at one centre, so a chain village → township → county has three rows.

* **received 收件**: rows that arrived at the centre in the period (logged there or received
  from below; ``submitted_at``).
* **accepted 受理**: ``accepted_at`` in the period. Villages forward without accepting.
* **completed 办结**: decided (approved or denied) at this centre in the period, and never handed
  up from it. The decision mirrored down a chain to the lower centres is not counted again, so
  a chain counts once, at the deciding centre. **refused 不予受理** likewise.
* **immediate ratio 即办件比例** = completed immediate items ÷ completed.
* **on-time rate 按期办结率** = completed within the promised limit ÷ completed with a clock;
  **early rate 提前办结率** = completed before the promised limit ÷ the same. Clock pauses for
  supplements are excluded (the case clock, ``workdays.calendar``).
* **overdue 超期件** = completed late in the period + **overdue open**: cases held at the centre
  at the as-of time, past their due date, and not waiting for supplements.
* **working days saved 节约工作日** against the legal and the promised limit: the sums of
  (limit − elapsed) over completed cases; the averages per completed case.
* **satisfaction rate 满意率** = ratings ≥ the scheme's ``satisfied_min_rating`` (default 3:
  非常满意, 满意, 基本满意) ÷ ratings, counted at the centre where the citizen rated, for cases
  decided in the period; ``None`` where nothing was rated.
* **forwarded 代办转报**: cases a village handed up in the period; **escalated 上报**: cases a
  township, county or city centre handed up.
* **turnaround 流转时效**: per case that left a centre in the period (handed up, decided or
  closed there), the working days it was held there (arrival to leaving, clock pauses
  excluded); averaged per centre, and per tier for a subtree (which tier the time was spent at).
* **stuck chains 滞留件**: cases held at a centre at the as-of time (not handed up, decided or
  closed), not waiting for supplements, that arrived more than the scheme's
  ``stuck_after_working_days`` working days before it. Each chain is held by one centre, so a
  chain counts once.
* The **as-of time** of the open-case figures is the end of the period, or the run time for a
  period not yet over. Whether a case was open then is read from its timestamps; whether it was
  waiting for supplements from its current state (the projection keeps no pause history).
* **supervision 电子监察 and 督办**: the yellow and red warnings raised in the period at the
  centre named for the step (``supervision_warning.raised_on``), the supervision orders issued
  on its cases in the period, and the red cards it was given in the period (an order left
  unanswered past its deadline). The default scheme deducts points per red card.
* **papers held 保管材料** (全程代办): sheets of the applicants' papers (originals, copies,
  results) a centre holds for its cases when the assessment runs (the custody projection keeps
  the present count, so a past period shows today's figure); **hand-over discrepancies
  交接差异**: hand-overs of papers flagged at the receiving centre (a listed paper missing, or
  one not listed) in the period. Both counted at the centre holding or receiving the papers.
* **idle centres 无办件中心**: centres active at the end of the period with no case event
  (arrival, acceptance, decision, hand-up, departure) in the period.

Coverage and 六有
-----------------
* Units are the registered centres of each tier under the subtree (the root included): every
  county, township and village of the registry is a unit; one whose service point is not
  working is registered as suspended.
* A unit is **covered** if its centre was **active at the end of the period** (the last status
  change before the period ended, from ``CentreStatusChange``; before a centre's first recorded
  change its first recorded status is taken to hold). ``active_share`` says which share of the
  period a centre was active, and ``suspended_in_period`` counts centres suspended at any time in
  it, so a centre suspended mid-period is visible even if reactivated by the end.
* **Coverage rate per tier** = covered ÷ units of that tier; **coverage rate** = over county,
  township and village units together. For one centre: 1 if covered, else 0.
* **六有** of village points: among villages covered at the end of the period, the count having
  each essential and all six; ``six_all_rate`` = all six ÷ points, ``six_essentials_rate`` =
  essentials present ÷ (6 × points). Facts are those in force at the end of the period: the
  latest 六有 check on or before its last day (``ServicePointCheck``); before a centre's first
  check, that check is taken to hold (as for the status).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from assessment.activity import COUNTERS, TABLE
from core.replica import read_connection
from tenants.divisions import Tier, subtree_prefix  # noqa: F401 (the subtree rule, used here)
from tenants.models import (
    SIX_ESSENTIALS,
    CentreStatus,
    CentreStatusChange,
    ServiceCentre,
    ServicePointCheck,
)

SIX = [name for name, _label in SIX_ESSENTIALS]
UNIT_TIERS = [Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE]
ALL_TIERS = [Tier.CITY, Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE]
OPEN_COUNTERS = ["open_cases", "overdue_open", "stuck_chains"]
#: 电子监察 and 督办 at each centre in the period (``supervision_counters``).
SUPERVISION_COUNTERS = ["warnings_yellow", "warnings_red", "supervision_orders", "red_cards"]
#: 差评整改 of the rectifications opened in the period (``rectification_counters``).
RECTIFICATION_COUNTERS = [
    "bad_ratings",
    "rectified_on_time",
    "rectified_late",
    "rectification_overdue",
    "callbacks",
]
#: A centre with none of these events in the period is idle.
ACTIVITY = ["received", "accepted", "refused", "completed", "forwarded", "escalated", "departed"]

#: Custody of the applicant's papers (``custody_counters``).
CUSTODY_COUNTERS = ["papers_held", "handover_discrepancies"]

#: Additive totals: what a subtree sums from its centres.
TOTALS = [
    *COUNTERS,
    *OPEN_COUNTERS,
    *SUPERVISION_COUNTERS,
    *RECTIFICATION_COUNTERS,
    *CUSTODY_COUNTERS,
    "centres",
    "idle_centres",
    "suspended_in_period",
    *(f"units_{t}" for t in UNIT_TIERS),
    *(f"covered_{t}" for t in UNIT_TIERS),
    *(f"departed_{t}" for t in ALL_TIERS),
    *(f"held_days_{t}" for t in ALL_TIERS),
    "village_points",
    *(f"six_{name}" for name in SIX),
    "six_all",
]


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        return local_midnight(self.end + dt.timedelta(days=1))

    def buckets(self) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
        """Whole months ``[from, to)`` and the day ranges ``[from, to]`` of partial months."""
        first_full = self.start if self.start.day == 1 else _next_month(self.start)
        after = self.end + dt.timedelta(days=1)
        last_full = after if after.day == 1 else after.replace(day=1)
        if first_full >= last_full:
            return None, [(self.start, self.end)]
        days = []
        if self.start < first_full:
            days.append((self.start, first_full - dt.timedelta(days=1)))
        if last_full <= self.end:
            days.append((last_full, self.end))
        return (first_full, last_full), days


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- the queries ------------------------------------------------------------------------------


def activity_counters(prefix: str, period: Period) -> dict[int, dict[str, int]]:
    """Per centre under ``prefix``: the bucket counters summed over the period."""
    months, days = period.buckets()
    conditions, params = [], []
    if months:
        conditions.append("(grain = 'm' AND starts_on >= %s AND starts_on < %s)")
        params += list(months)
    for low, high in days:
        conditions.append("(grain = 'd' AND starts_on BETWEEN %s AND %s)")
        params += [low, high]
    sums = ", ".join(f"sum({name})" for name in COUNTERS)
    sql = (
        f"SELECT centre_id, {sums} FROM {TABLE} "
        f"WHERE centre_code LIKE %s AND ({' OR '.join(conditions)}) GROUP BY centre_id"
    )
    with read_connection().cursor() as cur:
        cur.execute(sql, [_like(prefix), *params])
        return {row[0]: dict(zip(COUNTERS, map(int, row[1:]), strict=True)) for row in cur}


def open_case_counters(
    prefix: str, as_of: dt.datetime, as_of_date: dt.date, stuck_before: dt.datetime
) -> dict[int, dict[str, int]]:
    """Per centre: cases held there at ``as_of``, those overdue, those stuck."""
    sql = """
        SELECT centre_id,
               count(*),
               count(*) FILTER (WHERE due_on < %(as_of_date)s AND state <> 'supplement_needed'),
               count(*) FILTER (WHERE submitted_at < %(stuck_before)s
                                  AND state <> 'supplement_needed')
          FROM network_caserecord
         WHERE centre_code LIKE %(prefix)s
           AND submitted_at < %(as_of)s
           AND (left_at IS NULL OR left_at >= %(as_of)s)
         GROUP BY centre_id
    """
    params = {
        "prefix": _like(prefix),
        "as_of": as_of,
        "as_of_date": as_of_date,
        "stuck_before": stuck_before,
    }
    with read_connection().cursor() as cur:
        cur.execute(sql, params)
        return {row[0]: dict(zip(OPEN_COUNTERS, row[1:], strict=True)) for row in cur}


def supervision_counters(prefix: str, period: Period) -> dict[int, dict[str, int]]:
    """Per centre: the supervision warnings raised in the period (yellow, red: the centre is the
    one that held the case at the step, 环节超时), the 督办 issued on its cases and the red cards
    it was given (``supervision`` app, public tables). One statement."""
    sql = """
        SELECT centre_id, sum(yellow), sum(red), sum(orders), sum(cards) FROM (
            SELECT centre_id, count(*) FILTER (WHERE level = 'yellow') AS yellow,
                   count(*) FILTER (WHERE level = 'red') AS red, 0 AS orders, 0 AS cards
              FROM supervision_warning
             WHERE centre_code LIKE %(prefix)s AND raised_on BETWEEN %(start)s AND %(end)s
             GROUP BY centre_id
            UNION ALL
            SELECT centre_id, 0, 0, count(*), 0
              FROM supervision_supervisionorder
             WHERE centre_code LIKE %(prefix)s
               AND issued_at >= %(start_at)s AND issued_at < %(end_at)s
             GROUP BY centre_id
            UNION ALL
            SELECT centre_id, 0, 0, 0, count(*)
              FROM supervision_redcard
             WHERE centre_code LIKE %(prefix)s AND raised_on BETWEEN %(start)s AND %(end)s
             GROUP BY centre_id
        ) counted
         GROUP BY centre_id
    """
    params = {
        "prefix": _like(prefix),
        "start": period.start,
        "end": period.end,
        "start_at": period.start_at,
        "end_at": period.end_at,
    }
    with read_connection().cursor() as cur:
        cur.execute(sql, params)
        return {
            row[0]: dict(zip(SUPERVISION_COUNTERS, map(int, row[1:]), strict=True)) for row in cur
        }


def rectification_counters(
    prefix: str, period: Period, as_of: dt.datetime, as_of_date: dt.date
) -> dict[int, dict[str, int]]:
    """Per centre: its 差评整改 (ratings app, public schema) opened in the period (bad ratings),
    those closed by the as-of time on or before their due date (on time) or after it (late),
    those still open at the as-of time past their due date (overdue), and the callbacks (回访)
    made in the period. Two grouped queries."""
    sql = """
        SELECT centre_id,
               count(*),
               count(*) FILTER (WHERE closed_at < %(as_of)s AND closed_on <= due_on),
               count(*) FILTER (WHERE closed_at < %(as_of)s AND closed_on > due_on),
               count(*) FILTER (WHERE (closed_at IS NULL OR closed_at >= %(as_of)s)
                                  AND due_on < %(as_of_date)s)
          FROM ratings_rectification
         WHERE centre_code LIKE %(prefix)s AND opened_on BETWEEN %(start)s AND %(end)s
         GROUP BY centre_id
    """
    calls = """
        SELECT r.centre_id, count(*)
          FROM ratings_callback c JOIN ratings_rectification r ON r.id = c.rectification_id
         WHERE r.centre_code LIKE %(prefix)s
           AND c.called_at >= %(start_at)s AND c.called_at < %(end_at)s
           AND c.called_at < %(as_of)s
         GROUP BY r.centre_id
    """
    params = {
        "prefix": _like(prefix),
        "start": period.start,
        "end": period.end,
        "start_at": period.start_at,
        "end_at": period.end_at,
        "as_of": as_of,
        "as_of_date": as_of_date,
    }
    counters: dict[int, dict[str, int]] = defaultdict(dict)
    with read_connection().cursor() as cur:
        cur.execute(sql, params)
        for row in cur:
            counters[row[0]].update(zip(RECTIFICATION_COUNTERS[:4], row[1:], strict=True))
        cur.execute(calls, params)
        for centre_id, n in cur:
            counters[centre_id]["callbacks"] = n
    return dict(counters)


def custody_counters(prefix: str, period: Period, as_of: dt.datetime) -> dict[int, dict[str, int]]:
    """Per centre: papers of the applicants held there at the run (the custody projection keeps
    the present count only), and hand-overs flagged there (a paper missing or extra on
    arrival) in the period up to ``as_of``. Two grouped queries of the public projection."""
    result: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CUSTODY_COUNTERS, 0))
    with read_connection().cursor() as cur:
        cur.execute(
            "SELECT centre_id, sum(papers_held) FROM custody_records_paperrecord "
            "WHERE centre_code LIKE %s AND papers_held > 0 GROUP BY centre_id",
            [_like(prefix)],
        )
        for centre_id, held in cur:
            result[centre_id]["papers_held"] = int(held)
        cur.execute(
            "SELECT centre_id, count(*) FROM custody_records_discrepancyrecord "
            "WHERE centre_code LIKE %s AND flagged_at >= %s AND flagged_at < %s "
            "GROUP BY centre_id",
            [_like(prefix), period.start_at, as_of],
        )
        for centre_id, flagged in cur:
            result[centre_id]["handover_discrepancies"] = int(flagged)
    return dict(result)


def stuck_cutoff(as_of_date: dt.date, working_days: int) -> dt.date:
    """The last arrival day from which more than ``working_days`` working days had passed by
    ``as_of_date`` (``working_days_between(day, as_of_date) > working_days``)."""
    from workdays.calendar import is_working_day

    day, count = as_of_date, 0
    while count < working_days + 1:
        count += is_working_day(day)
        day -= dt.timedelta(days=1)
    return day


def centre_rows(prefix: str) -> list[dict]:
    fields = ["id", "division_code", "tier", "name", "parent__division_code", "status", *SIX]
    return list(
        ServiceCentre.objects.filter(division_code__startswith=prefix)
        .order_by("division_code")
        .values(*fields)
    )


def facts_at(prefix: str, centres: list[dict], day: dt.date) -> None:
    """Put into each centre row the 六有 facts in force on ``day``: those of its latest check on
    or before it (ties: the later record); before its first check, the first check's; with no
    check at all (not possible for a provisioned centre), its current facts."""
    chosen: dict[int, tuple] = {}
    for row in (
        ServicePointCheck.objects.filter(centre__division_code__startswith=prefix)
        .order_by("centre_id", "checked_on", "id")
        .values_list("centre_id", "checked_on", *SIX)
    ):
        centre_id, checked_on, facts = row[0], row[1], row[2:]
        if centre_id not in chosen or checked_on <= day:
            chosen[centre_id] = facts
    for centre in centres:
        facts = chosen.get(centre["id"])
        if facts is not None:
            centre.update(zip(SIX, facts, strict=True))


def status_in_period(prefix: str, centres: list[dict], period: Period) -> dict[int, dict]:
    """Per centre: active at the end of the period, share of the period active, suspended in it."""
    history: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for centre_id, status, at in (
        CentreStatusChange.objects.filter(centre__division_code__startswith=prefix)
        .order_by("centre_id", "changed_at", "id")
        .values_list("centre_id", "status", "changed_at")
    ):
        history[centre_id].append((at, status))
    start, end = period.start_at, period.end_at
    span = (end - start).total_seconds()
    result = {}
    for centre in centres:
        changes = history.get(centre["id"]) or [(start, centre["status"])]
        status = changes[0][1]  # the first known status holds before the first change
        active_seconds, cursor, suspended = 0.0, start, False
        for at, new_status in changes:
            if at >= end:
                break
            if at > cursor:
                if status == CentreStatus.ACTIVE:
                    active_seconds += (at - cursor).total_seconds()
                else:
                    suspended = True
                cursor = at
            status = new_status
        if status == CentreStatus.ACTIVE:
            active_seconds += (end - cursor).total_seconds()
        else:
            suspended = True
        result[centre["id"]] = {
            "active_at_end": status == CentreStatus.ACTIVE,
            "active_share": round(active_seconds / span, 4),
            "suspended_in_period": suspended,
        }
    return result


# --- totals and derived indicators -----------------------------------------------------------


def centre_totals(
    centre: dict,
    counters: dict[str, int],
    open_counts: dict[str, int],
    status: dict,
    supervised: dict[str, int] | None = None,
    custody: dict[str, int] | None = None,
) -> dict[str, int]:
    """The additive totals of one centre."""
    totals = dict.fromkeys(TOTALS, 0)
    totals.update(counters)
    totals.update(open_counts)
    totals.update(supervised or {})
    totals.update(custody or {})
    tier = centre["tier"]
    active = status["active_at_end"]
    totals["centres"] = 1
    totals["suspended_in_period"] = int(status["suspended_in_period"])
    busy = any(counters.get(name) for name in ACTIVITY)
    totals["idle_centres"] = int(active and not busy)
    if tier in UNIT_TIERS:
        totals[f"units_{tier}"] = 1
        totals[f"covered_{tier}"] = int(active)
    totals[f"departed_{tier}"] = counters.get("departed", 0)
    totals[f"held_days_{tier}"] = counters.get("held_days", 0)
    if tier == Tier.VILLAGE and active:
        totals["village_points"] = 1
        for name in SIX:
            totals[f"six_{name}"] = int(centre[name])
        totals["six_all"] = int(all(centre[name] for name in SIX))
    return totals


def add_totals(into: dict[str, int], other: dict[str, int]) -> None:
    for key, value in other.items():
        if value:
            into[key] += value


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 6) if denominator else None


def derive(totals: dict[str, int], satisfied_min_rating: int) -> dict:
    """The indicators of a unit (a centre or a subtree) from its additive totals."""
    t = totals
    timed = t["completed_on_time"] + t["completed_late"]
    rated = sum(t[f"rated_{k}"] for k in range(1, 6))
    satisfied = sum(t[f"rated_{k}"] for k in range(satisfied_min_rating, 6))
    units = sum(t[f"units_{tier}"] for tier in UNIT_TIERS)
    covered = sum(t[f"covered_{tier}"] for tier in UNIT_TIERS)
    points = t["village_points"]
    indicators = {
        "received": t["received"],
        "accepted": t["accepted"],
        "refused": t["refused"],
        "completed": t["completed"],
        "completed_immediate": t["completed_immediate"],
        "completed_on_time": t["completed_on_time"],
        "completed_early": t["completed_early"],
        "immediate_ratio": _rate(t["completed_immediate"], t["completed"]),
        "on_time_rate": _rate(t["completed_on_time"], timed),
        "early_rate": _rate(t["completed_early"], timed),
        "overdue_completed": t["completed_late"],
        "overdue_open": t["overdue_open"],
        "overdue": t["completed_late"] + t["overdue_open"],
        "saved_vs_legal": t["saved_vs_legal"],
        "saved_vs_promised": t["saved_vs_promised"],
        "avg_saved_vs_legal": _rate(t["saved_vs_legal"], t["completed"]),
        "avg_saved_vs_promised": _rate(t["saved_vs_promised"], t["completed"]),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": _rate(satisfied, rated),
        **{f"rated_{k}": t[f"rated_{k}"] for k in range(1, 6)},
        "bad_ratings": t["bad_ratings"],
        "rectified_on_time": t["rectified_on_time"],
        "rectified_late": t["rectified_late"],
        "rectification_overdue": t["rectification_overdue"],
        "rectified_on_time_rate": _rate(
            t["rectified_on_time"],
            t["rectified_on_time"] + t["rectified_late"] + t["rectification_overdue"],
        ),
        "callbacks": t["callbacks"],
        "forwarded": t["forwarded"],
        "escalated": t["escalated"],
        "departed": t["departed"],
        "held_days": t["held_days"],
        "turnaround_days": _rate(t["held_days"], t["departed"]),
        **{
            f"turnaround_{tier}": _rate(t[f"held_days_{tier}"], t[f"departed_{tier}"])
            for tier in ALL_TIERS
        },
        "open_cases": t["open_cases"],
        "stuck_chains": t["stuck_chains"],
        **{name: t[name] for name in SUPERVISION_COUNTERS},
        "papers_held": t["papers_held"],
        "handover_discrepancies": t["handover_discrepancies"],
        "centres": t["centres"],
        "idle_centres": t["idle_centres"],
        "suspended_in_period": t["suspended_in_period"],
        "units": units,
        "covered": covered,
        "coverage_rate": _rate(covered, units),
        **{f"units_{tier}": t[f"units_{tier}"] for tier in UNIT_TIERS},
        **{f"covered_{tier}": t[f"covered_{tier}"] for tier in UNIT_TIERS},
        **{
            f"coverage_{tier}_rate": _rate(t[f"covered_{tier}"], t[f"units_{tier}"])
            for tier in UNIT_TIERS
        },
        "village_points": points,
        **{f"six_{name}": t[f"six_{name}"] for name in SIX},
        "six_all": t["six_all"],
        "six_all_rate": _rate(t["six_all"], points),
        "six_essentials_rate": _rate(sum(t[f"six_{name}"] for name in SIX), 6 * points),
    }
    return indicators


#: Every indicator a unit has, in the order reports show them.
INDICATOR_KEYS = list(derive(dict.fromkeys(TOTALS, 0), 3))
