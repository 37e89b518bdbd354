"""The demo network and the delegation items (tests/delegation/conftest.py), and helpers to
read the notifications a flow wrote."""

from __future__ import annotations

from tests.delegation.conftest import _layer_delegation, items, network  # noqa: F401
from tests.web.conftest import _layer_web, agent_client, demo_users, township_client  # noqa: F401


def sms(tracking_no: str | None = None, kind: str | None = None):
    from notifications.models import SmsMessage

    rows = SmsMessage.objects.order_by("created_at")
    if tracking_no:
        rows = rows.filter(tracking_no=tracking_no)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def staff(code: str, kind: str | None = None):
    from notifications.models import StaffNotification

    rows = StaffNotification.objects.filter(centre__division_code=code).order_by("created_at")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)
