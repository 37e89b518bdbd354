"""Benchmark: the read path over HTTP against gunicorn, against the same SQL run directly.

    .venv/bin/python bench/read_path.py [--cases 60] [--requests 200] [--rounds 3]

Own database (bench_read_path): the demo network, ``--cases`` cases logged at a village by its
agent (a fifth of them forwarded to the township, so the detail has a delegation). Then, for the
staff operations of ``graphql/operations/staff.graphql`` — ``Worklist`` (a page of 50) and
``CaseDetail`` — sent by the agent with a bearer token:

* **HTTP, cache off / on**: ``gunicorn core.wsgi`` (one sync worker, persistent database
  connection), with ``GRAPHQL_DOCUMENT_CACHE_SIZE=0`` and then with the default cache;
  ``--requests`` sequential requests per operation after a warm-up. CPU per request of the
  gunicorn processes and of the benchmark's own PostgreSQL cluster (``bench/_cpu.py``);
* **direct SQL** (same run): the statements one such request runs (captured in this process,
  values bound, the centre's ``search_path`` set first), sent with psycopg on one connection,
  rows fetched; CPU per request of this process and of the same cluster.

* **graphql-core over dicts** (same run): the operation executed by graphql-core against the
  exported SDL with the response's data as plain dicts, then JSON-encoded: the floor a server
  executing the document with graphql-core cannot go under (``floor_ratio_sql_plus_graphql_core``
  = (direct SQL + that) ÷ direct SQL).

* **the fixed cost of a request** (same run, over HTTP): ``query Ping { __typename }`` with the
  same token — routing, the token and membership check, Django and graphene-django, no field;
  ``floor_ratio_with_the_fixed_request_cost`` = (that + direct SQL + graphql-core) ÷ direct SQL.

The cached server and the direct SQL alternate in blocks of 200 requests (``BLOCK``) within
each of ``--rounds`` rounds, graphql-core after each round: the direct SQL's CPU alone moved
±20 % between runs on this machine, and measured minutes apart the two sides of a ratio saw
different machines. Each round has its own ratios; the median is the figure. Reported: CPU ms
per request of each (the last round in full), the ratio server/direct per round and its median
(goal ≤ 3), the floors likewise, statements per request, and the CPU other processes used
meanwhile (a noisy run shows). Results in
var/bench/read_path.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

from _cpu import Accounting, own_postmaster, own_total
from _setup import ROOT, fresh_database

DB = "bench_read_path"
#: Requests per block when the server and the direct SQL alternate.
BLOCK = 200
#: An authenticated request that selects nothing but ``__typename``: the fixed cost of a request.
PING = "Ping (token, no field)"
PING_BODY = json.dumps({"query": "query Ping { __typename }"}).encode()


def build(n: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from accounts import services as accounts
    from catalog.services import active_version
    from core.roles import Actor, Role
    from delegation import services as s
    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    village = ServiceCentre.objects.filter(tier="village", status="active").order_by("pk").first()
    item = "SX-0012"
    materials = list(active_version(item).materials.values_list("name", flat=True))
    person = s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234")
    actor = Actor("代办员", Role.AGENT, village.division_code)
    numbers = []
    for k in range(n):
        case = s.log_request(
            village, actor, applicant=person, item_code=item, materials_received=materials
        )
        if k % 5 == 0:
            s.forward_case(village, actor, case.tracking_no)
        numbers.append(case.tracking_no)
    user = get_user_model().objects.create(username="bench-agent", first_name="代办员")
    accounts.grant_membership(user, village, Role.AGENT)
    token = accounts.issue_token(user, centre=village).token
    return {"centre": village, "token": token, "detail": numbers[0]}


def operation(name: str) -> str:
    sys.path.insert(0, str(ROOT))
    from tests.api.conftest import operation_text

    return operation_text("staff", name)


def capture(path: str, body: bytes, token: str, schema: str) -> list[str]:
    """The SQL one request runs, as PostgreSQL receives it (values bound)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.post(path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 200, response.content[:300]
    assert b'"errors"' not in response.content, response.content[:300]
    return [f'SET search_path = "{schema}", public'] + [q["sql"] for q in queries.captured_queries]


def executor_floor(path: str, body: bytes, token: str, repeat: int) -> dict:
    """What graphql-core alone costs for this response: the operation executed (parsed and
    validated once) against the centre's exported SDL with the response's own data as plain
    dicts (graphql-core's default resolvers, no database, no Django; told, as the server tells
    it, that no value is awaitable), then encoded as JSON.
    CPU ms per request of this process: the part of a request no server code can avoid while
    graphql-core executes it."""
    from django.test import Client

    from graphql import build_schema, execute, parse, validate
    from graphql_api.views import never_awaitable

    response = Client().post(
        path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    data = json.loads(response.content)["data"]
    request = json.loads(body)
    schema = build_schema((ROOT / "graphql" / "centre.graphql").read_text())
    document = parse(request["query"])
    assert not validate(schema, document)
    variables = request.get("variables") or {}
    options = {"root_value": data, "variable_values": variables, "is_awaitable": never_awaitable}
    result = execute(schema, document, **options)
    assert not result.errors and result.data == data, result.errors
    started = time.process_time()
    for _ in range(repeat):
        result = execute(schema, document, **options)
        json.dumps({"data": result.data}, ensure_ascii=False)
    return {"cpu_ms_per_request": round((time.process_time() - started) * 1000 / repeat, 2)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(cache_size: int, path: str, token: str, postmaster):
    """``gunicorn core.wsgi`` (one sync worker) with the document cache of ``cache_size``;
    yields ``measure(bodies, requests)``: CPU per request of each body, after a warm-up."""
    port = free_port()
    env = dict(
        os.environ,
        EMBEDDED_DB_NAME=DB,
        GRAPHQL_DOCUMENT_CACHE_SIZE=str(cache_size),
        DEBUG="0",
        PYTHONPATH=str(ROOT),
    )
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "core.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=(logs / "read_path_gunicorn.log").open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}{path}"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def send(body: bytes) -> None:
        request = urllib.request.Request(url, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        assert b'"errors"' not in payload, payload[:300]

    def measure(bodies: dict, requests: int, beside: Callable | None = None) -> dict:
        """CPU per request of each body; with ``beside(name, n)``, the requests go in blocks
        of ``BLOCK`` with ``beside`` run for the same ``name`` and count after each block, so
        that both are measured over the same stretch of time."""
        results = {}
        accounting = Accounting({"gunicorn": server.pid}, postmaster)
        for name, body in bodies.items():
            for _ in range(20):
                send(body)
            used: dict[str, float] = {}
            wall, done = 0.0, 0
            while done < requests:
                n = min(BLOCK, requests - done) if beside is not None else requests
                before = accounting.snapshot()
                t0 = time.perf_counter()
                for _ in range(n):
                    send(body)
                wall += time.perf_counter() - t0
                add(used, Accounting.delta(before, accounting.snapshot()))
                done += n
                if beside is not None:
                    beside(name, n)
            results[name] = per_request(used, requests, wall)
        return results

    try:
        for _ in range(100):
            try:
                send(PING_BODY)
                break
            except OSError:
                time.sleep(0.2)
        yield measure
    finally:
        server.terminate()
        server.wait(20)


class Direct:
    """The captured statements of each operation sent with psycopg on one connection, in
    blocks (``block(name, n)``); ``results()`` gives CPU per request of this process and the
    cluster over all blocks since the last ``results()``."""

    def __init__(self, statements: dict, params: dict, postmaster) -> None:
        import psycopg

        self.statements = statements
        self.conn = psycopg.connect(**params, autocommit=True)
        self.accounting = Accounting({"client": os.getpid()}, postmaster)
        self.used: dict[str, dict[str, float]] = {}
        self.counts: dict[str, tuple[int, float]] = {}
        for sqls in statements.values():
            for _ in range(20):
                run_all(self.conn, sqls)

    def block(self, name: str, n: int) -> None:
        sqls = self.statements.get(name)
        if sqls is None:
            return  # the ping: no statements of its own to compare with
        before = self.accounting.snapshot()
        t0 = time.perf_counter()
        for _ in range(n):
            run_all(self.conn, sqls)
        wall = time.perf_counter() - t0
        add(self.used.setdefault(name, {}), Accounting.delta(before, self.accounting.snapshot()))
        count, walls = self.counts.get(name, (0, 0.0))
        self.counts[name] = (count + n, walls + wall)

    def results(self) -> dict:
        found = {name: per_request(self.used[name], *self.counts[name]) for name in self.used}
        self.used, self.counts = {}, {}
        return found

    def close(self) -> None:
        self.conn.close()


def add(total: dict[str, float], more: dict[str, float]) -> None:
    for part, seconds in more.items():
        total[part] = total.get(part, 0.0) + seconds


def run_all(conn, sqls: list[str]) -> None:
    with conn.cursor() as cur:
        for sql in sqls:
            cur.execute(sql.encode())
            if cur.description is not None:
                cur.fetchall()


def per_request(used: dict, requests: int, wall: float) -> dict:
    return {
        "cpu_ms_per_request": round(own_total(used) * 1000 / requests, 2),
        "by_part_ms": {k: round(v * 1000 / requests, 2) for k, v in sorted(used.items())},
        "wall_ms_per_request": round(wall * 1000 / requests, 2),
    }


def one_round(bodies: dict, served: dict, direct_sql: dict, over_dicts: dict) -> dict:
    """One round's figures and ratios. ``floor``: the least a server executing these documents
    with graphql-core can cost, as a multiple of the direct SQL — the SQL, graphql-core's
    execution over ready data, and what an authenticated request that asks for nothing costs
    (routing, the token and membership, Django, graphene-django, the response)."""
    fixed = served[PING]["cpu_ms_per_request"]

    def cpu(part: dict, name: str) -> float:
        return part[name]["cpu_ms_per_request"]

    return {
        "http_cache_on": served,
        "direct_sql": direct_sql,
        "graphql_core_over_dicts": over_dicts,
        "ratio": {name: round(cpu(served, name) / cpu(direct_sql, name), 2) for name in bodies},
        "floor_sql_plus_graphql_core": {
            name: round((cpu(direct_sql, name) + cpu(over_dicts, name)) / cpu(direct_sql, name), 2)
            for name in bodies
        },
        "floor": {
            name: round(
                (fixed + cpu(direct_sql, name) + cpu(over_dicts, name)) / cpu(direct_sql, name), 2
            )
            for name in bodies
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    fresh_database(DB)
    from django.db import connection

    net = build(args.cases)
    centre, token = net["centre"], net["token"]
    path = f"/c/{centre.division_code}/graphql/"
    bodies = {
        "Worklist": json.dumps(
            {"query": operation("Worklist"), "variables": {"first": 50}}
        ).encode(),
        "CaseDetail": json.dumps(
            {"query": operation("CaseDetail"), "variables": {"trackingNo": net["detail"]}}
        ).encode(),
    }
    statements = {
        name: capture(path, body, token, centre.schema_name) for name, body in bodies.items()
    }
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    postmaster = own_postmaster(ROOT)
    connection.close()

    with serving(0, path, token, postmaster) as measure:
        cache_off = measure(bodies, args.requests)
    # Rounds: the server and the direct SQL alternate in blocks of BLOCK requests, so that a
    # machine that slows down for a while moves both sides of a ratio, not one; each round has
    # its own ratios, graphql-core over dicts measured after it.
    rounds = []
    direct = Direct(statements, params, postmaster)
    try:
        with serving(256, path, token, postmaster) as measure:
            for _ in range(args.rounds):
                served = measure({**bodies, PING: PING_BODY}, args.requests, beside=direct.block)
                direct_sql = direct.results()
                over_dicts = {
                    name: executor_floor(path, body, token, args.requests)
                    for name, body in bodies.items()
                }
                rounds.append(one_round(bodies, served, direct_sql, over_dicts))
    finally:
        direct.close()
    last = rounds[-1]
    result = {
        "cases": args.cases,
        "requests": args.requests,
        "rounds": args.rounds,
        "postmaster_pid": postmaster,
        "statements_per_request": {k: len(v) for k, v in statements.items()},
        "http_cache_off": cache_off,
        # The last round's figures in full; every round's ratios below.
        "http_cache_on": last["http_cache_on"],
        "direct_sql": last["direct_sql"],
        "graphql_core_over_dicts": last["graphql_core_over_dicts"],
        "ratio_server_to_direct_sql_by_round": [r["ratio"] for r in rounds],
        "floor_ratio_with_the_fixed_request_cost_by_round": [r["floor"] for r in rounds],
        "median_ratio_server_to_direct_sql": {
            name: statistics.median(r["ratio"][name] for r in rounds) for name in bodies
        },
        "median_floor_ratio_with_the_fixed_request_cost": {
            name: statistics.median(r["floor"][name] for r in rounds) for name in bodies
        },
        "floor_ratio_sql_plus_graphql_core": last["floor_sql_plus_graphql_core"],
        "ratio_server_to_direct_sql": {
            "http_cache_off": {
                name: round(
                    cache_off[name]["cpu_ms_per_request"]
                    / last["direct_sql"][name]["cpu_ms_per_request"],
                    2,
                )
                for name in bodies
            },
            "http_cache_on": last["ratio"],
        },
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "read_path.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
