"""The ratings service layer: the citizen rates the hops that served them; a bad rating opens a
rectification (差评整改) that the rated centre works through callbacks (回访) to a closing note.

Where things are written (docs/ratings.md): ratings and rectifications live in the public
schema beside the case projection, keyed by (tracking number, centre), and are written by this
public service in one transaction each, never into a centre's schema. The rating of the hop
that decided the case is also set on that hop's projection row (``network_caserecord.rating``,
public), whose activity trigger feeds the assessment's satisfaction counters (``rated_1`` …
``rated_5``) at the deciding centre, on the day of the decision.

Every public function is one transaction; staff functions take the acting ``Actor`` and the
centre the request was routed to, and touch only that centre's rectifications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import require_desk_actor
from core.errors import DomainError, NotFound
from core.roles import Actor
from ratings import links
from ratings.models import (
    BAD_AT_MOST,
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Callback,
    Level,
    Rating,
    Rectification,
    RectificationState,
    Source,
)
from tenants.divisions import TIER_RANK
from tenants.models import ServiceCentre

#: 差评整改 is due this many working days after the bad rating (workdays.calendar).
RECTIFICATION_WORKING_DAYS = 15


# --- input --------------------------------------------------------------------------------------


def check_level(level) -> int:
    """The five levels are 1 (非常不满意) … 5 (非常满意); anything else is ``invalid_rating``."""
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level.strip())
    if not isinstance(level, int) or isinstance(level, bool) or level not in Level.values:
        raise DomainError(
            _("请选择评价：非常满意、满意、基本满意、不满意或非常不满意。"),
            code="invalid_rating",
            field="rating",
        )
    return level


def check_comment(comment) -> str:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("意见最多 %(max)d 个字，现有 %(n)d 个字。"),
            code="comment_too_long",
            field="comment",
            params={"max": COMMENT_MAX_LENGTH, "n": len(text)},
        )
    return text


def _check_note(text, field: str, *, code: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, code=code, field=field)
    if len(text) > NOTE_MAX_LENGTH:
        raise DomainError(
            _("最多 %(max)d 个字，现有 %(n)d 个字。"),
            code="note_too_long",
            field=field,
            params={"max": NOTE_MAX_LENGTH, "n": len(text)},
        )
    return text


# --- the chain ----------------------------------------------------------------------------------


def chain_records(tracking_no: str, *, lock: bool = False) -> list:
    """The projection rows of a tracking number, village first (every hop that served)."""
    from network.models import CaseRecord

    qs = CaseRecord.objects.filter(tracking_no=(tracking_no or "").strip()[:30])
    if lock:
        qs = qs.select_for_update(of=("self",))
    records = list(qs.select_related("centre"))
    records.sort(key=lambda r: (TIER_RANK[r.tier], r.centre_code))
    return records


def deciding_record(records: Iterable):
    """The hop that decided the case: decided there and never handed up from there."""
    return next((r for r in records if r.decided_at is not None and r.escalated_at is None), None)


def _not_on_chain(tracking_no: str) -> NotFound:
    return NotFound(
        _("没有编号为“%(no)s”的办件。"), code="case_not_found", params={"no": tracking_no}
    )


@dataclass(frozen=True)
class HopRating:
    """One hop of a chain for the rating forms: may it be rated, and its rating if any."""

    centre_code: str
    centre_name: str
    tier: str
    deciding: bool
    rating: Rating | None


def chain_ratings(tracking_no: str) -> list[HopRating]:
    """Every hop of a decided chain with its rating (none while undecided). Two queries."""
    records = chain_records(tracking_no)
    deciding = deciding_record(records)
    if deciding is None:
        return []
    rated = {r.centre_code: r for r in Rating.objects.filter(tracking_no=deciding.tracking_no)}
    return [
        HopRating(r.centre_code, r.centre.name, r.tier, r is deciding, rated.get(r.centre_code))
        for r in records
    ]


# --- rating -------------------------------------------------------------------------------------


def _record_rating(
    tracking_no: str,
    centre_code: str,
    *,
    level,
    comment,
    source: str,
    recorded_by: str = "",
    recorded_at_centre: str = "",
) -> Rating:
    """Record one rating of hop ``centre_code``, and what it sets off, in one transaction."""
    level = check_level(level)
    comment = check_comment(comment)
    with transaction.atomic():
        records = chain_records(tracking_no, lock=True)
        if not records:
            raise _not_on_chain(tracking_no)
        hop = next((r for r in records if r.centre_code == centre_code), None)
        if hop is None:
            raise DomainError(
                _("该中心没有办理过这件办件，不能评价。"), code="not_on_chain", field="centre"
            )
        deciding = deciding_record(records)
        if deciding is None:
            raise DomainError(_("办结后才能评价。"), code="not_finished")
        if hop is deciding and deciding.rating is not None:
            raise _already_rated()  # rated before this app (Case.rating) or just now
        now = timezone.now()
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    tracking_no=hop.tracking_no,
                    centre_id=hop.centre_id,
                    centre_code=hop.centre_code,
                    tier=hop.tier,
                    case_id=hop.case_id,
                    level=level,
                    comment=comment,
                    source=source,
                    recorded_by=recorded_by[:100],
                    recorded_at_centre=recorded_at_centre,
                    deciding=hop is deciding,
                    decided_on=timezone.localdate(deciding.decided_at),
                    created_at=now,
                )
        except IntegrityError as exc:
            raise _already_rated() from exc
        if rating.deciding:
            _feed_satisfaction(deciding, level)
        if level <= BAD_AT_MOST:
            _open_rectification(rating, now)
        return rating


def _already_rated() -> DomainError:
    return DomainError(_("您已评价过该中心的服务，每个中心只能评价一次。"), code="already_rated")


def _feed_satisfaction(record, level: int) -> None:
    """The deciding hop's rating on its projection row: the activity trigger counts it
    (``rated_<level>``) at the deciding centre on the decision day, in this transaction."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE network_caserecord SET rating = %s, updated_at = now() WHERE id = %s",
            [level, record.id],
        )


