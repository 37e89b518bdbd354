"""The rating pages through Django's test client: rating from the invitation link and from the
tracking page, the centre's rectification list and page (callback, close), isolation."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.roles import Actor, Role
from ratings import links
from ratings.models import Callback, Rating, Rectification
from tests.web.conftest import COUNTY, ID_NUMBER, ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE

pytestmark = pytest.mark.usefixtures("calendar_kept")


def text(response) -> str:
    return response.content.decode()


def test_rate_from_the_link_page(web_decided):
    no, _code = web_decided
    url = links.link_path(no, COUNTY)
    citizen = Client()
    page = text(citizen.get(url))
    assert no in page and 'data-testid="rate-form"' in page and "非常不满意" in page
    # Bad input: a comment too long, the error beside the field, nothing written.
    response = citizen.post(url, {"rating": "1", "comment": "慢" * 501})
    assert response.status_code == 200 and "意见最多 500 个字" in text(response)
    assert not Rating.objects.exists()
    response = citizen.post(url, {"rating": "1", "comment": "等了很久"})
    assert response.status_code == 302
    page = text(citizen.get(url))
    assert 'data-testid="rated"' in page and "非常不满意" in page
    rating = Rating.objects.get()
    assert (rating.centre_code, rating.level, rating.source) == (COUNTY, 1, "applicant_link")
    assert Rectification.objects.filter(centre_code=COUNTY).count() == 1
    # The same link again: already rated, no form.
    assert 'data-testid="rate-form"' not in page


def test_an_unknown_or_expired_link_says_so(web_decided, settings):
    response = Client().get("/rate/not-a-token/")
    assert response.status_code == 404 and "评价链接无效" in text(response)
    settings.RATING_LINK_MAX_AGE_DAYS = -1  # every link is already over
    response = Client().get(links.link_path(web_decided[0], COUNTY))
    assert response.status_code == 404 and "评价链接已过期" in text(response)


def test_rate_from_the_tracking_page(web_decided):
    no, code = web_decided
    citizen = Client()
    page = text(citizen.get("/track/", {"tracking_no": no, "query_code": code}))
    forms = re.findall(r'data-testid="rate-(\d+)"', page)
    assert forms == [VILLAGE, TOWNSHIP, COUNTY]
    response = citizen.post(
        "/track/rate/",
        {"tracking_no": no, "query_code": code, "centre": TOWNSHIP, "rating": "4", "comment": ""},
    )
    assert response.status_code == 302 and response["Location"].startswith("/track/?")
    page = text(citizen.get(response["Location"]))
    assert "已评价：满意" in page
    # The same hop again: refused beside the form, one row.
    response = citizen.post(
        "/track/rate/", {"tracking_no": no, "query_code": code, "centre": TOWNSHIP, "rating": "1"}
    )
    assert response.status_code == 400 and "每个中心只能评价一次" in text(response)
    # A wrong query code: the tracking form's error, nothing rated.
    response = citizen.post(
        "/track/rate/",
        {"tracking_no": no, "query_code": "WRONG123", "centre": COUNTY, "rating": "5"},
    )
    assert response.status_code == 400 and "请核对回执上的办件编号和查询码" in text(response)
    assert list(Rating.objects.values_list("centre_code", "level", "source")) == [
        (TOWNSHIP, 4, "applicant_tracking")
    ]


def test_an_undecided_case_shows_no_rating_form(demo_users):
    from delegation import services as s
    from delegation.services import Applicant

    agent = Actor("王代办", Role.AGENT, VILLAGE)
    applicant = Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER)
    case = s.log_request(
        VILLAGE, agent, applicant=applicant, item_code=ITEM, materials_received=ITEM_MATERIALS
    )
    page = text(
        Client().get("/track/", {"tracking_no": case.tracking_no, "query_code": case.query_code})
    )
    assert 'data-testid="chain"' in page and 'data-testid="ratings"' not in page
    response = Client().get(links.link_path(case.tracking_no, VILLAGE))
    assert 'data-testid="not-decided"' in text(response)


def test_the_centre_works_its_rectification(web_decided, county_client):
    no, _code = web_decided
    Client().post(links.link_path(no, COUNTY), {"rating": "2", "comment": "态度不好"})
    r = Rectification.objects.get()
    listing = text(county_client.get(f"/c/{COUNTY}/ratings/"))
    assert no in listing and "不满意" in listing and f"rectification-{r.pk}" in listing
    page_url = f"/c/{COUNTY}/ratings/{r.pk}/"
    page = text(county_client.get(page_url))
    assert 'data-testid="callback-form"' in page and "态度不好" in page
    # Closing before any callback: refused beside the note.
    response = county_client.post(f"{page_url}close/", {"note": "已整改"})
    assert response.status_code == 400 and "尚未回访群众" in text(response)
    response = county_client.post(f"{page_url}callback/", {"result": ""})
    assert response.status_code == 400 and "请填写回访结果" in text(response)
    response = county_client.post(
        f"{page_url}callback/", {"result": "已电话致歉", "called_at": "2026-01-05T10:30"}
    )
    assert response.status_code == 302
    response = county_client.post(f"{page_url}close/", {"note": "窗口人员已培训"})
    assert response.status_code == 302
    page = text(county_client.get(page_url))
    assert 'data-testid="closed"' in page and "窗口人员已培训" in page and "已电话致歉" in page
    r.refresh_from_db()
    assert r.state == "closed" and Callback.objects.filter(rectification=r).count() == 1


def test_another_centre_cannot_see_the_rectification(web_decided, county_client, township_client):
    no, _code = web_decided
    Client().post(links.link_path(no, COUNTY), {"rating": "1"})
    r = Rectification.objects.get()
    # The township's staff: not in their list, not found by id, cannot act on it.
    assert no not in text(township_client.get(f"/c/{TOWNSHIP}/ratings/"))
    assert township_client.get(f"/c/{TOWNSHIP}/ratings/{r.pk}/").status_code == 404
    response = township_client.post(f"/c/{TOWNSHIP}/ratings/{r.pk}/callback/", {"result": "x"})
    assert response.status_code == 404
    # … and at the county's pages with their township session: refused.
    assert township_client.get(f"/c/{COUNTY}/ratings/").status_code == 403
    assert township_client.get(f"/c/{COUNTY}/ratings/{r.pk}/").status_code == 403
    assert not Callback.objects.exists()
    # Anonymous: sent to log in.
    assert Client().get(f"/c/{COUNTY}/ratings/").status_code == 302


def test_an_overdue_rectification_is_red_on_the_list(web_decided, county_client):
    import datetime as dt

    no, _code = web_decided
    Client().post(links.link_path(no, COUNTY), {"rating": "1"})
    Rectification.objects.update(
        opened_on=dt.date(2026, 1, 5), due_on=dt.date(2026, 1, 26)
    )  # long over
    listing = text(county_client.get(f"/c/{COUNTY}/ratings/"))
    assert 'class="badge red"' in listing and "逾期" in listing


def test_the_list_and_page_run_the_same_queries_with_more_rectifications(county_client):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from ratings.models import Rating
    from tenants.models import ServiceCentre

    county = ServiceCentre.objects.get(division_code=COUNTY)

    def add(n: int) -> int:
        now = timezone.now()
        for i in range(n):
            rating = Rating.objects.create(
                tracking_no=f"{COUNTY}-20260105-{Rating.objects.count() + 1:05d}",
                centre=county, centre_code=COUNTY, tier="county", case_id=1000 + i, level=1,
                source="desk", deciding=True, decided_on=dt.date(2026, 1, 5), created_at=now,
            )  # fmt: skip
            r = Rectification.objects.create(
                rating=rating, centre=county, centre_code=COUNTY, tracking_no=rating.tracking_no,
                opened_on=dt.date(2026, 1, 5), due_on=dt.date(2026, 1, 26), created_at=now,
            )  # fmt: skip
            Callback.objects.create(
                rectification=r, called_by="张审批", called_at=now, result="已回访", recorded_at=now
            )
        return r.pk

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert county_client.get(url).status_code == 200
        return len(captured)

    pk = add(2)
    queries(f"/c/{COUNTY}/ratings/")  # warm the per-process caches (calendar, session)
    few, few_page = queries(f"/c/{COUNTY}/ratings/"), queries(f"/c/{COUNTY}/ratings/{pk}/")
    pk = add(20)
    many, many_page = queries(f"/c/{COUNTY}/ratings/"), queries(f"/c/{COUNTY}/ratings/{pk}/")
    assert (few, few_page) == (many, many_page)
    assert many <= 10 and many_page <= 10, (many, many_page)
