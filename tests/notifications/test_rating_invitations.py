"""The rating invitation: a signed, expiring link for a finished case still unrated after
``NOTIFY_RATING_AFTER_DAYS``; written once, by the periodic task or the command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.core.management import call_command
from django.utils import timezone

from delegation import services as s
from network.models import CaseRecord
from notifications import rating_links
from notifications.models import SmsKind
from notifications.services import invite_ratings
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

ALL = ["居民身份证", "申请表"]


def decided_window_case() -> str:
    case = s.log_request(
        TOWNSHIP, TOWN_STAFF, applicant=PERSON, item_code="T-1", materials_received=ALL
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.start_review(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.approve_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    return case.tracking_no


def test_a_token_carries_the_case_and_the_centre_and_expires(settings):
    token = rating_links.make_token("420506101000-20261207-00001", TOWNSHIP)
    assert signing.loads(token, salt="rating-invitation") == {
        "t": "420506101000-20261207-00001",
        "c": TOWNSHIP,
    }
    invitation = rating_links.read_token(token)
    assert (invitation.tracking_no, invitation.centre_code) == (
        "420506101000-20261207-00001",
        TOWNSHIP,
    )
    settings.PUBLIC_BASE_URL = "https://zw.example"
    assert rating_links.rating_url("N", TOWNSHIP).startswith("https://zw.example/rate/")
    with pytest.raises(rating_links.DomainError) as expired:
        rating_links.read_token(token, max_age_days=-1)
    assert expired.value.code == "rating_link_expired"
    for bad in (token[:-2] + "xx", "garbage", signing.dumps({"t": 1}, salt="rating-invitation")):
        with pytest.raises(rating_links.DomainError) as invalid:
            rating_links.read_token(bad)
        assert invalid.value.code == "rating_link_invalid"
    other_salt = signing.dumps({"t": "N", "c": TOWNSHIP}, salt="something-else")
    with pytest.raises(rating_links.DomainError):
        rating_links.read_token(other_salt)


def test_an_unrated_finished_case_is_invited_once_after_the_delay(network, settings):
    settings.NOTIFY_RATING_AFTER_DAYS = 3
    number = decided_window_case()
    assert invite_ratings() == 0  # too early
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    assert invite_ratings(now=later) == 1
    (invitation,) = sms(number, SmsKind.RATING)
    assert invitation.centre.division_code == TOWNSHIP
    token = invitation.text.split("/rate/")[1].rstrip("/")
    assert rating_links.read_token(token).tracking_no == number
    assert invite_ratings(now=later) == 0  # idempotent
    call_command("invite_ratings", verbosity=0)
    assert len(sms(number, SmsKind.RATING)) == 1


def test_a_rated_case_or_an_upper_tiers_copy_is_not_invited(network, settings):
    rated = decided_window_case()
    s.rate_case(TOWNSHIP, rated, rating=5, recorded_by=TOWN_STAFF)
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    from tests.notifications.test_transitions import drain

    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, case.tracking_no)
    s.start_review(COUNTY, COUNTY_STAFF, case.tracking_no)
    s.approve_case(COUNTY, COUNTY_STAFF, case.tracking_no)
    drain()
    assert CaseRecord.objects.filter(tracking_no=case.tracking_no, state="approved").count() == 3
    assert invite_ratings(now=timezone.now() + dt.timedelta(days=4)) == 1
    (invitation,) = sms(kind=SmsKind.RATING)
    assert (invitation.tracking_no, invitation.centre.division_code) == (case.tracking_no, VILLAGE)
    # A case decided longer ago than a link lives is not invited any more.
    assert invite_ratings(now=timezone.now() + dt.timedelta(days=365)) == 0
