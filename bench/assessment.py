"""Benchmark: the network assessment against a naive loop over the centres' schemas.

    .venv/bin/python bench/assessment.py [--cases 1000000] [--reuse] [--repeat 3]

Runs in its own database (bench_assessment). It provisions the 1,687-centre prefecture, then
writes ≥ --cases cases straight into the centres' own ``delegation_case`` tables with one
``INSERT … SELECT generate_series`` per schema (not through the services: a year of a
prefecture's cases would take hours that way), spread by tier (city 60k, each county 30k, each
township 3.5k, each village 130; village cases mostly forwarded, township and county cases
partly escalated, with open, refused, late, early, rated cases), and ``delegation_delegation``
rows for the cases handed up. The projection ``network_caserecord`` is then built from those
tables with SQL (working days held from a calendar table filled by ``workdays.calendar``), as a
bulk load: the activity trigger deferred, the buckets then built in one statement
(``rebuild_activity``); a sample of centres is checked against ``network.projection.rebuild``
(which runs the trigger row by row).

In one run it measures, for the year 2025-11-01 – 2026-10-31 over the whole prefecture:

1. the full assessment, ``assessment.services.run_assessment`` (registry, activity buckets, open
   cases, indicators, scores and ranks of 1,687 centres and 119 subtrees, stored), and its
   computation alone (``compute``), best and median of ``--repeat`` runs;
2. the same for a period of partial months (2025-11-15 – 2026-10-20: day buckets at the edges);
3. the naive loop: for each of the 1,687 schemas, switch to it and compute the same per-centre
   figures from its ``delegation_case`` (one aggregate query, its departed cases' holding time
   through ``workdays.calendar`` in Python, as the schema has no such column, and its clock
   pauses), then the same roll-ups, scores and ranks. Its per-centre indicators are checked
   equal to the assessment's.

Results go to var/bench/assessment.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import time

from _setup import ROOT, fresh_database

DB_NAME = "bench_assessment"
FIRST_DAY, LAST_DAY = dt.date(2025, 11, 1), dt.date(2026, 10, 31)
TZ = "Asia/Shanghai"
#: Cases per centre by tier, for 1,000,000 (scaled by --cases).
PER_TIER = {"city": 60_000, "county": 30_000, "township": 3_500, "village": 130}
#: (escalate, refuse, open) shares by tier; the rest is decided at the centre.
FATES = {
    "village": (0.92, 0.0, 0.08),
    "township": (0.30, 0.04, 0.05),
    "county": (0.10, 0.04, 0.05),
    "city": (0.0, 0.04, 0.05),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def setup_django(reuse: bool) -> None:
    if reuse:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
        os.environ["EMBEDDED_DB_NAME"] = DB_NAME
        import django

        django.setup()
    else:
        fresh_database(DB_NAME)


# --- the data ------------------------------------------------------------------------------------


def provision() -> None:
    from tenants.services import provision_network
    from tenants.spec import load_spec

    started = time.perf_counter()

    def progress(index, total, spec):
        if index % 200 == 0 or index == total:
            log(f"  provisioned {index}/{total}")

    provision_network(load_spec("prefecture"), progress=progress)
    log(f"provisioned the prefecture in {time.perf_counter() - started:.0f} s")


def make_items() -> dict[str, int]:
    from catalog import services as catalog

    catalog.add_department(code="ZWB", name="政务服务管理办公室")
    common = dict(
        category="public_service",
        department="ZWB",
        legal_basis="《政务服务事项基本目录》",
        fee=0,
        proxy_eligible=True,
        online_eligible=True,
        materials="居民身份证|original|1;申请表|original|1",
        decision_tiers=["township", "county", "city"],
    )
    items = {
        "immediate": catalog.add_item(
            code="B-0", name="即办证明", handling_type="immediate", legal_limit_days=1, **common
        ),
        "p5": catalog.add_item(
            code="B-5",
            name="承诺五日事项",
            handling_type="promised",
            legal_limit_days=20,
            promised_limit_days=5,
            **common,
        ),
        "p10": catalog.add_item(
            code="B-10",
            name="承诺十日事项",
            handling_type="promised",
            legal_limit_days=30,
            promised_limit_days=10,
            **common,
        ),
    }
    return {key: version.pk for key, version in items.items()}


def make_calendar() -> None:
    """bench_cal(day, cum): working days up to and including ``day``; bench_nth(cum, day)."""
    from django.db import connection

    from workdays.calendar import is_working_day

    rows, cum, day = [], 0, dt.date(2025, 10, 1)
    while day <= dt.date(2027, 1, 31):
        working = is_working_day(day)
        cum += working
        rows.append((day, cum, working))
        day += dt.timedelta(days=1)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_cal, bench_nth")
        cur.execute("CREATE TABLE bench_cal (day date PRIMARY KEY, cum int NOT NULL)")
        cur.execute("CREATE TABLE bench_nth (cum int PRIMARY KEY, day date NOT NULL)")
        cur.executemany("INSERT INTO bench_cal VALUES (%s, %s)", [(d, c) for d, c, _w in rows])
        cur.executemany("INSERT INTO bench_nth VALUES (%s, %s)", [(c, d) for d, c, w in rows if w])


CASES_SQL = """
WITH base AS (
    SELECT g,
           %(first)s::date + (random() * %(days)s)::int AS sub_day,
           8 + (random() * 9)::int AS hour,
           random() AS r_fate, random() AS r_item, random() AS r_dur, random() AS r_acc,
           random() AS r_rate, random() AS r_chan, random() AS r_end, random() AS r_up
      FROM generate_series(1, %(n)s) g
), typed AS (
    SELECT b.*,
           CASE WHEN r_item < 0.25 THEN 'immediate' ELSE 'promised' END AS handling,
           CASE WHEN r_item < 0.25 THEN 0 WHEN r_item < 0.70 THEN 5 ELSE 10 END AS promised,
           CASE WHEN r_item < 0.25 THEN 1 WHEN r_item < 0.70 THEN 20 ELSE 30 END AS legal,
           CASE WHEN r_item < 0.25 THEN %(v_immediate)s WHEN r_item < 0.70 THEN %(v_p5)s
                ELSE %(v_p10)s END AS version_id,
           CASE WHEN r_item < 0.25 THEN 'B-0' WHEN r_item < 0.70 THEN 'B-5' ELSE 'B-10' END AS item,
           CASE WHEN r_fate < %(p_escalate)s THEN 'escalate'
                WHEN r_fate < %(p_escalate)s + %(p_refuse)s THEN 'refuse'
                WHEN r_fate < %(p_escalate)s + %(p_refuse)s + %(p_open)s THEN 'open'
                ELSE 'decide' END AS fate,
           ((b.sub_day + make_interval(hours => b.hour)) AT TIME ZONE %(tz)s) AS submitted_at
      FROM base b
), accepted AS (
    SELECT t.*,
           -- villages only log and forward; elsewhere most cases are accepted (a day later for some)
           CASE WHEN %(tier)s = 'village' OR t.fate = 'refuse'
                     OR (t.fate IN ('escalate', 'open') AND t.r_acc < 0.3) THEN NULL
                ELSE t.sub_day + (t.r_acc < 0.8)::int * 0 + (t.r_acc >= 0.8)::int END AS acc_day
      FROM typed t
), clocked AS (
    SELECT a.*,
           CASE WHEN %(tier)s = 'village' THEN a.sub_day ELSE a.acc_day END AS clock_day,
           floor(a.r_dur * (a.promised * 1.3 + 1))::int AS dur
      FROM accepted a
), timed AS (
    SELECT c.*,
           cs.cum AS start_cum,
           CASE WHEN c.clock_day IS NULL THEN NULL WHEN c.promised = 0 THEN c.clock_day
                ELSE (SELECT day FROM bench_nth WHERE cum = cs.cum + c.promised) END AS due_day,
           CASE WHEN c.fate = 'decide' THEN
                CASE WHEN c.dur = 0 THEN c.clock_day
                     ELSE (SELECT day FROM bench_nth WHERE cum = cs.cum + c.dur) END END AS dec_day,
           CASE WHEN c.fate = 'escalate' THEN coalesce(c.acc_day, c.sub_day) + (c.r_dur < 0.2)::int
                END AS esc_day
      FROM clocked c LEFT JOIN bench_cal cs ON cs.day = c.clock_day
)
INSERT INTO {schema}.delegation_case (
    tracking_no, state, channel, applicant_kind, applicant_name, applicant_id_number,
    applicant_phone, query_code, query_code_hash, applicant_id_hash, item_code, item_name, handling_type, legal_limit_days, promised_limit_days,
    materials, missing_materials, handler_name, note, decision_reason, submitted_at,
    clock_started_on, due_on, accepted_at, escalated_at, decided_at, closed_at,
    elapsed_working_days, on_time, early, saved_vs_legal, saved_vs_promised, calendar_fallback,
    rating, origin_centre, upstream_state, upstream_centre, updated_at, item_version_id)
