"""The desk's notifications (/c/<code>/notifications/): the centre's staff notifications with
mark-read, and the text messages sent from this centre (phones masked) with the applicant's
SMS choices. Thin: ``notifications.services`` decides who may read and change what."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import mask_phone
from core.errors import DomainError
from notifications import services
from notifications.models import SmsPreference, SmsStatus, StaffKind
from notifications.texts import staff_text
from web.session import centre_page

PAGE_SIZE = 30


@centre_page()
def inbox(request: HttpRequest) -> HttpResponse:
    """工作通知: newest first; ``?show=all`` also lists the ones already read."""
    show_all = request.GET.get("show") == "all"
    notes = services.centre_notifications(request.centre, request.actor, unread_only=not show_all)
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    for note in page:
        note.web_text = staff_text(note.kind, note.text_args, note.tracking_no)
        note.web_href = _href(note, request.centre)
    return render(
        request,
        "web/notifications/inbox.html",
        {
            "nav_active": "notifications",
            "page": page,
            "show_all": show_all,
            "unread": services.unread_count(request.centre),
        },
    )


def _href(note, centre) -> str:
    """Where a notification leads: the rectification it warns of, else its case, else (a digest
    of warnings) the centre's list filtered by the digest's level — the register at a village,
    whose agents have no worklist."""
    rectification = (note.text_args or {}).get("rectification")
    if rectification:
        return reverse("web:rectification", args=[rectification])
    if note.tracking_no:
        return reverse("web:case", args=[note.tracking_no])
    listing = reverse("web:register" if centre.tier == "village" else "web:worklist")
    level = "red" if note.kind == StaffKind.WARNING_RED else "yellow"
    return f"{listing}?supervision={level}"


@centre_page()
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = None if request.POST.get("all") else request.POST.getlist("id")
    try:
        count = services.mark_read(request.centre, request.actor, ids)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已将 %(count)d 条通知标为已读。") % {"count": count})
    return redirect("web:notifications")


@centre_page()
def sms(request: HttpRequest) -> HttpResponse:
    """短信记录: what was sent from this centre, to whom (masked), and how it went."""
    tracking_no = (request.GET.get("case") or "").strip()
    rows = services.centre_sms(request.centre, request.actor, tracking_no=tracking_no or None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page:
        message.web_phone = mask_phone(message.phone)
    return render(
        request,
        "web/notifications/sms.html",
        {
            "nav_active": "notifications",
            "page": page,
            "case": tracking_no,
            "failed": SmsStatus.FAILED,
            "preference": SmsPreference.objects.filter(
                centre=request.centre, tracking_no=tracking_no
            ).first()
            if tracking_no
            else None,
            "unread": services.unread_count(request.centre),
        },
    )


@centre_page()
@require_POST
def sms_preference(request: HttpRequest) -> HttpResponse:
    """The applicant of a case opts out of (or back into) the non-essential messages."""
    tracking_no = (request.POST.get("case") or "").strip()
    try:
        services.set_sms_preference(
            request.centre,
            request.actor,
            tracking_no,
            opt_out=request.POST.get("opt_out") == "1",
            language=request.POST.get("language") or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已保存办件 %(case)s 的短信设置。") % {"case": tracking_no})
    return redirect(f"{reverse('web:notifications-sms')}?case={quote(tracking_no)}")
