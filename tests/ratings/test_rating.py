"""The applicant rates each hop that served them once; the deciding hop's rating feeds the
assessment's satisfaction counters; bad input is refused with a code and leaves nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from delegation import services as s
from network.models import CaseRecord
from ratings import links
from ratings import services as ratings
from ratings.models import Rating, Rectification, Source
from tests.ratings.conftest import AGENT, COUNTY, TOWNSHIP, VILLAGE, actor, drain

CLIENT = "203.0.113.7"


def code_of(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code


def bucket(centre_code: str) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT sum(rated_1), sum(rated_2), sum(rated_3), sum(rated_4), sum(rated_5) "
            "FROM assessment_activitybucket WHERE centre_code = %s AND grain = 'd'",
            [centre_code],
        )
        row = cur.fetchone()
    return {f"rated_{k}": int(row[k - 1] or 0) for k in range(1, 6)}


def test_the_applicant_rates_the_deciding_hop_from_the_link(decided):
    token = links.make_token(decided.tracking_no, COUNTY)
    rating = ratings.rate_from_link(token, level=5, comment="办得快")
    assert (rating.centre_code, rating.level, rating.source, rating.deciding) == (
        COUNTY,
        5,
        Source.APPLICANT_LINK,
        True,
    )
    county = CaseRecord.objects.get(tracking_no=decided.tracking_no, centre_code=COUNTY)
    assert county.rating == 5
    assert rating.decided_on == timezone.localdate(county.decided_at)
    # Counted once, at the deciding centre, by the projection's activity trigger.
    assert bucket(COUNTY)["rated_5"] == 1
    assert bucket(VILLAGE)["rated_5"] == 0 and bucket(TOWNSHIP)["rated_5"] == 0
    assert not Rectification.objects.exists()


def test_every_hop_that_served_may_be_rated_once_from_tracking(decided):
    for code, level in ((VILLAGE, 5), (TOWNSHIP, 4), (COUNTY, 3)):
        ratings.rate_from_tracking(
            decided.tracking_no, decided.query_code, code, level=level, client=CLIENT
        )
    rows = dict(Rating.objects.values_list("centre_code", "level"))
    assert rows == {VILLAGE: 5, TOWNSHIP: 4, COUNTY: 3}
    assert set(Rating.objects.values_list("source", flat=True)) == {Source.APPLICANT_TRACKING}
    # Only the deciding hop feeds the satisfaction counters.
    assert bucket(COUNTY)["rated_3"] == 1
    assert sum(bucket(VILLAGE).values()) == sum(bucket(TOWNSHIP).values()) == 0
    hops = ratings.chain_ratings(decided.tracking_no)
    assert [(h.centre_code, h.deciding, h.rating.level) for h in hops] == [
        (VILLAGE, False, 5),
        (TOWNSHIP, False, 4),
        (COUNTY, True, 3),
    ]


def test_a_second_rating_of_the_same_hop_is_refused(decided):
    token = links.make_token(decided.tracking_no, TOWNSHIP)
    ratings.rate_from_link(token, level=4)
    assert code_of(lambda: ratings.rate_from_link(token, level=1)) == "already_rated"
    assert (
        code_of(
            lambda: ratings.rate_from_tracking(
                decided.tracking_no, decided.query_code, TOWNSHIP, level=1, client=CLIENT
            )
        )
        == "already_rated"
    )
    assert list(Rating.objects.values_list("level", flat=True)) == [4]
    assert not Rectification.objects.exists()  # the refused 1 opened nothing


def test_the_desk_records_for_the_applicant_marked_as_such(decided):
    case = s.rate_case(VILLAGE, decided.tracking_no, rating=4, recorded_by=AGENT, comment="电话")
    rating = Rating.objects.get()
    assert (rating.centre_code, rating.source, rating.recorded_by, rating.recorded_at_centre) == (
        COUNTY,  # by default the centre that decided
        Source.DESK,
        AGENT.name,
        VILLAGE,
    )
    assert ratings.outcome_rating(case) == 4
    # The applicant cannot rate that hop again; another hop, yes.
    token = links.make_token(decided.tracking_no, COUNTY)
    assert code_of(lambda: ratings.rate_from_link(token, level=5)) == "already_rated"
    s.rate_case(VILLAGE, decided.tracking_no, rating=5, recorded_by=AGENT, hop=VILLAGE)
    assert Rating.objects.count() == 2


def test_a_desk_off_the_chain_cannot_rate(decided):
    other = actor("420581101201", "agent", "别村代办")
    assert (
        code_of(
            lambda: s.rate_case("420581101201", decided.tracking_no, rating=5, recorded_by=other)
        )
        == "case_not_found"
    )
    assert code_of(
        lambda: s.rate_case(VILLAGE, decided.tracking_no, rating=5, recorded_by=other)
    ) in {
        "not_member",
        "wrong_centre",
        "permission_denied",
    }
    assert not Rating.objects.exists()


def test_a_case_not_yet_decided_cannot_be_rated(undecided):
    token = links.make_token(undecided.tracking_no, VILLAGE)
    assert code_of(lambda: ratings.rate_from_link(token, level=5)) == "not_finished"
    assert (
        code_of(lambda: s.rate_case(VILLAGE, undecided.tracking_no, rating=5, recorded_by=AGENT))
        == "not_finished"
    )
    assert not Rating.objects.exists()


def test_bad_input_is_refused_and_nothing_is_written(decided):
    token = links.make_token(decided.tracking_no, COUNTY)
    assert code_of(lambda: ratings.rate_from_link(token, level=6)) == "invalid_rating"
    assert code_of(lambda: ratings.rate_from_link(token, level=True)) == "invalid_rating"
    assert code_of(lambda: ratings.rate_from_link(token, level=1, comment="差" * 501)) == (
        "comment_too_long"
    )
    assert code_of(lambda: ratings.rate_from_link("nonsense", level=1)) == "rating_link_invalid"
    elsewhere = links.make_token(decided.tracking_no, "420581101201")
    assert code_of(lambda: ratings.rate_from_link(elsewhere, level=1)) == "not_on_chain"
    unknown = links.make_token("420506101201-20990101-9999", COUNTY)
    assert code_of(lambda: ratings.rate_from_link(unknown, level=1)) == "case_not_found"
    wrong_code = lambda: ratings.rate_from_tracking(  # noqa: E731
        decided.tracking_no, "WRONGCODE", COUNTY, level=1, client=CLIENT
    )
    assert code_of(wrong_code) == "case_not_found"
    assert not Rating.objects.exists() and not Rectification.objects.exists()
    assert (
        CaseRecord.objects.get(tracking_no=decided.tracking_no, centre_code=COUNTY).rating is None
    )
    # A comment of exactly the limit is fine.
    assert ratings.rate_from_link(token, level=1, comment="差" * 500).level == 1


def test_the_rating_survives_later_writes_and_a_rebuild_of_the_projection(decided):
    from assessment.activity import rebuild_activity
    from network.projection import rebuild
    from tenants.models import ServiceCentre

    ratings.rate_from_link(links.make_token(decided.tracking_no, COUNTY), level=2)
    s.deliver_case(VILLAGE, AGENT, decided.tracking_no)  # the county's row is written again
    drain()
    county = CaseRecord.objects.get(tracking_no=decided.tracking_no, centre_code=COUNTY)
    assert (county.state, county.rating) == ("delivered", 2)
    assert bucket(COUNTY)["rated_2"] == 1
    rebuild(list(ServiceCentre.objects.filter(division_code__in=[VILLAGE, TOWNSHIP, COUNTY])))
    rebuild_activity()
    county = CaseRecord.objects.get(tracking_no=decided.tracking_no, centre_code=COUNTY)
    assert county.rating == 2
    assert bucket(COUNTY)["rated_2"] == 1


def test_too_many_wrong_query_codes_are_refused_for_a_while(decided, settings):
    settings.TRACKING_FAILURES_PER_CLIENT = 2
    for _ in range(2):
        wrong = lambda: ratings.rate_from_tracking(  # noqa: E731
            decided.tracking_no, "WRONGCODE", COUNTY, level=5, client="198.51.100.9"
        )
        assert code_of(wrong) == "case_not_found"
    right = lambda: ratings.rate_from_tracking(  # noqa: E731
        decided.tracking_no, decided.query_code, COUNTY, level=5, client="198.51.100.9"
    )
    assert code_of(right) == "too_many_attempts"
    assert not Rating.objects.exists()


def test_the_desk_page_offers_the_rating_until_the_deciding_centre_is_rated(decided):
    from delegation.models import Case
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre
    from web.cases import actions_for

    village = ServiceCentre.objects.get(division_code=VILLAGE)
    with in_centre(village):
        case = Case.objects.get(tracking_no=decided.tracking_no)
    assert "rate" in actions_for(case, village, "agent")
    ratings.rate_from_link(links.make_token(decided.tracking_no, COUNTY), level=4)
    assert "rate" not in actions_for(case, village, "agent")
