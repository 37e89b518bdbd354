"""The link of a rating invitation: ``<PUBLIC_BASE_URL>/rate/<token>/``.

The token is ``django.core.signing.dumps({"t": <tracking number>, "c": <division code of the
centre that served the applicant>}, salt="rating-invitation", compress=True)``: URL-safe,
signed with ``SECRET_KEY`` and time-stamped. ``read_token`` checks the signature and the age
(``NOTIFY_RATING_LINK_DAYS``) and gives both values back; the rating page (another part of
the project) resolves the case from them. docs/notifications.md describes the format.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

SALT = "rating-invitation"


@dataclass(frozen=True)
class RatingInvitation:
    tracking_no: str
    centre_code: str


def make_token(tracking_no: str, centre_code: str) -> str:
    return signing.dumps({"t": tracking_no, "c": centre_code}, salt=SALT, compress=True)


def read_token(token: str, *, max_age_days: int | None = None) -> RatingInvitation:
    """The invitation a token carries; ``rating_link_expired`` or ``rating_link_invalid``."""
    days = settings.NOTIFY_RATING_LINK_DAYS if max_age_days is None else max_age_days
    try:
        value = signing.loads(token, salt=SALT, max_age=days * 86400)
    except signing.SignatureExpired as exc:
        raise DomainError(_("评价链接已过期。"), code="rating_link_expired", field="token") from exc
    except signing.BadSignature as exc:
        raise DomainError(_("评价链接无效。"), code="rating_link_invalid", field="token") from exc
    if not (
        isinstance(value, dict)
        and isinstance(value.get("t"), str)
        and isinstance(value.get("c"), str)
    ):
        raise DomainError(_("评价链接无效。"), code="rating_link_invalid", field="token")
    return RatingInvitation(tracking_no=value["t"], centre_code=value["c"])


def rating_url(tracking_no: str, centre_code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/rate/{make_token(tracking_no, centre_code)}/"
