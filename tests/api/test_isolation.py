"""Isolation: hundreds of cross-centre reads and writes across tiers and roles, zero leaks.

Every centre of the test network holds a case of its own with its own applicant. Everyone
(agents, staff, heads of every tier, the assessor, the dictionary admin) then tries to read and
change every other centre's cases: through the other centre's endpoint with their own token,
through their own endpoint with the other centre's tracking number, through the X-Centre
header, through the network endpoint. Every attempt must fail with the expected status and
code; no response may carry another centre's applicant data or tracking numbers; and at the
end every case, event, delegation and outbox message is exactly as before.
"""

from __future__ import annotations

import json

import pytest
from stdnum.cn import ric

from core.roles import Actor
from delegation import services as s
from delegation.models import Case, CaseEvent, Delegation
from messaging.models import OutboxMessage
from network.models import CaseRecord
from tenants.tenancy import in_centre
from tests.api.conftest import ALL_MATERIALS, API_NETWORK, person_input

#: Who logs the case at each centre of the test network.
DESK = {
    "agent": "420506101201",
    "sibling_agent": "420506101202",
    "other_agent": "420581101201",
    "town_staff": "420506101000",
    "other_town_staff": "420581101000",
    "county_staff": "420506",
    "other_county_staff": "420581",
    "city_staff": "420500",
}
MUTATIONS = [
    'acceptCase(trackingNo: "{no}")',
    'refuseCase(trackingNo: "{no}", reason: "试探")',
    'withdrawCase(trackingNo: "{no}", reason: "试探")',
    'startReview(trackingNo: "{no}")',
    'approveCase(trackingNo: "{no}")',
    'denyCase(trackingNo: "{no}", reason: "试探")',
    'escalateCase(trackingNo: "{no}")',
    'forwardCase(trackingNo: "{no}")',
    'requestSupplement(trackingNo: "{no}", materials: ["户口簿"])',
    'receiveSupplement(trackingNo: "{no}", materials: ["申请表"])',
    'completeMaterials(trackingNo: "{no}", materials: ["申请表"])',
    'deliverCase(trackingNo: "{no}")',
]
READ_CASE = '{{ case(trackingNo: "{no}") {{ trackingNo applicantName applicantIdNumber applicantPhone events {{ action }} }} }}'
WORKLIST = "{ worklist(first: 100) { totalCount edges { node { trackingNo applicantName applicantIdNumber applicantPhone } } } }"


def applicant(index: int) -> s.Applicant:
    base = f"4205811990010{index:01d}{100 + index:03d}"  # born 1990-01-0<index>
    return s.Applicant(
        kind="person",
        name=f"申请人{index:02d}号",
        id_number=base + ric.calc_check_digit(base + "0"),
        phone=f"1390717{index:04d}",
    )


@pytest.fixture
def scene(network, people):
    """One case per centre, each with its own applicant."""
    cases = {}
    for index, (key, code) in enumerate(sorted(DESK.items()), start=1):
        person = people[key]
        actor = Actor(name=person.user.first_name, role=person.role, centre=code)
        who = applicant(index)
        case = s.log_request(
            network[code], actor, applicant=who, item_code="C-1", materials_received=ALL_MATERIALS
        )
        cases[code] = (case.tracking_no, who)
    return cases


def snapshot(network) -> dict:
    state = {}
    for code in sorted(API_NETWORK):
        with in_centre(network[code]):
            state[code] = (
                sorted(Case.objects.values_list("tracking_no", "state", "updated_at")),
                CaseEvent.objects.count(),
                Delegation.objects.count(),
            )
    state["outbox"] = OutboxMessage.objects.count()
    state["projection"] = sorted(
        CaseRecord.objects.values_list("centre_code", "tracking_no", "state")
    )
    return state


class Attempts:
    """Runs attempts, checks each, and collects every failure instead of stopping at the first."""

    def __init__(self, api, cases) -> None:
        self.api = api
        self.cases = cases
        self.count = 0
        self.failures: list[str] = []

    def foreign_secrets(self, allowed_centre: str | None) -> list[str]:
        secrets = []
        for code, (_no, who) in self.cases.items():
            if code != allowed_centre:
                secrets += [who.name, who.id_number, who.phone, who.id_number[-6:]]
        return secrets

    def expect(self, label, query, *, status, codes=None, payload_code=None, own=None, **kwargs):
        self.count += 1
        response = self.api.post(query, **kwargs)
        problems = []
        if response.status != status:
            problems.append(f"status {response.status} != {status}")
        if codes is not None and response.body is not None and response.codes != codes:
            problems.append(f"codes {response.codes} != {codes}")
        if payload_code is not None:
            payloads = list((response.data or {}).values())
            found = [e["code"] for p in payloads if p for e in p.get("errors", [])]
            if found != [payload_code] or any(p and p.get("case") for p in payloads):
                problems.append(f"payload {payloads} != [{payload_code}]")
        leaked = [secret for secret in self.foreign_secrets(own) if secret in response.text]
        if leaked:
            problems.append(f"leaked {leaked}")
        if problems:
            self.failures.append(f"{label}: {'; '.join(problems)} — {response.text[:200]}")
        return response


