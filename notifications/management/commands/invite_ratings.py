"""Invite the applicants of finished, still unrated cases to rate: ``manage.py invite_ratings``.

What the hourly Celery task ``notifications.invite_ratings`` does; idempotent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from notifications.services import invite_ratings


class Command(BaseCommand):
    help = "Write rating invitations for cases still unrated NOTIFY_RATING_AFTER_DAYS after their decision."

    def handle(self, *args, verbosity: int, **options):
        written = invite_ratings()
        if verbosity:
            self.stdout.write(_("已生成 %(count)d 条评价邀请短信。") % {"count": written})
