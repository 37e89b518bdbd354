"""URLs across the two sides: the public pages and a centre's pages (core.routing).

Inside a centre's request the script prefix is ``/c/<code>/`` and ``reverse()`` resolves in
the centre's URLconf, so ``{% url %}`` gives that centre's pages. A link to the public side
(login, tracking) or to another centre (after "switch centre") goes through these two helpers.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import get_script_prefix, reverse

_CENTRE_PREFIX = re.compile(r"^(?P<root>.*/)" + re.escape(settings.CENTRE_URL_PREFIX) + r"/\d+/$")


def root_prefix() -> str:
    """The script prefix of the public side (``/`` unless mounted under a path)."""
    prefix = get_script_prefix()
    match = _CENTRE_PREFIX.match(prefix)
    return match["root"] if match else prefix


def _strip(path: str) -> str:
    prefix = get_script_prefix()
    return path[len(prefix) :] if path.startswith(prefix) else path.lstrip("/")


def public_url(name: str, *args, **kwargs) -> str:
    """A page of the public side, from anywhere."""
    return root_prefix() + _strip(
        reverse(name, urlconf=settings.ROOT_URLCONF, args=args, kwargs=kwargs)
    )


def centre_url(code: str, name: str, *args, **kwargs) -> str:
    """A page of centre ``code``, from anywhere."""
    path = _strip(reverse(name, urlconf=settings.CENTRE_URLCONF, args=args, kwargs=kwargs))
    return f"{root_prefix()}{settings.CENTRE_URL_PREFIX}/{code}/{path}"
