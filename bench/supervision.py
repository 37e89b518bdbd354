"""Benchmark: the supervision evaluation against a per-schema loop computing the same warnings.

    .venv/bin/python bench/supervision.py [--cases 1000000] [--reuse] [--repeat 3]

Runs in its own database (bench_supervision). It builds the data exactly as bench/assessment.py
does (its ``provision`` and ``generate``: the 1,687-centre prefecture, ≥ --cases cases written
straight into the centres' schemas, the projection built from them with SQL), then, as of
2026-11-02 (the Monday after the data's year):

1. ``supervision.services.evaluate``: one statement over ``network_caserecord``, every open
   case's step, deadline and level, the warnings not yet recorded inserted (under an advisory
   lock: one evaluation at a time) with a desk notification each (``notifications/sql.py``);
   timed on empty warning and notification tables (``--repeat`` times, emptied between runs),
   then once more on the full tables (the steady state of the hourly task: nothing new);
2. the naive loop: for each of the 1,687 schemas, switch to it, read its open cases and their
   clock pauses, and compute each step's deadline and level with ``workdays.calendar`` in
   Python. Its set of (centre, case, step, level, deadline) is asserted equal to the rows the
   evaluation recorded.

Results go to var/bench/supervision.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import time

from _setup import ROOT, fresh_database

DB_NAME = "bench_supervision"
TODAY = dt.date(2026, 11, 2)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def data_module():
    """bench/assessment.py, loaded under another name (``assessment`` is a Django app)."""
    spec = importlib.util.spec_from_file_location(
        "bench_assessment_data", ROOT / "bench" / "assessment.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup(reuse: bool, cases: int) -> None:
    if reuse:
        import os
        import sys

        import django

        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
        os.environ["EMBEDDED_DB_NAME"] = DB_NAME
        django.setup()
        return
    fresh_database(DB_NAME)
    data = data_module()
    data.provision()
    base = sum(
        data.PER_TIER[t] * n
        for t, n in (("city", 1), ("county", 13), ("township", 105), ("village", 1568))
    )
    data.generate(cases / base)


def naive_loop(today: dt.date, record: bool = False) -> set[tuple]:
    """Every centre's schema in turn: its open cases, their steps and levels in Python. With
    ``record``, it also does what a first evaluation does with them: writes each centre's
    warnings (``bulk_create``, one transaction per centre) and its desk's notifications (one per
    warning, or a digest per level past ``NOTIFY_WARNINGS_EACH_UP_TO``)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from delegation.models import Case, CasePause
    from notifications.models import StaffNotification
    from supervision.models import Warning
    from supervision.services import current_scheme
    from tenants.models import ServiceCentre
    from workdays.calendar import add_working_days, working_days_between

    scheme = current_scheme()
    overrides = {row.item_code: row for row in scheme.item_limits.all()}

    def limit(item_code: str, field: str) -> int:
        row = overrides.get(item_code)
        value = getattr(row, field) if row else None
        return value if value is not None else getattr(scheme, field)

    found = set()
    centres = list(ServiceCentre.objects.order_by("division_code"))
    for centre in centres:
        connection.set_tenant(centre)
        cases = list(
            Case.objects.filter(state__in=["submitted", "accepted", "in_review", "approved", "denied"])
            .values_list("id", "state", "item_code", "submitted_at", "accepted_at", "decided_at",
                         "due_on", "promised_limit_days", "received_from_id", "tracking_no")
        )  # fmt: skip
        ended: dict[int, dt.date] = {}
        if any(c[1] == "submitted" for c in cases):
            for case_id, end in CasePause.objects.filter(ended_on__isnull=False).values_list(
                "case_id", "ended_on"
            ):
                ended[case_id] = max(end, ended.get(case_id, end))
        rows = []
        for case_id, state, item, sub, acc, dec, due, promised, received_from, no in cases:
            if state == "submitted" and acc is None:
                start = timezone.localdate(sub)
                if centre.tier == "village":
                    step, days = "forward", limit(item, "forward_days")
                else:
                    step, days = "intake", limit(item, "intake_days")
                    start = max(start, ended.get(case_id, start))
                deadline = add_working_days(start, days).due
            elif state in ("accepted", "in_review") and due is not None:
                step, days, deadline = "decide", promised, due
            elif state in ("approved", "denied") and received_from is None and dec is not None:
                step, days = "deliver", limit(item, "deliver_days")
                deadline = add_working_days(timezone.localdate(dec), days).due
            else:
                continue
            left = working_days_between(today, deadline).days if deadline >= today else None
            if deadline < today:
                level = "red"
            else:
                yellow = left <= scheme.yellow_days_left or (
                    (days - left) * 100 >= scheme.yellow_percent * days
                )
                level = "yellow" if yellow else None
            if level:
                found.add((centre.id, case_id, step, level, deadline))
                if record:
                    if left is None:
                        left = -working_days_between(deadline, today).days
                    rows.append((case_id, no, item, step, level, deadline, left, days))
        if record and rows:
            now = timezone.now()
            with transaction.atomic():
                Warning.objects.bulk_create(
                    Warning(
                        centre_id=centre.id, centre_code=centre.division_code, tier=centre.tier,
                        case_id=case_id, tracking_no=no, item_code=item, step=step, level=level,
                        deadline=deadline, raised_on=today, working_days_left=left,
                        limit_days=days, scheme_id=scheme.pk, created_at=now,
                    )
                    for case_id, no, item, step, level, deadline, left, days in rows
                )  # fmt: skip
                by_level: dict[str, list] = {}
                for row in rows:
                    by_level.setdefault(row[4], []).append(row)
                notes = []
                for level, warned in by_level.items():
                    if len(warned) > settings.NOTIFY_WARNINGS_EACH_UP_TO:
                        notes.append(StaffNotification(
                            centre_id=centre.id, kind=f"warning_{level}", tracking_no="",
                            text_args={"count": len(warned)}, created_at=now,
                            dedupe_key=f"warnings:{level}:{centre.id}:loop",
                        ))  # fmt: skip
                        continue
                    notes.extend(
                        StaffNotification(
                            centre_id=centre.id, kind=f"warning_{level}", tracking_no=no,
                            text_args={"step": step}, created_at=now,
                            dedupe_key=f"warning:{level}:{step}:{centre.id}:{no}",
                        )
                        for _c, no, _i, step, *_ in warned
                    )  # fmt: skip
                StaffNotification.objects.bulk_create(notes)
        connection.set_schema_to_public()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000, help="at least this many cases")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup(args.reuse, args.cases)

    from django.conf import settings
    from django.db import connection

    from supervision import services
    from supervision.models import Warning
    from tenants.models import ServiceCentre

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM network_caserecord")
        cases = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM network_caserecord WHERE (state = 'submitted' AND accepted_at IS NULL)"
            " OR state IN ('accepted', 'in_review', 'supplement_needed', 'escalated')"
            " OR (state IN ('approved', 'denied') AND received_from_centre = '')"
        )
        open_cases = cur.fetchone()[0]
    log(f"{cases:,} cases projected, {open_cases:,} open (incl. decided, not handed over)")
    log(f"load average {os.getloadavg()}")
    assert cases >= args.cases and open_cases >= 50_000

    def empty() -> None:
        # The warnings and the desk notifications each new warning writes in the same
        # statement (notifications/sql.py): a first evaluation writes both.
        with connection.cursor() as cur:
            cur.execute("TRUNCATE supervision_warning, notifications_staffnotification")
            # The previous run's rows flushed now, not by a checkpoint during the next run.
            cur.execute("CHECKPOINT")

    times = []
    for _ in range(args.repeat):
        empty()
        started = time.perf_counter()
        result = services.evaluate(today=TODAY)
        times.append(time.perf_counter() - started)
    log(
        f"evaluation: {min(times):.3f} s best, recorded {result.total:,} warnings {result.recorded}"
    )
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM notifications_staffnotification")
        notifications = cur.fetchone()[0]
    log(f"  and {notifications:,} desk notifications")
    # Finding the warnings without recording them: what the loop below does too.
    finding = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                services.LEVELS_SQL + "SELECT count(*) FROM levelled WHERE level IS NOT NULL",
                services._params(TODAY, services.current_scheme()),
            )
            found = cur.fetchone()[0]
        finding.append(time.perf_counter() - started)
    assert found == result.total
    log(f"finding them (no insert): {statistics.median(finding):.3f} s median")
    started = time.perf_counter()
    again = services.evaluate(today=TODAY)
    steady = time.perf_counter() - started
    assert again.total == 0
    log(f"again (nothing new): {steady:.3f} s")

    recorded = set(Warning.objects.values_list("centre_id", "case_id", "step", "level", "deadline"))
    log("naive loop over the schemas")
    started = time.perf_counter()
    naive = naive_loop(TODAY)
    naive_s = time.perf_counter() - started
    log(f"  naive loop {naive_s:.1f} s, {len(naive):,} warnings")
    assert naive == recorded, (
        f"the loop disagrees: {len(naive - recorded)} only in the loop, "
        f"{len(recorded - naive)} only in the evaluation; e.g. {sorted(naive ^ recorded)[:5]}"
    )
    log("the loop's warnings equal the evaluation's")

    # The same loop doing the whole job of a first evaluation: recording what it computes.
    empty()
    log("naive loop recording its warnings and notifications")
    started = time.perf_counter()
    naive_recorded = naive_loop(TODAY, record=True)
    naive_recording_s = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM notifications_staffnotification")
        loop_notifications = cur.fetchone()[0]
    loop_rows = set(
        Warning.objects.values_list("centre_id", "case_id", "step", "level", "deadline")
    )
    assert naive_recorded == loop_rows == recorded and loop_notifications == notifications, (
        loop_notifications,
        notifications,
    )
    log(f"  recording loop {naive_recording_s:.1f} s: the same warnings and notifications")

    median = statistics.median(times)
    result = {
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "centres": ServiceCentre.objects.count(),
        "cases_projected": cases,
        "open_cases": open_cases,
        "today": TODAY.isoformat(),
        "warnings": len(recorded),
        "by_step_level": {f"{s}/{lv}": n for (s, lv), n in sorted(result.recorded.items())},
        "evaluation_s_best": round(min(times), 3),
        "evaluation_s_median": round(median, 3),
        "notifications": notifications,
        "notify_each_up_to": settings.NOTIFY_WARNINGS_EACH_UP_TO,
        "finding_s_median": round(statistics.median(finding), 3),
        "evaluation_again_s": round(steady, 3),
        "naive_loop_s": round(naive_s, 2),
        "ratio_naive_to_evaluation": round(naive_s / median, 1),
        "ratio_naive_to_finding": round(naive_s / statistics.median(finding), 1),
        "naive_loop_recording_s": round(naive_recording_s, 2),
        "ratio_recording_loop_to_evaluation": round(naive_recording_s / median, 1),
        "ratio_naive_to_again": round(naive_s / steady, 1),
        "goal_under_2s": median < 2.0,
        "goal_ratio_at_least_20": naive_s / median >= 20,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "supervision.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
