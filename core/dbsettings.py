"""Connection-level PostgreSQL settings a bulk load flips for the triggers that read them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def setting_on(name: str) -> Iterator[None]:
    """``name`` is 'on' on this connection inside the block, 'off' after it (a trigger that
    reads it with ``current_setting(name, true)`` skips its work meanwhile)."""
    with connection.cursor() as cur:
        cur.execute("SELECT set_config(%s, 'on', false)", [name])
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config(%s, 'off', false)", [name])
