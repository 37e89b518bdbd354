"""Sealing personal data again under the current key (``manage.py reseal_personal_data``).

Run after putting a new key first in ``PERSONAL_DATA_KEYS`` (or once after upgrading from a
version that stored ID numbers and phones in clear): every case of every centre, every outbox
payload and every parked inbox body that carries an applicant block is sealed under the current
key, and every case's lookup hash recomputed. Rows already sealed under the current key are left
alone, so the command can be run again at any time. Only then drop the old key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection, transaction

from core import personal_data
from tenants.models import ServiceCentre

_BATCH = 500


@dataclass
class ResealReport:
    cases: int = 0
    outbox: int = 0
    inbox: int = 0
    sms: int = 0
    centres: int = 0
    by_centre: dict[str, int] = field(default_factory=dict)


def _resealed_case(id_number: str, phone: str, id_hash: str) -> tuple[str, str, str] | None:
    clear = personal_data.open_sealed(id_number)
    new = (
        personal_data.reseal(id_number),
        personal_data.reseal(phone),
        personal_data.lookup_hash(clear),
    )
    return None if new == (id_number, phone, id_hash) else new


def reseal_cases(centre: ServiceCentre) -> int:
    """Seal ``centre``'s cases under the current key. Returns how many rows changed."""
    table = f'"{centre.schema_name}".delegation_case'
    changed, last_id = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"SELECT id, applicant_id_number, applicant_phone, applicant_id_hash FROM {table} "
                "WHERE id > %s ORDER BY id LIMIT %s FOR UPDATE",
                [last_id, _BATCH],
            )
            rows = cur.fetchall()
            if not rows:
                return changed
            updates = []
            for pk, id_number, phone, id_hash in rows:
                new = _resealed_case(id_number, phone, id_hash)
                if new is not None:
                    updates.append((*new, pk))
            if updates:
                cur.executemany(
                    f"UPDATE {table} SET applicant_id_number = %s, applicant_phone = %s, "
                    "applicant_id_hash = %s WHERE id = %s",
                    updates,
                )
            changed += len(updates)
            last_id = rows[-1][0]


def _resealed_applicant(holder: dict) -> bool:
    """Reseal ``holder["applicant"]`` in place; whether anything changed."""
    block = holder.get("applicant") if isinstance(holder, dict) else None
    if not isinstance(block, dict):
        return False
    changed = False
    for name in personal_data.SEALED_APPLICANT_FIELDS:
        value = block.get(name)
        if isinstance(value, str) and personal_data.needs_reseal(value):
            block[name] = personal_data.reseal(value)
            changed = True
    return changed


def reseal_outbox() -> int:
    """Seal the applicant blocks of outbox payloads under the current key."""
    changed = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SELECT id, payload FROM public.messaging_outboxmessage "
            "WHERE payload ? 'applicant' FOR UPDATE"
        )
        for pk, payload in cur.fetchall():
            payload = json.loads(payload) if isinstance(payload, str) else payload
            if _resealed_applicant(payload):
                cur.execute(
                    "UPDATE public.messaging_outboxmessage SET payload = %s WHERE id = %s",
                    [json.dumps(payload, ensure_ascii=False), pk],
                )
                changed += 1
    return changed


def reseal_inbox(centre: ServiceCentre) -> int:
    """Seal the applicant blocks of ``centre``'s parked inbox bodies under the current key."""
    table = f'"{centre.schema_name}".delegation_inboxmessage'
    changed = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SELECT message_id, body FROM {table} WHERE body IS NOT NULL FOR UPDATE")
        for pk, body in cur.fetchall():
            body = json.loads(body) if isinstance(body, str) else body
            if _resealed_applicant(body.get("payload") or {}):
                cur.execute(
                    f"UPDATE {table} SET body = %s WHERE message_id = %s",
                    [json.dumps(body, ensure_ascii=False), pk],
                )
                changed += 1
    return changed


def reseal_all(progress=None) -> ResealReport:
    """Reseal everything, centre by centre (``progress(centre)`` after each)."""
    connection.set_schema_to_public()
    report = ResealReport()
    centres = list(ServiceCentre.objects.order_by("division_code").only("schema_name"))
    for centre in centres:
        cases = reseal_cases(centre)
        report.inbox += reseal_inbox(centre)
        report.cases += cases
        if cases:
            report.by_centre[centre.division_code] = cases
        if progress is not None:
            progress(centre)
    report.outbox = reseal_outbox()
    from notifications.sealing import reseal_sms

    report.sms = reseal_sms()  # the text messages to applicants (docs/notifications.md)
    report.centres = len(centres)
    return report
