"""A desk finds an applicant's cases by exact ID number (the keyed hash), still masked in the
list; an invalid number in an error is masked too."""

from __future__ import annotations

from core.roles import Actor
from delegation import services as s
from tests.api.conftest import ALL_MATERIALS, PERSON, VILLAGE, person_input

AGENT = Actor(name="王代办", role="agent", centre=VILLAGE)
OTHER = s.Applicant(kind="person", name="王小明", id_number="11010519491231002X", phone="")
SEARCH = """query($no: String) { worklist(applicantIdNumber: $no, first: 10) {
  totalCount edges { node { trackingNo applicantIdNumber personalDataMasked } } } }"""


def test_worklist_by_id_number(api, network, people):
    mine = s.log_request(
        VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL_MATERIALS
    )
    s.log_request(
        VILLAGE, AGENT, applicant=OTHER, item_code="C-1", materials_received=ALL_MATERIALS
    )
    token = people["agent"].token
    assert api.post(SEARCH, {}, centre=VILLAGE, token=token).data["worklist"]["totalCount"] == 2
    found = api.post(SEARCH, {"no": f" {PERSON.id_number.lower()} "}, centre=VILLAGE, token=token)
    page = found.data["worklist"]
    assert page["totalCount"] == 1
    node = page["edges"][0]["node"]
    assert node["trackingNo"] == mine.tracking_no
    assert node["personalDataMasked"] and node["applicantIdNumber"] == "4205**********0011"
    lower_x = api.post(SEARCH, {"no": OTHER.id_number.lower()}, centre=VILLAGE, token=token)
    assert lower_x.data["worklist"]["totalCount"] == 1  # the check letter in either case


def test_an_invalid_id_number_is_masked_in_the_error(api, network, people):
    bad = "420581199001010012"
    applicant = s.Applicant(kind="person", name="刘桂兰", id_number=bad, phone="1390717123")
    response = api.post(
        "mutation($input: LogRequestInput!) { logRequest(input: $input) { errors { code message messageEn } } }",
        {"input": person_input(applicant)},
        centre=VILLAGE,
        token=people["agent"].token,
    )
    errors = response.data["logRequest"]["errors"]
    assert [e["code"] for e in errors] == ["invalid_id_number"]
    assert bad not in response.text and "4205**********0012" in errors[0]["message"]
