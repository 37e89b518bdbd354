"""Chaos: the delegation protocol under load and faults, then every case checked in the database.

    .venv/bin/python bench/chaos.py [--cases 150] [--rate 10] [--faults none,relay,worker,broker]

Needs RabbitMQ (CELERY_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//) and, for the
``broker`` fault, ``rabbitmqctl`` on the same machine. Runs in its own database (bench_chaos)
with a private queue, a relay process and a Celery worker process. For each fault in turn:

1. two agent processes log and forward ``--cases`` cases at ``--rate`` cases/s (half decided
   at the township, half escalated to the county); two staff processes accept, escalate or
   review and approve what arrives;
2. meanwhile the fault is applied, again and again while the load lasts:
   ``relay``  — every 3 s ``pg_terminate_backend`` on the relay's connections (the relay must
               reconnect by itself: nothing restarts it);
   ``worker`` — every 5 s SIGKILL the worker and its pool, restarted 1 s later (a supervisor);
   ``broker`` — once, ``rabbitmqctl stop_app``, 5 s, ``start_app`` (a shared broker: keep it short);
   ``none``   — no fault (the baseline);
   and in every run, forged messages are published to the queue: unsigned forwards, forwards
   signed with a key the network does not have, a signed forward from a centre that is not a
   child, a signed forward with an invalid ID number, unsigned statuses on real delegations;
3. when every case shows its decision at its village (or 240 s pass), the database is checked:
   at every tier and hop, each case exists once, the receiver applied exactly the messages the
   sender numbered (``sent_seq`` against ``received_seq``), each status message left exactly one
   mirrored event below, the village shows the decision; and no forged tracking number or note
   is found anywhere.

Prints one row per fault (fault, cases, lost, duplicated, forged published, forged accepted,
dead letters, seconds to settle) and writes ``var/bench/chaos.json``.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

from _setup import ROOT, fresh_database

TOWNSHIP_ITEM, COUNTY_ITEM = "SX-0012", "SX-0020"
FORGED = "FORGED"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()


def agent(villages, count, offset, interval, start_at, tag, out) -> None:
    _django()
    from catalog.services import active_version
    from core.roles import Actor, Role
    from delegation import services as s

    person = s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234")
    materials = {
        code: list(active_version(code).materials.values_list("name", flat=True))
        for code in (TOWNSHIP_ITEM, COUNTY_ITEM)
    }
    numbers = []
    while time.time() < start_at:
        time.sleep(0.001)
    for k in range(count):
        wait = start_at + k * interval - time.time()
        if wait > 0:
            time.sleep(wait)
        i = offset + k
        village = villages[i % len(villages)]
        actor = Actor("代办员", Role.AGENT, village)
        item = TOWNSHIP_ITEM if i % 2 == 0 else COUNTY_ITEM
        case = s.log_request(
            village, actor, applicant=person, item_code=item, materials_received=materials[item],
            note=tag,
        )  # fmt: skip
        s.forward_case(village, actor, case.tracking_no)
        numbers.append(case.tracking_no)
    out.put(("agent", numbers))


def staff(codes, stop, out) -> None:
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
            for no, item in waiting:
                if no.startswith(FORGED):
                    continue  # staff would approve it (the finding); count it below
                actor = Actor("窗口", Role.STAFF, code)
                s.accept_case(code, actor, no)
                if centres[code].tier == "township" and item == COUNTY_ITEM:
                    s.escalate_case(code, actor, no)
                else:
                    s.start_review(code, actor, no)
                    s.approve_case(code, actor, no)
            worked += len(waiting)
        if not worked:
            time.sleep(0.05)
    out.put(("staff", None))


# --- the processes under test -------------------------------------------------------------------


class Worker:
    def __init__(self, env, queue, log) -> None:
        self.env, self.queue, self.log, self.proc = env, queue, log, None
        self.kills = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "core", "worker", "-Q", self.queue,
             "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "-n", f"chaos-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            self.kills += 1

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def terminate_relay_backends() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'relay'"
        )
        return cur.fetchone()[0]


def rabbitmqctl(*args: str) -> None:
    subprocess.run(
        [shutil.which("rabbitmqctl"), *args], check=True, capture_output=True, timeout=120
    )


def inject(fault: str, worker: Worker, stop: threading.Event, counts: dict) -> None:
    """Apply ``fault`` until ``stop`` is set."""
    if fault == "relay":
        while not stop.wait(3):
            counts["terminated"] = counts.get("terminated", 0) + terminate_relay_backends()
    elif fault == "worker":
        while not stop.wait(5):
            worker.kill()
            time.sleep(1)
            worker.start()
        counts["worker_kills"] = worker.kills
    elif fault == "broker":
        if stop.wait(4):
            return
        rabbitmqctl("stop_app")
        try:
            time.sleep(5)
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        counts["broker_stops"] = 1


def forge(n: int) -> int:
    """Publish forged messages to the queue; returns how many."""
    from django.conf import settings

    from delegation import services as s
    from delegation.models import Delegation, Direction
    from messaging.signing import sign
    from messaging.transport import CeleryTransport
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre

    centres = {c.division_code: c for c in ServiceCentre.objects.select_related("parent")}
    villages = [c for c in centres.values() if c.tier == "village"]
    transport = CeleryTransport()
    sent = 0

    def forward(k: int, sender, recipient, **applicant) -> dict:
        return {
            "id": str(uuid.uuid4()), "kind": s.FORWARDED, "sender": sender.division_code,
            "recipient": recipient.division_code, "stream": str(uuid.uuid4()), "seq": 1,
            "created_at": None,
            "payload": {
                "tracking_no": f"{FORGED}-{uuid.uuid4().hex[:8]}", "origin_centre": sender.division_code,
                "item_version": 1, "note": FORGED, "forwarded_by": FORGED, "sender_tier": "village",
                "at": "2026-01-01T00:00:00+00:00", "materials": [],
                "applicant": {"kind": "person", "name": "刘桂兰", "id_number": "420581199001010011",
                              "phone": "", **applicant},
            },
        }  # fmt: skip

    wrong_key = "intruder:" + base64.b64encode(os.urandom(32)).decode()
    for k in range(n):
        village = villages[k % len(villages)]
        township = village.parent
        elsewhere = next(c for c in centres.values() if c.tier == "township" and c != township)
        messages = [
            forward(k, village, township),  # unsigned
            forward(k, village, elsewhere),  # signed below: an insider off its own tree
            forward(k, village, township, id_number="not-an-id", name="<script>x</script>"),
        ]
        messages[1] = sign(messages[1])
        messages[2] = sign(messages[2])
        known = settings.MESSAGES_SIGNING_KEYS
        settings.MESSAGES_SIGNING_KEYS = wrong_key
        messages.append(sign(forward(k, village, township)))
        settings.MESSAGES_SIGNING_KEYS = known
        # An unsigned status on a real delegation, numbered as the next one.
        with in_centre(township):
            down = Delegation.objects.filter(direction=Direction.DOWN).order_by("?").first()
        if down is not None:
            messages.append({
                "id": str(uuid.uuid4()), "kind": s.STATUS, "sender": township.division_code,
                "recipient": down.peer_centre, "stream": str(down.pk), "seq": down.sent_seq + 1,
                "created_at": None,
                "payload": {"centre": township.division_code, "tier": "township", "action": "approve",
                            "at": "2026-01-01T00:00:00+00:00", "note": FORGED, "state": "denied",
                            "holder": township.division_code, "decision_reason": FORGED,
                            "missing_materials": [], "due_on": None},
            })  # fmt: skip
        for message in messages:
            try:
                transport.send(message)
                sent += 1
            except Exception:
                pass  # the broker is down right now: nothing forged
    return sent


# --- verification ---------------------------------------------------------------------------------


def verify(numbers: set[str]) -> dict:
    """Check every case of ``numbers`` at every tier and hop. Returns the counts."""
    from django.db.models import Count, Q

    from delegation.models import Case, CaseEvent, Delegation, Direction
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre

    lost = duplicated = forged_found = 0
    problems: list[str] = []
    cases: dict[str, list[dict]] = {}  # tracking_no → one entry per centre holding it
    for centre in ServiceCentre.objects.all():
        with in_centre(centre):
            forged_found += Case.objects.filter(tracking_no__startswith=FORGED).count()
            forged_found += CaseEvent.objects.filter(
                Q(note=FORGED) | Q(data__upstream_state="denied")
            ).count()
            rows = Case.objects.filter(tracking_no__in=numbers).annotate(
                mirrored=Count("events", filter=Q(events__action__startswith="upstream_")),
                received=Count("events", filter=Q(events__action="receive")),
            )
            delegations = {
                (d.case_id, d.direction): d
                for d in Delegation.objects.filter(case__tracking_no__in=numbers)
            }
            for case in rows:
                cases.setdefault(case.tracking_no, []).append({
                    "centre": centre.division_code, "tier": centre.tier, "state": case.state,
                    "effective": case.effective_state, "mirrored": case.mirrored,
                    "received": case.received,
                    "up": delegations.get((case.pk, Direction.UP)),
                    "down": delegations.get((case.pk, Direction.DOWN)),
                })  # fmt: skip
    for no in numbers:
        held = cases.get(no, [])
        by_tier: dict[str, list[dict]] = {}
        for entry in held:
            by_tier.setdefault(entry["tier"], []).append(entry)
        if any(len(v) > 1 for v in by_tier.values()):
            duplicated += 1
            problems.append(f"{no}: held twice at one tier")
            continue
        village = by_tier.get("village", [None])[0]
        if village is None:
            lost += 1
            problems.append(f"{no}: no village case")
            continue
        chain = [village]
        while chain[-1]["up"] is not None:
            upper = next(
                (e for e in held if e["down"] and e["down"].pk == chain[-1]["up"].pk), None
            )
            if upper is None:
                break
            chain.append(upper)
        case_lost = case_dup = False
        if chain[-1]["up"] is not None or chain[-1]["state"] != "approved":
            case_lost = True
            problems.append(f"{no}: chain ends at {chain[-1]['centre']} in {chain[-1]['state']}")
        for lower, upper in itertools.pairwise(chain):
            up, down = lower["up"], upper["down"]
            if down.received_seq < up.sent_seq or up.received_seq < down.sent_seq:
                case_lost = True
                problems.append(f"{no}: hop {lower['centre']}→{upper['centre']} missed messages")
            if down.received_seq > up.sent_seq or up.received_seq > down.sent_seq:
                case_dup = True
            if upper["received"] != 1:
                case_dup = case_dup or upper["received"] > 1
                case_lost = case_lost or upper["received"] == 0
            if lower["mirrored"] != down.sent_seq:
                (case_dup, case_lost) = (
                    case_dup or lower["mirrored"] > down.sent_seq,
                    case_lost or lower["mirrored"] < down.sent_seq,
                )
                problems.append(
                    f"{no}: {lower['centre']} mirrored {lower['mirrored']} of {down.sent_seq}"
                )
        if village["effective"] != "approved":
            case_lost = True
        lost += case_lost
        duplicated += case_dup
    return {"lost": lost, "duplicated": duplicated, "forged_accepted": forged_found,
            "problems": problems[:20]}  # fmt: skip


# --- the run --------------------------------------------------------------------------------------


def run_fault(fault: str, args, worker: Worker, relay, ctx, villages, deciders) -> dict:
    from messaging.models import DeadLetter
    from network.models import CaseRecord

    dead_before = DeadLetter.objects.count()
    tag = f"chaos-{fault}-{uuid.uuid4().hex[:6]}"
    out, stop = ctx.Queue(), ctx.Event()
    n = args.cases
    shares = [n // 2 + (1 if k < n % 2 else 0) for k in range(2)]
    interval = 2 / args.rate
    start_at = time.time() + 4
    procs = [
        ctx.Process(
            target=agent, args=(villages, share, sum(shares[:k]), interval, start_at, tag, out)
        )
        for k, share in enumerate(shares)
    ] + [ctx.Process(target=staff, args=(deciders[k::2], stop, out)) for k in range(2)]
    for proc in procs:
        proc.start()
    counts: dict = {}
    fault_stop = threading.Event()
    injector = threading.Thread(target=inject, args=(fault, worker, fault_stop, counts))
    injector.start()
    forged = 0
    numbers: set[str] = set()
    started = time.monotonic()
    agents_done = 0
    while agents_done < 2:
        kind, value = out.get(timeout=600)
        if kind == "agent":
            numbers.update(value)
            agents_done += 1
        forged += forge(2)
    fault_stop.set()
    injector.join()
    if worker.proc.poll() is not None:
        worker.start()
    forged += forge(2)
    load_s = time.monotonic() - started
    deadline = time.monotonic() + 240
    decided = CaseRecord.objects.filter(tier="village", state="approved", tracking_no__in=numbers)
    while decided.count() < len(numbers) and time.monotonic() < deadline:
        time.sleep(0.5)
    settle_s = time.monotonic() - started - load_s
    time.sleep(3)  # forged messages still in the queue have reached the worker
    stop.set()
    for proc in procs:
        proc.join(60)
    result = verify(numbers)
    return {
        "fault": fault,
        "cases": len(numbers),
        **{k: result[k] for k in ("lost", "duplicated", "forged_accepted")},
        "forged_published": forged,
        "dead_letters": DeadLetter.objects.count() - dead_before,
        "load_s": round(load_s, 1),
        "settle_s": round(settle_s, 1),
        "relay_alive": relay.poll() is None,
        **counts,
        "problems": result["problems"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=150, help="cases per fault")
    parser.add_argument("--rate", type=float, default=10, help="offered cases/s")
    parser.add_argument("--faults", default="none,relay,worker,broker")
    args = parser.parse_args()
    os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    queue = f"chaos-{uuid.uuid4().hex[:8]}"
    os.environ["MESSAGES_QUEUE"] = queue
    fresh_database("bench_chaos")

    from django.core.management import call_command
    from django.db import connection

    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    env = dict(os.environ, EMBEDDED_DB_NAME=connection.settings_dict["NAME"], PYTHONPATH=str(ROOT))
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    worker = Worker(env, queue, logs / "chaos-worker.log")
    worker.start()
    relay = subprocess.Popen(
        [sys.executable, "manage.py", "relay"], cwd=ROOT, env=env,
        stdout=(logs / "chaos-relay.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    centres = {c.division_code: c for c in ServiceCentre.objects.all()}
    villages = sorted(c for c, x in centres.items() if x.tier == "village" and x.status == "active")
    deciders = sorted(c for c, x in centres.items() if x.tier in ("township", "county"))
    ctx = mp.get_context("spawn")
    rows = []
    try:
        time.sleep(6)
        assert verify({"no-such-case"})["lost"] == 1  # the check can fail
        for fault in args.faults.split(","):
            row = run_fault(fault, args, worker, relay, ctx, villages, deciders)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        relay.terminate()
        worker.stop()
        relay.wait(20)
        from core.celery import app

        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    (logs / "chaos.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    print(
        "\n| fault | cases | lost | duplicated | forged published | forged accepted | dead letters | settle s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['fault']} | {r['cases']} | {r['lost']} | {r['duplicated']} | "
              f"{r['forged_published']} | {r['forged_accepted']} | {r['dead_letters']} | {r['settle_s']} |")  # fmt: skip


if __name__ == "__main__":
    main()
