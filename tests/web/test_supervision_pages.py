"""督办 in the web app: the supervisor orders a red case from /supervise/, the order shows at the
top of the township's worklist and on the case page, the staff's explanation goes back; the
city sees open orders and red cards; nobody else gets the pages."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from core.roles import Actor, Role
from delegation import services as s
from network.models import CaseRecord
from supervision import orders
from supervision import services as sup
from supervision.models import RedCard, SupervisionOrder
from tests.web.conftest import (
    COUNTY,
    ID_NUMBER,
    ITEM,
    ITEM_MATERIALS,
    TOWNSHIP,
    VILLAGE,
    drain,
    login,
)

COUNTY_SUPERVISOR = "supervisor.420506"
CITY_SUPERVISOR = "supervisor.420500"


def red_case() -> str:
    """A case received at the township on 29 September 2026, never accepted: red intake."""
    agent = Actor(name="王代办", role=Role.AGENT, centre=VILLAGE)
    case = s.log_request(
        VILLAGE,
        agent,
        applicant=s.Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    )
    s.forward_case(VILLAGE, agent, case.tracking_no)
    drain()
    CaseRecord.objects.filter(tracking_no=case.tracking_no, centre_code=TOWNSHIP).update(
        intake_on=dt.date(2026, 9, 29),
        submitted_at=timezone.make_aware(dt.datetime(2026, 9, 29, 9)),
    )
    sup.evaluate(today=dt.date(2026, 10, 20))
    return case.tracking_no


def test_order_from_the_supervisor_page_to_the_worklist_and_back(demo_users, township_client):
    no = red_case()
    boss = login(Client(), COUNTY_SUPERVISOR)
    page = boss.get("/supervise/")
    assert page.status_code == 200
    html = page.content.decode()
    assert no in html and 'data-testid="red-cases"' in html

    form_url = f"/supervise/issue/?centre={TOWNSHIP}&no={no}"
    assert boss.get(form_url).status_code == 200
    data = {"centre_code": TOWNSHIP, "tracking_no": no, "note": "", "deadline": ""}
    refused = boss.post(form_url, data)
    assert refused.status_code == 422
    assert "请填写督办意见" in refused.content.decode()
    past = boss.post(form_url, {**data, "note": "请即受理", "deadline": "2026-01-05"})
    assert past.status_code == 422 and "须晚于今天" in past.content.decode()
    assert SupervisionOrder.objects.count() == 0
    done = boss.post(form_url, {**data, "note": "请即受理"})
    assert done.status_code == 302
    order = SupervisionOrder.objects.get()
    drain()

    worklist = township_client.get(f"/c/{TOWNSHIP}/worklist/").content.decode()
    assert 'data-testid="supervision-order"' in worklist
    assert worklist.index('data-testid="supervision-orders"') < worklist.index('data-testid="tabs"')
    assert "请即受理" in worklist and f"/c/{TOWNSHIP}/supervision/{order.pk}/" in worklist
    case_page = township_client.get(f"/c/{TOWNSHIP}/cases/{no}/").content.decode()
    assert 'data-testid="case-supervision-orders"' in case_page and "请即受理" in case_page

    answer_url = f"/c/{TOWNSHIP}/supervision/{order.pk}/"
    empty = township_client.post(answer_url, {"note": " "})
    assert empty.status_code == 422 and "请填写情况说明" in empty.content.decode()
    answered = township_client.post(answer_url, {"note": "申请人原件在途，明日受理"})
    assert answered.status_code == 302
    worklist = township_client.get(f"/c/{TOWNSHIP}/worklist/").content.decode()
    assert 'data-testid="supervision-order"' not in worklist
    drain()
    order.refresh_from_db()
    assert (order.outcome, order.outcome_note) == ("explained", "申请人原件在途，明日受理")
    html = boss.get("/supervise/").content.decode()
    assert "申请人原件在途，明日受理" in html


def test_the_city_sees_red_cards_by_county(demo_users):
    no = red_case()
    actor = Actor(name="吴督办", role=Role.SUPERVISOR, centre="420500")
    order = orders.issue_order(actor, TOWNSHIP, no, note="请即受理")
    orders.issue_red_cards(today=order.deadline + dt.timedelta(days=1))
    assert RedCard.objects.count() == 1
    city = login(Client(), CITY_SUPERVISOR)
    html = city.get(f"/supervise/?county={COUNTY}").content.decode()
    assert 'data-testid="red-cards"' in html and no in html
    other = city.get("/supervise/?county=420581").content.decode()
    assert no not in other
    assessor = login(Client(), "assessor.420500")
    html = assessor.get("/supervise/").content.decode()
    assert no in html and 'data-testid="red-cases"' not in html  # reads, does not order
    assert assessor.get(f"/supervise/issue/?centre={TOWNSHIP}&no={no}").status_code == 403


def test_others_get_no_supervision_pages(demo_users, township_client, county_client):
    no = red_case()
    assert township_client.get("/supervise/").status_code == 403
    assert Client().get("/supervise/").status_code == 302  # to the login
    order = orders.issue_order(
        Actor(name="郑督办", role=Role.SUPERVISOR, centre=COUNTY), TOWNSHIP, no, note="请即受理"
    )
    drain()
    # The county's staff cannot open or answer the township's order, even by its id.
    assert county_client.get(f"/c/{COUNTY}/supervision/{order.pk}/").status_code == 404
    assert county_client.get(f"/c/{TOWNSHIP}/supervision/{order.pk}/").status_code == 403
    county_boss = login(Client(), COUNTY_SUPERVISOR)
    assert county_boss.get("/supervise/?county=420581").status_code == 403  # outside
