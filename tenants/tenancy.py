"""Running code in one centre's schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from tenants.models import ServiceCentre


@contextmanager
def in_centre(centre: ServiceCentre) -> Iterator[None]:
    """Run in ``centre``'s schema (with public on the path), restoring the previous one after."""
    previous = getattr(connection, "tenant", None)
    connection.set_tenant(centre)
    try:
        yield
    finally:
        if previous is not None and getattr(previous, "schema_name", "public") != "public":
            connection.set_tenant(previous)
        else:
            connection.set_schema_to_public()
