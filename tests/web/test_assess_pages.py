"""The city assessor's pages: run an assessment, the stored runs, results per tier (sortable,
drill-down), comparing runs, the XLSX and the chart, 六有 checks — and nothing of another city."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from assessment import services
from core.roles import Actor, Role
from tests.web.conftest import login
from tests.web.office_support import (
    ASSESSOR,
    CITY,
    COUNTY,
    HEAD,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    count_queries,
    log_cases,
    other_city_user,
)

pytestmark = pytest.mark.django_db
ACTOR = Actor(name="孙考核", role=Role.ASSESSOR, centre=CITY)


@pytest.fixture
def network(demo_users):
    log_cases(VILLAGE, 2, forward=True)
    log_cases(OTHER_VILLAGE, 1)
    return demo_users


@pytest.fixture
def assessor(network) -> Client:
    return login(Client(), ASSESSOR)


def run(subtree: str = CITY, start: str | None = None, end: str | None = None):
    """A run of this month so far (the fixture's cases are today's)."""
    today = timezone.localdate()
    start = start or today.replace(day=1).isoformat()
    end = end or today.isoformat()
    return services.run_assessment(ACTOR, period_start=start, period_end=end, subtree_code=subtree)


def test_the_assessor_runs_an_assessment_and_lands_on_its_results(network, assessor):
    page = assessor.get("/assess/")
    assert page.status_code == 200
    form = page.context["form"]
    scheme = form.fields["scheme"].choices[0][0]
    assert (CITY,) == tuple(c for c, _label in form.fields["subtree"].choices[:1])
    today = timezone.localdate()
    response = assessor.post(
        "/assess/",
        {
            "period_start": today.replace(day=1).isoformat(),
            "period_end": today.isoformat(),
            "subtree": CITY,
            "scheme": scheme,
        },
    )
    assert response.status_code == 302
    from assessment.models import AssessmentRun

    stored = AssessmentRun.objects.get()
    assert response["Location"] == f"/assess/runs/{stored.pk}/"
    assert stored.created_by == "孙考核" and stored.subtree_code == CITY
    listing = assessor.get("/assess/").content.decode()
    assert f"/assess/runs/{stored.pk}/" in listing


def test_a_bad_period_is_shown_beside_its_field(network, assessor):
    scheme = assessor.get("/assess/").context["form"].fields["scheme"].choices[0][0]
    response = assessor.post(
        "/assess/",
        {
            "period_start": "2026-11-30",
            "period_end": "2026-11-01",
            "subtree": CITY,
            "scheme": scheme,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["period_end"] == ["考核期的结束日期早于开始日期。"]
    from assessment.models import AssessmentRun

    assert not AssessmentRun.objects.exists()


def test_the_results_per_tier_sortable_with_a_drill_down(network, assessor):
    stored = run()
    response = assessor.get(f"/assess/runs/{stored.pk}/")
    assert response.status_code == 200
    assert response.context["tier"] == "county"
    counties = [row["result"].code for row in response.context["table"]]
    assert sorted(counties) == ["420506", "420581"]
    # The chart's numbers are in the page as a table too (no JavaScript needed).
    assert [row["unit"].code for row in response.context["below"]] == ["420506", "420581"]
    page = response.content.decode()
    assert 'data-testid="below"' in page and "echarts.min.js" in page
    assert "覆盖率" in page and "得分分布" in page

    by_name = assessor.get(f"/assess/runs/{stored.pk}/?tier=county&sort=name")
    names = [row["result"].name for row in by_name.context["table"]]
    assert names == sorted(names)
    by_received = assessor.get(f"/assess/runs/{stored.pk}/?tier=county&sort=received&dir=desc")
    received = [row["result"].indicators["received"] for row in by_received.context["table"]]
    assert received == sorted(received, reverse=True) and received[0] > 0

    townships = assessor.get(f"/assess/runs/{stored.pk}/?tier=township&parent={COUNTY}")
    codes = [row["result"].code for row in townships.context["table"]]
    assert TOWNSHIP in codes and all(c.startswith(COUNTY) for c in codes)
    villages = assessor.get(f"/assess/runs/{stored.pk}/?tier=village&parent={TOWNSHIP}")
    rows = {row["result"].code: row["result"] for row in villages.context["table"]}
    assert VILLAGE in rows and rows[VILLAGE].scope == "centre"
    assert rows[VILLAGE].indicators["received"] == 2


def test_distribution_counts_every_unit_shown(network, assessor):
    stored = run()
    response = assessor.get(f"/assess/runs/{stored.pk}/?tier=village")
    total = sum(b["count"] for b in response.context["distribution"])
    assert total == len(response.context["table"]) == 12


def test_downloads_the_xlsx_and_the_chart(network, assessor):
    stored = run()
    xlsx = assessor.get(f"/assess/runs/{stored.pk}/export.xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx["Content-Disposition"] and ".xlsx" in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "汇总"
    png = assessor.get(f"/assess/runs/{stored.pk}/export.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert assessor.get(f"/assess/runs/{stored.pk}/export.pdf").status_code == 400


def test_compares_two_runs_side_by_side(network, assessor):
    first = run(start="2026-10-01", end="2026-10-31")
    second = run()
    response = assessor.get(f"/assess/compare/?base={first.pk}&other={second.pk}&tier=county")
    assert response.status_code == 200
    units = response.context["units"]
    assert sorted(u["unit"].code for u in units) == ["420506", "420581"]
    assert len(units[0]["indicators"]) == 3
    assert f"#{first.pk}" in response.content.decode()


def test_records_a_six_essentials_check(network, assessor):
    today = timezone.localdate()
    data = {"centre_code": VILLAGE, "checked_on": today.isoformat(), "has_premises": "on"}
    response = assessor.post("/assess/checks/", data)
    assert response.status_code == 302
    page = assessor.get(response["Location"])
    history = page.context["history"]
    assert history[0]["check"].checked_on == today
    assert history[0]["check"].recorded_by == "孙考核"
    assert [value for _label, value in history[0]["facts"]] == [True] + [False] * 5
    assert "核查记录已保存" in page.content.decode()


def test_a_check_in_the_future_is_refused_beside_the_date(network, assessor):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = assessor.post(
        "/assess/checks/", {"centre_code": VILLAGE, "checked_on": tomorrow.isoformat()}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["checked_on"] == ["核查日期不能晚于今天。"]


def test_an_assessor_of_another_city_gets_nothing(network):
    stored = run()
    client = login(Client(), other_city_user("assessor", "assessor.420600"))
    for url in (
        f"/assess/runs/{stored.pk}/",
        f"/assess/runs/{stored.pk}/export.xlsx",
        f"/assess/runs/{stored.pk}/export.png",
        f"/assess/compare/?base={stored.pk}&other={stored.pk}",
        f"/assess/checks/?centre={VILLAGE}",
    ):
        response = client.get(url)
        if url.startswith("/assess/checks/"):
            assert response.status_code == 200
            # "outside_jurisdiction" today; "out_of_jurisdiction" once the apistyle branch is in.
            assert response.context["error"].code in {"outside_jurisdiction", "out_of_jurisdiction"}
            assert response.context["history"] == []
        else:
            assert response.status_code == 403, url
            assert b"\xe5\xae\x9c\xe6\x98\x8c" not in response.content  # no "宜昌" from the run
    refused = client.post(
        "/assess/checks/",
        {"centre_code": VILLAGE, "checked_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 400
    assert "不在" in refused.context["form"].errors["centre_code"][0]
    assert client.get("/assess/").context["runs"] == []


@pytest.mark.parametrize("username", [HEAD, "staff.420500", "dictadmin.420500"])
def test_other_roles_get_nothing(network, username):
    stored = run()
    client = login(Client(), username)
    for url in ("/assess/", f"/assess/runs/{stored.pk}/", f"/assess/runs/{stored.pk}/export.xlsx"):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_log_in(network):
    assert Client().get("/assess/")["Location"].startswith("/login/")


def test_the_forms_need_a_csrf_token(network):
    client = Client(enforce_csrf_checks=True)
    client.cookies = login(Client(), ASSESSOR).cookies
    assert client.get("/assess/checks/").status_code == 200  # logged in
    response = client.post("/assess/checks/", {"centre_code": VILLAGE, "checked_on": "2026-11-01"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("", 9),
        ("runs/{run}/", 6),
        ("runs/{run}/?tier=village", 6),
        ("compare/?base={run}&other={other}", 10),
        ("checks/?centre=" + VILLAGE, 6),
    ],
    ids=["index", "run", "run-villages", "compare", "checks"],
)
def test_each_page_runs_a_constant_number_of_queries(network, assessor, path, queries):
    first, second = run(), run(start="2026-10-01", end="2026-10-31")
    url = "/assess/" + path.format(run=first.pk, other=second.pk)
    few = count_queries(assessor, url)
    log_cases(VILLAGE, 3)
    run()
    services.record_check(ACTOR, VILLAGE, checked_on=timezone.localdate(), has_phone=False)
    assert count_queries(assessor, url) == few
    assert few == queries
