"""Shared test data built once and rolled back to after every test ("layers").

Provisioning the demo network (19 schemas) took about a second in every test that asked for it.
A layer builds such data once, inside a transaction that stays open while consecutive tests use
it; each of those tests runs in a savepoint inside it (pytest-django's ordinary ``db``), so it
starts from exactly the layer's data and its own changes vanish with its rollback. When a test
that does not use the layer comes next, the layer's transaction is rolled back and the database
is empty again, as that test expects; a later test that asks for the layer builds it anew.

How it is wired (tests/conftest.py):

- A layer is named by a fixture ``_layer_<name>`` which a public fixture (``demo_network``,
  ``api_network``, the assessment ``network``) requests, with a builder registered here.
- At collection, ``_layers`` is put first in every test's fixtures, so it runs before any
  database fixture (also before ``@pytest.mark.django_db``): it closes a layer the test does not
  use and opens the one it does. Within each module the tests are grouped by layer (stably),
  so consecutive tests of one layer share one build of it.
- Transactional tests (``transactional_db``, ``django_db(transaction=True)``) never run inside
  a layer: other processes must see their data. Their layer fixtures fall back to building the
  data in the test itself, as before. So does a test that starts while some other fixture has
  a transaction open (a module-scoped data set): a layer must be the outermost transaction.

A layer's builder must leave the database in the public schema and may use only the database
(no files, no other processes): everything it does is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction

Builder = Callable[[], Any]
_builders: dict[str, Builder] = {}
_includes: dict[str, set[str]] = {}
PREFIX = "_layer_"


def register(name: str, builder: Builder, includes: tuple[str, ...] = ()) -> None:
    """Declare layer ``name`` (its fixture is ``_layer_<name>``), built by ``builder()``, whose
    data contains that of the layers it ``includes`` (a test asking for both gets ``name``)."""
    _builders[name] = builder
    _includes[name] = {name, *includes}


@dataclass
class _Open:
    name: str
    atomic: Any
    depth: int
    value: Any = None


class Layers:
    """The one layer open at a time on the default connection."""

    def __init__(self) -> None:
        self.current: _Open | None = None
        self.builds: dict[str, int] = {}

    def enter(self, name: str, blocker) -> bool:
        """Make ``name`` the open layer. False if it cannot be (a transaction is already open)."""
        if self.current is not None and self.current.name == name:
            return True
        self.leave(blocker)
        with blocker.unblock():
            if connection.in_atomic_block:
                return False
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                value = _builders[name]()
                connection.set_schema_to_public()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
            self.current = _Open(name, atomic, len(connection.savepoint_ids), value)
            self.builds[name] = self.builds.get(name, 0) + 1
            return True

    def leave(self, blocker) -> None:
        """Roll the open layer back, if any."""
        if self.current is None:
            return
        layer, self.current = self.current, None
        with blocker.unblock():
            if len(connection.savepoint_ids) != layer.depth or not connection.in_atomic_block:
                raise RuntimeError(
                    f"test layer {layer.name!r}: a transaction opened inside it is still open "
                    "(a module- or class-scoped fixture?); layers must be the outermost"
                )
            connection.set_schema_to_public()
            transaction.set_rollback(True)
            layer.atomic.__exit__(None, None, None)

    def value(self, name: str) -> Any:
        """What layer ``name``'s builder returned, if that layer is open."""
        return self.current.value if self.current and self.current.name == name else None

    def provides(self, name: str) -> bool:
        """Whether the open layer holds layer ``name``'s data (it is it, or includes it)."""
        return self.current is not None and name in _includes[self.current.name]


layers = Layers()


def transactional(item: pytest.Item) -> bool:
    names = item.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction", marker.args[0] if marker.args else False))


def layer_of(item: pytest.Item) -> str | None:
    """The layer ``item`` runs in, or None (no layer, or a transactional test)."""
    wanted = {n[len(PREFIX) :] for n in item.fixturenames if n.startswith(PREFIX)}
    if not wanted or transactional(item):
        return None
    covering = [name for name in wanted if wanted <= _includes[name]]
    if not covering:
        raise pytest.UsageError(f"{item.nodeid} asks for test layers none includes: {wanted}")
    return covering[0]


def arrange(items: list[pytest.Item]) -> None:
    """Put ``_layers`` first in every test's fixtures, so it runs before any database fixture,
    and group the tests of each module by layer (stably; modules keep their places, and
    within a layer the tests keep their order), so that a layer is built once per module."""
    for item in items:
        names = item.fixturenames
        if "_layers" in names:
            names.remove("_layers")
        names.insert(0, "_layers")
        item.stash[_LAYER] = layer_of(item)
    arranged: list[pytest.Item] = []
    run: list[pytest.Item] = []
    for item in [*items, None]:
        if run and (item is None or item.path != run[0].path):
            first: dict[str | None, int] = {}
            for member in run:
                first.setdefault(member.stash[_LAYER], len(first))
            arranged += sorted(run, key=lambda member: first[member.stash[_LAYER]])
            run = []
        if item is not None:
            run.append(item)
    items[:] = arranged


_LAYER = pytest.StashKey[str | None]()


def wanted(item: pytest.Item) -> str | None:
    return item.stash.get(_LAYER, None)
