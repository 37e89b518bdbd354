"""Anonymous tracking needs the receipt's query code, answers every miss alike and is throttled.

A tracking number alone (``<centre>-<date>-<seq>``) is guessable; the query code printed on the
receipt is not, and every tier of the chain checks it (its hash travels up with the case).
"""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from delegation import services as s
from delegation.tracking import (
    QUERY_CODE_ALPHABET,
    QUERY_CODE_LENGTH,
    normalize_query_code,
    track_public,
)
from network.models import CaseRecord, TrackingFailure
from tests.delegation.conftest import AGENT, COUNTY, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_chain import ALL, case_at, drain


def _log():
    return s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)


def _miss(no: str, code: str, client: str = "198.51.100.7") -> s.DomainError:
    with pytest.raises(s.DomainError) as exc:
        track_public(no, code, client=client)
    return exc.value


def test_a_logged_case_gets_a_query_code_for_the_receipt(network):
    case = _log()
    assert len(case.query_code) == QUERY_CODE_LENGTH
    assert set(case.query_code) <= set(QUERY_CODE_ALPHABET)
    assert not set(case.query_code) & set("01OIL")  # nothing to misread on paper
    record = CaseRecord.objects.get(tracking_no=case.tracking_no)
    assert record.query_code_hash and case.query_code not in record.query_code_hash
    assert _log().query_code != case.query_code  # random, not derived from the number


def test_number_and_code_show_the_whole_chain(network):
    case = _log()
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    drain()
    # Typed back from the receipt: lower case, with a space, still matches.
    typed = case.query_code[:4].lower() + " " + case.query_code[4:]
    hops = track_public(case.tracking_no, typed, client="198.51.100.7")
    assert [h.centre_code for h in hops] == [VILLAGE, TOWNSHIP, COUNTY]
    # Upper tiers hold the hash, never the code itself.
    county = case_at(COUNTY, case.tracking_no)
    assert (
        county.query_code == ""
        and county.query_code_hash == case_at(VILLAGE, case.tracking_no).query_code_hash
    )


def test_a_wrong_code_and_a_wrong_number_get_the_same_answer(network):
    case = _log()
    wrong_code = _miss(case.tracking_no, "ABCDEFGH")
    unknown_no = _miss(f"{VILLAGE}-20990101-00001", case.query_code)
    assert wrong_code.code == unknown_no.code == "case_not_found"
    assert wrong_code.message == unknown_no.message
    assert wrong_code.field == unknown_no.field
    # The message names neither the number nor whether it exists.
    assert case.tracking_no not in wrong_code.message
    assert TrackingFailure.objects.count() == 2


def test_a_miss_costs_the_same_whether_or_not_the_number_exists(network):
    case = _log()
    unknown = f"{VILLAGE}-20990101-00001"

    def best_of(no: str) -> float:
        times = []
        for _ in range(15):
            TrackingFailure.objects.all().delete()
            start = time.perf_counter()
            _miss(no, "ABCDEFGH")
            times.append(time.perf_counter() - start)
        return min(times)

    known, missing = best_of(case.tracking_no), best_of(unknown)
    # Same statements either way (one indexed read, one hash, one failure row): within noise.
    assert abs(known - missing) < max(known, missing) * 0.5 + 0.002


@override_settings(TRACKING_FAILURES_PER_CLIENT=3)
def test_guessing_is_throttled_per_client(network):
    case = _log()
    for n in range(3):
        assert _miss(f"{VILLAGE}-20990101-{n:05d}", case.query_code).code == "case_not_found"
    # The limit is reached: even the right number and code are refused for this client …
    refused = _miss(case.tracking_no, case.query_code)
    assert refused.code == "too_many_attempts"
    # … while another client is served.
    assert track_public(case.tracking_no, case.query_code, client="203.0.113.9")


def test_cases_without_a_code_cannot_be_tracked_anonymously(network):
    case = _log()
    CaseRecord.objects.filter(tracking_no=case.tracking_no).update(query_code_hash="")
    assert _miss(case.tracking_no, "").code == "case_not_found"
    assert normalize_query_code(" ab-cd ") == "ABCD"
