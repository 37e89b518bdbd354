"""Benchmark: the floor under ``bench/delegation.py``: the fewest writes the protocol needs, as
fast as PostgreSQL takes them on this machine, with no application code at all.

    .venv/bin/python bench/delegation_floor.py [--cases 4000] [--procs 2] [--round 25]

What would the most favourable implementation of issue 3 reach here? This replays, per case, only
the rows the issue itself requires, into the real tables of the ``demo`` network's schemas (same
columns, indexes, constraints and foreign keys as the application's), and nothing else:

* every state change: the case row updated and its append-only event inserted;
* every hop: a delegation row at each end, sequence numbers on it;
* every cross-centre effect: an outbox row (in the transaction of the change), marked published
  by the relay, and an inbox row claimed by the receiver (message applied once, in order);
* one transaction per user action (log, forward, accept, review, approve, escalate); messages
  applied in batches of ``--round`` cases per receiving centre, one transaction per batch.

Left out on purpose (so the floor is lower than any real implementation): the network
projection and its activity buckets, the daily tracking-number counter, the working-day clock,
idempotency keys, ``SET search_path`` (names are schema-qualified instead), reading anything
back (ids are chosen by the client), JSON payloads beyond a few keys, the broker, Python
business logic. Statements are prepared once and sent in pipeline mode (no round trip waits
inside a transaction). Half the cases are decided at the township, half escalated to the county,
as in ``bench/delegation.py``.

Each of ``--procs`` client processes drives its own cases through all three tiers. Reported:
cases/s, statements and commits per case, the CPU each side used per case (clients, this run's
own PostgreSQL cluster only), the CPU other processes on the machine used meanwhile,
and, in the same run, the single-row INSERT transaction rate of the same server (the baseline of
``bench/delegation.py``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import time
import uuid

from _setup import ROOT, fresh_database


def _delegation_bench():
    """bench/delegation.py as a module (its name would shadow the ``delegation`` app)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_delegation", ROOT / "bench" / "delegation.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOWNSHIP_ITEM, COUNTY_ITEM = "SX-0012", "SX-0020"


def _sql(schema: str) -> dict[str, str]:
    s = f'"{schema}".'
    return {
        "case": f"INSERT INTO {s}delegation_case (id, tracking_no, state, channel, applicant_kind, "
        "applicant_name, applicant_id_number, applicant_phone, item_code, item_name, "
        "handling_type, legal_limit_days, promised_limit_days, materials, missing_materials, "
        "handler_name, note, decision_reason, submitted_at, calendar_fallback, origin_centre, "
        "upstream_state, upstream_centre, updated_at, item_version_id, received_from_id, "
        "query_code, query_code_hash, applicant_id_hash) VALUES "
        "(%s, %s, 'submitted', %s, 'person', '刘桂兰', '420581199001010011', '13907171234', %s, "
        "'事项', 'promised', 20, 10, '[\"申请表\"]'::jsonb, '{}', '', '', '', now(), false, %s, "
        "'', '', now(), %s, %s, 'A1B2C3D4', repeat('0', 64), repeat('0', 64))",
        "move": f"UPDATE {s}delegation_case SET state = %s, updated_at = now() WHERE id = %s",
        "escalate": f"UPDATE {s}delegation_case SET state = 'escalated', forwarded_to_id = %s, "
        "upstream_centre = %s, escalated_at = now(), updated_at = now() WHERE id = %s",
        "mirror": f"UPDATE {s}delegation_case SET upstream_state = %s, updated_at = now() "
        "WHERE id = %s",
        "event": f"INSERT INTO {s}delegation_caseevent (case_id, seq, action, from_state, "
        "to_state, actor, role, centre, at, note, data) VALUES "
        "(%s, %s, %s, '', %s, '窗口', 'staff', %s, now(), '', '{}'::jsonb)",
        "delegation": f"INSERT INTO {s}delegation_delegation (id, direction, case_id, "
        "peer_centre, peer_tier, tracking_no, created_at, sent_seq, received_seq) VALUES "
        "(%s, %s, %s, %s, 'x', %s, now(), %s, %s)",
        "sent": f"UPDATE {s}delegation_delegation SET sent_seq = sent_seq + 1 WHERE id = %s",
        "received": f"UPDATE {s}delegation_delegation SET received_seq = %s "
        "WHERE id = %s AND received_seq = %s",
        "inbox": f"INSERT INTO {s}delegation_inboxmessage (message_id, stream, seq, kind, sender, "
        "received_at, applied_at) VALUES (%s, %s, %s, %s, %s, now(), now())",
        "outbox": "INSERT INTO public.messaging_outboxmessage (id, kind, sender, recipient, "
        "stream, seq, payload, created_at, attempts, last_error) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s::jsonb, now(), 0, '')",
        "published": "UPDATE public.messaging_outboxmessage SET published_at = now() "
        "WHERE id = ANY(%s)",
    }


