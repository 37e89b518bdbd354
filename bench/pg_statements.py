"""Where PostgreSQL's time goes during a benchmark run, by family of statement.

    .venv/bin/python bench/pg_statements.py enable    # preload pg_stat_statements, restart
    .venv/bin/python bench/delegation.py --cases 200 --pg-statements
    .venv/bin/python bench/pg_statements.py disable   # back to the default configuration

Works on the embedded cluster (``var/pgdata``); with ``DATABASE_URL`` the server must already
preload ``pg_stat_statements``. Top-level statements only (``pg_stat_statements.track = top``):
a trigger's time counts in the statement that fired it, a deferred trigger's in the COMMIT.
Each family is a pattern over the statement's text; the time is execution plus planning, in ms
per case, summed over every backend of the benchmark's database (drivers, worker, relay).
Statements a deferred trigger or key check runs at COMMIT are top-level statements of their own.
What PostgreSQL's processes spend beyond this (parsing, binding, the protocol, commits and WAL,
autovacuum) is the run's ``cpu_ms_per_case.postgresql`` minus the total here.
"""

from __future__ import annotations

import re
import sys

from _setup import ROOT

#: (family, pattern) in order; the first match names a statement.
FAMILIES = [
    # Django declares foreign keys DEFERRABLE INITIALLY DEFERRED: checked at COMMIT, each check
    # a top-level statement of its own.
    ("foreign-key checks (deferred, at commit)", r"FOR KEY SHARE OF x"),
    ("worklist state counts (deferred trigger)", r"network_statecount|pg_advisory_xact_lock"),
    ("commit (deferred triggers: state counts)", r"^COMMIT"),
    ("begin, savepoints, set search_path", r"^(BEGIN|SAVEPOINT|RELEASE|ROLLBACK|SET )"),
    ("network projection (+ activity buckets)", r"network_caserecord"),
    ("case events", r"delegation_caseevent"),
    ("case row", r"\bdelegation_case\b"),
    ("delegations", r"delegation_delegation"),
    ("inbox", r"delegation_inboxmessage"),
    ("outbox and relay", r"messaging_outboxmessage"),
    ("notifications", r"notifications_"),
    ("supervision", r"supervision_"),
    ("custody (papers)", r"custody_"),
    ("tracking-number counter", r"delegation_dailycounter"),
    ("registry and dictionary reads", r"tenants_servicecentre|catalog_"),
    ("clock pauses", r"delegation_casepause"),
]


def _connection():
    from django.db import connection

    return connection


def prepare(connection) -> None:
    with connection.cursor() as cur:
        cur.execute("SHOW shared_preload_libraries")
        (loaded,) = cur.fetchone()
        if "pg_stat_statements" not in loaded:
            raise SystemExit(
                "pg_stat_statements is not preloaded: run bench/pg_statements.py enable first"
            )
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def reset() -> None:
    with _connection().cursor() as cur:
        cur.execute("SELECT pg_stat_statements_reset()")


def by_family(cases: int) -> dict:
    with _connection().cursor() as cur:
        cur.execute(
            "SELECT query, calls, total_exec_time + total_plan_time FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()"
        )
        rows = cur.fetchall()
    families: dict[str, list[float]] = {}
    for query, calls, ms in rows:
        if "pg_stat_statements" in query:
            continue
        name = "other"
        if re.search(r"SELECT COUNT\(\*\).*network_caserecord.*\"tier\"", query, re.S):
            name = "the benchmark's own progress polling"
        else:
            for family, pattern in FAMILIES:
                if re.search(pattern, query, re.S | re.I):
                    name = family
                    break
        total = families.setdefault(name, [0, 0.0])
        total[0] += calls
        total[1] += ms
    report = {
        name: {"statements_per_case": round(calls / cases, 1), "ms_per_case": round(ms / cases, 2)}
        for name, (calls, ms) in sorted(families.items(), key=lambda kv: -kv[1][1])
    }
    counted = [v for k, v in families.items() if not k.startswith("the benchmark")]
    report["total (without the polling)"] = {
        "statements_per_case": round(sum(c for c, _ in counted) / cases, 1),
        "ms_per_case": round(sum(m for _, m in counted) / cases, 2),
    }
    return report


def _configure(enable: bool) -> None:
    import psycopg

    from core import embedded

    sys.path.insert(0, str(ROOT))
    settings = embedded.embedded_database_settings(ROOT / "var", "postgres")
    params = {"dbname": "postgres", "user": "postgres", "host": settings["HOST"]}
    if settings.get("PORT"):
        params["port"] = settings["PORT"]
    with psycopg.connect(**params, autocommit=True) as conn:
        if enable:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        else:
            conn.execute("ALTER SYSTEM RESET shared_preload_libraries")
    embedded.stop(ROOT / "var")  # the next use starts it with the new setting
    print(("enabled" if enable else "disabled") + ": the embedded cluster restarts on next use")


if __name__ == "__main__":
    import os

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    if len(sys.argv) != 2 or sys.argv[1] not in ("enable", "disable"):
        raise SystemExit(__doc__)
    _configure(sys.argv[1] == "enable")
