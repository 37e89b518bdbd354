"""Dead letters and parked messages, for the operator on duty.

    manage.py dead_letters status                  # counts, as /health/ reports them
    manage.py dead_letters list [--all] [--parked]  # open dead letters (or every one; or parked)
    manage.py dead_letters show ID                 # one, with its body and the actions taken
    manage.py dead_letters replay ID [--note …]    # deliver again, through every check
    manage.py dead_letters discard ID [--note …]   # give up on purpose (its body is erased)
    manage.py dead_letters bury MESSAGE_ID         # a parked message becomes a dead letter

Every replay, discard and bury is recorded with who (``--by``, default the login name), when
and the outcome.
"""

from __future__ import annotations

import getpass
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commands import domain_errors_as_command_errors
from messaging import deadletters
from messaging.health import messaging_health
from messaging.models import DeadLetter, DeadLetterStatus, ParkedMessage


class Command(BaseCommand):
    help = "List, show, replay or discard dead letters; list or bury parked messages."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status")
        listing = sub.add_parser("list")
        listing.add_argument("--all", action="store_true", help="also replayed and discarded")
        listing.add_argument("--parked", action="store_true", help="parked messages instead")
        show = sub.add_parser("show")
        show.add_argument("id", type=int)
        for name in ("replay", "discard"):
            action = sub.add_parser(name)
            action.add_argument("id", type=int)
            action.add_argument("--note", default="")
            action.add_argument("--by", default=None, help="who acts (default: login name)")
        bury = sub.add_parser("bury")
        bury.add_argument("message_id")
        bury.add_argument("--note", default="")
        bury.add_argument("--by", default=None)

    def handle(self, *args, action: str, **options):
        with domain_errors_as_command_errors():
            getattr(self, f"do_{action}")(**options)

    def _by(self, by: str | None) -> str:
        return by or getpass.getuser()

    def do_status(self, **options):
        report, healthy = messaging_health()
        self.stdout.write(json.dumps({"healthy": healthy, **report}, ensure_ascii=False, indent=2))

    def do_list(self, *, all: bool, parked: bool, **options):
        now = timezone.now()
        if parked:
            for row in ParkedMessage.objects.order_by("parked_at"):
                self.stdout.write(
                    f"{row.message_id}  {row.recipient} ← {row.sender}  {row.kind}  "
                    f"{row.stream}#{row.seq}  "
                    + _("已搁置 %(minutes)d 分钟")
                    % {"minutes": (now - row.parked_at).total_seconds() // 60}
                )
            return
        letters = DeadLetter.objects.order_by("received_at")
        if not all:
            letters = letters.filter(status=DeadLetterStatus.DEAD)
        for letter in letters:
            self.stdout.write(
                f"{letter.pk:>6}  {letter.received_at:%Y-%m-%d %H:%M:%S}  "
                f"{letter.get_reason_display()}  {letter.kind or '-'}  "
                f"{letter.sender or '-'} → {letter.recipient or '-'}  ×{letter.times_seen}  "
                f"{letter.get_status_display()}"
            )

    def do_show(self, *, id: int, **options):
        letter = deadletters.get(id)
        fields = {
            "id": letter.pk,
            "message_id": str(letter.message_id) if letter.message_id else None,
            "reason": letter.reason,
            "detail": letter.detail,
            "status": letter.status,
            "kind": letter.kind,
            "sender": letter.sender,
            "recipient": letter.recipient,
            "stream": letter.stream,
            "seq": letter.seq,
            "received_at": letter.received_at.isoformat(),
            "last_seen_at": letter.last_seen_at.isoformat(),
            "times_seen": letter.times_seen,
            "body": letter.body,
            "actions": [
                {"action": a.action, "by": a.actor, "at": a.at.isoformat(), "note": a.note,
                 "outcome": a.outcome}
                for a in letter.actions.order_by("at")
            ],
        }  # fmt: skip
        self.stdout.write(json.dumps(fields, ensure_ascii=False, indent=2))

    def do_replay(self, *, id: int, note: str, by: str | None, **options):
        result = deadletters.replay(id, actor=self._by(by), note=note)
        if not result.accepted:
            raise CommandError(
                _("死信 %(id)s 重放后仍被拒收：%(outcome)s")
                % {"id": id, "outcome": result.outcome},
                returncode=1,
            )
        self.stdout.write(
            _("死信 %(id)s 已重放：%(outcome)s") % {"id": id, "outcome": result.outcome}
        )

    def do_discard(self, *, id: int, note: str, by: str | None, **options):
        deadletters.discard(id, actor=self._by(by), note=note)
        self.stdout.write(_("死信 %(id)s 已丢弃。") % {"id": id})

    def do_bury(self, *, message_id: str, note: str, by: str | None, **options):
        letter = deadletters.bury_parked(message_id, actor=self._by(by), note=note)
        self.stdout.write(
            _("搁置消息 %(message)s 已转为死信 %(id)s。") % {"message": message_id, "id": letter.pk}
        )
