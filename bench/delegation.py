"""Benchmark: cases end to end over RabbitMQ on the demo network, against raw PostgreSQL.

    .venv/bin/python bench/delegation.py [--cases 1000] [--workers 2]

Needs RabbitMQ (CELERY_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//). Runs in its own
database (bench_delegation) with a private queue, a relay process and a Celery worker process.

1. N requests are logged across the 12 villages and forwarded (village agents);
2. township staff accept them: half (农村村民宅基地审批, a township item) are reviewed and
   approved there, half (最低生活保障审核确认, a county item) are escalated and the county
   accepts, reviews and approves them;
3. done when every village case shows the decision. Throughput = N / wall time of 1–3.
Latency: from the decision's event at the deciding centre to the mirrored event at the village
(one hop for township decisions, two for county ones).
Baseline, same run: single-row INSERT transactions per second on the same PostgreSQL (psycopg,
autocommit, one connection).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

from _setup import ROOT, fresh_database

TOWNSHIP_ITEM, COUNTY_ITEM = "SX-0012", "SX-0020"


def raw_tx_rate(seconds: float = 5.0) -> float:
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    with psycopg.connect(**params, autocommit=True) as c:
        c.execute("CREATE TABLE IF NOT EXISTS public.bench_raw (id bigserial primary key, v int)")
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            c.execute("INSERT INTO public.bench_raw (v) VALUES (%s)", [n])
            n += 1
        return n / (time.perf_counter() - t0)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker concurrency")
    args = parser.parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ["MESSAGES_QUEUE"] = queue
    fresh_database("bench_delegation")

    from django.core.management import call_command
    from django.db import connection

    from core.roles import Actor, Role
    from delegation import services as s
    from delegation.models import Case, CaseEvent, State
    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    env = dict(os.environ, EMBEDDED_DB_NAME=connection.settings_dict["NAME"], PYTHONPATH=str(ROOT))
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "core", "worker", "-Q", queue, "--concurrency", str(args.workers),
             "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "relay"], cwd=ROOT, env=env,
            stdout=(logs / "relay.log").open("w"), stderr=subprocess.STDOUT,
        ),
    ]  # fmt: skip
    try:
        time.sleep(6)  # let the worker connect
        raw = raw_tx_rate()
        result = run(args.cases, s, Actor, Role, Case, CaseEvent, State, ServiceCentre)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)
        from core.celery import app

        with app.connection_for_write() as conn:  # leave no private queue behind
            conn.default_channel.queue_delete(queue)
    result["raw_single_row_tx_per_s"] = round(raw, 1)
    result["ratio_cases_per_s_to_raw_tx_per_s"] = round(result["cases_per_s"] / raw, 4)
    (logs / "delegation.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def run(n, s, Actor, Role, Case, CaseEvent, State, ServiceCentre) -> dict:
    centres = {c.division_code: c for c in ServiceCentre.objects.all()}
    villages = sorted(
        c for c, centre in centres.items() if centre.tier == "village" and centre.status == "active"
    )
    townships = [c for c, centre in centres.items() if centre.tier == "township"]
    counties = [c for c, centre in centres.items() if centre.tier == "county"]
    person = s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234")
    from catalog.services import active_version

    materials = {
        code: list(active_version(code).materials.values_list("name", flat=True))
        for code in (TOWNSHIP_ITEM, COUNTY_ITEM)
    }
    started = time.perf_counter()
    for i in range(n):
        village = villages[i % len(villages)]
        agent = Actor("代办员", Role.AGENT, village)
        item = TOWNSHIP_ITEM if i % 2 == 0 else COUNTY_ITEM
        case = s.log_request(
            village, agent, applicant=person, item_code=item, materials_received=materials[item]
        )
        s.forward_case(village, agent, case.tracking_no)
    intake_s = time.perf_counter() - started

    def staff_pass(code: str) -> int:
        centre = centres[code]
        staff = Actor("窗口", Role.STAFF, code)
        with s.in_centre(centre):
            waiting = list(
                Case.objects.filter(state=State.SUBMITTED).values_list("tracking_no", "item_code")
            )
        for no, item in waiting:
            s.accept_case(centre, staff, no)
            if centre.tier == "township" and item == COUNTY_ITEM:
                s.escalate_case(centre, staff, no)
            else:
                s.start_review(centre, staff, no)
                s.approve_case(centre, staff, no)
        return len(waiting)

    def decided_at_villages() -> int:
        total = 0
        for code in villages:
            with s.in_centre(centres[code]):
                total += Case.objects.filter(state=State.APPROVED).count()
        return total

    deadline = time.monotonic() + 600
    while True:
        worked = sum(staff_pass(code) for code in townships + counties)
        if not worked:
            if decided_at_villages() >= n:
                break
            if time.monotonic() > deadline:
                raise SystemExit("timed out: see var/bench/worker.log and relay.log")
            time.sleep(0.05)
    total_s = time.perf_counter() - started

    decisions, arrivals = {}, {}
    for code in townships + counties:
        with s.in_centre(centres[code]):
            for no, at in CaseEvent.objects.filter(action="approve").values_list(
                "case__tracking_no", "at"
            ):
                decisions[no] = (at, centres[code].tier)
    for code in villages:
        with s.in_centre(centres[code]):
            arrivals.update(
                CaseEvent.objects.filter(action="upstream_approved").values_list(
                    "case__tracking_no", "at"
                )
            )
    one_hop = [
        (arrivals[no] - at).total_seconds()
        for no, (at, tier) in decisions.items()
        if tier == "township"
    ]
    two_hops = [
        (arrivals[no] - at).total_seconds()
        for no, (at, tier) in decisions.items()
        if tier == "county"
    ]
    per_hop = one_hop + [x / 2 for x in two_hops]
    return {
        "cases": n,
        "intake_s": round(intake_s, 2),
        "total_s": round(total_s, 2),
        "cases_per_s": round(n / total_s, 1),
        "status_latency_1_hop_p50_s": round(statistics.median(one_hop), 3),
        "status_latency_1_hop_p95_s": round(percentile(one_hop, 95), 3),
        "status_latency_2_hops_p50_s": round(statistics.median(two_hops), 3),
        "status_latency_2_hops_p95_s": round(percentile(two_hops, 95), 3),
        "status_latency_per_hop_p95_s": round(percentile(per_hop, 95), 3),
    }


if __name__ == "__main__":
    main()