SELECT
    %(code)s || '-' || to_char(t.sub_day, 'YYYYMMDD') || '-' || lpad(t.g::text, 6, '0'),
    CASE t.fate
        WHEN 'refuse' THEN 'refused'
        WHEN 'open' THEN CASE WHEN t.acc_day IS NULL THEN 'submitted'
                              WHEN t.r_end < 0.5 THEN 'accepted' ELSE 'in_review' END
        WHEN 'decide' THEN CASE WHEN t.r_end < 0.7 THEN 'delivered'
                                WHEN t.r_end < 0.9 THEN 'approved' ELSE 'denied' END
        -- handed up: most chains came back decided (mirrored); the rest are still upstream.
        -- 'escalated' needs its delegation row: set once that exists (see HAND_UP_SQL).
        ELSE CASE WHEN t.r_up < 0.85 THEN 'delivered' ELSE 'submitted' END
    END,
    CASE WHEN %(tier)s = 'village' THEN 'village_proxy'
         WHEN t.r_chan < %(p_delegated)s THEN 'delegated' ELSE 'window' END,
    'person', '申请人' || t.g, '420581199001010011', '', '', '', '', t.item, t.item,
    t.handling,
    t.legal, t.promised, '[]'::jsonb, '{{}}'::varchar[], '', t.fate, '',
    t.submitted_at,
    t.clock_day, t.due_day,
    ((t.acc_day + make_interval(hours => t.hour + 1)) AT TIME ZONE %(tz)s),
    ((t.esc_day + make_interval(hours => t.hour + 2)) AT TIME ZONE %(tz)s),
    CASE WHEN t.fate = 'decide' THEN ((t.dec_day + make_interval(hours => t.hour + 3)) AT TIME ZONE %(tz)s)
         WHEN t.fate = 'escalate' AND t.r_up < 0.85
              THEN ((t.esc_day + 2 + make_interval(hours => t.hour + 3)) AT TIME ZONE %(tz)s) END,
    CASE WHEN t.fate = 'refuse' THEN t.submitted_at + interval '2 hours'
         WHEN t.fate = 'decide' AND t.r_end < 0.7
              THEN ((t.dec_day + 1 + make_interval(hours => t.hour)) AT TIME ZONE %(tz)s)
         WHEN t.fate = 'escalate' AND t.r_up < 0.85
              THEN ((t.esc_day + 3 + make_interval(hours => t.hour)) AT TIME ZONE %(tz)s) END,
    CASE WHEN t.fate = 'decide' THEN t.dur END,
    CASE WHEN t.fate = 'decide' THEN t.dur <= t.promised END,
    CASE WHEN t.fate = 'decide' THEN t.dur < t.promised END,
    CASE WHEN t.fate = 'decide' THEN t.legal - t.dur END,
    CASE WHEN t.fate = 'decide' THEN t.promised - t.dur END,
    false,
    CASE WHEN (t.fate = 'decide' OR (t.fate = 'escalate' AND t.r_up < 0.85)) AND t.r_rate < 0.35
         THEN CASE WHEN t.r_rate < 0.21 THEN 5 WHEN t.r_rate < 0.28 THEN 4
                   WHEN t.r_rate < 0.315 THEN 3 WHEN t.r_rate < 0.336 THEN 2 ELSE 1 END END,
    %(code)s, '', '', now(), t.version_id