def _open_rectification(rating: Rating, now: dt.datetime) -> Rectification:
    from workdays.calendar import add_working_days

    opened_on = timezone.localdate(now)
    due = add_working_days(opened_on, RECTIFICATION_WORKING_DAYS)
    return Rectification.objects.create(
        rating=rating,
        centre_id=rating.centre_id,
        centre_code=rating.centre_code,
        tracking_no=rating.tracking_no,
        opened_on=opened_on,
        due_on=due.due,
        calendar_fallback=due.fallback,
        created_at=now,
    )


def rate_from_link(token: str, *, level, comment: str = "") -> Rating:
    """The applicant rates the hop named in a rating invitation link (``ratings.links``)."""
    tracking_no, centre_code = links.read_token(token)
    return _record_rating(
        tracking_no, centre_code, level=level, comment=comment, source=Source.APPLICANT_LINK
    )


def rate_from_tracking(
    tracking_no: str, query_code: str, centre_code: str, *, level, comment: str = "", client: str
) -> Rating:
    """The applicant rates one hop after tracking the case with the receipt's query code.

    The second factor is checked by ``delegation.tracking.track_public`` (same misses, same
    throttle as tracking); call outside a transaction (a miss is written before the error)."""
    from delegation.tracking import track_public

    check_level(level)
    check_comment(comment)
    track_public(tracking_no, query_code, client=client)
    return _record_rating(
        tracking_no.strip(),
        (centre_code or "").strip(),
        level=level,
        comment=comment,
        source=Source.APPLICANT_TRACKING,
    )


def rate_at_desk(
    centre: ServiceCentre,
    actor: Actor | None,
    tracking_no: str,
    *,
    level,
    comment: str = "",
    hop: str | None = None,
) -> Rating:
    """The desk of a centre on the chain records the rating the applicant gave (in person, by
    phone), marked ``desk`` with who entered it. ``hop``: the rated centre, by default the one
    that decided (the rating of the outcome)."""
    if actor is not None:
        require_desk_actor(actor, centre)
    records = chain_records(tracking_no)
    if centre.division_code not in {r.centre_code for r in records}:
        raise _not_on_chain(tracking_no)
    if not hop:
        deciding = deciding_record(records)
        if deciding is None:
            check_level(level)
            raise DomainError(_("办结后才能评价。"), code="not_finished")
        hop = deciding.centre_code
    return _record_rating(
        tracking_no,
        hop,
        level=level,
        comment=comment,
        source=Source.DESK,
        recorded_by=actor.name if actor else "",
        recorded_at_centre=centre.division_code,
    )


# --- rectifications (差评整改) ------------------------------------------------------------------


def _centre(centre: ServiceCentre | str) -> ServiceCentre:
    if isinstance(centre, ServiceCentre):
        return centre
    found = ServiceCentre.objects.filter(division_code=centre).first()
    if found is None:
        raise NotFound(
            _("没有代码为“%(code)s”的中心。"), code="centre_not_found", params={"code": centre}
        )
    return found


def list_rectifications(
    centre: ServiceCentre | str, actor: Actor | None, *, state: str | None = None
) -> QuerySet[Rectification]:
    """The rectifications of ``centre`` (its own only), open first, then by due date."""
    centre = _centre(centre)
    require_desk_actor(actor, centre)
    qs = (
        Rectification.objects.filter(centre_id=centre.id)
        .select_related("rating")
        .annotate(callback_count=Count("callbacks"))
        .order_by("-state", "due_on", "id")  # 'open' > 'closed'
    )
    if state:
        if state not in RectificationState.values:
            raise DomainError(_("状态无效。"), code="invalid_state", field="state")
        qs = qs.filter(state=state)
    return qs


