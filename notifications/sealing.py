"""Seal the stored text messages under the current key (``manage.py reseal_personal_data``
calls it after the cases, the outbox and the inbox): phone, text and the phone's lookup hash."""

from __future__ import annotations

from django.db import connection, transaction

from core import personal_data

_BATCH = 500


def reseal_sms() -> int:
    """Reseal every SMS row not yet under the current key; returns how many changed."""
    changed, last = 0, None
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "SELECT id, phone, text FROM public.notifications_smsmessage "
                + ("WHERE id > %s " if last else "")
                + "ORDER BY id LIMIT %s FOR UPDATE",
                [last, _BATCH] if last else [_BATCH],
            )
            rows = cur.fetchall()
            if not rows:
                return changed
            for pk, phone, text in rows:
                last = pk
                if not (personal_data.needs_reseal(phone) or personal_data.needs_reseal(text)):
                    continue
                cur.execute(
                    "UPDATE public.notifications_smsmessage "
                    "SET phone = %s, text = %s, phone_hash = %s WHERE id = %s",
                    [
                        personal_data.reseal(phone),
                        personal_data.reseal(text),
                        personal_data.lookup_hash(personal_data.open_sealed(phone)),
                        pk,
                    ],
                )
                changed += 1
