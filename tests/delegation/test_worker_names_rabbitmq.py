"""Two Celery workers on one broker do not collide (issue: a second worker with the default
node name ``celery@<host>`` made one of them die with RESOURCE_LOCKED on the pidbox queue).
This is also what lets the suite run beside ``bin/run`` on the same broker."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.support import Worker, delete_queues, require_broker

pytestmark = pytest.mark.rabbitmq


def test_two_workers_on_one_broker_both_stay_up(tmp_path):
    require_broker()
    workers = [Worker(f"names-test-{uuid.uuid4().hex[:10]}", tmp_path, 1) for _ in range(2)]
    try:
        for worker in workers:  # both at once, as a test run beside bin/run would
            worker.start(wait=False)
        for worker in workers:
            worker.wait_for_log("ready.", 60)
        time.sleep(2)  # the collision shows within a second of the second one's start
        for worker in workers:
            log = worker.log.read_text(errors="replace")
            assert worker.process.poll() is None, log[-3000:]
            assert "RESOURCE_LOCKED" not in log, log[-3000:]
    finally:
        for worker in workers:
            worker.stop()
        delete_queues(*(w.queue for w in workers))
