"""The rating invitation: for a decided case whose deciding hop is still unrated
``NOTIFY_RATING_AFTER_DAYS`` after the decision; sent from the centre of application with the
ratings app's signed, expiring link (``ratings.links``) naming the deciding hop; written once,
by the periodic task or the command; the link works on the rating page."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.management import call_command
from django.utils import timezone

from delegation import services as s
from notifications.models import SmsKind
from notifications.services import invite_ratings
from ratings import links
from ratings import services as ratings
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.notifications.conftest import sms
from tests.notifications.test_transitions import drain

ALL = ["居民身份证", "申请表"]


def decided_window_case() -> str:
    case = s.log_request(
        TOWNSHIP, TOWN_STAFF, applicant=PERSON, item_code="T-1", materials_received=ALL
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.start_review(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.approve_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    return case.tracking_no


def decided_at_the_county() -> str:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, case.tracking_no)
    s.start_review(COUNTY, COUNTY_STAFF, case.tracking_no)
    s.approve_case(COUNTY, COUNTY_STAFF, case.tracking_no)
    drain()
    return case.tracking_no


def token_of(text: str) -> str:
    return text.split("/rate/")[1].rstrip("/")


def test_an_unrated_case_is_invited_once_after_the_delay(network, settings):
    settings.NOTIFY_RATING_AFTER_DAYS = 3
    settings.PUBLIC_BASE_URL = "https://zw.example"
    number = decided_window_case()
    assert invite_ratings() == 0  # too early
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    assert invite_ratings(now=later) == 1
    (invitation,) = sms(number, SmsKind.RATING)
    assert invitation.centre.division_code == TOWNSHIP
    assert "https://zw.example/rate/" in invitation.text
    token = token_of(invitation.text)
    assert signing.loads(token, salt="rating-invitation") == {"t": number, "c": TOWNSHIP}
    assert links.read_token(token) == (number, TOWNSHIP)
    assert invite_ratings(now=later) == 0  # idempotent
    call_command("invite_ratings", verbosity=0)
    assert len(sms(number, SmsKind.RATING)) == 1
    # The link works on the rating page's service, once.
    rating = ratings.rate_from_link(token, level=5)
    assert (rating.tracking_no, rating.centre_code) == (number, TOWNSHIP)


def test_a_proxy_case_is_invited_from_the_village_to_rate_the_deciding_hop(network):
    number = decided_at_the_county()
    assert invite_ratings(now=timezone.now() + dt.timedelta(days=4)) == 1
    (invitation,) = sms(kind=SmsKind.RATING)
    assert (invitation.tracking_no, invitation.centre.division_code) == (number, VILLAGE)
    assert invitation.text.startswith("【龙泉镇龙泉村】")
    assert links.read_token(token_of(invitation.text)) == (number, COUNTY)


def test_a_rated_case_and_an_old_one_are_not_invited(network):
    rated = decided_window_case()
    ratings.rate_at_desk(network[TOWNSHIP], TOWN_STAFF, rated, level=4)
    decided_window_case()
    assert invite_ratings(now=timezone.now() + dt.timedelta(days=4)) == 1
    assert [m.tracking_no for m in sms(kind=SmsKind.RATING)] != [rated]
    # A case decided longer ago than a link lives is not invited any more.
    decided_window_case()
    assert invite_ratings(now=timezone.now() + dt.timedelta(days=365)) == 0
