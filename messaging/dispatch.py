"""Receiving side: which handler applies which kind of message.

Apps register handlers at start-up (``AppConfig.ready``). A handler must be idempotent and
order-aware on its own terms (``delegation.inbox`` does both for the delegation protocol);
this module only routes.

A kind may also register a *batch* handler, which applies several messages for one recipient in
one transaction (``deliver_batch``): the relay hands messages over in batches per recipient, so
one commit, one schema switch and one broker message carry many of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

Handler = Callable[[dict], object]
BatchHandler = Callable[[Sequence[dict]], list]
_handlers: dict[str, Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}


class UnknownMessageKind(Exception):
    pass


def register(kind: str, handler: Handler, batch: BatchHandler | None = None) -> None:
    _handlers[kind] = handler
    if batch is not None:
        _batch_handlers[kind] = batch


def handlers(kind: str) -> tuple[Handler, BatchHandler | None]:
    """The handler and batch handler registered for ``kind``."""
    try:
        return _handlers[kind], _batch_handlers.get(kind)
    except KeyError as exc:
        raise UnknownMessageKind(kind) from exc


@contextmanager
def handlers_replaced(
    kind: str, handler: Handler, batch: BatchHandler | None = None
) -> Iterator[None]:
    """Within the block, ``kind`` is applied by ``handler`` (and ``batch``, or singly when it is
    None); the registered handlers come back after it. The seam for injecting a failing
    receiver (tests, drills), instead of patching this module's tables."""
    previous = (_handlers.get(kind), _batch_handlers.get(kind))
    _handlers[kind] = handler
    if batch is None:
        _batch_handlers.pop(kind, None)
    else:
        _batch_handlers[kind] = batch
    try:
        yield
    finally:
        for table, value in zip((_handlers, _batch_handlers), previous, strict=True):
            if value is None:
                table.pop(kind, None)
            else:
                table[kind] = value


def deliver(message: dict) -> object:
    try:
        handler = _handlers[message["kind"]]
    except KeyError as exc:
        raise UnknownMessageKind(message.get("kind")) from exc
    return handler(message)


def deliver_batch(messages: Sequence[dict]) -> list:
    """Apply ``messages`` (all for one recipient), in the caller's transaction.

    Runs of messages whose kinds share one batch handler go to it together; the others go one by
    one. Any exception propagates: the caller rolls the whole batch back and falls back to
    delivering the messages singly (``deliver``), so one bad message cannot block the others.
    """
    results: list = []
    run: list[dict] = []
    run_handler: BatchHandler | None = None
    for message in messages:
        if message.get("kind") not in _handlers:
            raise UnknownMessageKind(message.get("kind"))
        handler = _batch_handlers.get(message["kind"])
        if run and handler is not run_handler:
            results.extend(run_handler(run))
            run = []
        if handler is None:
            results.append(deliver(message))
        else:
            run.append(message)
            run_handler = handler
    if run:
        results.extend(run_handler(run))
    return results
