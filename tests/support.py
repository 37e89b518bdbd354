"""Helpers for tests that start real processes (Celery workers) against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from core.supervisor import unique_node_name

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 still, with test-sized costs (production uses Django's defaults; tests/api checks
    that). The whole suite uses it: seeding the 7 demo users took seconds per test."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def build_demo_network() -> None:
    """Provision the bundled demo network (19 centres)."""
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))


def broker_url() -> str:
    return os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER


def broker_reachable(url: str) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def require_broker() -> str:
    """The broker URL; skip the test without a reachable broker (fail under CI=true)."""
    import pytest

    url = broker_url()
    if not broker_reachable(url):
        message = f"RabbitMQ is not reachable at {url}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the broker tests must run)")
        pytest.skip(message)
    return url


def delete_queues(*names: str) -> None:
    """Delete queues this test run created (never anyone else's)."""
    from kombu import Connection

    with Connection(broker_url(), connect_timeout=2) as conn:
        for name in names:
            try:
                conn.default_channel.queue_delete(name)
            except Exception:
                pass


def env_for_subprocess(**extra: str) -> dict[str, str]:
    """The environment a child process needs to use this test run's database."""
    env = dict(os.environ)
    name = connection.settings_dict["NAME"]
    if settings.EMBEDDED_DATABASE:
        env["EMBEDDED_DB_NAME"] = name
    else:
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    env["PYTHONPATH"] = str(ROOT)
    # The queue type this process declares (it may publish to the same queue): a worker that
    # declared the other type would be refused by the broker (PRECONDITION_FAILED).
    env["MESSAGES_QUEUE_TYPE"] = settings.MESSAGES_QUEUE_TYPE
    env.update(extra)
    return env


class Worker:
    """A real Celery worker process consuming one private queue, logging to a file."""

    def __init__(self, queue: str, log_dir: Path, concurrency: int = 2) -> None:
        self.queue = queue
        self.log = log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.concurrency = concurrency
        # A node name of its own: two workers named celery@<host> on one broker (two test runs,
        # or a test beside bin/run) collide on the pidbox queue and one dies (RESOURCE_LOCKED).
        self.node_name = unique_node_name("test")
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0, wait: bool = True) -> Worker:
        """Start the worker; with ``wait`` (the default), return once it is ready."""
        env = env_for_subprocess(CELERY_BROKER_URL=broker_url(), MESSAGES_QUEUE=self.queue)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "core",
                "worker",
                "-n",
                self.node_name,
                "-Q",
                self.queue,
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--pool",
                "prefork",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the children too
        )
        if wait:
            self.wait_for_log("ready.", timeout)
        return self

    def wait_for_log(self, text: str, timeout: float = 30.0, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log.read_text(errors="replace").count(text) >= count:
                return
            if self.process and self.process.poll() is not None:
                raise AssertionError(
                    f"worker exited: {self.log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)
        raise AssertionError(
            f"worker log never showed {text!r} x{count}:\n{self.log.read_text(errors='replace')[-3000:]}"
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: no warm shutdown, no acks."""
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class Consumer(Worker):
    """A real ``manage.py consume`` process (messaging.stream) on one private queue, logging at
    INFO to a file; ``kill`` and ``stop`` as for a worker."""

    def start(self, timeout: float = 60.0, wait: bool = True) -> Consumer:
        env = env_for_subprocess(
            CELERY_BROKER_URL=broker_url(), MESSAGES_QUEUE=self.queue, LOG_LEVEL="INFO"
        )
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "consume", "--prefetch", str(self.concurrency * 8)],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_for_log("consumer ready", timeout)
        return self


@contextmanager
def starting(cls: type[Worker], queue: str, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """``start(concurrency=2)`` for processes of ``cls`` (``Worker`` or ``Consumer``) on
    ``queue``; every one started is stopped when the block ends (a fixture's teardown)."""
    started: list[Worker] = []

    def start(concurrency: int = 2) -> Worker:
        process = cls(queue, tmp_path, concurrency).start()
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