def get_rectification(
    centre: ServiceCentre | str, actor: Actor | None, rectification_id, *, lock: bool = False
) -> Rectification:
    """One rectification of ``centre``; another centre's is ``rectification_not_found``."""
    centre = _centre(centre)
    require_desk_actor(actor, centre)
    qs = Rectification.objects.filter(centre_id=centre.id)
    if lock:
        qs = qs.select_for_update()
    try:
        found = qs.filter(pk=int(rectification_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_("没有这项差评整改。"), code="rectification_not_found")
    return found


def _require_open(rectification: Rectification) -> None:
    if not rectification.is_open:
        raise DomainError(_("该差评整改已办结。"), code="rectification_closed")


def record_callback(
    centre: ServiceCentre | str,
    actor: Actor,
    rectification_id,
    *,
    result: str,
    called_at: dt.datetime | None = None,
) -> Callback:
    """回访: ``actor`` called the citizen back (when, and what came of it)."""
    now = timezone.now()
    if called_at is not None and called_at > now + dt.timedelta(minutes=5):
        raise DomainError(_("回访时间不能晚于现在。"), code="invalid_called_at", field="called_at")
    result = _check_note(result, "result", code="result_required", message=_("请填写回访结果。"))
    with transaction.atomic():
        rectification = get_rectification(centre, actor, rectification_id, lock=True)
        _require_open(rectification)
        return Callback.objects.create(
            rectification=rectification,
            called_by=actor.name[:100],
            called_at=called_at or now,
            result=result,
            recorded_at=now,
        )


def close_rectification(
    centre: ServiceCentre | str, actor: Actor, rectification_id, *, note: str
) -> Rectification:
    """Close a rectification with its note; at least one callback must have been made."""
    note = _check_note(note, "note", code="note_required", message=_("请填写整改情况。"))
    with transaction.atomic():
        rectification = get_rectification(centre, actor, rectification_id, lock=True)
        _require_open(rectification)
        if not rectification.callbacks.exists():
            raise DomainError(
                _("尚未回访群众，不能办结整改。"), code="callback_required", field="note"
            )
        now = timezone.now()
        rectification.state = RectificationState.CLOSED
        rectification.closing_note = note
        rectification.closed_by = actor.name[:100]
        rectification.closed_at = now
        rectification.closed_on = timezone.localdate(now)
        rectification.save(
            update_fields=["state", "closing_note", "closed_by", "closed_at", "closed_on"]
        )
        return rectification


# --- warnings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    """An open rectification's standing against its deadline, as supervision computes it."""

    level: str | None  # 'yellow', 'red' or None
    days_left: int  # working days to the due date; negative once overdue

    @property
    def overdue(self) -> int:
        return max(0, -self.days_left)


def warning(rectification: Rectification, today: dt.date | None = None, scheme=None) -> Warning:
    """Red once the due date has passed; yellow when the working days left fall to the
    supervision scheme's ``yellow_days_left`` or its ``yellow_percent`` of the limit is used
    (``supervision.services.LEVELS_SQL``, the same rule as for a case's step)."""
    from supervision.services import current_scheme
    from workdays.calendar import working_days_between

    today = today or timezone.localdate()
    if not rectification.is_open:
        return Warning(None, 0)
    scheme = scheme or current_scheme()
    due = rectification.due_on
    if due >= today:
        left = working_days_between(today, due).days
    else:
        left = -working_days_between(due, today).days
    limit = RECTIFICATION_WORKING_DAYS
    if due < today:
        level = "red"
    elif left <= scheme.yellow_days_left or (limit - left) * 100 >= scheme.yellow_percent * limit:
        level = "yellow"
    else:
        level = None
    return Warning(level, left)


def notify_warnings(today: dt.date | None = None) -> int:
    """The desk of the rated centre hears once when an open rectification turns yellow and once
    when it turns red (``StaffKind.RECTIFICATION_*``, deduplicated by rectification and level:
    running it again, or twice at once, tells nobody twice). Hourly with the supervision
    evaluation (``ratings.warn_rectifications``). Returns how many notices were new."""
    from notifications.models import StaffKind
    from notifications.services import notify_staff
    from supervision.services import current_scheme

    today = today or timezone.localdate()
    scheme = current_scheme()
    kinds = {"yellow": StaffKind.RECTIFICATION_YELLOW, "red": StaffKind.RECTIFICATION_RED}
    new = 0
    for rectification in Rectification.objects.filter(state=RectificationState.OPEN).order_by(
        "due_on", "pk"
    ):
        level = warning(rectification, today, scheme).level
        if level is None:
            continue
        new += notify_staff(
            rectification.centre_code,
            kinds[level],
            rectification.tracking_no,
            {"rectification": rectification.pk, "due_on": rectification.due_on.isoformat()},
            key=str(rectification.pk),
        )
    return new


def overdue_counts(today: dt.date | None = None) -> dict[str, int]:
    """Per centre code: open rectifications past their due date (one query)."""
    today = today or timezone.localdate()
    rows = (
        Rectification.objects.filter(state=RectificationState.OPEN, due_on__lt=today)
        .values_list("centre_code")
        .annotate(n=Count("id"))
        .order_by("centre_code")
    )
    return dict(rows)


def outcome_rating(case) -> int | None:
    """The rating of the centre that decided ``case``'s chain: ``Case.rating`` where it was
    recorded before this app, else the deciding hop's rating here (one indexed query)."""
    if case.rating is not None:
        return case.rating
    return (
        Rating.objects.filter(tracking_no=case.tracking_no, deciding=True)
        .values_list("level", flat=True)
        .first()
    )
