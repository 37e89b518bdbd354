"""Sensitive personal information (个人信息保护法) at rest and in messages: sealed with AES-GCM.

An applicant's ID number and phone are never stored or sent in clear. A sealed value is a
string ``pd1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``: 12 random bytes of nonce, AES-GCM
(256-bit key) over the UTF-8 text, a fixed associated data naming the format.

Keys come from ``settings.PERSONAL_DATA_KEYS``, ``"kid1:<base64 key>,kid2:<base64 key>"``: the
first key seals, every key opens, so a key is rotated by putting a new one first, running
``manage.py reseal_personal_data`` (cases, unsent outbox payloads and parked inbox bodies are
sealed again under the new key) and dropping the old one afterwards. Without the variable, the
embedded development setup generates one key once under ``var/data_keys`` (core.settings).

Sealing is randomised (a new nonce each time), so equal values never look equal: the equality
lookups that need one (a desk search by ID number, dedupe) use ``lookup_hash``, an HMAC-SHA256
under a key derived from the sealing key (HKDF). ``lookup_hashes`` gives the hash under every
configured key, so a lookup still finds rows hashed before a rotation.

``EncryptedTextField`` is the model field: it seals on the way to the database and opens on the
way back, so code above the ORM sees clear text. A value in the column that is not sealed (a row
written before encryption was introduced) is read as it is, and sealed by the command.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

PREFIX = "pd1."
_AAD = b"zhengwu-personal-data-v1"
_NONCE_BYTES = 12
#: The applicant fields sealed in messages (the keys of a payload's ``applicant`` block).
SEALED_APPLICANT_FIELDS = ("id_number", "phone")


class PersonalDataError(ValueError):
    """A sealed value could not be opened (unknown key id, tampered or truncated)."""


@dataclass(frozen=True)
class _Key:
    kid: str
    aead: AESGCM
    lookup: bytes  # the HMAC key for lookup hashes


@dataclass(frozen=True)
class _Keyring:
    keys: tuple[_Key, ...]

    @property
    def current(self) -> _Key:
        return self.keys[0]

    def get(self, kid: str) -> _Key | None:
        return next((k for k in self.keys if k.kid == kid), None)


def generate_key() -> str:
    """A new base64 key of 32 bytes (for ``PERSONAL_DATA_KEYS``)."""
    return base64.b64encode(os.urandom(32)).decode("ascii")


@functools.lru_cache(maxsize=4)
def _parse(spec: str) -> _Keyring:
    keys = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, material = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or "." in kid:
            raise ImproperlyConfigured(
                "PERSONAL_DATA_KEYS: each entry is <key id>:<base64 key> (key id without dots)."
            )
        try:
            raw = base64.b64decode(material.strip(), validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS: key {kid!r} is not base64.") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured(f"PERSONAL_DATA_KEYS: key {kid!r} must be 32 bytes.")
        lookup = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"zhengwu-lookup-hash"
        ).derive(raw)
        keys.append(_Key(kid, AESGCM(raw), lookup))
    if not keys:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS holds no key.")
    if len({k.kid for k in keys}) != len(keys):
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS: key ids must differ.")
    return _Keyring(tuple(keys))


def _keyring() -> _Keyring:
    return _parse(settings.PERSONAL_DATA_KEYS)


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def sealed_with(value: str) -> str | None:
    """The key id ``value`` was sealed with (None: not sealed)."""
    if not is_sealed(value):
        return None
    return value[len(PREFIX) :].partition(".")[0]


def seal(value: str) -> str:
    """``value`` sealed under the current key; "" stays "" (an absent phone is not a secret)."""
    if value is None or value == "" or is_sealed(value):
        return value
    key = _keyring().current
    nonce = os.urandom(_NONCE_BYTES)
    blob = nonce + key.aead.encrypt(nonce, value.encode("utf-8"), _AAD)
    return f"{PREFIX}{key.kid}.{base64.urlsafe_b64encode(blob).decode('ascii').rstrip('=')}"


def open_sealed(value: str) -> str:
    """The clear text of a sealed ``value`` (a value that is not sealed is returned as it is)."""
    if not is_sealed(value):
        return value
    kid, _sep, body = value[len(PREFIX) :].partition(".")
    key = _keyring().get(kid)
    if key is None:
        raise PersonalDataError(f"no key {kid!r} in PERSONAL_DATA_KEYS")
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        clear = key.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _AAD)
    except (InvalidTag, ValueError) as exc:
        raise PersonalDataError("a sealed value failed to open (tampered or truncated)") from exc
    return clear.decode("utf-8")


def _normalise(value: str) -> bytes:
    return (value or "").strip().upper().encode("utf-8")


def lookup_hash(value: str) -> str:
    """The keyed hash of ``value`` (case and surrounding spaces ignored) for equality lookups."""
    if not value:
        return ""
    return hmac.new(_keyring().current.lookup, _normalise(value), hashlib.sha256).hexdigest()


def lookup_hashes(value: str) -> list[str]:
    """The hash of ``value`` under every configured key (lookups across a rotation)."""
    if not value:
        return []
    data = _normalise(value)
    return [hmac.new(k.lookup, data, hashlib.sha256).hexdigest() for k in _keyring().keys]


# --- the seam with messaging: an applicant block of a payload -----------------------------------


def seal_applicant(applicant: Mapping[str, str]) -> dict:
    """A payload's ``applicant`` block with its ID number and phone sealed (same keys)."""
    block = dict(applicant)
    for name in SEALED_APPLICANT_FIELDS:
        if name in block and isinstance(block[name], str):
            block[name] = seal(block[name])
    return block


def open_applicant(block: Mapping[str, str]) -> dict:
    """The clear ``applicant`` block of a received payload (``PersonalDataError`` if it fails
    to open). A value that is not a string is left for payload validation to refuse."""
    applicant = dict(block)
    for name in SEALED_APPLICANT_FIELDS:
        value = applicant.get(name)
        if isinstance(value, str):
            applicant[name] = open_sealed(value)
    return applicant


def reseal(value: str) -> str:
    """``value`` sealed under the current key (opened first if sealed under another)."""
    if not value:
        return value
    if sealed_with(value) == _keyring().current.kid:
        return value
    return seal(open_sealed(value))


def needs_reseal(value: str) -> bool:
    return bool(value) and sealed_with(value) != _keyring().current.kid


# --- the model field -----------------------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """A text column holding a sealed value; the model attribute is the clear text.

    Equality lookups on the column cannot work (every seal differs): store a ``lookup_hash``
    beside it and filter on that.
    """

    description = "Text sealed with AES-GCM (core.personal_data)"

    def from_db_value(self, value, expression, connection):
        return open_sealed(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value) if isinstance(value, str) else value

    def get_lookup(self, lookup_name):
        # A filter on the sealed column could only ever match nothing (every seal differs):
        # refuse it loudly rather than return an empty result.
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.name} is sealed: filter on its lookup hash "
                f"(core.personal_data.lookup_hashes), not with __{lookup_name}"
            )
        return super().get_lookup(lookup_name)
