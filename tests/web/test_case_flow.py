"""A case carried from the village to the county and back, through the web pages only."""

from __future__ import annotations

import re
import uuid

from django.test import Client

from delegation.models import Case
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.web.conftest import (
    COUNTY,
    ID_NUMBER,
    ITEM,
    ITEM_MATERIALS,
    TOWNSHIP,
    VILLAGE,
    counters_committed,
    drain,
)


def new_case_form(client: Client, **overrides) -> dict:
    page = client.get(f"/c/{VILLAGE}/cases/new/?item={ITEM}").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)[1]
    data = {
        "item_code": ITEM,
        "idempotency_key": key,
        "applicant_kind": "person",
        "applicant_name": "刘桂兰",
        "applicant_id_number": ID_NUMBER,
        "applicant_phone": "13907171234",
        "materials": ITEM_MATERIALS,
        "note": "",
        "submit": "forward",
    }
    data.update(overrides)
    return data


def case_at(code: str, tracking_no: str) -> Case:
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        return Case.objects.get(tracking_no=tracking_no)


def cases_at(code: str) -> int:
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        return Case.objects.count()


def test_item_search_lists_proxy_items_only(agent_client):
    page = agent_client.get(f"/c/{VILLAGE}/cases/new/?q=最低生活").content.decode()
    assert ITEM in page
    page = agent_client.get(f"/c/{VILLAGE}/cases/new/?department=民政").content.decode()
    assert ITEM in page


def test_missing_material_stops_forwarding_and_logs_nothing(agent_client):
    data = new_case_form(agent_client, materials=ITEM_MATERIALS[:-1])
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "材料不齐，不能上报" in page and ITEM_MATERIALS[-1] in page
    assert cases_at(VILLAGE) == 0  # log and forward: both or neither


def test_bad_id_number_is_shown_beside_the_field(agent_client):
    data = new_case_form(agent_client, applicant_id_number="420581199001010012")
    page = agent_client.post(f"/c/{VILLAGE}/cases/new/", data).content.decode()
    assert "居民身份证号码" in page and "has-error" in page
    assert cases_at(VILLAGE) == 0


def test_double_submission_creates_one_case(agent_client):
    data = new_case_form(agent_client)
    first = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    second = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]
    assert cases_at(VILLAGE) == 1


def test_log_now_forward_later(agent_client):
    data = new_case_form(agent_client, submit="log", materials=ITEM_MATERIALS[:2])
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    number = response["Location"].split("/cases/")[1].split("/")[0]
    assert case_at(VILLAGE, number).state == "submitted"
    refused = agent_client.post(f"/c/{VILLAGE}/cases/{number}/forward/")
    assert refused.status_code == 422 and "材料不齐" in refused.content.decode()
    assert 'data-testid="complete"' in refused.content.decode()  # tick what was handed in
    response = agent_client.post(
        f"/c/{VILLAGE}/cases/{number}/complete_materials/", {"materials": ITEM_MATERIALS[2:]}
    )
    assert response.status_code == 302
    assert agent_client.post(f"/c/{VILLAGE}/cases/{number}/forward/").status_code == 302
    assert case_at(VILLAGE, number).state == "escalated"


def test_village_to_county_and_back(agent_client, township_client, county_client):
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", new_case_form(agent_client))
    assert response.status_code == 302
    number = response["Location"].split("/cases/")[1].split("/")[0]
    receipt = agent_client.get(f"/c/{VILLAGE}/cases/{number}/receipt/").content.decode()
    code = case_at(VILLAGE, number).query_code
    assert number in receipt and code and code in receipt
    drain()

    # The township accepts, asks once for a material, the agent supplies it.
    worklist = township_client.get(f"/c/{TOWNSHIP}/worklist/").content.decode()
    assert number in worklist
    assert township_client.post(f"/c/{TOWNSHIP}/cases/{number}/accept/").status_code == 302
    response = township_client.post(
        f"/c/{TOWNSHIP}/cases/{number}/request_supplement/",
        {"materials": ["户口簿"], "note": "户口簿复印件不清晰"},
    )
    assert response.status_code == 302
    drain()
    village_page = agent_client.get(f"/c/{VILLAGE}/cases/{number}/").content.decode()
    assert 'data-testid="notice"' in village_page and "户口簿" in village_page
    assert (
        agent_client.post(
            f"/c/{VILLAGE}/cases/{number}/supply/", {"materials": ["户口簿"]}
        ).status_code
        == 302
    )
    drain()
    town = township_client.get(f"/c/{TOWNSHIP}/cases/{number}/").content.decode()
    assert "上报上级" in town and "准予许可</button>" not in town  # county decides SX-0020
    assert township_client.post(f"/c/{TOWNSHIP}/cases/{number}/escalate/").status_code == 302
    drain()

    # The county decides.
    for action in ("accept", "start_review", "approve"):
        response = county_client.post(f"/c/{COUNTY}/cases/{number}/{action}/", {"note": "符合条件"})
        assert response.status_code == 302, (action, response.content.decode()[:3000])
    drain()

    page = agent_client.get(f"/c/{VILLAGE}/cases/{number}/").content.decode()
    assert "准予许可" in page and "送达申请人" in page
    assert agent_client.post(f"/c/{VILLAGE}/cases/{number}/deliver/").status_code == 302
    # The desk may rate another centre of the chain that served the applicant (once each); the
    # deciding centre's rating, the default, is still to come.
    page = agent_client.get(f"/c/{VILLAGE}/cases/{number}/").content.decode()
    assert 'name="hop"' in page and f'<option value="{TOWNSHIP}">' in page
    elsewhere = agent_client.post(
        f"/c/{VILLAGE}/cases/{number}/rate/", {"rating": "4", "hop": "420500"}
    )
    assert elsewhere.status_code == 422 and "没有办理过这件办件" in elsewhere.content.decode()
    response = agent_client.post(
        f"/c/{VILLAGE}/cases/{number}/rate/", {"rating": "4", "hop": TOWNSHIP}
    )
    assert response.status_code == 302
    assert 'name="hop"' in agent_client.get(f"/c/{VILLAGE}/cases/{number}/").content.decode()
    too_long = agent_client.post(
        f"/c/{VILLAGE}/cases/{number}/rate/", {"rating": "5", "comment": "好" * 501}
    )
    assert too_long.status_code == 422
    assert "意见最多 500 个字" in too_long.content.decode()
    response = agent_client.post(
        f"/c/{VILLAGE}/cases/{number}/rate/", {"rating": "5", "comment": "代办员全程跑腿，很方便"}
    )
    assert response.status_code == 302
    drain()
    # The desk's entry rates the centre that decided (ratings app, public schema).
    from ratings.models import Rating

    town_rating = Rating.objects.get(tracking_no=number, centre_code=TOWNSHIP)
    assert (town_rating.level, town_rating.source, town_rating.deciding) == (4, "desk", False)
    rating = Rating.objects.get(tracking_no=number, deciding=True)
    assert (rating.centre_code, rating.level, rating.source, rating.comment) == (
        COUNTY,
        5,
        "desk",
        "代办员全程跑腿，很方便",
    )

    # The citizen tracks it with the receipt's number and code; a wrong code finds nothing.
    citizen = Client()
    page = citizen.get("/track/", {"tracking_no": number, "query_code": code}).content.decode()
    assert 'data-testid="chain"' in page and "已送达" in page
    wrong = citizen.get("/track/", {"tracking_no": number, "query_code": "WRONG234"})
    assert "没有找到该办件" in wrong.content.decode()