FROM timed t
"""

HAND_UP_SQL = """
INSERT INTO {schema}.delegation_delegation
       (id, direction, peer_centre, peer_tier, tracking_no, created_at, sent_seq, received_seq, case_id)
SELECT gen_random_uuid(), 'up', %(parent)s, %(parent_tier)s, tracking_no, escalated_at, 1, 0, id
  FROM {schema}.delegation_case WHERE escalated_at IS NOT NULL
"""

LINK_SQL = """
UPDATE {schema}.delegation_case c
   SET forwarded_to_id = d.id,
       state = CASE WHEN c.state = 'submitted' THEN 'escalated' ELSE c.state END,
       upstream_state = CASE WHEN c.state = 'submitted' THEN 'in_review' ELSE '' END,
       upstream_centre = CASE WHEN c.state = 'submitted' THEN %(parent)s ELSE '' END
  FROM {schema}.delegation_delegation d
 WHERE d.case_id = c.id AND d.direction = 'up'
"""

PROJECT_SQL = """
INSERT INTO network_caserecord (
    centre_id, centre_code, tier, case_id, tracking_no, origin_centre, item_code, item_version_id,
    handling_type, legal_limit_days, promised_limit_days, channel, state, effective_state,
    received_from_centre, forwarded_to_centre, submitted_at, accepted_at, escalated_at,
    decided_at, closed_at, clock_started_on, due_on, elapsed_working_days, on_time, early,
    saved_vs_legal, saved_vs_promised, calendar_fallback, rating, updated_at, left_at,
    working_days_held, query_code_hash)
