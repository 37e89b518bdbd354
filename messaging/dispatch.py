"""Receiving side: which handler applies which kind of message.

Apps register handlers at start-up (``AppConfig.ready``). A handler must be idempotent and
order-aware on its own terms (``delegation.inbox`` does both for the delegation protocol);
this module only routes.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[dict], object]
_handlers: dict[str, Handler] = {}


class UnknownMessageKind(Exception):
    pass


def register(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def deliver(message: dict) -> object:
    try:
        handler = _handlers[message["kind"]]
    except KeyError as exc:
        raise UnknownMessageKind(message.get("kind")) from exc
    return handler(message)