class Client:
    """One connection; counts statements and commits; every transaction pipelined."""

    def __init__(self, params: dict) -> None:
        import psycopg

        self.conn = psycopg.connect(**params, prepare_threshold=0)
        self.statements = self.commits = 0
        self.sql: dict[str, dict[str, str]] = {}

    def tx(self, steps: list[tuple[str, str, tuple]]) -> None:
        with self.conn.pipeline(), self.conn.cursor() as cur:
            for schema, name, params in steps:
                sql = self.sql.setdefault(schema, _sql(schema))[name]
                cur.execute(sql, params, prepare=True)
            self.conn.commit()
        self.statements += len(steps)
        self.commits += 1


def client(k: int, cases: int, round_size: int, net: dict, params: dict, start_at, out) -> None:
    try:
        _client(k, cases, round_size, net, params, start_at, out)
    except BaseException:
        import traceback

        out.put(("error", traceback.format_exc()))


def _client(k: int, cases: int, round_size: int, net: dict, params: dict, start_at, out) -> None:
    c = Client(params)
    ids = iter(range(10**12 * (k + 1), 10**12 * (k + 2)))
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.process_time()
    for first in range(0, cases, round_size):
        batch = []
        for i in range(first, min(cases, first + round_size)):
            v = net["villages"][(i + k) % len(net["villages"])]
            batch.append({"i": i, "village": v, "item": (TOWNSHIP_ITEM, COUNTY_ITEM)[i % 2]})
        run_round(c, batch, net, ids, k)
    out.put((k, time.process_time() - t0, c.statements, c.commits))


