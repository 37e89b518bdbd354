"""bin/run's supervisor (core/supervisor.py): a child that dies stops everything, plainly."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from core import supervisor
from tests.support import ROOT, env_for_subprocess, wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): look at its state.
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_a_child_that_dies_is_named_and_the_others_are_stopped(tmp_path):
    relay = supervisor.Child("relay", SLEEPER, tmp_path / "relay.log")
    worker = supervisor.Child(
        "worker",
        [sys.executable, "-c", "import sys, time; time.sleep(0.5); print('boom'); sys.exit(3)"],
        tmp_path / "worker.log",
    )
    out = io.StringIO()
    started = time.monotonic()
    code = supervisor.supervise([relay, worker], out, poll=0.1)
    assert code == 3
    text = out.getvalue()
    assert re.search(r"worker 意外退出（退出码 3），日志见 .*worker\.log", text), text
    assert "boom" in text  # the end of its log, so the reason is on the screen
    assert not relay.running() and not alive(relay.process.pid)
    assert time.monotonic() - started < 15


def test_a_child_that_exits_cleanly_still_stops_the_network_with_an_error(tmp_path):
    web = supervisor.Child("web", [sys.executable, "-c", "pass"], tmp_path / "web.log")
    relay = supervisor.Child("relay", SLEEPER, tmp_path / "relay.log")
    assert supervisor.supervise([relay, web], io.StringIO(), poll=0.1) == 1
    assert not alive(relay.process.pid)


def test_what_a_dead_child_left_behind_in_its_group_is_stopped_too(tmp_path):
    """A SIGKILLed Celery worker leaves its pool and beat processes running: they go too."""
    relay = supervisor.Child("relay", SLEEPER, tmp_path / "relay.log")
    worker = supervisor.Child(
        "worker", ["sh", "-c", "sleep 120 & echo pool=$!; sleep 0.5; exit 3"], tmp_path / "w.log"
    )
    assert supervisor.supervise([relay, worker], io.StringIO(), poll=0.1, grace=3) == 3
    pool = int(re.search(r"pool=(\d+)", worker.log.read_text()).group(1))
    wait_until(lambda: not alive(pool), 10, message="the orphaned pool process stopped")


def test_sigterm_stops_every_child_and_exits_zero(tmp_path):
    """The supervisor as bin/run runs it, in its own process, stopped with SIGTERM."""
    script = (
        "import sys, django\n"
        "from django.conf import settings\n"
        "settings.configure(USE_I18N=False); django.setup()\n"
        "from pathlib import Path\n"
        "from core import supervisor\n"
        f"d = Path({str(tmp_path)!r})\n"
        f"kids = [supervisor.Child(n, {SLEEPER!r}, d / (n + '.log')) for n in ('relay', 'web')]\n"
        "sys.exit(supervisor.supervise(kids, sys.stdout, poll=0.1))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [process.stdout.readline(), process.stdout.readline()]
    pids = [int(re.search(r"进程 (\d+)", line).group(1)) for line in lines]
    assert all(alive(pid) for pid in pids)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    wait_until(lambda: not any(alive(pid) for pid in pids), 10, message="children stopped")


BROKER = "amqp://guest:guest@127.0.0.1:5672//"


def children(tmp_path, broker_url: str = BROKER, **options) -> list:
    """The children ``supervise`` would start on port 8123, queue ``messages-run-7``."""
    return supervisor.network_children(
        python=sys.executable,
        port=8123,
        log_dir=tmp_path,
        broker_url=broker_url,
        messages_queue="messages-run-7",
        default_queue="celery",
        var_dir=tmp_path,
        **options,
    )


def test_the_worker_consumes_the_configured_queue_under_a_name_of_its_own(tmp_path):
    def worker_argv() -> list[str]:
        (worker,) = [c for c in children(tmp_path) if c.name == "worker"]
        return worker.argv

    first, second = worker_argv(), worker_argv()
    assert first[first.index("-Q") + 1] == "messages-run-7,celery"
    names = {argv[argv.index("-n") + 1] for argv in (first, second)}
    assert len(names) == 2 and all(re.fullmatch(r"run-[0-9a-f]{12}@%h", n) for n in names)


def test_with_the_kombu_consumer_celery_keeps_only_the_periodic_work(tmp_path):
    by_name = {c.name: c.argv for c in children(tmp_path, consumer="kombu")}
    assert list(by_name) == ["relay", "worker", "consumer-1", "consumer-2", "web"]
    worker = by_name["worker"]
    assert worker[worker.index("-Q") + 1] == "celery" and "-B" in worker
    assert by_name["consumer-1"][1:] == ["manage.py", "consume"]


def test_without_a_broker_there_is_no_worker_and_the_web_server_is_gunicorn(tmp_path):
    started = children(tmp_path, broker_url="")
    assert [c.name for c in started] == ["relay", "web"]
    web = started[1].argv
    assert web[1:4] == ["-m", "gunicorn", "core.wsgi:application"]
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"


def test_the_command_stops_the_relay_when_the_web_server_cannot_start(tmp_path):
    """``manage.py supervise`` as bin/run runs it, with a web server that cannot start (a
    worker count gunicorn refuses; a taken port fails the same way after gunicorn's 5 s of
    retries): the command says which child ended, stops the relay and exits non-zero."""
    env = env_for_subprocess(CELERY_BROKER_URL="", LANGUAGE_CODE="zh-hans")
    argv = [sys.executable, "manage.py", "supervise", "--port", "8", "--web-workers", "-1"]
    result = subprocess.run(
        [*argv, "--log-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert re.search(r"web 意外退出（退出码 \d+），日志见 .*web\.log", result.stderr), result.stderr
    assert "已启动 relay" in result.stderr and "已启动 worker" not in result.stderr  # no broker
    relay_pid = int(re.search(r"已启动 relay（进程 (\d+)", result.stderr).group(1))
    assert not alive(relay_pid)
    assert (tmp_path / "web.log").exists() and (tmp_path / "relay.log").exists()
