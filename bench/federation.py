"""Benchmark: the message path between two prefectures' databases on this machine (simulation).

    .venv/bin/python bench/federation.py [--messages 2000] [--streams 200] [--group 100]

Two fresh databases on the benchmark's PostgreSQL cluster, ``bench_fed_a`` (the sending
prefecture) and ``bench_fed_b`` (the receiving one), and a private RabbitMQ quorum queue with
publisher confirms between them. Only the protocol's own steps, with the same guarantees as
between two centres of one prefecture (docs/scaling.md, "Federation"):

1. producer (in A): one transaction per message: a case change row and its outbox row
   (stream = a delegation, seq = its next number);
2. relay (A → broker): ``FOR UPDATE SKIP LOCKED`` on A's outbox, oldest first, up to
   ``--group`` messages per broker message, published with confirms, marked published;
3. receiver (broker → B): per broker message, one B transaction: the message ids claimed in the
   inbox (``ON CONFLICT DO NOTHING``), each stream's delegation row locked and advanced only from
   ``seq - 1`` (in order, once), the case row written; then the ack.

Reported: messages/s, latency from A's commit to B's apply (p50/p95; one clock, same machine),
CPU per message of each part, of this run's own PostgreSQL cluster, the shared broker apart, and
what other processes used meanwhile (bench/_cpu.py). Checks: every message applied exactly once
and every stream's messages in order. Results in var/bench/federation.json. Needs RabbitMQ
(CELERY_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import time
import uuid

from _cpu import Accounting, own_postmaster, own_total
from _setup import ROOT

A_SQL = """
CREATE TABLE case_change (id bigserial PRIMARY KEY, stream uuid NOT NULL, seq int NOT NULL,
                          state text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE outbox (id uuid PRIMARY KEY, stream uuid NOT NULL, seq int NOT NULL,
                     recipient text NOT NULL, payload jsonb NOT NULL,
                     created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                     published_at timestamptz);
CREATE INDEX outbox_pending ON outbox (created_at, seq) WHERE published_at IS NULL;
"""
B_SQL = """
CREATE TABLE inbox (message_id uuid PRIMARY KEY, stream uuid NOT NULL, seq int NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE delegation (stream uuid PRIMARY KEY, received_seq int NOT NULL DEFAULT 0);
CREATE TABLE case_mirror (id bigserial PRIMARY KEY, stream uuid NOT NULL, seq int NOT NULL,
                          state text NOT NULL, sent_at timestamptz NOT NULL,
                          applied_at timestamptz NOT NULL DEFAULT clock_timestamp());
"""


def params(db: dict, name: str) -> dict:
    out = {"dbname": name, "user": db.get("USER") or "postgres", "host": db.get("HOST")}
    if db.get("PORT"):
        out["port"] = db["PORT"]
    if db.get("PASSWORD"):
        out["password"] = db["PASSWORD"]
    return {k: v for k, v in out.items() if v}


def producer(a: dict, n: int, streams: list[str], out) -> None:
    import psycopg

    with psycopg.connect(**a) as conn:
        seqs = dict.fromkeys(streams, 0)
        for k in range(n):
            stream = streams[k % len(streams)]
            seqs[stream] += 1
            seq = seqs[stream]
            with conn.transaction():
                conn.execute(
                    "INSERT INTO case_change (stream, seq, state) VALUES (%s, %s, 'escalated')",
                    [stream, seq],
                )
                conn.execute(
                    "INSERT INTO outbox (id, stream, seq, recipient, payload) "
                    "VALUES (%s, %s, %s, '4206', %s)",
                    [
                        uuid.uuid4(),
                        stream,
                        seq,
                        json.dumps({"kind": "status", "state": "escalated"}),
                    ],
                )
    out.put(("producer", time.process_time()))


def relay(a: dict, broker: str, queue: str, group: int, stop, out) -> None:
    import psycopg
    from kombu import Connection, Producer, Queue

    q = Queue(queue, durable=True, queue_arguments={"x-queue-type": "quorum"})
    with (
        psycopg.connect(**a) as conn,
        Connection(broker, transport_options={"confirm_publish": True}) as bconn,
    ):
        publish = Producer(bconn.channel(), routing_key=queue)
        q(publish.channel).declare()
        while True:
            with conn.transaction():
                rows = conn.execute(
                    "SELECT id, stream, seq, payload, created_at FROM outbox "
                    "WHERE published_at IS NULL ORDER BY created_at, seq "
                    "LIMIT %s FOR UPDATE SKIP LOCKED",
                    [group],
                ).fetchall()
                if rows:
                    body = [
                        {"id": str(r[0]), "stream": str(r[1]), "seq": r[2], "payload": r[3],
                         "sent_at": r[4].isoformat()}
                        for r in rows
                    ]  # fmt: skip
                    publish.publish(body, serializer="json", delivery_mode=2)  # waits for confirm
                    conn.execute(
                        "UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(%s)",
                        [[r[0] for r in rows]],
                    )
            if not rows:
                if stop.is_set():
                    break
                time.sleep(0.01)
    out.put(("relay", time.process_time()))


def receiver(b: dict, broker: str, queue: str, expected: int, out) -> None:
    import psycopg
    from kombu import Connection, Consumer, Queue

    q = Queue(queue, durable=True, queue_arguments={"x-queue-type": "quorum"})
    applied = 0
    with psycopg.connect(**b) as conn, Connection(broker) as bconn:
        channel = bconn.channel()
        channel.basic_qos(0, 8, False)

        def handle(body, message) -> None:
            nonlocal applied
            with conn.transaction():
                fresh = {
                    row[0]
                    for row in conn.execute(
                        "INSERT INTO inbox (message_id, stream, seq) "
                        "SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::int[]) "
                        "ON CONFLICT DO NOTHING RETURNING message_id::text",
                        [[m["id"] for m in body], [m["stream"] for m in body],
                         [m["seq"] for m in body]],
                    ).fetchall()
                }  # fmt: skip
                for m in sorted(body, key=lambda m: (m["stream"], m["seq"])):
                    if m["id"] not in fresh:
                        continue  # a redelivery: applied before
                    moved = conn.execute(
                        "UPDATE delegation SET received_seq = %s "
                        "WHERE stream = %s AND received_seq = %s",
                        [m["seq"], m["stream"], m["seq"] - 1],
                    ).rowcount
                    if moved != 1:
                        raise RuntimeError(f"out of order: {m['stream']} {m['seq']}")
                    conn.execute(
                        "INSERT INTO case_mirror (stream, seq, state, sent_at) "
                        "VALUES (%s, %s, %s, %s)",
                        [m["stream"], m["seq"], m["payload"]["state"], m["sent_at"]],
                    )
                    applied += 1
            message.ack()

        with Consumer(channel, queues=[q], callbacks=[handle], accept=["json"]):
            while applied < expected:
                try:
                    bconn.drain_events(timeout=1)
                except TimeoutError:
                    pass
    out.put(("receiver", time.process_time()))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=200, help="delegations crossing over")
    parser.add_argument("--group", type=int, default=100, help="messages per broker message")
    args = parser.parse_args()
    import sys

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    admin = params(db, "postgres")
    with psycopg.connect(**admin, autocommit=True) as c:
        for name in ("bench_fed_a", "bench_fed_b"):
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    a, b = params(db, "bench_fed_a"), params(db, "bench_fed_b")
    streams = [str(uuid.uuid4()) for _ in range(args.streams)]
    with psycopg.connect(**a, autocommit=True) as c:
        c.execute(A_SQL)
    with psycopg.connect(**b, autocommit=True) as c:
        c.execute(B_SQL)
        c.execute("INSERT INTO delegation (stream) SELECT unnest(%s::uuid[])", [streams])
    broker = os.environ.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    queue = f"bench-fed-{uuid.uuid4().hex[:8]}"
    postmaster = own_postmaster(ROOT)
    connection.close()

    ctx = mp.get_context("spawn")
    out, stop = ctx.Queue(), ctx.Event()
    recv = ctx.Process(target=receiver, args=(b, broker, queue, args.messages, out))
    rel = ctx.Process(target=relay, args=(a, broker, queue, args.group, stop, out))
    prod = ctx.Process(target=producer, args=(a, args.messages, streams, out))
    recv.start()
    rel.start()
    time.sleep(3)  # both connected, the queue declared
    accounting = Accounting({"drivers": os.getpid()}, postmaster)
    before = accounting.snapshot()
    started = time.perf_counter()
    prod.start()
    prod.join()
    stop.set()
    recv.join(600)
    rel.join(60)
    wall = time.perf_counter() - started
    used = Accounting.delta(before, accounting.snapshot())
    cpu = dict(out.get() for _ in range(3))
    try:
        with psycopg.connect(**b) as c:
            applied, distinct = c.execute(
                "SELECT count(*), count(DISTINCT (stream, seq)) FROM case_mirror"
            ).fetchone()
            in_order = c.execute(
                "SELECT bool_and(received_seq = n) FROM delegation d JOIN (SELECT stream, "
                "max(seq) n FROM case_mirror GROUP BY stream) m USING (stream)"
            ).fetchone()[0]
            latency = [
                float(r[0])
                for r in c.execute(
                    "SELECT extract(epoch FROM applied_at - sent_at) FROM case_mirror"
                ).fetchall()
            ]
    finally:
        from kombu import Connection

        with Connection(broker) as bconn:
            bconn.default_channel.queue_delete(queue)
    n = args.messages
    cores = os.cpu_count() or 1
    result = {
        "messages": n,
        "streams": args.streams,
        "messages_per_broker_message": args.group,
        "queue": "quorum, publisher confirms",
        "total_s": round(wall, 2),
        "messages_per_s": round(n / wall, 1),
        "applied_once": applied == distinct == n,
        "in_order_per_stream": bool(in_order),
        "latency_commit_to_apply_p50_ms": round(statistics.median(latency) * 1000, 1),
        "latency_commit_to_apply_p95_ms": round(percentile(latency, 95) * 1000, 1),
        "cpu_ms_per_message": {
            **{k: round(v * 1000 / n, 3) for k, v in sorted(cpu.items())},
            **{k: round(v * 1000 / n, 3) for k, v in sorted(used.items()) if k != "drivers"},
        },
        "cpu_ms_per_message_own_total": round(own_total(used) * 1000 / n, 3),
        "other_processes_share_of_machine": round(used["other"] / (cores * wall), 3),
        "noisy": used["other"] > 0.1 * cores * wall,
    }
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "federation.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    assert result["applied_once"] and result["in_order_per_stream"], result


if __name__ == "__main__":
    main()
