"""In a real browser: the assessor runs an assessment and downloads the XLSX; screenshots of
the head's, the assessor's and the dictionary admin's pages at 390 px and 1280 px into
var/screenshots/ (see tests/web/test_browser.py for the server and the browser)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.web.test_browser import PHONE, Person, browser, server  # noqa: F401 (fixtures)

CITY = "420500"


def test_the_assessor_runs_an_assessment_and_downloads_the_xlsx(browser, server):  # noqa: F811
    assessor = Person(browser, server, PHONE, "assessor")
    assessor.login("assessor.420500")
    assessor.go("/assess/")
    assessor.shoot("assess-index")
    assessor.page.click("[data-testid=run-assessment]")
    assessor.page.wait_for_url("**/assess/runs/*/", timeout=90_000)
    assert assessor.page.locator("[data-testid=results] tbody tr").count() == 2  # two counties
    # The charts are drawn (ECharts renders SVG); their numbers are in tables beside them.
    assert assessor.page.locator("[data-chart] svg").count() == 2
    assessor.shoot("assess-run")
    with assessor.page.expect_download() as download:
        assessor.page.click("[data-testid=download-xlsx]")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(path, "rb") as file:
        book = load_workbook(io.BytesIO(file.read()))
    assert book.sheetnames[0] == "汇总"
    run_url = assessor.page.url
    assessor.page.goto(run_url + "?tier=village")
    assert assessor.page.locator("[data-testid=results] tbody tr").count() == 12
    assessor.shoot("assess-run-villages")
    assessor.go("/assess/compare/")
    assessor.page.click("form button[type=submit].primary")
    assessor.page.wait_for_load_state()
    assessor.shoot("assess-compare")
    assessor.go("/assess/checks/?centre=420506101201")
    assessor.shoot("assess-checks")
    assessor.close()


def test_screens_of_the_head_and_the_dictionary_admin(browser, server):  # noqa: F811
    head = Person(browser, server, PHONE, "head")
    head.login("head.420500")
    for path, name in (("", "head-workload"), ("staff/", "head-staff"), ("facts/", "head-facts")):
        response = head.go(f"/c/{CITY}/head/{path}")
        assert response.status == 200
        head.shoot(name)
    head.close()
    admin = Person(browser, server, PHONE, "dictadmin")
    admin.login("dictadmin.420500")
    for path, name in (
        ("/dictionary/", "dictionary-index"),
        ("/dictionary/items/SX-0020/", "dictionary-item"),
        ("/dictionary/items/SX-0020/adjust/", "dictionary-adjust"),
        ("/dictionary/import/", "dictionary-import"),
    ):
        assert admin.go(path).status == 200
        admin.shoot(name)
    admin.close()
