"""Benchmark: provisioning centres, against the raw DDL floor, and a no-op migrate.

    .venv/bin/python bench/provision.py [--centres 1687]

Runs in its own database (bench_provision). In one run it measures:
1. ``provision_network`` for the first N centres of the bundled prefecture spec (schema + tables +
   registry row, one transaction per centre);
2. the floor: N schemas created by plain ``CREATE TABLE … (LIKE template.t INCLUDING ALL)``
   for the same tables, one transaction per schema, nothing else;
3. a no-op ``migrate_schemas`` over all N centres (goal ≤ 60 s);
4. for context, django-tenants' stock per-schema no-op migrate on a sample of 20 centres,
   extrapolated to N.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _setup import ROOT, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--centres", type=int, default=1687)
    args = parser.parse_args()
    fresh_database("bench_provision")

    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    from tenants.models import ServiceCentre
    from tenants.schemas import TEMPLATE_SCHEMA, quote_ident
    from tenants.services import provision_network
    from tenants.spec import load_spec, tree_order

    specs = tree_order(load_spec("prefecture"))[: args.centres]
    n = len(specs)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
            "WHERE s.nspname = %s AND c.relkind = 'r' ORDER BY 1",
            [TEMPLATE_SCHEMA],
        )
        tables = [row[0] for row in cur.fetchall()]

    started = time.perf_counter()
    provision_network(specs)
    provision_s = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(n):
        schema = f"raw_{i:05d}"
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"CREATE SCHEMA {schema};"
                + "".join(
                    f"CREATE TABLE {schema}.{quote_ident(t)} (LIKE {quote_ident(TEMPLATE_SCHEMA)}.{quote_ident(t)} "
                    "INCLUDING ALL);"
                    for t in tables
                )
            )
    raw_s = time.perf_counter() - started

    started = time.perf_counter()
    call_command("migrate_schemas", verbosity=0, interactive=False)
    noop_migrate_s = time.perf_counter() - started

    sample = list(ServiceCentre.objects.order_by("?").values_list("schema_name", flat=True)[:20])
    timings = []
    for schema in sample:
        t0 = time.perf_counter()
        call_command(
            MigrateSchemasCommand(), schema_name=schema, tenant=True, verbosity=0, interactive=False
        )
        timings.append(time.perf_counter() - t0)
    stock_estimate_s = statistics.mean(timings) * n

    result = {
        "centres": n,
        "tables_per_centre": len(tables),
        "provision_ms_per_centre": round(1000 * provision_s / n, 2),
        "raw_ddl_ms_per_centre": round(1000 * raw_s / n, 2),
        "ratio_provision_to_raw": round(provision_s / raw_s, 2),
        "noop_migrate_s": round(noop_migrate_s, 2),
        "stock_noop_migrate_per_schema_ms": round(1000 * statistics.mean(timings), 1),
        "stock_noop_migrate_estimate_s": round(stock_estimate_s, 1),
        "ratio_stock_to_ours_noop_migrate": round(stock_estimate_s / noop_migrate_s, 1),
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "provision.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
