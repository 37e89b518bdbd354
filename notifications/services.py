"""Writing, reading and changing notifications; every rule of them is here.

Writers (``notify_applicant``, ``notify_staff``) run inside the caller's transaction, so a
notification exists exactly when the change that caused it committed; each is one
``INSERT … ON CONFLICT (dedupe_key) DO NOTHING``, so applying the same event again, or
running a periodic job twice, writes nothing twice. Sending is ``notifications.sending``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import personal_data
from core.errors import DomainError, PermissionDenied
from core.roles import DESK_ROLES, Actor
from notifications.models import (
    ESSENTIAL_KINDS,
    SmsKind,
    SmsMessage,
    SmsPreference,
    SmsStatus,
    StaffKind,
    StaffNotification,
)
from notifications.texts import render_sms
from tenants.models import ServiceCentre

DEFAULT_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class _Sender:
    id: int
    name: str
    address: str
    phone: str


_SENDER_SQL = (
    "SELECT c.id, c.name, c.address, c.phone, p.opt_out, p.language "
    "FROM public.tenants_servicecentre c "
    "LEFT JOIN public.notifications_smspreference p "
    "ON p.centre_id = c.id AND p.tracking_no = %s WHERE c.division_code = %s"
)
_INSERT_SMS = (
    "INSERT INTO public.notifications_smsmessage "
    "(id, centre_id, kind, tracking_no, dedupe_key, phone, phone_hash, language, text, status, "
    "attempts, last_error_code, last_error, gateway, gateway_message_id, created_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, '', '', '', %s) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)
_INSERT_STAFF = (
    "INSERT INTO public.notifications_staffnotification "
    "(centre_id, kind, tracking_no, text_args, dedupe_key, created_at, read_by) "
    "SELECT c.id, %s, %s, %s::jsonb, %s, %s, '' FROM public.tenants_servicecentre c "
    "WHERE c.division_code = %s ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)


def sms_dedupe_key(kind: str, tracking_no: str, phone: str, key: str = "") -> str:
    """One message per case, kind and recipient (and ``key``: which notice, for kinds that may
    happen more than once in a case's life). The recipient is named by the masked number: not
    by the lookup hash, which changes when the key rotates (a message written after a rotation
    must still find its twin), and never by the number in full."""
    from accounts.permissions import mask_phone

    return f"{kind}:{tracking_no}:{mask_phone(phone)}:{key}"[:200]


def notify_applicant(
    centre_code: str,
    kind: str,
    *,
    tracking_no: str,
    phone: str,
    args: dict,
    key: str = "",
    at: dt.datetime | None = None,
) -> bool:
    """Write an SMS of ``kind`` to the applicant of ``tracking_no``, from the centre where the
    case lives (``centre_code``). Returns whether a row was written (False: no phone, or that
    message exists already). A non-essential kind the applicant opted out of is recorded as
    ``suppressed``, so the desk sees it was withheld."""
    if not phone:
        return False
    with connection.cursor() as cur:
        cur.execute(_SENDER_SQL, [tracking_no, centre_code])
        row = cur.fetchone()
        if row is None:
            return False
        centre_id, name, address, centre_phone, opt_out, language = row
        language = language or DEFAULT_LANGUAGE
        sender = _Sender(centre_id, name, address, centre_phone)
        text = render_sms(kind, language, sender, {"tracking_no": tracking_no, **args})
        phone_hash = personal_data.lookup_hash(phone)
        withheld = bool(opt_out) and kind not in ESSENTIAL_KINDS
        cur.execute(
            _INSERT_SMS,
            [
                uuid.uuid4(),
                centre_id,
                kind,
                tracking_no,
                sms_dedupe_key(kind, tracking_no, phone, key),
                personal_data.seal(phone),
                phone_hash,
                language,
                personal_data.seal(text),
                SmsStatus.SUPPRESSED if withheld else SmsStatus.PENDING,
                "opted_out" if withheld else "",
                at or timezone.now(),
            ],
        )
        return cur.fetchone() is not None


def notify_staff(
    centre: ServiceCentre | str,
    kind: str,
    case_tracking_no: str,
    text_args: dict | None = None,
    *,
    key: str = "",
    at: dt.datetime | None = None,
) -> bool:
    """Write a notification to the desk of ``centre`` (a centre or its division code) about a
    case; ``text_args`` fill the kind's text when it is shown (``notifications.texts``).

    Call it inside the transaction of the change it reports. Once per centre, kind, case and
    ``key`` (give a ``key`` for an event that may recur, e.g. the id of a 督办 order); returns
    whether it was new. Kinds: ``StaffKind`` (incoming, supplement, warning_yellow,
    warning_red, duban, rectification_yellow, rectification_red).
    """
    import json

    if kind not in StaffKind.values:
        raise DomainError(
            _("未知的通知类型“%(kind)s”。"),
            code="unknown_notification_kind",
            field="kind",
            params={"kind": kind},
        )
    code = centre.division_code if isinstance(centre, ServiceCentre) else centre
    with connection.cursor() as cur:  # one statement: no savepoint needed
        cur.execute(
            _INSERT_STAFF,
            [
                kind,
                case_tracking_no,
                json.dumps(text_args or {}, ensure_ascii=False, default=str),
                f"{kind}:{code}:{case_tracking_no}:{key}"[:200],
                at or timezone.now(),
                code,
            ],
        )
        return cur.fetchone() is not None


# --- the desk: reading and marking staff notifications --------------------------------------------


def _at_centre(centre: ServiceCentre, actor: Actor) -> None:
    if actor.centre != centre.division_code or actor.role not in DESK_ROLES:
        raise PermissionDenied(
            _("%(actor)s 不在本中心（%(centre)s）任职，不能查看本中心的通知。"),
            code="wrong_centre",
            params={"actor": actor.name, "centre": centre.name},
        )


def centre_notifications(centre: ServiceCentre, actor: Actor, *, unread_only: bool = False):
    """The centre's notifications, newest first (a queryset: slice it)."""
    _at_centre(centre, actor)
    notes = StaffNotification.objects.filter(centre=centre)
    return notes.filter(read_at__isnull=True) if unread_only else notes


def unread_count(centre: ServiceCentre) -> int:
    return StaffNotification.objects.filter(centre=centre, read_at__isnull=True).count()


def unread_annotation(centre_field: str = "centre_id") -> dict:
    """``unread_notifications``: the unread count of the row's centre, as an annotation (the
    web session reads it with the membership, so every page's header gets it for free)."""
    from django.db.models import Count, IntegerField, Subquery
    from django.db.models.functions import Coalesce

    unread = (
        StaffNotification.objects.filter(centre_id=OuterRef(centre_field), read_at__isnull=True)
        .order_by()
        .values("centre_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return {"unread_notifications": Coalesce(Subquery(unread, output_field=IntegerField()), 0)}


def mark_read(centre: ServiceCentre, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the centre's notifications ``ids`` read (all unread ones when ``ids`` is None).
    Returns how many changed; ids of other centres' notifications change nothing."""
    _at_centre(centre, actor)
    notes = StaffNotification.objects.filter(centre=centre, read_at__isnull=True)
    if ids is not None:
        try:
            ids = [int(i) for i in ids]
        except (TypeError, ValueError) as exc:
            raise DomainError(
                _("通知编号无效。"), code="invalid_notification_id", field="ids"
            ) from exc
        notes = notes.filter(pk__in=ids)
    return notes.update(read_at=timezone.now(), read_by=actor.name[:100])


# --- the applicant's choices -------------------------------------------------------------------


def record_preference(
    centre_code: str, tracking_no: str, *, opt_out: bool, language: str | None, by: str
) -> None:
    """Record the applicant's SMS choices in the caller's transaction (at intake)."""
    language = language or DEFAULT_LANGUAGE
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO public.notifications_smspreference "
            "(centre_id, tracking_no, opt_out, language, updated_at, updated_by) "
            "SELECT c.id, %s, %s, %s, now(), %s FROM public.tenants_servicecentre c "
            "WHERE c.division_code = %s ON CONFLICT ON CONSTRAINT sms_preference_once "
            "DO UPDATE SET opt_out = EXCLUDED.opt_out, language = EXCLUDED.language, "
            "updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
            [tracking_no, opt_out, language, by[:100], centre_code],
        )


def set_sms_preference(
    centre: ServiceCentre,
    actor: Actor,
    tracking_no: str,
    *,
    opt_out: bool,
    language: str | None = None,
) -> SmsPreference:
    """The applicant changed their mind (told the desk): opt out of (or back into) the
    non-essential messages, and the language. Opting out also withholds such messages not yet
    sent. For a case logged at this centre (where its messages come from)."""
    from delegation.models import Case, Channel
    from tenants.tenancy import in_centre

    _at_centre(centre, actor)
    if language is not None and language not in dict(settings.LANGUAGES):
        raise DomainError(
            _("短信语言“%(language)s”无效。"),
            code="invalid_language",
            field="language",
            params={"language": language},
        )
    with in_centre(centre), transaction.atomic():
        case = Case.objects.filter(tracking_no=tracking_no).only("channel").first()
        if case is None:
            raise DomainError(
                _("本中心没有办件“%(ref)s”。"),
                code="case_not_found",
                field="tracking_no",
                params={"ref": tracking_no},
            )
        if case.channel == Channel.DELEGATED:
            raise DomainError(
                _("短信由申请人办理登记的中心发送，请在该中心设置。"),
                code="sms_preference_not_origin",
                field="tracking_no",
            )
        current = SmsPreference.objects.filter(centre=centre, tracking_no=tracking_no).first()
        language = language or (current.language if current else DEFAULT_LANGUAGE)
        record_preference(
            centre.division_code, tracking_no, opt_out=opt_out, language=language, by=actor.name
        )
        if opt_out:
            SmsMessage.objects.filter(
                centre=centre, tracking_no=tracking_no, status=SmsStatus.PENDING
            ).exclude(kind__in=ESSENTIAL_KINDS).update(
                status=SmsStatus.SUPPRESSED, last_error_code="opted_out"
            )
        return SmsPreference.objects.get(centre=centre, tracking_no=tracking_no)


def centre_sms(centre: ServiceCentre, actor: Actor, *, tracking_no: str | None = None):
    """The text messages sent from this centre, newest first (phones masked where shown)."""
    _at_centre(centre, actor)
    messages = SmsMessage.objects.filter(centre=centre)
    if tracking_no:
        messages = messages.filter(tracking_no=tracking_no)
    return messages.order_by("-created_at")


# --- retention ---------------------------------------------------------------------------------


def redact_old_sms(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Erase the phone number (and its keyed hash) and the text of every message written more
    than ``SMS_RETENTION_DAYS`` ago that is no longer pending; the row stays with its kind,
    case, status and times (``redacted_at``). In batches, each its own transaction; running it
    again erases nothing twice. Returns how many were erased."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.SMS_RETENTION_DAYS)
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(
                SmsMessage.objects.filter(created_at__lt=before, redacted_at__isnull=True)
                .exclude(status=SmsStatus.PENDING)
                .order_by("created_at")
                .select_for_update(skip_locked=True)  # a concurrent run takes other rows
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return erased
            erased += SmsMessage.objects.filter(pk__in=ids).update(
                phone="", phone_hash="", text="", last_error="", redacted_at=now
            )


# --- rating invitations ------------------------------------------------------------------------


def invite_ratings(*, now: dt.datetime | None = None) -> int:
    """Write a rating invitation for every decided case whose deciding hop (the rating that
    counts, docs/ratings.md) is still unrated ``NOTIFY_RATING_AFTER_DAYS`` after the decision,
    and decided within the life of a link (``RATING_LINK_MAX_AGE_DAYS``: older cases are not
    invited). The SMS goes from the centre of application; its link names the deciding hop.
    Candidates come from the projection in one query; each centre of application with
    candidates reads their phones in one query. Idempotent: a case is invited once.
    Returns the invitations written."""
    from delegation.models import Case
    from network.models import CaseRecord
    from ratings.links import link_path
    from ratings.models import Rating
    from tenants.tenancy import in_centre

    now = now or timezone.now()
    newest = now - dt.timedelta(days=settings.NOTIFY_RATING_AFTER_DAYS)
    oldest = now - dt.timedelta(days=settings.RATING_LINK_MAX_AGE_DAYS)
    rated = Rating.objects.filter(
        tracking_no=OuterRef("tracking_no"), centre_id=OuterRef("centre_id")
    )
    invited = SmsMessage.objects.filter(kind=SmsKind.RATING, tracking_no=OuterRef("tracking_no"))
    connection.set_schema_to_public()
    deciding = (
        CaseRecord.objects.filter(
            state__in=["approved", "denied", "delivered"],
            decided_at__lte=newest,
            decided_at__gte=oldest,
            escalated_at__isnull=True,  # decided there, never handed up: the deciding hop
            rating__isnull=True,  # a rating recorded before the ratings app
        )
        .exclude(Exists(rated))
        .exclude(Exists(invited))
        .values_list("tracking_no", "origin_centre", "centre_code")
    )
    by_origin: dict[str, dict[str, str]] = {}
    for tracking_no, origin, decided_at in deciding:
        by_origin.setdefault(origin, {})[tracking_no] = decided_at
    written = 0
    for centre in ServiceCentre.objects.filter(division_code__in=by_origin).order_by(
        "division_code"
    ):
        hops = by_origin[centre.division_code]
        with in_centre(centre), transaction.atomic():
            cases = Case.objects.filter(tracking_no__in=list(hops)).only(
                "tracking_no", "applicant_phone", "channel"
            )
            for case in cases:
                if case.channel == "delegated":
                    continue  # not the centre of application (a number reused? never invite)
                link = settings.PUBLIC_BASE_URL + link_path(
                    case.tracking_no, hops[case.tracking_no]
                )
                written += notify_applicant(
                    centre.division_code,
                    SmsKind.RATING,
                    tracking_no=case.tracking_no,
                    phone=case.applicant_phone,
                    args={"link": link},
                    at=now,
                )
    return written
