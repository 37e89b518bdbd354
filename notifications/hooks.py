"""Which case events notify whom: called by ``delegation.services`` where an event is appended
to a case's history, in the same transaction, keyed on the event's action.

* **Applicant (SMS)**, only at the centre of application (the case has no ``received_from``:
  the village for a proxy case, else the centre where it was logged), so the applicant hears
  from one place whatever tier acts: a decision taken at the county reaches the village as a
  status message, and the village's event writes the SMS.
* **Staff**: a case arriving from below (``receive``) and a supplement arriving from below
  (the system applying ``case.supplemented``) notify the receiving centre's desk.

Events that notify nobody cost one dictionary lookup.
"""

from __future__ import annotations

import datetime as dt

from notifications.models import SmsKind, StaffKind
from notifications.services import notify_applicant, notify_staff, record_preference

_ACCEPTED = {"accept", "deemed_accept"}
_NOTICE = {"request_supplement"}
_DECIDED = {
    "approve": "approved",
    "deny": "denied",
    "refuse": "refused",
    "upstream_approved": "approved",
    "upstream_denied": "denied",
    "upstream_refused": "refused",
}
_SUPPLEMENT_IN = {"receive_supplement", "receive_supplement_at_intake", "partial_supplement"}
#: Every action that may notify (the rest return at once).
ACTIONS = {"log", "receive", "upstream_status", *_ACCEPTED, *_NOTICE, *_DECIDED, *_SUPPLEMENT_IN}


def case_event(case, action: str, actor, at: dt.datetime, data: dict) -> None:
    if action not in ACTIONS:
        return
    if action == "log":
        if data.get("sms_opt_out") or data.get("sms_language"):
            record_preference(
                case.origin_centre,
                case.tracking_no,
                opt_out=bool(data.get("sms_opt_out")),
                language=data.get("sms_language"),
                by=actor.name,
            )
        return
    if action == "receive":
        notify_staff(
            actor.centre,
            StaffKind.INCOMING,
            case.tracking_no,
            # The sender's division code: its name is looked up when the text is shown.
            {"item_name": case.item_name, "from_centre": data.get("from_centre", "")},
            at=at,
        )
        return
    if action in _SUPPLEMENT_IN:
        if actor.role == "system":  # arrived from below; the desk's own entries need no bell
            supplied = data.get("supplied") or []
            notify_staff(
                actor.centre,
                StaffKind.SUPPLEMENT,
                case.tracking_no,
                {"materials": list(supplied)},
                key=at.isoformat(),
                at=at,
            )
        return
    if case.received_from_id is not None or not case.applicant_phone:
        return  # not the centre of application, or nobody to text
    if action == "upstream_status":
        state = data.get("upstream_state")
        if state == "accepted":
            _sms(case, SmsKind.ACCEPTED, at, query_code=case.query_code)
        elif state == "supplement_needed":
            _notice(case, at)
        return
    if action in _ACCEPTED:
        _sms(case, SmsKind.ACCEPTED, at, query_code=case.query_code)
    elif action in _NOTICE:
        _notice(case, at)
    elif action in _DECIDED:
        result = _DECIDED[action]
        _sms(case, SmsKind.DECIDED, at, result=result)
        if result != "refused" and action.startswith("upstream_") and _at_village(case):
            # Full-process proxy: the result comes back to the village for the applicant.
            _sms(case, SmsKind.READY, at)


def _at_village(case) -> bool:
    from delegation.models import Channel

    return case.channel == Channel.VILLAGE_PROXY


def _notice(case, at: dt.datetime) -> None:
    # A case can be given more than one notice in its life (before and after acceptance):
    # each is its own message, keyed by when it was given.
    _sms(case, SmsKind.NOTICE, at, key=at.isoformat(), materials=list(case.missing_materials))


def _sms(case, kind: str, at: dt.datetime, *, key: str = "", **args) -> None:
    notify_applicant(
        case.origin_centre,
        kind,
        tracking_no=case.tracking_no,
        phone=case.applicant_phone,
        args=args,
        key=key,
        at=at,
    )
