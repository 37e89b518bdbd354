"""Benchmark: the web app's busiest pages over HTTP against gunicorn, with the API's equivalent
GraphQL query measured in the same run.

    .venv/bin/python bench/web_pages.py [--cases 200000] [--village-cases 5000] [--requests 60]

Own database (bench_web): the sample dictionary, the demo network and its demo users; then
``--cases`` cases written straight into the county centre's ``delegation_case`` and
``--village-cases`` into a village's (one ``INSERT … SELECT generate_series`` each, as
bench/worklist_pages.py does). gunicorn serves ``core.wsgi`` (2 workers, DEBUG off, as
``bin/run`` does) and every figure is the time from sending a request to its last byte on
127.0.0.1, so it is the server's time plus a loopback round trip:

* the window worklist (``/c/<county>/worklist/``, first page, newest first) against GraphQL
  ``Worklist`` (staff.graphql, ``first: 20``);
* a case's page (``/c/<county>/cases/<no>/``, a case in the middle of the 200,000) against
  ``CaseDetail``;
* the agent's village register (``/c/<village>/register/``) against ``Register``
  (agent.graphql).

Each is requested ``--requests`` times after 5 warm-up requests, pages and queries
interleaved; p50 and p95 in milliseconds; results in var/bench/web_pages.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from _setup import ROOT, fresh_database

DB = "bench_web"
COUNTY, VILLAGE = "420506", "420506101201"
STAFF, AGENT = "staff.420506", "agent.420506101201"
OPERATIONS = ROOT / "graphql" / "operations"


def fill(centre, version, count: int) -> str:
    """Write ``count`` cases into ``centre``'s schema; returns the tracking number of the one
    in the middle."""
    from django.db import connection

    from tenants.tenancy import in_centre

    code = centre.division_code
    with in_centre(centre), connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            "INSERT INTO delegation_case (tracking_no, state, channel, applicant_kind, "
            "applicant_name, applicant_id_number, applicant_phone, item_code, item_name, "
            "handling_type, legal_limit_days, promised_limit_days, materials, missing_materials, "
            "handler_name, note, decision_reason, submitted_at, calendar_fallback, origin_centre, "
            "upstream_state, upstream_centre, updated_at, item_version_id, query_code, query_code_hash, "
            "applicant_id_hash) "
            "SELECT %s || '-' || lpad(g::text, 8, '0'), 'submitted', 'window', 'person', '刘桂兰', "
            "%s, %s, 'SX-0020', '最低生活保障审核确认', 'promised', 30, 20, "
            "'[]'::jsonb, '{}', '', '', '', "
            "now() - ((%s - g - (g %% 10 = 0)::int) * interval '5 minutes'), "
            "false, %s, '', '', now(), %s, lpad((g %% 1000000)::text, 6, '0'), '', %s "
            "FROM generate_series(1, %s) g",
            # Sealed as the services store them (core.personal_data), with the lookup hash.
            [code, *_sealed_applicant(), count, code, version.pk, _id_hash(), count],
        )
        cur.execute("ANALYZE delegation_case")
    project(centre)
    print(f"{count} cases written at {code} in {time.perf_counter() - started:.1f} s", flush=True)
    return f"{code}-{count // 2:08d}"


def project(centre) -> None:
    """The network projection of the cases just written (as the services keep it), so the
    worklist's tab counts (kept with the projection) and the network views see them."""
    from django.db import connection

    from assessment.activity import deferred_activity, rebuild_activity
    from network.state_counts import deferred_state_counts, rebuild_state_counts
    from tenants.schemas import quote_ident

    schema = quote_ident(centre.schema_name)
    with deferred_activity(), deferred_state_counts(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO public.network_caserecord (centre_id, centre_code, tier, case_id, "
            "tracking_no, origin_centre, item_code, item_version_id, handling_type, "
            "legal_limit_days, promised_limit_days, channel, state, effective_state, "
            "received_from_centre, forwarded_to_centre, submitted_at, calendar_fallback, "
            "query_code_hash, updated_at) "
            f"SELECT %s, %s, %s, c.id, c.tracking_no, c.origin_centre, c.item_code, "
            "c.item_version_id, c.handling_type, c.legal_limit_days, c.promised_limit_days, "
            "c.channel, c.state, c.state, '', '', c.submitted_at, c.calendar_fallback, "
            f"c.query_code_hash, now() FROM {schema}.delegation_case c "
            "ON CONFLICT DO NOTHING",
            [centre.id, centre.division_code, centre.tier],
        )
        cur.execute("ANALYZE public.network_caserecord")
    rebuild_state_counts([centre.id])
    rebuild_activity([centre.id])


def _sealed_applicant() -> tuple[str, str]:
    from core import personal_data

    return personal_data.seal("420581199001010011"), personal_data.seal("13907171234")


def _id_hash() -> str:
    from core import personal_data

    return personal_data.lookup_hash("420581199001010011")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """A browser's session (cookies) against the server, or an API client with a token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=60) as response:
            assert response.status == 200, (path, response.status)
            return response.read()

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=data, headers={"Referer": self.base + "/login/"}
        )
        with self.opener.open(request, timeout=60) as response:
            assert "/login/" not in response.url, "login failed"

    def graphql(self, path: str, query: str, operation: str, variables: dict, token: str = ""):
        body = json.dumps(
            {"query": query, "operationName": operation, "variables": variables}
        ).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.loads(response.read())
        assert not payload.get("errors"), payload["errors"]
        return payload["data"]


def api_token(session: Session, centre: str, username: str, password: str) -> str:
    query = (
        "mutation Login($u: String!, $p: String!) "
        "{ login(username: $u, password: $p) { token errors { code } } }"
    )
    data = session.graphql(f"/c/{centre}/graphql/", query, "Login", {"u": username, "p": password})
    return data["login"]["token"]


def timed(call, repeat: int) -> list[float]:
    for _ in range(5):
        call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--village-cases", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    fresh_database(DB)

    from django.core.management import call_command

    from accounts.demo import DEMO_PASSWORD, seed_demo_users
    from catalog.services import active_version
    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    seed_demo_users()
    call_command("collectstatic", interactive=False, verbosity=0)  # as bin/run does
    version = active_version("SX-0020")
    case_no = fill(ServiceCentre.objects.get(division_code=COUNTY), version, args.cases)
    fill(ServiceCentre.objects.get(division_code=VILLAGE), version, args.village_cases)

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(PYTHONPATH=str(ROOT), DEBUG="0", SECRET_KEY="bench-only", EMBEDDED_DB_NAME=DB)
    log = (ROOT / "var" / "bench").joinpath("web_pages-gunicorn.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "core.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--error-logfile", "-"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(log.read_text()[-3000:]) from None
                time.sleep(0.3)
        staff, agent, api = Session(base), Session(base), Session(base)
        staff.login(STAFF, DEMO_PASSWORD)
        agent.login(AGENT, DEMO_PASSWORD)
        staff_token = api_token(api, COUNTY, STAFF, DEMO_PASSWORD)
        agent_token = api_token(api, VILLAGE, AGENT, DEMO_PASSWORD)
        staff_ops = (OPERATIONS / "staff.graphql").read_text(encoding="utf-8")
        agent_ops = (OPERATIONS / "agent.graphql").read_text(encoding="utf-8")
        county_api, village_api = f"/c/{COUNTY}/graphql/", f"/c/{VILLAGE}/graphql/"
        assert case_no.encode() in staff.get(f"/c/{COUNTY}/cases/{case_no}/")
        measured = {
            "worklist page": lambda: staff.get(f"/c/{COUNTY}/worklist/"),
            "worklist query (Worklist, first 20)": lambda: api.graphql(
                county_api, staff_ops, "Worklist", {"first": 20}, staff_token
            ),
            "case page": lambda: staff.get(f"/c/{COUNTY}/cases/{case_no}/"),
            "case query (CaseDetail)": lambda: api.graphql(
                county_api, staff_ops, "CaseDetail", {"trackingNo": case_no}, staff_token
            ),
            "village register page": lambda: agent.get(f"/c/{VILLAGE}/register/"),
            "register query (Register, first 20)": lambda: api.graphql(
                village_api, agent_ops, "Register", {"first": 20}, agent_token
            ),
        }
        results = {}
        for name, call in measured.items():
            results[name] = summary(timed(call, args.requests))
            print(f"{name:40s} {results[name]}", flush=True)
    finally:
        os.killpg(server.pid, 15)
        server.wait(15)
    out = ROOT / "var" / "bench" / "web_pages.json"
    out.write_text(
        json.dumps(
            {
                "cases": args.cases,
                "village_cases": args.village_cases,
                "requests": args.requests,
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"written {out}")


if __name__ == "__main__":
    main()
