"""Rating invitation links: ``/rate/<token>/``.

The token is made with ``django.core.signing`` (HMAC-SHA256 under ``SECRET_KEY``), salt
``'rating-invitation'``, over the JSON object ``{"t": <tracking number>, "c": <division code of
the centre that served>}``, with a timestamp; it is valid ``RATING_LINK_MAX_AGE_DAYS`` days (30)
from when it was made. Anyone may send the link (the SMS of a rating invitation); only the
holder of the link can rate, and only that centre, once.

Format (the helper that sends the SMS relies on it)::

    token = signing.dumps({"t": tracking_no, "c": centre_code}, salt="rating-invitation")
    url   = f"/rate/{token}/"

The token is URL-safe base64 (``A-Za-z0-9_-``, ``:`` separates its parts), about 90 characters.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

SALT = "rating-invitation"


def make_token(tracking_no: str, centre_code: str) -> str:
    """A signed, expiring rating link token for ``tracking_no`` at the centre ``centre_code``."""
    return signing.dumps({"t": str(tracking_no), "c": str(centre_code)}, salt=SALT)


def link_path(tracking_no: str, centre_code: str) -> str:
    """The path of the rating page for that hop (prefix the site's address for an SMS)."""
    return f"/rate/{make_token(tracking_no, centre_code)}/"


def max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.RATING_LINK_MAX_AGE_DAYS)


def read_token(token: str) -> tuple[str, str]:
    """``(tracking_no, centre_code)`` of a valid token; ``rating_link_expired`` once its time
    is over, ``rating_link_invalid`` for anything else (tampered, truncated, another salt)."""
    try:
        data = signing.loads(str(token or ""), salt=SALT, max_age=max_age())
    except signing.SignatureExpired as exc:
        raise DomainError(
            _("评价链接已过期，请通过办件查询页面评价。"), code="rating_link_expired"
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("评价链接无效。"), code="rating_link_invalid") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("t"), str)
        or not isinstance(data.get("c"), str)
        or not data["t"]
        or not data["c"]
    ):
        raise DomainError(_("评价链接无效。"), code="rating_link_invalid")
    return data["t"], data["c"]