def test_full_id_number_only_on_the_case_page(agent_client):
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", new_case_form(agent_client))
    number = response["Location"].split("/cases/")[1].split("/")[0]
    assert ID_NUMBER in agent_client.get(f"/c/{VILLAGE}/cases/{number}/").content.decode()
    assert ID_NUMBER not in agent_client.get(f"/c/{VILLAGE}/register/").content.decode()


def test_a_case_of_another_centre_is_not_found(agent_client, township_client):
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", new_case_form(agent_client))
    number = response["Location"].split("/cases/")[1].split("/")[0]
    assert township_client.get(f"/c/{TOWNSHIP}/cases/{number}/").status_code == 404  # not yet
    assert township_client.get(f"/c/{VILLAGE}/cases/{number}/").status_code == 403


def test_actions_need_a_csrf_token(demo_users):
    client = Client(enforce_csrf_checks=True)
    from tests.web.conftest import login

    login_page = client.get("/login/")
    token = login_page.cookies["csrftoken"].value
    from accounts.demo import DEMO_PASSWORD
    from tests.web.conftest import AGENT

    response = client.post(
        "/login/", {"username": AGENT, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    data = {"item_code": ITEM, "idempotency_key": uuid.uuid4().hex}
    assert client.post(f"/c/{VILLAGE}/cases/new/", data).status_code == 403
    assert cases_at(VILLAGE) == 0
    del login


def test_worklist_marks_overdue_and_due_soon_cases(agent_client, township_client):
    import datetime as dt

    from django.utils import timezone

    numbers = []
    for _ in range(2):
        response = agent_client.post(f"/c/{VILLAGE}/cases/new/", new_case_form(agent_client))
        numbers.append(response["Location"].split("/cases/")[1].split("/")[0])
    drain()
    for number in numbers:
        township_client.post(f"/c/{TOWNSHIP}/cases/{number}/accept/")
    today = timezone.localdate()
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        Case.objects.filter(tracking_no=numbers[0]).update(due_on=today - dt.timedelta(days=10))
        Case.objects.filter(tracking_no=numbers[1]).update(due_on=today)
    counters_committed()
    page = township_client.get(f"/c/{TOWNSHIP}/worklist/?tab=review").content.decode()
    assert "badge red" in page and "逾期" in page
    assert "badge yellow" in page and "即将到期" in page
    overdue = township_client.get(f"/c/{TOWNSHIP}/worklist/?tab=review&warning=red").content
    assert numbers[0] in overdue.decode() and numbers[1] not in overdue.decode()
    assert 'data-tab="review">2<' in page


def test_register_filters_by_what_needs_me(agent_client):
    logged = agent_client.post(
        f"/c/{VILLAGE}/cases/new/",
        new_case_form(agent_client, submit="log", applicant_name="待上报甲"),
    )
    forwarded = agent_client.post(
        f"/c/{VILLAGE}/cases/new/", new_case_form(agent_client, applicant_name="已上报乙")
    )
    assert logged.status_code == forwarded.status_code == 302
    page = agent_client.get(f"/c/{VILLAGE}/register/?needs=forward").content.decode()
    assert "待上报甲" in page and "已上报乙" not in page
    page = agent_client.get(f"/c/{VILLAGE}/register/?state=escalated").content.decode()
    assert "已上报乙" in page and "待上报甲" not in page
    fragment = agent_client.get(f"/c/{VILLAGE}/register/", HTTP_HX_REQUEST="true").content.decode()
    assert "待上报甲" in fragment and "<html" not in fragment  # htmx: the list alone
