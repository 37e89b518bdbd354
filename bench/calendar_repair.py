"""Benchmark: recording a calendar year repairs the open cases it touches, against a naive loop.

    .venv/bin/python bench/calendar_repair.py [--centres 1687] [--open 3] [--quiet-open 1]

Runs in its own database (bench_calendar_repair). It provisions the first --centres centres of
the bundled prefecture spec and gives each --open open cases whose clocks started on 29 December
of the last year the calendar package knows (so their promised dates run into the next year,
unknown to it: weekends-only, ``calendar_fallback``) and --quiet-open open cases whose windows
end months earlier (a year change must not touch them). The projection is built with
``network.projection.rebuild``. In one run it measures:

1. the naive baseline: the year's rows written around the service layer, then, for every
   centre's schema in turn, every open case with a clock recomputed through the ORM, and saved
   with its event and its projection row when its date changed (what one would write without
   the projection: a loop over 1,687 schemas and over every case);
2. the calendar reverted the same way, then ``recompute_deadlines()`` (the on-demand command's
   service) putting the provisional dates back: the repair alone;
3. ``workdays.services.publish_year`` of the same year: the calendar write and the repair of
   every affected case in every centre, in one transaction (what ``calendar_year`` runs);
4. the same ``publish_year`` again (nothing left to change: the cost of finding that out).

Each measured step is checked to change the same cases as the baseline. Results go to
var/bench/calendar_repair.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from _setup import ROOT, fresh_database

DB_NAME = "bench_calendar_repair"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=1687)
    parser.add_argument("--open", type=int, default=3, help="open cases per centre touched")
    parser.add_argument("--quiet-open", type=int, default=1, help="open cases not touched")
    args = parser.parse_args()
    fresh_database(DB_NAME)

    from django.db import connection

    from catalog import services as catalog
    from delegation import services as s
    from delegation.models import OPEN_STATES, Case, Channel, State
    from network.projection import rebuild
    from tenants.models import ServiceCentre
    from tenants.services import provision_network
    from tenants.spec import load_spec, tree_order
    from tenants.tenancy import in_centre
    from workdays import calendar
    from workdays.calendar import add_working_days, due_date_with_pauses, package_years
    from workdays.models import CalendarOverride, PublishedYear
    from workdays.services import DayEntry, publish_year

    beyond = package_years().stop
    start, quiet_start = dt.date(beyond - 1, 12, 29), dt.date(beyond - 1, 6, 1)
    holidays = [
        DayEntry(d, False, "元旦")
        for d in (dt.date(beyond, 1, n) for n in range(1, 8))
        if d.weekday() < 5
    ][:3]

    log(f"provisioning {args.centres} centres")
    provision_network(tree_order(load_spec("prefecture"))[: args.centres])
    centres = list(ServiceCentre.objects.order_by("division_code"))
    catalog.add_department(code="MZJ", name="民政局")
    version_id = catalog.add_item(
        code="T-1", name="临时救助", category="benefit", department="MZJ",
        legal_basis="《社会救助暂行办法》", handling_type="promised", fee=0, proxy_eligible=True,
        online_eligible=False, materials="居民身份证|original|1;申请表|original|1",
        decision_tiers=["township", "county"], legal_limit_days=20, promised_limit_days=5,
    ).pk  # fmt: skip

    log(f"seeding {args.open + args.quiet_open} open cases per centre")
    touched = add_working_days(start, 5)
    quiet = add_working_days(quiet_start, 5)
    assert touched.fallback and not quiet.fallback
    for centre in centres:
        rows = []
        for n in range(args.open + args.quiet_open):
            begin, deadline = (start, touched) if n < args.open else (quiet_start, quiet)
            rows.append(
                Case(
                    tracking_no=f"{centre.division_code}-{begin:%Y%m%d}-{n + 1:05d}",
                    state=State.ACCEPTED,
                    channel=Channel.WINDOW,
                    applicant_kind="person",
                    applicant_name="刘桂兰",
                    applicant_id_number="420581199001010011",
                    item_version_id=version_id,
                    item_code="T-1",
                    item_name="临时救助",
                    handling_type="promised",
                    legal_limit_days=20,
                    promised_limit_days=5,
                    origin_centre=centre.division_code,
                    clock_started_on=begin,
                    due_on=deadline.due,
                    calendar_fallback=deadline.fallback,
                )
            )
        with in_centre(centre):
            Case.objects.bulk_create(rows)
    rebuild(centres)
    affected = len(centres) * args.open

    def write_year_around_the_service() -> None:
        CalendarOverride.objects.bulk_create(
            [CalendarOverride(date=e.date, is_working_day=False, note=e.note) for e in holidays]
        )
        PublishedYear.objects.create(year=beyond)
        calendar.reset_cache()

    def revert_around_the_service() -> None:
        CalendarOverride.objects.filter(date__year=beyond).delete()
        PublishedYear.objects.filter(year=beyond).delete()
        calendar.reset_cache()

    # 1. The naive baseline.
    write_year_around_the_service()
    log("naive: every open case of every schema through the ORM")
    t0 = time.perf_counter()
    naive_changed = 0
    for centre in centres:
        with in_centre(centre):
            for case in Case.objects.filter(
                state__in=OPEN_STATES, clock_started_on__isnull=False
            ).prefetch_related("pauses"):
                pauses = [(p.started_on, p.ended_on) for p in case.pauses.all()]
                deadline = due_date_with_pauses(
                    case.clock_started_on, case.promised_limit_days, pauses
                )
                if (deadline.due, deadline.fallback) == (case.due_on, case.calendar_fallback):
                    continue
                old = case.due_on
                case.due_on, case.calendar_fallback = deadline.due, deadline.fallback
                case.save(update_fields=["due_on", "calendar_fallback", "updated_at"])
                s._record(case, "recompute_deadline", case.state, s.Actor.system(centre.division_code),
                          old_due_on=old, due_on=deadline.due)  # fmt: skip
                s._project(case, centre)
                naive_changed += 1
    naive_s = time.perf_counter() - t0
    assert naive_changed == affected, (naive_changed, affected)

    # 2. Back to the provisional dates with the on-demand repair.
    revert_around_the_service()
    log("recompute_deadlines() back to the provisional dates")
    t0 = time.perf_counter()
    repair = s.recompute_deadlines()
    repair_s = time.perf_counter() - t0
    assert repair.changed == affected, repair

    # 3. The service: record the year, repair every affected case.
    log("publish_year")
    t0 = time.perf_counter()
    report = publish_year(beyond, holidays, note="bench")
    publish_s = time.perf_counter() - t0
    assert report.rescheduled == affected, report
    with in_centre(centres[-1]):
        assert not Case.objects.filter(calendar_fallback=True).exists()

    # 4. Again: nothing to change.
    t0 = time.perf_counter()
    again = publish_year(beyond, holidays, note="bench")
    again_s = time.perf_counter() - t0
    assert again.rescheduled == 0

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM network_caserecord")
        (records,) = cur.fetchone()
    result = {
        "centres": len(centres),
        "open_cases": records,
        "cases_rescheduled": affected,
        "naive_loop_s": round(naive_s, 2),
        "recompute_deadlines_s": round(repair_s, 2),
        "publish_year_s": round(publish_s, 2),
        "publish_year_nothing_to_change_s": round(again_s, 2),
        "ratio_naive_to_publish_year": round(naive_s / publish_s, 1),
        "ms_per_centre_publish_year": round(1000 * publish_s / len(centres), 2),
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "calendar_repair.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
