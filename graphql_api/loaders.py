"""Request-scoped batch loaders that work with synchronous execution.

graphql-core runs a list's items one after the other, so there is no tick at which to gather
keys as asynchronous DataLoaders do. Instead a list resolver *primes* the loaders with the keys
its page will ask for (no query), and the first ``load`` of any key fetches every pending key
in one query. A page of 10 or of 100 cases thus costs the same number of queries, and a field
nobody selected costs nothing.

Loaders live on the request (``request.api.loaders``) and are dropped after each mutation, so a
value read before a change is never served after it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, ClassVar


class BatchLoader:
    """Subclasses implement ``batch_load(keys) -> {key: value}``; missing keys get ``default``."""

    default: ClassVar[Any] = None

    def __init__(self, context) -> None:
        self.context = context
        self._cache: dict[Hashable, Any] = {}
        self._pending: set[Hashable] = set()

    @classmethod
    def of(cls, info_or_context) -> BatchLoader:
        context = getattr(info_or_context, "context", info_or_context)
        loaders = context.api.loaders
        loader = loaders.get(cls)
        if loader is None:
            loader = loaders[cls] = cls(context)
        return loader

    def prime(self, keys: Iterable[Hashable]) -> None:
        """Announce keys that are likely to be loaded; they are fetched with the first load."""
        self._pending.update(key for key in keys if key is not None and key not in self._cache)

    def put(self, key: Hashable, value: Any) -> None:
        """A value another query already read (e.g. joined to its rows): no query for it."""
        self._cache[key] = value
        self._pending.discard(key)

    def load(self, key: Hashable) -> Any:
        if key is None:
            return self._default()
        if key not in self._cache:
            keys = list(self._pending | {key})
            self._pending.clear()
            found = self.batch_load(keys)
            for k in keys:
                self._cache[k] = found[k] if k in found else self._default()
        return self._cache[key]

    def load_many(self, keys: Iterable[Hashable]) -> list[Any]:
        keys = list(keys)
        self.prime(keys)
        return [self.load(key) for key in keys]

    def _default(self) -> Any:
        default = self.default
        return list(default) if isinstance(default, list) else default

    def batch_load(self, keys: list[Hashable]) -> dict[Hashable, Any]:
        raise NotImplementedError


def clear_loaders(context) -> None:
    context.api.loaders.clear()


def group_by(rows: Iterable[Any], key: str) -> dict[Hashable, list[Any]]:
    grouped: dict[Hashable, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped
