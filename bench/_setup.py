"""Shared set-up for benchmarks: a fresh database of their own, never the development one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(name: str) -> None:
    """Point Django at a new, empty database ``name`` and migrate it."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    if os.environ.get("DATABASE_URL"):
        import dj_database_url

        base = dj_database_url.parse(os.environ["DATABASE_URL"])
        _recreate(base, name)
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    else:
        os.environ["EMBEDDED_DB_NAME"] = name
        from core.embedded import embedded_database_settings

        base = embedded_database_settings(ROOT / "var", "postgres")
        _recreate(base, name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _recreate(db: dict, name: str) -> None:
    import psycopg

    params = {"dbname": "postgres", "user": db.get("USER") or None, "host": db.get("HOST") or None}
    if db.get("PORT"):
        params["port"] = db["PORT"]
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(
        **{k: v for k, v in params.items() if v is not None}, autocommit=True
    ) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
