"""Seal applicant ID numbers and phones under the current key: ``manage.py reseal_personal_data``.

After a key rotation (a new key first in ``PERSONAL_DATA_KEYS``) or an upgrade from clear text;
see delegation/sealing.py. Safe to run again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from delegation.sealing import reseal_all


class Command(BaseCommand):
    help = (
        "Seal every case's ID number and phone, outbox payloads and parked inbox bodies under "
        "the first key of PERSONAL_DATA_KEYS, and recompute lookup hashes."
    )

    def handle(self, *args, verbosity: int, **options):
        report = reseal_all()
        if verbosity >= 1:
            self.stdout.write(
                _(
                    "已按当前密钥重新加密：%(centres)s 个中心的办件 %(cases)s 件，"
                    "发件箱 %(outbox)s 条，待处理收件 %(inbox)s 条。"
                )
                % {
                    "centres": report.centres,
                    "cases": report.cases,
                    "outbox": report.outbox,
                    "inbox": report.inbox,
                }
            )
