"""Benchmark: a worklist page deep in a large centre, keyset cursor against OFFSET.

    .venv/bin/python bench/worklist_pages.py [--cases 200000] [--repeat 7]

Own database (bench_worklist): the demo network with ``--cases`` cases written straight into the
county centre's ``delegation_case`` (one ``INSERT … SELECT generate_series``; submitted over the
past two years, a tenth of them sharing a submission instant with their neighbour so the id has
to break ties). Then, for pages of 20 at increasing depths of the newest-first worklist:

* keyset: ``graphql_api.pagination.paginate`` with the ``after`` cursor of the row before the
  page (what a client sends), the COUNT included;
* OFFSET (baseline, same run): the same ordering with ``OFFSET depth LIMIT 20`` and the same
  COUNT, which is what positional cursors cost.

Each figure is the median of ``--repeat`` runs, in milliseconds; the COUNT (the connection's
``totalCount``, the same for both) is also timed alone; results in var/bench.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from _setup import ROOT, fresh_database

from tenants.tenancy import in_centre


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    fresh_database("bench_worklist")

    from django.core.management import call_command
    from django.db import connection

    from catalog.services import active_version
    from core import personal_data
    from delegation.models import Case
    from delegation.schema import CaseConnection
    from graphql_api.pagination import paginate
    from tenants.models import ServiceCentre

    call_command("import_dictionary", "sample", verbosity=0)
    call_command("provision_network", "demo", verbosity=0)
    county = ServiceCentre.objects.filter(tier="county").order_by("division_code").first()
    version = active_version("SX-0020")
    with in_centre(county), connection.cursor() as cur:
        started = time.perf_counter()
        cur.execute(
            "INSERT INTO delegation_case (tracking_no, state, channel, applicant_kind, "
            "applicant_name, applicant_id_number, applicant_phone, item_code, item_name, "
            "handling_type, legal_limit_days, promised_limit_days, materials, missing_materials, "
            "handler_name, note, decision_reason, submitted_at, calendar_fallback, origin_centre, "
            "upstream_state, upstream_centre, updated_at, item_version_id, query_code, "
            "query_code_hash, applicant_id_hash) "
            "SELECT %s || '-' || lpad(g::text, 8, '0'), 'submitted', 'window', 'person', '刘桂兰', "
            "%s, %s, 'SX-0020', '事项', 'promised', 20, 10, "
            "'[]'::jsonb, '{}', '', '', '', "
            "now() - ((%s - g - (g %% 10 = 0)::int) * interval '5 minutes'), "
            "false, %s, '', '', now(), %s, '', '', %s FROM generate_series(1, %s) g",
            # Sealed as the services store them (core.personal_data), with the lookup hash.
            [
                county.division_code,
                personal_data.seal("420581199001010011"),
                personal_data.seal("13907171234"),
                args.cases,
                county.division_code,
                version.pk,
                personal_data.lookup_hash("420581199001010011"),
                args.cases,
            ],
        )
        cur.execute("ANALYZE delegation_case")
        print(f"{args.cases} cases written in {time.perf_counter() - started:.1f} s")

    results = []
    with in_centre(county):
        ordered = Case.objects.order_by("-submitted_at", "-id")
        depths = [0, 1_000, 10_000, 100_000, args.cases - 20]
        for depth in depths:
            after = None
            if depth:  # the cursor of the row just before the page, as a client holds it
                row = ordered[depth - 1]
                after = paginate(
                    ordered.filter(pk=row.pk), {"first": 1}, CaseConnection
                ).page_info.end_cursor
            keyset, offset, count = [], [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                ordered.count()
                count.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page = paginate(ordered, {"first": 20, "after": after}, CaseConnection)
                keyset.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                ordered.count()
                rows = list(ordered[depth : depth + 20])
                offset.append(time.perf_counter() - t0)
            assert [e.node.pk for e in page.edges] == [r.pk for r in rows], depth
            k, o = statistics.median(keyset) * 1000, statistics.median(offset) * 1000
            c = statistics.median(count) * 1000
            results.append({"depth": depth, "keyset_ms": round(k, 2), "offset_ms": round(o, 2),
                            "offset_over_keyset": round(o / k, 2), "of_which_count_ms": round(c, 2),
                            "page_query_offset_over_keyset": round((o - c) / max(k - c, 0.01), 1)})  # fmt: skip
            print(results[-1])
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "worklist_pages.json").write_text(
        json.dumps({"cases": args.cases, "pages": results}, indent=2)
    )


if __name__ == "__main__":
    main()
