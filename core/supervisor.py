"""The processes ``bin/run`` keeps up, and the loop that watches them.

``bin/run`` prepares the database and then hands over to ``manage.py supervise``, which starts
the outbox relay, the Celery worker (when a broker is configured) and the web server, each in
its own process group with its output in ``var/log/<name>.log``.

The policy is *stop, don't limp*: when any child exits, the supervisor says which one, with its
exit code and where its log is, stops the others and exits non-zero. A network whose relay or
worker has died would accept cases that then never travel; a clear stop is better, and the
process manager around ``bin/run`` (systemd ``Restart=on-failure``, a container runtime) is the
place for restarts. Ctrl-C or SIGTERM stops every child and exits 0.

Every Celery worker gets a node name of its own (``run-<random>@<host>``): two workers on one
broker with the default name (``celery@<host>``) collide on the remote-control queue and one of
them dies with ``RESOURCE_LOCKED``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.utils.translation import gettext as _


def unique_node_name(prefix: str) -> str:
    """A Celery node name no other worker on the broker has: ``<prefix>-<random>@%h``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}@%h"


@dataclass
class Child:
    """One supervised process: its name, command line and log file."""

    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                # Its own process group: stopping it stops its children too (Celery's pool,
                # gunicorn's workers), and a Ctrl-C reaches the supervisor, which stops it.
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        """Signal its whole process group: also after the leader died (a SIGKILLed Celery
        worker leaves its pool and beat processes behind)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def network_children(
    *,
    python: str,
    port: int,
    log_dir: Path,
    broker_url: str,
    messages_queue: str,
    default_queue: str,
    var_dir: Path,
    web_workers: int = 2,
    consumer: str = "celery",
) -> list[Child]:
    """The relay, the worker (with a broker) and the web server of one ``bin/run``.

    ``consumer="kombu"`` (``MESSAGES_CONSUMER``): two ``manage.py consume`` processes apply the
    messages queue and the Celery worker keeps only the periodic work (beat, default queue)."""
    manage = [python, "manage.py"]
    children = [Child("relay", [*manage, "relay"], log_dir / "relay.log")]
    if broker_url:
        queues = default_queue if consumer == "kombu" else f"{messages_queue},{default_queue}"
        children.append(
            Child(
                "worker",
                [
                    python, "-m", "celery", "-A", "core", "worker",
                    "-n", unique_node_name("run"),
                    "-B", "-s", str(var_dir / "celerybeat-schedule"),
                    "-Q", queues,
                    "--concurrency", "2", "--loglevel", "INFO",
                ],
                log_dir / "worker.log",
            )
        )  # fmt: skip
        if consumer == "kombu":
            children.extend(
                Child(f"consumer-{k}", [*manage, "consume"], log_dir / f"consumer-{k}.log")
                for k in (1, 2)
            )
    children.append(
        Child(
            "web",
            [
                python, "-m", "gunicorn", "core.wsgi:application",
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(web_workers),
                "--access-logfile", "-", "--error-logfile", "-",
            ],
            log_dir / "web.log",
        )
    )  # fmt: skip
    return children


def stop_all(children: Sequence[Child], grace: float = 10.0) -> None:
    """SIGTERM every running child's process group, then SIGKILL what is left after ``grace``."""
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        while _group_alive(child.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        child.signal(signal.SIGKILL)  # what is left of the group after the grace period
        child.process.wait(5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def supervise(
    children: Sequence[Child],
    out: TextIO | None = None,
    *,
    poll: float = 0.5,
    grace: float = 10.0,
) -> int:
    """Start ``children`` and watch them until one exits or a stop is asked for.

    Returns 0 after SIGINT/SIGTERM (every child stopped), else non-zero: the exit code of the
    child that ended (1 if it ended with 0 or by a signal), the others stopped.
    """
    out = out or sys.stderr
    asked: list[int] = []

    def ask_to_stop(signum, _frame):
        asked.append(signum)

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in children:
            child.start()
            out.write(
                _("已启动 %(name)s（进程 %(pid)s，日志 %(log)s）\n")
                % {"name": child.name, "pid": child.process.pid, "log": child.log}
            )
        out.flush()
        while not asked:
            for child in children:
                code = child.process.poll()
                if code is None:
                    continue
                how = (
                    _("被信号 %(signal)s 终止") % {"signal": -code}
                    if code < 0
                    else _("退出码 %(code)s") % {"code": code}
                )
                out.write(
                    _(
                        "%(name)s 意外退出（%(how)s），日志见 %(log)s。正在停止其余进程；"
                        "排除原因后请重新运行 bin/run。\n"
                    )
                    % {"name": child.name, "how": how, "log": child.log}
                )
                tail = child.log_tail()
                if tail:
                    out.write(_("%(name)s 日志的最后几行：\n") % {"name": child.name})
                    out.write(tail + "\n")
                out.flush()
                return code if code > 0 else 1
            time.sleep(poll)
        out.write(_("收到停止信号，正在停止所有进程。\n"))
        out.flush()
        return 0
    finally:
        stop_all(children, grace)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
