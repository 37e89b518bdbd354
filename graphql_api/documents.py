"""Parsed and validated GraphQL documents, kept so a repeated document is checked once.

Clients send the same few operations over and over (the worklist page, a case detail), and
parsing plus graphql-core's validation was 16–30 % of the server's Python time for them. The
outcome of both depends only on the document's text, the schema and the limits in force, so
``DocumentCache`` keeps it, keyed by exactly those, in a bounded LRU:

* a document that passed keeps its parsed AST (execution never mutates it);
* a document that failed keeps its verdict — the ``RequestRejected`` of the size/alias/text
  checks, the syntax error, or the validation errors (depth, complexity, logins, the standard
  rules) — and fails again on every request, with the same codes, without being re-parsed;
* a verdict that depended on the clock (the validation time budget ran out) is not kept;
* what changes per request is still checked per request: the query's byte size (before any
  look-up, so the key is bounded too), the variables, GET-versus-mutation, authentication.

Bounded twice: at most ``GRAPHQL_DOCUMENT_CACHE_SIZE`` entries (least recently used dropped
first; 0 turns the cache off) and only documents of at most ``GRAPHQL_DOCUMENT_CACHE_MAX_BYTES``
bytes are kept, so hostile documents cannot make it hold much. One cache per process (each
gunicorn worker has its own); a lock makes it safe under threads.

``cache.parses`` counts the documents actually parsed (the seam the tests use), ``cache.hits``
the requests answered from the cache.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError

DEFAULT_SIZE = 256
DEFAULT_MAX_BYTES = 16 * 1024


@dataclass(frozen=True)
class Verdict:
    """What parsing and validating one document gave; exactly one of the outcomes is set."""

    document: DocumentNode | None = None
    #: Refused before validation (size, aliases, control characters): raised again each time.
    rejection: Exception | None = None
    #: The document does not parse (a syntax error): returned as a GraphQL error.
    syntax_error: GraphQLError | None = None
    #: Validation errors (limits and the standard rules): empty when the document is valid.
    errors: tuple[GraphQLError, ...] = field(default_factory=tuple)

    @property
    def cacheable(self) -> bool:
        return not any(getattr(e, "transient", False) for e in self.errors)

    def raise_rejection(self) -> None:
        """Raise the stored refusal again (a fresh copy: no traceback piles up on it)."""
        if self.rejection is not None:
            raise copy.copy(self.rejection).with_traceback(None)


class DocumentCache:
    def __init__(self, size: int = DEFAULT_SIZE, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Verdict] = OrderedDict()
        self._lock = threading.Lock()
        self.parses = self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.parses = self.hits = 0

    def verdict(
        self,
        key: Hashable,
        text: str,
        build: Callable[[], Verdict],
        *,
        size: int | None = None,
        max_bytes: int | None = None,
    ) -> Verdict:
        """The verdict on ``text`` under ``key`` (which must include ``text``): from the cache,
        or ``build()`` (which parses: counted) and kept when it may be."""
        size = self.size if size is None else size
        max_bytes = self.max_bytes if max_bytes is None else max_bytes
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.parses += 1
        verdict = build()
        if size > 0 and verdict.cacheable and len(text.encode("utf-8", "replace")) <= max_bytes:
            with self._lock:
                self._entries[key] = verdict
                self._entries.move_to_end(key)
                while len(self._entries) > size:
                    self._entries.popitem(last=False)
        return verdict


#: The process's cache (graphql_api.views uses it for both endpoints).
cache = DocumentCache()
