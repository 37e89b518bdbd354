"""好差评 pages: the applicant rates from an invitation link or from the tracking page; a centre's
staff work its rectifications (差评整改): the list, one rectification with its callbacks (回访)
and its closing.

Thin, like the other pages: look up, call ``ratings.services``, render; a ``DomainError``
becomes a form error beside the field it names. The rating pages are public (the citizen is
anonymous: the link's signature or the receipt's query code is the proof); the rectification
pages are a centre's, for its desk roles only, and show that centre's rectifications only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, NotFound
from ratings import links
from ratings import services as ratings
from ratings.models import COMMENT_MAX_LENGTH, NOTE_MAX_LENGTH, Level, RectificationState
from tenants.models import ServiceCentre
from web.forms import TrackForm, show_error
from web.links import public_url
from web.session import centre_page

#: Errors of the tracking number and query code (the track form's, not the rating's).
SECOND_FACTOR_CODES = {"case_not_found", "too_many_attempts"}
LEVEL_CHOICES = [(str(value), label) for value, label in Level.choices]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=gettext_lazy("评价"), choices=LEVEL_CHOICES, widget=forms.RadioSelect
    )
    # The service checks the length (comment_too_long), so the message is the project's.
    comment = forms.CharField(
        label=gettext_lazy("意见（可不填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
    )


class CallbackForm(forms.Form):
    called_at = forms.DateTimeField(
        label=gettext_lazy("回访时间"),
        required=False,
        help_text=gettext_lazy("不填为现在。"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    result = forms.CharField(
        label=gettext_lazy("回访结果"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("整改情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_LENGTH}),
    )


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


# --- the applicant ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, token: str) -> HttpResponse:
    """/rate/<token>/: the page the SMS invitation links to; rates the hop the link names."""
    try:
        tracking_no, centre_code = links.read_token(token)
    except DomainError as error:
        return render(request, "web/ratings/link.html", {"link_error": error}, status=404)
    centre = ServiceCentre.objects.filter(division_code=centre_code).only("name").first()
    hops = {h.centre_code: h for h in ratings.chain_ratings(tracking_no)}
    hop = hops.get(centre_code)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ratings.rate_from_link(
                token, level=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect(request.path)
    return render(
        request,
        "web/ratings/link.html",
        {
            "form": form,
            "tracking_no": tracking_no,
            "centre": centre,
            "hop": hop,
            "decided": bool(hops),
        },
    )


@require_POST
def rate_tracked(request: HttpRequest) -> HttpResponse:
    """A rating form of the tracking page (one per hop): the query code is checked again."""
    track = TrackForm(request.POST)
    form = RatingForm(request.POST)
    centre_code = (request.POST.get("centre") or "").strip()
    if track.is_valid() and form.is_valid():
        try:
            ratings.rate_from_tracking(
                track.cleaned_data["tracking_no"],
                track.cleaned_data["query_code"],
                centre_code,
                level=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                client=_client(request),
            )
        except DomainError as error:
            if error.code in SECOND_FACTOR_CODES:  # checked again by the page: not twice
                show_error(track, error)
                return render(request, "web/public/track.html", {"form": track}, status=400)
            show_error(form, error)
        else:
            messages.success(request, _("感谢您的评价！"))
            query = urlencode(
                {
                    "tracking_no": track.cleaned_data["tracking_no"],
                    "query_code": track.cleaned_data["query_code"],
                }
            )
            return redirect(f"{public_url('web:track')}?{query}")
    from web.views.public import track as track_page

    # The tracking page again, with this hop's form and its error.
    request.GET = request.POST.copy()
    return track_page(request, rating_form=form, rating_centre=centre_code, status=400)


def tracking_context(hops, form, rating_form=None, rating_centre: str = "") -> dict:
    """The rating forms of a tracked chain (``web.views.public.track``): one per hop, once the
    case is decided. One more query than tracking (the chain's ratings)."""
    if not hops or not form.is_valid():
        return {}
    rows = ratings.chain_ratings(form.cleaned_data["tracking_no"].strip())
    return {
        "rating_hops": [
            (
                hop,
                rating_form
                if rating_form is not None and hop.centre_code == rating_centre
                else RatingForm(auto_id=f"id_{hop.centre_code}_%s"),
            )
            for hop in rows
        ],
    }


# --- the centre's rectifications ----------------------------------------------------------------


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    if isinstance(error, NotFound):
        return render(request, "web/not_found.html", {"error": error}, status=404)
    return render(request, "web/forbidden.html", {"error": error}, status=403)


def _decorate(rows, today) -> list:
    from supervision.services import current_scheme

    scheme = current_scheme()
    for row in rows:
        row.web_warning = ratings.warning(row, today, scheme)
    return rows


@centre_page()
@require_GET
def rectifications(request: HttpRequest) -> HttpResponse:
    """差评整改 of this centre: open ones first (by due date, with their warning), then closed."""
    state = request.GET.get("state") or ""
    if state not in RectificationState.values:
        state = ""
    try:
        rows = list(
            ratings.list_rectifications(request.centre, request.actor, state=state or None)[:200]
        )
    except DomainError as error:
        return _refused(request, error)
    today = timezone.localdate()
    return render(
        request,
        "web/ratings/list.html",
        {
            "rows": _decorate(rows, today),
            "state": state,
            "states": RectificationState.choices,
            "nav_active": "ratings",
        },
    )


@centre_page()
@require_GET
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    return _rectification_page(request, pk)


def _rectification_page(request, pk, callback_form=None, close_form=None, status=200):
    try:
        found = ratings.get_rectification(request.centre, request.actor, pk)
    except DomainError as error:
        return _refused(request, error)
    _decorate([found], timezone.localdate())
    return render(
        request,
        "web/ratings/rectification.html",
        {
            "r": found,
            "rating": found.rating,
            "callbacks": list(found.callbacks.all()),
            "callback_form": callback_form or CallbackForm(),
            "close_form": close_form or CloseForm(),
            "nav_active": "ratings",
        },
        status=status,
    )


@centre_page()
@require_POST
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    form = CallbackForm(request.POST)
    if form.is_valid():
        called_at = form.cleaned_data["called_at"]
        if called_at is not None and timezone.is_naive(called_at):
            called_at = timezone.make_aware(called_at)
        try:
            ratings.record_callback(
                request.centre,
                request.actor,
                pk,
                result=form.cleaned_data["result"],
                called_at=called_at,
            )
        except DomainError as error:
            if isinstance(error, NotFound) or error.code == "not_member":
                return _refused(request, error)
            show_error(form, error)
        else:
            messages.success(request, _("已记录回访。"))
            return redirect("web:rectification", pk=pk)
    return _rectification_page(request, pk, callback_form=form, status=400)


@centre_page()
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            ratings.close_rectification(
                request.centre, request.actor, pk, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            if isinstance(error, NotFound) or error.code == "not_member":
                return _refused(request, error)
            show_error(form, error)
        else:
            messages.success(request, _("差评整改已办结。"))
            return redirect("web:rectification", pk=pk)
    return _rectification_page(request, pk, close_form=form, status=400)