def test_nobody_reaches_another_centres_cases_through_its_endpoint(api, people, network, scene):
    before = snapshot(network)
    attempts = Attempts(api, scene)
    for key, person in people.items():
        for target, (no, _who) in scene.items():
            if target == person.endpoint:
                continue
            expected = "wrong_centre"
            where = f"{key}@{person.centre} → /c/{target}/"
            attempts.expect(
                f"{where} worklist",
                WORKLIST,
                status=403,
                codes=[expected],
                centre=target,
                token=person.token,
            )
            attempts.expect(
                f"{where} case", READ_CASE.format(no=no), status=403, codes=[expected],
                centre=target, token=person.token,
            )  # fmt: skip
            mutation = MUTATIONS[(len(key) + int(target[-3:])) % len(MUTATIONS)].format(no=no)
            attempts.expect(
                f"{where} {mutation}", f"mutation {{ x: {mutation} {{ errors {{ code }} }} }}",
                status=403, codes=[expected], centre=target, token=person.token,
            )  # fmt: skip
            # The header cannot move a request to another centre either.
            attempts.expect(
                f"{where} via X-Centre", WORKLIST, status=403, codes=[expected],
                token=person.token, HTTP_X_CENTRE=target,
            )  # fmt: skip
            # Nor can a header contradict the path.
            if person.endpoint:
                attempts.expect(
                    f"{where} path wins over header", WORKLIST, status=403, codes=[expected],
                    centre=target, token=person.token, HTTP_X_CENTRE=person.centre,
                )  # fmt: skip
        # Logging a request (a new row) at someone else's centre.
        for target in scene:
            if target != person.endpoint:
                attempts.expect(
                    f"{key} logs at {target}",
                    "mutation($i: LogRequestInput!) { logRequest(input: $i) { errors { code } } }",
                    variables={"i": person_input()}, status=403, codes=["wrong_centre"],
                    centre=target, token=person.token,
                )  # fmt: skip
    print(f"\n{attempts.count} cross-endpoint attempts")
    assert attempts.failures == []
    assert attempts.count >= 100
    assert snapshot(network) == before


def test_nobody_reaches_another_centres_cases_from_its_own_endpoint(api, people, network, scene):
    before = snapshot(network)
    attempts = Attempts(api, scene)
    for key, person in people.items():
        if person.endpoint is None:
            continue
        own = person.centre
        # The own worklist lists the own centre's case only.
        response = attempts.expect(
            f"{key} own worklist", WORKLIST, status=200, own=own, centre=own, token=person.token
        )
        listed = [e["node"]["trackingNo"] for e in response.data["worklist"]["edges"]]
        if listed != ([scene[own][0]] if own in scene else []):
            attempts.failures.append(f"{key} own worklist lists {listed}")
        for target, (no, _who) in scene.items():
            if target == own:
                continue
            attempts.expect(
                f"{key} reads {target}'s case at home", READ_CASE.format(no=no),
                status=200, codes=["case_not_found"], own=own, centre=own, token=person.token,
            )  # fmt: skip
            for mutation in (
                MUTATIONS[0],
                MUTATIONS[(len(key) + int(target[-2:])) % len(MUTATIONS)],
            ):
                attempts.expect(
                    f"{key} {mutation} on {target}'s case at home",
                    f"mutation {{ x: {mutation.format(no=no)} {{ case {{ applicantName }} errors {{ code }} }} }}",
                    status=200, payload_code="case_not_found", own=own, centre=own, token=person.token,
                )  # fmt: skip
    print(f"\n{attempts.count} same-endpoint attempts")
    assert attempts.failures == []
    assert attempts.count >= 100
    assert snapshot(network) == before


def test_the_network_endpoint_leaks_nothing(api, people, network, scene):
    before = snapshot(network)
    attempts = Attempts(api, scene)
    for key, person in people.items():
        if person.endpoint is None:
            continue
        attempts.expect(
            f"{key} centre token on the network endpoint", "{ me { username } }",
            status=403, codes=["wrong_endpoint"], token=person.token,
        )  # fmt: skip
    for target, (no, _who) in scene.items():
        # Public tracking (number and the receipt's query code): the chain, never the applicant.
        with in_centre(network[target]):
            code = Case.objects.get(tracking_no=no).query_code
        attempts.expect(
            f"track {target}",
            f'{{ trackCase(trackingNo: "{no}", queryCode: "{code}") {{ centreCode state }} }}',
            status=200,
            codes=[],
        )
        # Cases do not exist on the network endpoint.
        attempts.expect(f"case on the network {target}", READ_CASE.format(no=no), status=400)
    for key in ("assessor", "dictadmin"):
        token = people[key].token
        workload = '{ networkWorkload(divisionCode: "420500") { centre { divisionCode } total } }'
        response = attempts.expect(
            f"{key} workload", workload, status=200 if key == "assessor" else 403, token=token
        )
        if key == "assessor":
            assert sum(r["total"] for r in response.data["networkWorkload"]) == len(scene)
        for mutation in MUTATIONS[:3]:
            attempts.expect(
                f"{key} {mutation} on the network", f"mutation {{ {mutation.format(no='x')} {{ errors {{ code }} }} }}",
                status=400, token=token,
            )  # fmt: skip
    assert attempts.failures == []
    assert snapshot(network) == before


def test_responses_never_echo_raw_personal_data_in_lists(api, people, network, scene):
    for key in DESK:
        person = people[key]
        response = api.post(WORKLIST, centre=person.centre, token=person.token)
        text = json.dumps(response.body, ensure_ascii=False)
        _no, who = scene[person.centre]
        assert who.id_number not in text and who.phone not in text, key
        assert who.id_number[:4] + "*" * 10 + who.id_number[-4:] in text
