"""Benchmark: how long the first requests a new gunicorn worker serves take.

    .venv/bin/python bench/first_request.py [--runs 2]

Own database (bench_first_request, migrated, the demo network). Each run starts ``gunicorn
core.wsgi`` with one worker, waits until the worker has booted (10 s), then times three requests
to a village's GraphQL endpoint (``{ __typename }``, anonymous) from sending to the last byte.
Whatever a worker loads lazily shows in the first figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

from _setup import ROOT, fresh_database

DB = "bench_first_request"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    fresh_database(DB)
    from django.core.management import call_command

    call_command("provision_network", "demo", verbosity=0)
    from tenants.models import ServiceCentre

    village = ServiceCentre.objects.filter(tier="village").order_by("pk").first()
    env = dict(os.environ, EMBEDDED_DB_NAME=DB, DEBUG="0", PYTHONPATH=str(ROOT))
    body = json.dumps({"query": "{ __typename }"}).encode()
    runs = []
    for _ in range(args.runs):
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "core.wsgi", "-w", "1", "-b", "127.0.0.1:8896",
             "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            time.sleep(10)
            url = f"http://127.0.0.1:8896/c/{village.division_code}/graphql/"
            times = []
            for _ in range(3):
                request = urllib.request.Request(
                    url, data=body, headers={"Content-Type": "application/json"}
                )
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                times.append(round((time.perf_counter() - t0) * 1000, 1))
            runs.append(times)
        finally:
            server.terminate()
            server.wait(20)
    print(json.dumps({"first_three_requests_ms": runs}))


if __name__ == "__main__":
    main()
