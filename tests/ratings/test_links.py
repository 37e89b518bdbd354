"""Rating invitation links: signed, expiring, carrying the tracking number and the centre."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import signing

from core.errors import DomainError
from ratings import links


def test_a_token_carries_the_tracking_number_and_the_centre():
    token = links.make_token("420506101201-20261207-0001", "420506")
    assert links.read_token(token) == ("420506101201-20261207-0001", "420506")
    assert links.link_path("N-1", "420506").startswith("/rate/")
    # The documented format: django.core.signing, salt 'rating-invitation', {"t", "c"}.
    assert signing.loads(token, salt="rating-invitation") == {
        "t": "420506101201-20261207-0001",
        "c": "420506",
    }


def test_a_token_made_by_the_documented_recipe_is_accepted():
    """The SMS helper makes the token itself, from docs/ratings.md."""
    token = signing.dumps({"t": "N-2", "c": "420506101000"}, salt="rating-invitation")
    assert links.read_token(token) == ("N-2", "420506101000")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        links.make_token("N-1", "420506")[:-2] + "xx",  # tampered signature
        signing.dumps({"t": "N-1", "c": "420506"}, salt="another-salt"),
        signing.dumps({"t": "N-1"}, salt="rating-invitation"),  # no centre
        signing.dumps(["N-1", "420506"], salt="rating-invitation"),
    ],
)
def test_an_unknown_link_is_invalid(token):
    with pytest.raises(DomainError) as error:
        links.read_token(token)
    assert error.value.code == "rating_link_invalid"


def test_a_link_expires_after_its_days(settings):
    settings.RATING_LINK_MAX_AGE_DAYS = 30
    token = links.make_token("N-1", "420506")
    later = time.time() + 29 * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert links.read_token(token) == ("N-1", "420506")
    much_later = time.time() + 30 * 86400 + 60
    with mock.patch("django.core.signing.time.time", return_value=much_later):
        with pytest.raises(DomainError) as error:
            links.read_token(token)
    assert error.value.code == "rating_link_expired"
    assert error.value.message_in("en") != error.value.message_in("zh-hans")