SELECT %(centre_id)s, %(code)s, %(tier)s, c.id, c.tracking_no, c.origin_centre, c.item_code,
       c.item_version_id, c.handling_type, c.legal_limit_days, c.promised_limit_days, c.channel,
       c.state,
       CASE WHEN c.state = 'escalated' AND c.upstream_state <> '' THEN c.upstream_state
            ELSE c.state END,
       '', coalesce(d.peer_centre, ''), c.submitted_at, c.accepted_at, c.escalated_at,
       c.decided_at, c.closed_at, c.clock_started_on, c.due_on, c.elapsed_working_days,
       c.on_time, c.early, c.saved_vs_legal, c.saved_vs_promised, c.calendar_fallback, c.rating,
       now(), coalesce(c.escalated_at, c.decided_at, c.closed_at),
       CASE WHEN coalesce(c.escalated_at, c.decided_at, c.closed_at) IS NOT NULL
            THEN greatest(0, cl.cum - cs.cum) END,
       c.query_code_hash
  FROM {schema}.delegation_case c
  LEFT JOIN {schema}.delegation_delegation d ON d.case_id = c.id AND d.direction = 'up'
  LEFT JOIN bench_cal cs ON cs.day = (c.submitted_at AT TIME ZONE %(tz)s)::date
  LEFT JOIN bench_cal cl
         ON cl.day = (coalesce(c.escalated_at, c.decided_at, c.closed_at) AT TIME ZONE %(tz)s)::date
