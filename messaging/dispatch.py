"""Receiving side: which handler applies which kind of message.

Apps register handlers at start-up (``AppConfig.ready``). A handler must be idempotent and
order-aware on its own terms (``delegation.inbox`` does both for the delegation protocol);
this module only routes.

A kind may also register a *batch* handler, which applies several messages for one recipient in
one transaction (``deliver_batch``): the relay hands messages over in batches per recipient, so
one commit, one schema switch and one broker message carry many of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

log = logging.getLogger(__name__)
Handler = Callable[[dict], object]
BatchHandler = Callable[[Sequence[dict]], list]
_handlers: dict[str, Handler] = {}
_batch_handlers: dict[str, BatchHandler] = {}


REJECTED = "rejected"  # what deliver returns for a message that became a dead letter


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


def _handler(message) -> Handler | None:
    """The handler of ``message``'s kind; None after recording a message that is not one, or
    whose kind nobody handles, as a dead letter (never dropped, never retried for ever)."""
    from messaging import deadletters
    from messaging.models import DeadLetterReason

    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        deadletters.record(message, DeadLetterReason.UNDECODABLE, "not a message")
        return None
    handler = _handlers.get(message["kind"])
    if handler is None:
        deadletters.record(message, DeadLetterReason.UNKNOWN_KIND, message["kind"][:40])
    return handler


def deliver(message: dict) -> object:
    handler = _handler(message)
    return REJECTED if handler is None else handler(message)


def deliver_batch(messages: Sequence[dict]) -> list:
    """Apply ``messages`` (all for one recipient), in the caller's transaction.

    Runs of messages whose kinds share one batch handler go to it together; the others go one by
    one. Any exception propagates: the caller rolls the whole batch back and falls back to
    delivering the messages singly (``deliver``), so one bad message cannot block the others.
    """
    if not isinstance(messages, (list, tuple)):
        return [deliver(messages)]
    results: list = []
    run: list[dict] = []
    run_handler: BatchHandler | None = None
    for message in messages:
        handler = _handler(message)
        if handler is None:
            results.append(REJECTED)
            continue
        batch_handler = _batch_handlers.get(message["kind"])
        if run and batch_handler is not run_handler:
            results.extend(run_handler(run))
            run = []
        if batch_handler is None:
            results.append(handler(message))
        else:
            run.append(message)
            run_handler = batch_handler
    if run:
        results.extend(run_handler(run))
    return results


def apply_batch(messages: Sequence[dict]) -> tuple[list, list[dict], Exception | None]:
    """Apply a batch for one recipient in one transaction; if anything in it fails, roll back
    and apply the messages one by one, each in its own transaction.

    Returns (results of the ones applied, the ones that still failed, the last error). Messages
    applied before a failure are not lost and are not applied twice when the failed ones are
    retried: the inbox recognises them. Used by the Celery task and the plain consumer alike.
    """
    from django.db import transaction

    try:
        with transaction.atomic():
            return list(deliver_batch(messages)), [], None
    except Exception as exc:
        log.warning("batch of %d failed (%s): applying one by one", len(messages), exc)
    results, failed, error = [], [], None
    for message in messages:
        try:
            with transaction.atomic():
                results.append(deliver(message))
        except Exception as exc:
            failed.append(message)
            error = exc
    return results, failed, error
