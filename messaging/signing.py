"""Signed messages: HMAC-SHA256 over the envelope and the body, with the network's keys.

Anyone who can publish to the broker could otherwise inject cases or statuses. Every message
carries ``signature = "<key id>:<base64 HMAC>"`` over a canonical JSON form of its envelope
(id, kind, sender, recipient, stream, seq, created_at) and its payload. Keys come from
``MESSAGES_SIGNING_KEYS`` (``kid1:base64,kid2:base64``): the first signs, every one verifies,
so a key is rotated without a flag day (docs/operations.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SIGNED_FIELDS = ("id", "kind", "sender", "recipient", "stream", "seq", "created_at", "payload")


class BadSignature(Exception):
    """The message is unsigned, signed with an unknown key, or its signature does not match."""


@cache
def _parse(spec: str) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, encoded = item.partition(":")
        if not sep or not kid:
            raise ImproperlyConfigured("MESSAGES_SIGNING_KEYS: expected kid:base64key[,…]")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured(f"MESSAGES_SIGNING_KEYS: key {kid!r} is not base64") from exc
        if len(key) < 16:
            raise ImproperlyConfigured(
                f"MESSAGES_SIGNING_KEYS: key {kid!r} is shorter than 16 bytes"
            )
        keys.append((kid, key))
    if not keys:
        raise ImproperlyConfigured("MESSAGES_SIGNING_KEYS holds no key")
    return tuple(keys)


def keys() -> tuple[tuple[str, bytes], ...]:
    return _parse(settings.MESSAGES_SIGNING_KEYS)


def canonical(message: dict) -> bytes:
    """The bytes that are signed: the same on both sides whatever JSON round trips happened."""
    return json.dumps(
        {field: message.get(field) for field in SIGNED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()


def _mac(key: bytes, message: dict) -> str:
    return base64.b64encode(hmac.new(key, canonical(message), hashlib.sha256).digest()).decode()


def sign(message: dict) -> dict:
    """``message`` with its ``signature`` (made with the first key)."""
    kid, key = keys()[0]
    return {**message, "signature": f"{kid}:{_mac(key, message)}"}


def verify(message: dict) -> str:
    """Check ``message``'s signature; returns the key id. Raises ``BadSignature``."""
    signature = message.get("signature")
    if not isinstance(signature, str) or ":" not in signature:
        raise BadSignature("unsigned")
    kid, _sep, mac = signature.partition(":")
    key = dict(keys()).get(kid)
    if key is None:
        raise BadSignature(f"unknown key {kid!r}")
    if not hmac.compare_digest(mac, _mac(key, message)):
        raise BadSignature(f"signature does not match (key {kid!r})")
    return kid
