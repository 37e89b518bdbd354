"""Benchmark: cases end to end over RabbitMQ on the demo network, against raw PostgreSQL.

    .venv/bin/python bench/delegation.py [--cases 2000] [--agents 2] [--staff 2] [--workers 2]
                                         [--rate 0] [--group 100] [--linger 0.05]

Needs RabbitMQ (CELERY_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//) and Linux (CPU
accounting reads /proc). Runs in its own database (bench_delegation) with a private queue, a
relay process, a Celery worker process and driver processes that call the service layer exactly
as the API does (one transaction per action, the centre looked up by its code each time):

1. ``--agents`` processes log N requests across the 12 villages and forward each one (village
   agents), as fast as they can or at ``--rate`` cases/s in total (an offered load);
2. ``--staff`` processes play the township and county windows: they accept what arrives; half
   the cases (农村村民宅基地审批, a township item) are reviewed and approved at the township, half
   (最低生活保障审核确认, a county item) are escalated, accepted, reviewed and approved at the county;
3. done when every village case shows the decision (read from the network projection).
Throughput = N / wall time of 1–3. Latency: from the decision's event at the deciding centre to
the mirrored event at the village (one hop for township decisions, two for county ones).
Baseline, same run, before the load: single-row INSERT transactions per second on the same
PostgreSQL (psycopg, autocommit, one connection).
CPU: seconds used by each part during the run (drivers, worker, relay, this run's own
PostgreSQL cluster), per case, from /proc (bench/_cpu.py); the shared RabbitMQ apart (its whole
VM: other clients' work included, so not in the total); and the CPU every other process on the
machine used meanwhile (``other_processes_*``, ``noisy``). The machine's capacity is
(cores × wall time).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import uuid

import pg_statements
from _setup import ROOT, fresh_database

TOWNSHIP_ITEM, COUNTY_ITEM = "SX-0012", "SX-0020"
TICK = os.sysconf("SC_CLK_TCK")


# --- processes ----------------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()


def agent(
    villages: list[str], count: int, offset: int, interval: float, start_at: float, out
) -> None:
    """A village agent desk: log and forward ``count`` cases, every ``interval`` s if paced."""
    _django()
    from catalog.services import active_version
    from core.roles import Actor, Role
    from delegation import services as s

    person = s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234")
    materials = {
        code: list(active_version(code).materials.values_list("name", flat=True))
        for code in (TOWNSHIP_ITEM, COUNTY_ITEM)
    }
    while time.time() < start_at:
        time.sleep(0.001)
    for k in range(count):
        if interval:
            wait = start_at + k * interval - time.time()
            if wait > 0:
                time.sleep(wait)
        i = offset + k
        village = villages[i % len(villages)]
        actor = Actor("代办员", Role.AGENT, village)
        item = TOWNSHIP_ITEM if i % 2 == 0 else COUNTY_ITEM
        case = s.log_request(
            village, actor, applicant=person, item_code=item, materials_received=materials[item]
        )
        s.forward_case(village, actor, case.tracking_no)
    out.put(("agent", time.process_time()))


def staff(codes: list[str], stop, out) -> None:
    """The windows of some townships and counties: take on what arrives and decide or escalate."""
    _django()
    from core.roles import Actor, Role
    from delegation import services as s
    from delegation.models import Case, State
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre

    centres = {c.division_code: c for c in ServiceCentre.objects.filter(division_code__in=codes)}
    while not stop.is_set():
        worked = 0
        for code in codes:
            with in_centre(centres[code]):
                waiting = list(
                    Case.objects.filter(state=State.SUBMITTED).values_list(
                        "tracking_no", "item_code"
                    )
                )
            tier = centres[code].tier
            for no, item in waiting:
                staff = Actor("窗口", Role.STAFF, code)
                s.accept_case(code, staff, no)
                if tier == "township" and item == COUNTY_ITEM:
                    s.escalate_case(code, staff, no)
                else:
                    s.start_review(code, staff, no)
                    s.approve_case(code, staff, no)
            worked += len(waiting)
        if not worked:
            time.sleep(0.02)
    out.put(("staff", time.process_time()))


# --- measuring ----------------------------------------------------------------------------------


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


def accounting(pids: dict[str, int]):
    """CPU of the run's own parts, its own PostgreSQL cluster, the (shared) broker and everything
    else on the machine (bench/_cpu.py)."""
    from _cpu import Accounting, own_postmaster

    return Accounting(pids, own_postmaster(ROOT))


def cpu_report(used: dict[str, float], n: int, wall: float) -> dict:
    """Per-case figures of ``Accounting.delta``: own parts, the shared broker apart, others."""
    from _cpu import own_total

    cores = os.cpu_count() or 1
    own = own_total(used)
    return {
        "cpu_ms_per_case": {k: round(v * 1000 / n, 2) for k, v in sorted(used.items())},
        "cpu_ms_per_case_total": round(own * 1000 / n, 2),
        "cpu_ms_per_case_total_with_broker": round((own + used["shared_rabbitmq"]) * 1000 / n, 2),
        "cpu_busy_share": round(own / (cores * wall), 3),
        # Other people's work during the run: large means the figures above are noisy.
        "other_processes_cpu_s": round(used["other"], 2),
        "other_processes_share_of_machine": round(used["other"] / (cores * wall), 3),
        "noisy": used["other"] > 0.1 * cores * wall,
        "broker": "shared (every client of this RabbitMQ): its whole VM, not in the totals",
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=2, help="village agent driver processes")
    parser.add_argument("--staff", type=int, default=2, help="window staff driver processes")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker concurrency")
    parser.add_argument(
        "--consumer",
        choices=("celery", "kombu"),
        default="celery",
        help="who applies the messages: a Celery worker (--workers processes) or that many "
        "plain kombu consumers (manage.py consume)",
    )
    parser.add_argument("--rate", type=float, default=0, help="offered cases/s (0: flat out)")
    parser.add_argument("--group", type=int, default=100, help="relay batch size per recipient")
    parser.add_argument("--linger", type=float, default=0.05, help="relay linger, seconds")
    parser.add_argument("--out", default="delegation.json", help="file name under var/bench/")
    parser.add_argument(
        "--pg-statements",
        action="store_true",
        help="where PostgreSQL's time went, by family of statement (needs pg_stat_statements "
        "in shared_preload_libraries: bench/pg_statements.py)",
    )
    parser.add_argument(
        "--plaintext",
        action="store_true",
        help="store ID numbers and phones in clear (to measure what sealing costs)",
    )
    args = parser.parse_args()
    if args.plaintext:  # every process of the run, this one and the spawned ones
        os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench" / "plaintext"), str(ROOT)])
        sys.path.insert(0, str(ROOT))
        import plaintext.sitecustomize  # noqa: F401  (bench/plaintext: patches core.personal_data)
    os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ["MESSAGES_QUEUE"] = queue
    os.environ["MESSAGES_RELAY_GROUP"] = str(args.group)
    os.environ["MESSAGES_RELAY_LINGER"] = str(args.linger)
    fresh_database("bench_delegation")

    from django.core.management import call_command
    from django.db import connection

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    if args.pg_statements:
        pg_statements.prepare(connection)
    env = dict(os.environ, EMBEDDED_DB_NAME=connection.settings_dict["NAME"])
    env.setdefault("PYTHONPATH", str(ROOT))
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    if args.consumer == "celery":
        workers = [subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "core", "worker", "-n", f"bench-{queue}@%h",
             "-Q", queue, "--concurrency",
             str(args.workers), "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT,
        )]  # fmt: skip
    else:
        workers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "consume"],
                cwd=ROOT,
                env=env,
                stdout=(logs / f"consumer-{k}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            for k in range(args.workers)
        ]
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "relay"], cwd=ROOT, env=env,
        stdout=(logs / "relay.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(6)  # let the worker connect
        raw = raw_tx_rate()
        pids = {"relay": relay.pid}
        for k, proc in enumerate(workers):
            pids["worker" if k == 0 else f"worker{k}"] = proc.pid
        result = run(args, pids)
    finally:
        for proc in (*workers, relay):
            proc.terminate()
        for proc in (*workers, relay):
            proc.wait(20)
        from core.celery import app

        with app.connection_for_write() as conn:  # leave no private queue behind
            conn.default_channel.queue_delete(queue)
    result["consumer"] = args.consumer
    result["personal_data"] = "clear" if args.plaintext else "sealed"
    result["raw_single_row_tx_per_s"] = round(raw, 1)
    result["ratio_cases_per_s_to_raw_tx_per_s"] = round(result["cases_per_s"] / raw, 4)
    (logs / args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def run(args, pids: dict[str, int]) -> dict:
    from delegation.models import CaseEvent
    from network.models import CaseRecord
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre

    n = args.cases
    centres = {c.division_code: c for c in ServiceCentre.objects.all()}
    villages = sorted(c for c, x in centres.items() if x.tier == "village" and x.status == "active")
    townships = sorted(c for c, x in centres.items() if x.tier == "township")
    counties = sorted(c for c, x in centres.items() if x.tier == "county")
    deciders = townships + counties

    ctx = mp.get_context("spawn")
    out, stop = ctx.Queue(), ctx.Event()
    shares = [n // args.agents + (1 if k < n % args.agents else 0) for k in range(args.agents)]
    interval = args.agents / args.rate if args.rate else 0.0
    start_at = time.time() + 4  # every process imported and connected before the clock starts
    procs = [
        ctx.Process(target=agent, args=(villages, share, sum(shares[:k]), interval, start_at, out))
        for k, share in enumerate(shares)
    ] + [
        ctx.Process(target=staff, args=(deciders[k :: args.staff], stop, out))
        for k in range(args.staff)
    ]
    for proc in procs:
        proc.start()
    while time.time() < start_at:
        time.sleep(0.01)
    cpu = accounting({**pids, "drivers": os.getpid()})
    if args.pg_statements:
        pg_statements.reset()
    cpu_before = cpu.snapshot()
    started = time.perf_counter()
    deadline = time.monotonic() + 1200
    decided = CaseRecord.objects.filter(tier="village", state="approved")
    progress, progress_at = -1, time.monotonic()
    while (done := decided.count()) < n:
        if done != progress:
            progress, progress_at = done, time.monotonic()
        elif time.monotonic() - progress_at > 120 and all(
            not p.is_alive() for p in procs[: args.agents]
        ):
            stop.set()
            raise SystemExit(f"stuck at {done} of {n} decided at the villages for 120 s")
        if time.monotonic() > deadline:
            stop.set()
            raise SystemExit("timed out: see var/bench/worker.log and relay.log")
        if any(p.exitcode not in (None, 0) for p in procs):
            stop.set()
            raise SystemExit("a driver process failed")
        time.sleep(0.05)
    total_s = time.perf_counter() - started
    stop.set()
    for proc in procs:
        proc.join(60)
    used = cpu.delta(cpu_before, cpu.snapshot())
    for part in [p for p in used if p.startswith("worker") and p != "worker"]:
        used["worker"] = used.get("worker", 0.0) + used.pop(part)  # consumers: one part
    families = pg_statements.by_family(n) if args.pg_statements else None

    decisions, arrivals = {}, {}
    for code in deciders:
        with in_centre(centres[code]):
            for no, at in CaseEvent.objects.filter(action="approve").values_list(
                "case__tracking_no", "at"
            ):
                decisions[no] = (at, centres[code].tier)
    for code in villages:
        with in_centre(centres[code]):
            arrivals.update(
                CaseEvent.objects.filter(action="upstream_approved").values_list(
                    "case__tracking_no", "at"
                )
            )
    one_hop = [
        (arrivals[no] - at).total_seconds() for no, (at, t) in decisions.items() if t == "township"
    ]
    two_hops = [
        (arrivals[no] - at).total_seconds() for no, (at, t) in decisions.items() if t == "county"
    ]
    per_hop = one_hop + [x / 2 for x in two_hops]
    return {
        "cases": n,
        "agents": args.agents,
        "staff": args.staff,
        "worker_concurrency": args.workers,
        "offered_rate": args.rate or "flat out",
        "relay_group": args.group,
        "relay_linger_s": args.linger,
        "total_s": round(total_s, 2),
        "cases_per_s": round(n / total_s, 1),
        "status_latency_1_hop_p50_s": round(statistics.median(one_hop), 3),
        "status_latency_1_hop_p95_s": round(percentile(one_hop, 95), 3),
        "status_latency_2_hops_p50_s": round(statistics.median(two_hops), 3),
        "status_latency_2_hops_p95_s": round(percentile(two_hops, 95), 3),
        "status_latency_per_hop_p95_s": round(percentile(per_hop, 95), 3),
        **cpu_report(used, n, total_s),
        **({"postgresql_ms_per_case_by_family": families} if families else {}),
    }


if __name__ == "__main__":
    main()
