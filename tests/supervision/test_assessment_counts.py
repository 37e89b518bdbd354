"""The assessment counts, per centre and per subtree, the supervision warnings raised in the
period, the 督办 issued on the centre's cases and its red cards; the default scheme deducts a
point per red card; the XLSX export has the four columns."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from assessment import exports
from assessment import services as assessment
from assessment.defaults import RED_CARD_POINTS
from core.roles import Actor, Role
from supervision import orders
from tests.delegation.conftest import CITY, COUNTY, TOWNSHIP
from tests.delegation.test_chain import drain
from tests.supervision.test_orders import COUNTY_SUPERVISOR, red_at_township

ASSESSOR = Actor(name="孙考核", role=Role.ASSESSOR, centre=CITY)


def results(run) -> dict[tuple[str, str], object]:
    return {(r.scope, r.code): r for r in run.results.all()}


def test_warnings_orders_and_red_cards_are_counted(network):
    first, second = red_at_township(), red_at_township("T-1")  # two red intakes, 20 October
    order = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, first, note="督办")
    orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, second, note="督办")
    drain()
    orders.issue_red_cards(today=order.deadline + dt.timedelta(days=1))  # both missed
    today = timezone.localdate()
    run = assessment.run_assessment(
        ASSESSOR,
        period_start=dt.date(2026, 10, 1),
        period_end=max(today, order.deadline + dt.timedelta(days=1)),
        subtree_code=COUNTY,
    )
    by_unit = results(run)
    town = by_unit[("centre", TOWNSHIP)].indicators
    assert (
        town["warnings_yellow"],
        town["warnings_red"],
        town["supervision_orders"],
        town["red_cards"],
    ) == (0, 2, 2, 2)
    county = by_unit[("subtree", COUNTY)].indicators
    assert (county["warnings_red"], county["supervision_orders"], county["red_cards"]) == (2, 2, 2)
    assert by_unit[("centre", COUNTY)].indicators["red_cards"] == 0
    # The default scheme: RED_CARD_POINTS per red card, on top of the other penalties.
    unit = by_unit[("centre", TOWNSHIP)]
    assert unit.penalty >= 2 * RED_CARD_POINTS
    assert any(a["key"] == "red_cards" for a in run.scheme.adjustments)

    book = load_workbook(io.BytesIO(exports.workbook(run)))
    headers = {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}
    assert {"黄色预警数", "红色预警数", "督办数", "红牌数"} <= {str(h) for h in headers if h}


def test_outside_the_period_nothing_is_counted(network):
    red_at_township()  # warned on 20 October 2026
    run = assessment.run_assessment(
        ASSESSOR,
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        subtree_code=COUNTY,
    )
    town = results(run)[("centre", TOWNSHIP)].indicators
    assert (town["warnings_red"], town["supervision_orders"], town["red_cards"]) == (0, 0, 0)
