"""The dictionary admin's pages: browse and search, an item's versions, adjust, retire and
reinstate, import (every problem by row, column and reason; nothing imported on any), export."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import ServiceItem
from tests.web.conftest import login
from tests.web.office_support import ASSESSOR, DICTIONARY_ADMIN, HEAD, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(demo_users):
    return demo_users


@pytest.fixture
def admin(network) -> Client:
    return login(Client(), DICTIONARY_ADMIN)


def test_browse_and_search(network, admin):
    response = admin.get("/dictionary/")
    assert response.status_code == 200
    codes = [v.item.code for v in response.context["page"]]
    assert codes == sorted(codes) and "SX-0020" in codes
    found = admin.get("/dictionary/?q=个体工商户设立")
    assert [v.item.code for v in found.context["page"]] == ["SX-0001"]
    by_code = admin.get("/dictionary/?q=sx-002")
    assert [v.item.code for v in by_code.context["page"]][:1] == ["SX-0020"]
    by_department = admin.get("/dictionary/?department=MZ").context["page"]
    assert "SX-0020" in [v.item.code for v in by_department]
    assert "SX-0001" not in [v.item.code for v in by_department]


def test_an_item_with_its_versions(network, admin):
    admin.post(
        "/dictionary/items/SX-0001/adjust/",
        {**_form(admin, "SX-0001"), "promised_limit_days": "2", "change_note": "调整承诺时限"},
    )
    assert admin.get("/dictionary/items/SX-0001/").context["shown"].version == 2
    response = admin.get("/dictionary/items/SX-0001/")
    assert response.status_code == 200
    assert [v.version for v in response.context["versions"]] == [2, 1]
    assert response.context["shown"].promised_limit_days == 2
    old = admin.get("/dictionary/items/SX-0001/?version=1")
    assert old.context["shown"].promised_limit_days == 1
    assert "调整承诺时限" in old.content.decode()


def _form(client, code: str) -> dict:
    values = client.get(f"/dictionary/items/{code}/adjust/").context["values"]
    return {k: v for k, v in values.items() if v is not None}


def test_adjusting_makes_a_new_version(network, admin):
    data = {
        **_form(admin, "SX-0020"),
        "name": "最低生活保障审核确认（调整）",
        "change_note": "更名",
    }
    response = admin.post("/dictionary/items/SX-0020/adjust/", data)
    assert response.status_code == 302
    item = ServiceItem.objects.select_related("current_version").get(code="SX-0020")
    assert item.current_version.version == 2
    assert item.current_version.name == "最低生活保障审核确认（调整）"
    assert item.current_version.created_by.username == DICTIONARY_ADMIN


def test_every_error_of_an_adjustment_beside_its_field(network, admin):
    data = {
        **_form(admin, "SX-0020"),
        "legal_limit_days": "abc",
        "fee": "-1",
        "decision_tiers": [],
        "change_note": "",
    }
    response = admin.post("/dictionary/items/SX-0020/adjust/", data)
    assert response.status_code == 400
    errors = response.context["errors"]
    assert {"legal_limit_days", "fee", "decision_tiers"} <= errors.keys()
    assert ServiceItem.objects.get(code="SX-0020").current_version.version == 1
    page = response.content.decode()
    assert 'class="error"' in page


def test_an_adjustment_without_a_note_is_refused(network, admin):
    response = admin.post(
        "/dictionary/items/SX-0020/adjust/",
        {**_form(admin, "SX-0020"), "name": "新名称", "change_note": ""},
    )
    assert response.status_code == 400
    assert response.context["errors"]["change_note"] == ["变更说明不能为空。"]


def test_retire_and_reinstate(network, admin):
    response = admin.post("/dictionary/items/SX-0002/retire/")
    assert response.status_code == 302
    assert ServiceItem.objects.get(code="SX-0002").is_retired
    assert "SX-0002" not in [v.item.code for v in admin.get("/dictionary/").context["page"]]
    assert "SX-0002" in [v.item.code for v in admin.get("/dictionary/?retired=1").context["page"]]
    again = admin.post("/dictionary/items/SX-0002/retire/")
    assert again.status_code == 400 and again.context["error"].code == "already_retired"
    assert admin.post("/dictionary/items/SX-0002/reinstate/").status_code == 302
    assert not ServiceItem.objects.get(code="SX-0002").is_retired


def _export_rows(client) -> list[dict]:
    response = client.get("/dictionary/export.csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_and_import_back(network, admin):
    rows = _export_rows(admin)
    assert [r["code"] for r in rows][:2] == ["SX-0001", "SX-0002"]
    xlsx = admin.get("/dictionary/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    rows[0]["name"] = "个体工商户设立登记（导入）"
    rows.append({**rows[2], "code": "N-1", "name": "新增事项"})
    response = admin.post("/dictionary/import/", {"file": _csv_file(rows)})
    assert response.status_code == 200, response.content.decode()[:2000]
    report = response.context["report"]
    assert report.created == ["N-1"] and report.adjusted == ["SX-0001"]
    assert ServiceItem.objects.filter(code="N-1").exists()


def _csv_file(rows: list[dict], name: str = "dictionary.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def test_an_import_with_errors_lists_each_and_imports_nothing(network, admin):
    rows = _export_rows(admin)
    rows[0]["legal_limit_days"] = "many"
    rows[1]["category"] = "unknown"
    rows.append({**rows[2], "code": "N-1", "name": "新增事项"})
    response = admin.post("/dictionary/import/", {"file": _csv_file(rows)})
    assert response.status_code == 400
    problems = {(p.row, p.column) for p in response.context["problems"]}
    assert {(2, "legal_limit_days"), (3, "category")} <= problems
    page = response.content.decode()
    assert "legal_limit_days" in page and 'data-testid="problems"' in page
    assert not ServiceItem.objects.filter(code="N-1").exists()


def test_a_file_of_another_type_is_refused(network, admin):
    upload = SimpleUploadedFile("items.xls", b"not really", content_type="application/vnd.ms-excel")
    response = admin.post("/dictionary/import/", {"file": upload})
    assert response.status_code == 400
    assert response.context["problems"][0].code == "unsupported_file_type"
    assert admin.post("/dictionary/import/", {}).status_code == 400


@pytest.mark.parametrize("username", [HEAD, ASSESSOR])
def test_other_roles_get_nothing(network, username):
    client = login(Client(), username)
    for url in ("/dictionary/", "/dictionary/items/SX-0020/", "/dictionary/export.csv"):
        assert client.get(url).status_code == 403
    assert client.post("/dictionary/items/SX-0020/retire/").status_code == 403
    assert not ServiceItem.objects.get(code="SX-0020").is_retired


def test_the_forms_need_a_csrf_token(network):
    client = Client(enforce_csrf_checks=True)
    client.cookies = login(Client(), DICTIONARY_ADMIN).cookies
    assert client.get("/dictionary/").status_code == 200
    assert client.post("/dictionary/items/SX-0020/retire/").status_code == 403
    assert not ServiceItem.objects.get(code="SX-0020").is_retired


@pytest.mark.parametrize(
    ("path", "queries"),
    [("", 7), ("?q=C", 6), ("items/SX-0020/", 7), ("items/SX-0020/adjust/", 7), ("import/", 4)],
    ids=["index", "search", "item", "adjust", "import"],
)
def test_each_page_runs_a_constant_number_of_queries(network, admin, path, queries):
    from catalog import services as catalog

    url = "/dictionary/" + path
    few = count_queries(admin, url)
    for n in range(5):
        catalog.add_item(
            code=f"N-{n + 10}",
            name=f"事项{n}",
            category="benefit",
            department="MZ",
            handling_type="promised",
            legal_limit_days=20,
            promised_limit_days=5,
            decision_tiers=["county"],
            proxy_eligible=True,
            online_eligible=False,
            materials="居民身份证|original|1;申请表|copy|2",
        )
        catalog.adjust_item("SX-0020", change_note=f"第{n}次", promised_limit_days=n + 1)
    assert count_queries(admin, url) == few
    assert few == queries


def _new_item(**changes) -> dict:
    return {
        "code": "SX-0901",
        "name": "农村五保供养审核",
        "category": "benefit",
        "department": "MZ",
        "legal_basis": "《农村五保供养工作条例》",
        "handling_type": "promised",
        "legal_limit_days": "20",
        "promised_limit_days": "10",
        "fee": "0",
        "decision_tiers": ["county"],
        "proxy_eligible": "1",
        "online_eligible": "0",
        "materials": "申请书|original|1\n居民身份证|copy|1",
        "change_note": "",
        **changes,
    }


def test_a_new_item_becomes_version_one(network, admin):
    assert admin.get("/dictionary/new/").status_code == 200
    response = admin.post("/dictionary/new/", _new_item())
    assert response.status_code == 302, response.context and response.context["errors"]
    assert response["Location"].endswith("/dictionary/items/SX-0901/?done=added")
    item = ServiceItem.objects.select_related("current_version").get(code="SX-0901")
    version = item.current_version
    assert version.version == 1 and version.promised_limit_days == 10
    assert version.created_by.username == DICTIONARY_ADMIN
    assert [m.name for m in version.materials.order_by("position")] == ["申请书", "居民身份证"]
    assert "事项已添加" in admin.get(response["Location"]).content.decode()


def test_a_new_item_shows_every_error_and_adds_nothing(network, admin):
    response = admin.post(
        "/dictionary/new/",
        _new_item(code="bad code!", promised_limit_days="30", decision_tiers=[], fee="-1"),
    )
    assert response.status_code == 400
    errors = response.context["errors"]
    assert {"code", "decision_tiers", "fee"} <= errors.keys(), errors
    assert not ServiceItem.objects.filter(versions__name__contains="五保").exists()
    # The form keeps what was typed, one material a line.
    assert response.context["values"]["materials"] == "申请书|original|1\n居民身份证|copy|1"
    duplicate = admin.post("/dictionary/new/", _new_item(code="SX-0020"))
    assert duplicate.status_code == 400
    assert duplicate.context["errors"]["code"] == ["事项编码“SX-0020”已存在。"]


@pytest.mark.parametrize("username", [HEAD, ASSESSOR])
def test_only_a_dictionary_admin_adds_items(network, username):
    client = login(Client(), username)
    assert client.get("/dictionary/new/").status_code == 403
    assert client.post("/dictionary/new/", _new_item()).status_code == 403
    assert not ServiceItem.objects.filter(code="SX-0901").exists()
