"""The WSGI application gunicorn serves (``core.wsgi:application``).

Loaded ready to answer: both URLconfs are imported here — the centre's builds the GraphQL schemas,
with the scan for every error code — so a new worker pays for them when it starts, not the first
person it serves (~0.8 s on the development machine).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
application = get_wsgi_application()


def _load_urlconfs() -> None:
    from django.conf import settings
    from django.urls import get_resolver

    for urlconf in (settings.ROOT_URLCONF, settings.CENTRE_URLCONF):
        get_resolver(urlconf).url_patterns  # noqa: B018 - imports the module, once per process


_load_urlconfs()