def run_round(c: Client, batch: list[dict], net: dict, ids, k: int) -> None:
    """Drive one batch of cases through every tier, messages applied per receiver in batches."""
    outbox: list[uuid.UUID] = []
    mail: dict[str, list[tuple]] = {}  # receiver schema -> its batch of steps

    def send(sender_schema: str, sender: str, to_schema: str, stream: str, seq: int, kind: str):
        mid = uuid.uuid4()
        outbox.append(mid)
        payload = json.dumps({"kind": kind, "seq": seq, "at": time.time()})
        msg = (mid, kind, sender, to_schema, stream, seq, payload)
        return (sender_schema, "outbox", msg)

    def relay() -> None:
        if outbox:
            c.tx([("public", "published", (list(outbox),))])
            outbox.clear()

    def apply_mail() -> None:
        for steps in mail.values():
            c.tx(steps)
        mail.clear()

    def status_event(schema: str, code: str, case_id: int, seq: int, action: str, state: str):
        return (schema, "event", (case_id, seq, action, state, code))

    # 1. village: log, then forward (a delegation up, the forwarded message in the outbox)
    for case in batch:
        v = case["village"]
        vs, town = net["schema"][v], net["parent"][v]
        case["v_id"], case["t_id"], case["c_id"] = next(ids), next(ids), next(ids)
        case["no"] = f"{v}-{k}-{case['i']:07d}"
        case["hop1"], case["hop2"] = uuid.uuid4(), uuid.uuid4()
        c.tx(
            [
                (vs, "case", (case["v_id"], case["no"], "village_proxy", case["item"], v, net["version"][case["item"]], None)),
                status_event(vs, v, case["v_id"], 1, "submit", "submitted"),
            ]
        )  # fmt: skip
        c.tx(
            [
                (vs, "delegation", (case["hop1"], "up", case["v_id"], town, case["no"], 1, 0)),
                (vs, "escalate", (case["hop1"], town, case["v_id"])),
                status_event(vs, v, case["v_id"], 2, "forward", "escalated"),
                send(vs, v, town, case["hop1"], 1, "forwarded"),
            ]
        )
    for case in batch:
        case["vmsgs"] = 0
    relay()

    # 2. township: the forwarded cases arrive (one transaction per township), then the window
    for case in batch:
        v, town = case["village"], net["parent"][case["village"]]
        ts = net["schema"][town]
        mail.setdefault(ts, []).extend(
            [
                (ts, "inbox", (uuid.uuid4(), case["hop1"], 1, "forwarded", v)),
                (ts, "case", (case["t_id"], case["no"] + "T", "proxy", case["item"], v, net["version"][case["item"]], case["hop1"])),
                (ts, "delegation", (case["hop1"], "down", case["t_id"], v, case["no"], 0, 1)),
                status_event(ts, town, case["t_id"], 1, "receive", "submitted"),
            ]
        )  # fmt: skip
    apply_mail()
    down: list[tuple[dict, str, str]] = []  # statuses sent to the village: (case, action, state)
    for case in batch:
        v, town = case["village"], net["parent"][case["village"]]
        ts, county = net["schema"][town], net["parent"][town]
        if case["item"] == TOWNSHIP_ITEM:
            moves = [("accept", "accepted"), ("review", "in_review"), ("approve", "approved")]
        else:
            moves = [("accept", "accepted"), ("escalate", "escalated")]
        for seq, (action, state) in enumerate(moves, start=2):
            case["vmsgs"] += 1
            if action == "escalate":  # a delegation up and the forwarded message, too
                change = [
                    (ts, "escalate", (case["hop2"], county, case["t_id"])),
                    (
                        ts,
                        "delegation",
                        (case["hop2"], "up", case["t_id"], county, case["no"], 1, 0),
                    ),
                    send(ts, town, county, case["hop2"], 1, "forwarded"),
                ]
            else:
                change = [(ts, "move", (state, case["t_id"]))]
            c.tx(
                [
                    *change,
                    status_event(ts, town, case["t_id"], seq, action, state),
                    (ts, "sent", (case["hop1"],)),
                    send(ts, town, v, case["hop1"], case["vmsgs"], "status"),
                ]
            )
            down.append((case, action, state))
    relay()

    # 3. county: arrivals, then accept, review, approve; each status to the township
    up: list[tuple[dict, str, str]] = []
    for case in batch:
        if case["item"] != COUNTY_ITEM:
            continue
        town = net["parent"][case["village"]]
        county = net["parent"][town]
        cs = net["schema"][county]
        mail.setdefault(cs, []).extend(
            [
                (cs, "inbox", (uuid.uuid4(), case["hop2"], 1, "forwarded", town)),
                (cs, "case", (case["c_id"], case["no"] + "C", "proxy", case["item"], town, net["version"][case["item"]], case["hop2"])),
                (cs, "delegation", (case["hop2"], "down", case["c_id"], town, case["no"], 0, 1)),
                status_event(cs, county, case["c_id"], 1, "receive", "submitted"),
            ]
        )  # fmt: skip
    apply_mail()
    for case in batch:
        if case["item"] != COUNTY_ITEM:
            continue
        town = net["parent"][case["village"]]
        county = net["parent"][town]
        cs = net["schema"][county]
        for seq, (action, state) in enumerate(
            (("accept", "accepted"), ("review", "in_review"), ("approve", "approved")), start=2
        ):
            c.tx(
                [
                    (cs, "move", (state, case["c_id"])),
                    status_event(cs, county, case["c_id"], seq, action, state),
                    (cs, "sent", (case["hop2"],)),
                    send(cs, county, town, case["hop2"], seq - 1, "status"),
                ]
            )
            up.append((case, action, state))
    relay()

    # 4. township mirrors the county's statuses and passes each one down
    for n, (case, action, state) in enumerate(up):
        v, town = case["village"], net["parent"][case["village"]]
        ts = net["schema"][town]
        seq = 2 + (n % 3) + 2  # events after accept, escalate
        case["vmsgs"] += 1
        mail.setdefault(ts, []).extend(
            [
                (ts, "inbox", (uuid.uuid4(), case["hop2"], seq - 3, "status", town)),
                (ts, "received", (seq - 3, case["hop2"], seq - 4)),
                (ts, "mirror", (state, case["t_id"])),
                status_event(ts, town, case["t_id"], seq, "upstream_" + action, "escalated"),
                (ts, "sent", (case["hop1"],)),
                send(ts, town, v, case["hop1"], case["vmsgs"], "status"),
            ]
        )
        down.append((case, action, state))
    apply_mail()
    relay()

    # 5. the village mirrors every status (apply order per delegation kept by the list order)
    seen: dict[str, int] = {}
    for case, action, state in down:
        vs = net["schema"][case["village"]]
        n = seen[case["hop1"]] = seen.get(case["hop1"], 0) + 1
        mail.setdefault(vs, []).extend(
            [
                (vs, "inbox", (uuid.uuid4(), case["hop1"], n, "status", case["village"])),
                (vs, "received", (n, case["hop1"], n - 1)),
                (vs, "mirror", (state, case["v_id"])),
                status_event(vs, case["village"], case["v_id"], 2 + n, "upstream_" + action, "escalated"),
            ]
        )  # fmt: skip
    apply_mail()
    relay()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--round", type=int, default=25, help="cases per message batch")
    parser.add_argument("--out", default="delegation_floor.json", help="file under var/bench/")
    args = parser.parse_args()
    fresh_database("bench_delegation_floor")

    from django.core.management import call_command
    from django.db import connection

    from catalog.services import active_version
    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    centres = list(ServiceCentre.objects.select_related("parent"))
    net = {
        "villages": sorted(c.division_code for c in centres if c.tier == "village"),
        "schema": {c.division_code: c.schema_name for c in centres},
        "parent": {c.division_code: c.parent.division_code for c in centres if c.parent},
        "version": {code: active_version(code).pk for code in (TOWNSHIP_ITEM, COUNTY_ITEM)},
    }
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    bench = _delegation_bench()
    raw = bench.raw_tx_rate()

    from pathlib import Path

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    shares = [args.cases // args.procs + (1 if k < args.cases % args.procs else 0) for k in range(args.procs)]  # fmt: skip
    start_at = time.time() + 2
    procs = [
        ctx.Process(target=client, args=(k, share, args.round, net, params, start_at, out))
        for k, share in enumerate(shares)
    ]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.005)
    cpu = bench.accounting({"drivers": os.getpid()})
    before = cpu.snapshot()
    started = time.perf_counter()
    results = [out.get() for _ in procs]
    for r in results:
        if r[0] == "error":
            for p in procs:
                p.terminate()
            raise SystemExit(r[1])
    wall = time.perf_counter() - started
    for p in procs:
        p.join()
    used = cpu.delta(before, cpu.snapshot())
    n = args.cases
    client_cpu = sum(r[1] for r in results)
    pg_cpu = used["postgresql"]
    cores = os.cpu_count() or 1
    result = {
        "cases": n,
        "client_processes": args.procs,
        "cases_per_message_batch": args.round,
        "total_s": round(wall, 2),
        "cases_per_s": round(n / wall, 1),
        "statements_per_case": round(sum(r[2] for r in results) / n, 1),
        "commits_per_case": round(sum(r[3] for r in results) / n, 1),
        "cpu_ms_per_case": {
            "clients": round(client_cpu * 1000 / n, 2),
            "postgresql": round(pg_cpu * 1000 / n, 2),
        },
        "cpu_busy_share": round((client_cpu + pg_cpu) / (cores * wall), 3),
        # Everything else on the machine meanwhile (bench/_cpu.py): large means a noisy run.
        "other_processes_cpu_s": round(used["other"], 2),
        "other_processes_share_of_machine": round(used["other"] / (cores * wall), 3),
        "noisy": used["other"] > 0.1 * cores * wall,
        "raw_single_row_tx_per_s": round(raw, 1),
        "ratio_cases_per_s_to_raw_tx_per_s": round(n / wall / raw, 4),
    }
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    Path(logs / args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