"""


def generate(scale: float) -> int:
    from django.db import connection, transaction

    from assessment.activity import deferred_activity, rebuild_activity
    from tenants.models import ServiceCentre

    versions = make_items()
    make_calendar()
    centres = list(ServiceCentre.objects.select_related("parent").order_by("division_code"))
    started = time.perf_counter()
    total = 0
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.2260)")
    for index, centre in enumerate(centres, start=1):
        n = math.ceil(PER_TIER[centre.tier] * scale)
        escalate, refuse, open_ = FATES[centre.tier]
        schema = centre.schema_name
        params = {
            "first": FIRST_DAY,
            "days": (LAST_DAY - FIRST_DAY).days,
            "n": n,
            "tz": TZ,
            "tier": centre.tier,
            "code": centre.division_code,
            "p_escalate": escalate,
            "p_refuse": refuse,
            "p_open": open_,
            "p_delegated": 0.5 if centre.tier in ("township", "county") else 0.3,
            "v_immediate": versions["immediate"],
            "v_p5": versions["p5"],
            "v_p10": versions["p10"],
        }
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(CASES_SQL.format(schema=schema), params)
            if centre.parent_id:
                parent = {"parent": centre.parent.division_code, "parent_tier": centre.parent.tier}
                cur.execute(HAND_UP_SQL.format(schema=schema), parent)
                cur.execute(LINK_SQL.format(schema=schema), parent)
        total += n
        if index % 200 == 0 or index == len(centres):
            log(f"  cases in {index}/{len(centres)} schemas: {total:,}")
    log(f"wrote {total:,} cases into the schemas in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    # A bulk load: the activity trigger deferred, the buckets built in one statement after.
    with deferred_activity():
        for index, centre in enumerate(centres, start=1):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    PROJECT_SQL.format(schema=centre.schema_name),
                    {
                        "centre_id": centre.id,
                        "code": centre.division_code,
                        "tier": centre.tier,
                        "tz": TZ,
                    },
                )
            if index % 400 == 0 or index == len(centres):
                log(f"  projected {index}/{len(centres)} schemas")
    rebuild_activity()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE network_caserecord")
        cur.execute("VACUUM ANALYZE assessment_activitybucket")
        cur.execute("SELECT count(*) FROM network_caserecord")
        rows = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE grain = 'm') FROM assessment_activitybucket"
        )
        buckets, months = cur.fetchone()
    log(
        f"projected {rows:,} rows ({buckets:,} activity buckets, {months:,} of months) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return total


def check_projection_sample() -> None:
    """The SQL-built projection and buckets equal what ``manage.py rebuild_projections``
    (``network.projection.rebuild``, trigger deferred, then ``rebuild_activity``) makes of a
    few centres, one per tier (the city's 60,000 cases included)."""
    from django.core.management import call_command

    from assessment.activity import bucket_rows
    from network.projection import projection_rows
    from tenants.models import ServiceCentre

    centres = [
        ServiceCentre.objects.filter(tier=tier).order_by("division_code").first()
        for tier in ("city", "county", "township", "village")
    ]
    codes = [c.division_code for c in centres]
    before = projection_rows(codes), [r for r in bucket_rows() if r[0] in codes]
    arguments = [argument for code in codes for argument in ("--centre", code)]
    call_command("rebuild_projections", *arguments, verbosity=0)
    after = projection_rows(codes), [r for r in bucket_rows() if r[0] in codes]
    assert before == after, "the benchmark's projection differs from rebuild_projections"
    log(f"projection and buckets of {len(centres)} sample centres equal rebuild_projections'")


# --- the measurements ----------------------------------------------------------------------------


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def naive_loop(period, scheme) -> dict[str, dict]:
    """The same per-centre indicators, scores and ranks, one schema at a time."""
    from collections import defaultdict

    from django.db import connection
    from django.utils import timezone

    from assessment import indicators as ind
    from assessment.scoring import rank, score
    from tenants.models import ServiceCentre
    from workdays.calendar import elapsed_working_days

    centres = ind.centre_rows("")
    ind.facts_at("", centres, period.end)
    status = ind.status_in_period("", centres, period)
    tenants = {c.id: c for c in ServiceCentre.objects.all()}
    as_of = period.end_at
    as_of_date = period.end
    stuck_before = ind.local_midnight(
        ind.stuck_cutoff(as_of_date, scheme.stuck_after_working_days) + dt.timedelta(days=1)
    )
    between = "{col} >= %(a)s AND {col} < %(b)s"
    left = "coalesce(escalated_at, decided_at, closed_at)"
    decided_here = f"({between.format(col='decided_at')}) AND escalated_at IS NULL"
    rated_on = "coalesce(decided_at, closed_at, submitted_at)"
    aggregate = f"""
        SELECT count(*) FILTER (WHERE {between.format(col="submitted_at")}),
               count(*) FILTER (WHERE {between.format(col="accepted_at")}),
               count(*) FILTER (WHERE state = 'refused' AND escalated_at IS NULL
                                  AND {between.format(col="closed_at")}),
               count(*) FILTER (WHERE {decided_here}),
               count(*) FILTER (WHERE {decided_here} AND handling_type = 'immediate'),
               count(*) FILTER (WHERE {decided_here} AND on_time IS TRUE),
               count(*) FILTER (WHERE {decided_here} AND early IS TRUE),
               count(*) FILTER (WHERE {decided_here} AND on_time IS FALSE),
               coalesce(sum(saved_vs_legal) FILTER (WHERE {decided_here}), 0),
               coalesce(sum(saved_vs_promised) FILTER (WHERE {decided_here}), 0),
               {", ".join(f"count(*) FILTER (WHERE rating = {k} AND {between.format(col=rated_on)})" for k in range(1, 6))},
               count(*) FILTER (WHERE {between.format(col="escalated_at")}),
               count(*) FILTER (WHERE submitted_at < %(as_of)s
                                  AND ({left} IS NULL OR {left} >= %(as_of)s)),
               count(*) FILTER (WHERE submitted_at < %(as_of)s
                                  AND ({left} IS NULL OR {left} >= %(as_of)s)
                                  AND due_on < %(as_of_date)s AND state <> 'supplement_needed'),
               count(*) FILTER (WHERE submitted_at < %(stuck_before)s
                                  AND ({left} IS NULL OR {left} >= %(as_of)s)
                                  AND state <> 'supplement_needed')
          FROM delegation_case
    """
    departed = (
        f"SELECT id, submitted_at, {left} FROM delegation_case WHERE {between.format(col=left)}"
    )
    params = {
        "a": period.start_at,
        "b": period.end_at,
        "as_of": as_of,
        "as_of_date": as_of_date,
        "stuck_before": stuck_before,
    }
    names = [
        "received", "accepted", "refused", "completed", "completed_immediate",
        "completed_on_time", "completed_early", "completed_late", "saved_vs_legal",
        "saved_vs_promised", "rated_1", "rated_2", "rated_3", "rated_4", "rated_5", "handed_up",
        "open_cases", "overdue_open", "stuck_chains",
    ]  # fmt: skip
    per_centre = {}
    for centre in centres:
        connection.set_tenant(tenants[centre["id"]])
        with connection.cursor() as cur:
            cur.execute(aggregate, params)
            counts = dict(zip(names, cur.fetchone(), strict=True))
            cur.execute("SELECT case_id, started_on, ended_on FROM delegation_casepause")
            pauses = defaultdict(list)
            for case_id, started_on, ended_on in cur.fetchall():
                pauses[case_id].append((started_on, ended_on))
            cur.execute(departed, params)
            held, count = 0, 0
            for case_id, submitted_at, left_at in cur.fetchall():
                arrived, gone = timezone.localdate(submitted_at), timezone.localdate(left_at)
                if gone > arrived:
                    held += elapsed_working_days(arrived, gone, pauses.get(case_id, ())).days
                count += 1
        handed_up = counts.pop("handed_up")
        village = centre["tier"] == "village"
        counts.update(
            forwarded=handed_up if village else 0,
            escalated=0 if village else handed_up,
            departed=count,
            held_days=held,
        )
        open_counts = {k: counts.pop(k) for k in ("open_cases", "overdue_open", "stuck_chains")}
        per_centre[centre["id"]] = ind.centre_totals(
            centre, counts, open_counts, status[centre["id"]]
        )
    connection.set_schema_to_public()

    heads = {
        ind.subtree_prefix(c["tier"], c["division_code"]): c
        for c in centres
        if c["tier"] != "village"
    }
    subtree_totals = {p: dict.fromkeys(ind.TOTALS, 0) for p in heads}
    results = {}
    for centre in centres:
        code = centre["division_code"]
        for p in {code[:4], code[:6], code[:9], code}:
            if p in subtree_totals:
                ind.add_totals(subtree_totals[p], per_centre[centre["id"]])
        indicators = ind.derive(per_centre[centre["id"]], scheme.satisfied_min_rating)
        indicators["active_at_end"] = status[centre["id"]]["active_at_end"]
        indicators["active_share"] = status[centre["id"]]["active_share"]
        results[("centre", code)] = {"tier": centre["tier"], "indicators": indicators}
    for p, head in heads.items():
        results[("subtree", head["division_code"])] = {
            "tier": head["tier"],
            "indicators": ind.derive(subtree_totals[p], scheme.satisfied_min_rating),
        }
    groups = defaultdict(list)
    for key, unit in results.items():
        unit["score"] = score(unit["indicators"], scheme).score
        groups[(key[0], unit["tier"])].append(unit)
    for units in groups.values():
        for unit, position in zip(units, rank([u["score"] for u in units]), strict=True):
            unit["rank"] = position
    return results


def trigger_overhead(n: int = 2000) -> dict[str, float]:
    """What the activity trigger adds to a projection write: ``n`` single-row upserts as
    ``network.projection.record_case`` issues them, deciding a case (moves counters) and
    touching only ``updated_at`` (a mirrored status: moves none), with the trigger and
    without; rolled back."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM network_caserecord "
            "WHERE decided_at IS NULL AND escalated_at IS NULL ORDER BY id LIMIT %s",
            [n],
        )
        ids = [row[0] for row in cur.fetchall()]
    columns = (
        "centre_id, case_id, centre_code, tier, tracking_no, origin_centre, item_code,"
        " item_version_id, handling_type, legal_limit_days, promised_limit_days, channel,"
        " received_from_centre, forwarded_to_centre, submitted_at, accepted_at, calendar_fallback"
    )
    decide = (
        f"INSERT INTO network_caserecord ({columns}, state, effective_state, updated_at,"
        " decided_at, left_at, on_time, working_days_held)"
        f" SELECT {columns}, 'approved', 'approved', now(), now(), now(), true, 1"
        " FROM network_caserecord WHERE id = %s"
        " ON CONFLICT (centre_id, case_id) DO UPDATE SET state = EXCLUDED.state,"
        " effective_state = EXCLUDED.effective_state, decided_at = EXCLUDED.decided_at,"
        " left_at = EXCLUDED.left_at, on_time = EXCLUDED.on_time,"
        " working_days_held = EXCLUDED.working_days_held, updated_at = EXCLUDED.updated_at"
    )
    touch = (
        f"INSERT INTO network_caserecord ({columns}, state, effective_state, updated_at)"
        f" SELECT {columns}, state, 'in_review', now() FROM network_caserecord WHERE id = %s"
        " ON CONFLICT (centre_id, case_id) DO UPDATE SET"
        " effective_state = EXCLUDED.effective_state, updated_at = EXCLUDED.updated_at"
    )
    timings = {}
    for write, sql in (("decision", decide), ("status_only", touch)):
        for label, disable in (("with_trigger", False), ("without_trigger", True)):
            with transaction.atomic():
                with connection.cursor() as cur:
                    if disable:
                        cur.execute("ALTER TABLE network_caserecord DISABLE TRIGGER USER")
                    started = time.perf_counter()
                    for row_id in ids:
                        cur.execute(sql, [row_id])
                    timings[f"upsert_{write}_ms_{label}"] = round(
                        1000 * (time.perf_counter() - started) / len(ids), 3
                    )
                transaction.set_rollback(True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000, help="at least this many cases")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django(args.reuse)

    from django.db import connection

    from assessment import services
    from assessment.indicators import Period
    from core.roles import Actor, Role
    from tenants.models import ServiceCentre

    if not args.reuse:
        provision()
        base = sum(
            PER_TIER[t] * n
            for t, n in (("city", 1), ("county", 13), ("township", 105), ("village", 1568))
        )
        generate(args.cases / base)
        check_projection_sample()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM network_caserecord")
        cases = cur.fetchone()[0]
    assert cases >= args.cases, f"only {cases:,} cases"
    centres = ServiceCentre.objects.count()
    city = ServiceCentre.objects.get(tier="city")
    assessor = Actor(name="bench", role=Role.ASSESSOR, centre=city.division_code)
    scheme = services.get_scheme(assessor)
    whole = {"period_start": FIRST_DAY, "period_end": LAST_DAY, "subtree_code": city.division_code}
    partial = {**whole, "period_start": dt.date(2025, 11, 15), "period_end": dt.date(2026, 10, 20)}

    log("warming up")
    services.run_assessment(assessor, **whole)
    log(f"full assessment ×{args.repeat}")
    run_times, run = timed(lambda: services.run_assessment(assessor, **whole), args.repeat)
    compute_times, _ = timed(
        lambda: services.compute(city, Period(FIRST_DAY, LAST_DAY), scheme), args.repeat
    )
    partial_times, _ = timed(lambda: services.run_assessment(assessor, **partial), args.repeat)
    log(
        f"  run {min(run_times):.3f} s, compute {min(compute_times):.3f} s, partial months {min(partial_times):.3f} s"
    )

    log("naive loop over the schemas")
    started = time.perf_counter()
    naive = naive_loop(Period(FIRST_DAY, LAST_DAY), scheme)
    naive_s = time.perf_counter() - started
    log(f"  naive loop {naive_s:.1f} s")

    stored = {(r.scope, r.code): r for r in run.results.all()}
    mismatches = [
        key
        for key, unit in naive.items()
        if unit["indicators"] != stored[key].indicators
        or unit["score"] != stored[key].score
        or unit["rank"] != stored[key].rank
    ]
    assert len(naive) == len(stored) and not mismatches, f"the loop disagrees on {mismatches[:5]}"
    log(f"the loop's {len(naive)} units (indicators, scores, ranks) equal the assessment's")

    log("trigger overhead per projection write")
    overhead = trigger_overhead()
    log(f"  {overhead}")

    run_s = statistics.median(run_times)
    result = {
        "centres": centres,
        "cases_projected": cases,
        "period": f"{FIRST_DAY}:{LAST_DAY}",
        "units_scored": len(stored),
        "assessment_s_best": round(min(run_times), 3),
        "assessment_s_median": round(run_s, 3),
        "compute_s_best": round(min(compute_times), 3),
        "compute_s_median": round(statistics.median(compute_times), 3),
        "partial_months_assessment_s_median": round(statistics.median(partial_times), 3),
        "naive_loop_s": round(naive_s, 2),
        "ratio_naive_to_assessment": round(naive_s / run_s, 1),
        "ratio_naive_to_compute": round(naive_s / statistics.median(compute_times), 1),
        "goal_assessment_under_2s": run_s < 2.0,
        "goal_ratio_at_least_20": naive_s / run_s >= 20,
        **overhead,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "assessment.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
