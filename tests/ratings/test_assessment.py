# ruff: noqa: F811  (the assessment tests' fixtures are imported below and taken as arguments)
"""The assessment's figures of 好差评 and 差评整改, on the May scenario (tests/assessment):
satisfaction by level at the deciding centre, bad ratings rectified on time, callbacks."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from assessment import services
from assessment.models import Scope
from core.roles import Actor, Role
from ratings import links
from ratings import services as ratings
from ratings.models import Rectification
from tests.assessment.conftest import _layer_assessment, assessor, clock, may, network  # noqa: F401
from tests.assessment.scenario import C, T, V

MAY_JUNE = {"period_start": "2026-05-01", "period_end": "2026-06-30", "subtree_code": "420500"}


def indicators(run, code, scope=Scope.CENTRE) -> dict:
    return run.results.get(scope=scope, code=code).indicators


def test_rectified_on_time_late_and_callbacks(may, clock, assessor):
    # B was rated 2 at the village's desk on 20 May: a rectification at the township (which
    # decided B), due 10 June. The township calls back on 1 June and closes on 5 June: on time.
    township_case = Rectification.objects.get(centre_code=T)
    assert (str(township_case.opened_on), str(township_case.due_on)) == ("2026-05-20", "2026-06-10")
    head = Actor("吴镇长", Role.HEAD, T)
    clock.set("2026-06-01 10:00")
    ratings.record_callback(T, head, township_case.pk, result="已致歉")
    clock.set("2026-06-05 10:00")
    ratings.close_rectification(T, head, township_case.pk, note="已整改")
    # D (decided at the county on 20 May) rated 非常不满意 by link on 21 May: due 11 June,
    # called back on 15 June, never closed.
    clock.set("2026-05-21 09:00")
    ratings.rate_from_link(links.make_token(may["D"], C), level=1, comment="超期了")
    county_case = Rectification.objects.get(centre_code=C)
    assert str(county_case.due_on) == "2026-06-11"
    clock.set("2026-06-15 10:00")
    ratings.record_callback(C, Actor("张审批", Role.STAFF, C), county_case.pk, result="已回访")

    clock.set("2026-07-01 09:00")
    run = services.run_assessment(assessor, **MAY_JUNE)
    t, c = indicators(run, T), indicators(run, C)
    assert {
        k: t[k] for k in ("bad_ratings", "rectified_on_time", "rectified_on_time_rate", "callbacks")
    } == {
        "bad_ratings": 1,
        "rectified_on_time": 1,
        "rectified_on_time_rate": 1.0,
        "callbacks": 1,
    }
    assert {
        k: c[k]
        for k in ("bad_ratings", "rectification_overdue", "rectified_on_time_rate", "callbacks")
    } == {
        "bad_ratings": 1,
        "rectification_overdue": 1,
        "rectified_on_time_rate": 0.0,
        "callbacks": 1,
    }
    # Satisfaction by level, at the deciding centres: the county has A's 5 and D's 1, the
    # township C's 4 and B's 2; the village, which only recorded two of them, none.
    assert {k: c[f"rated_{k}"] for k in range(1, 6)} == {1: 1, 2: 0, 3: 0, 4: 0, 5: 1}
    assert {k: t[f"rated_{k}"] for k in range(1, 6)} == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert indicators(run, V)["rated"] == 0
    city = indicators(run, "420500", Scope.SUBTREE)
    assert (city["bad_ratings"], city["rectified_on_time"], city["callbacks"]) == (2, 1, 2)
    assert city["rectified_on_time_rate"] == 0.5

    # In the workbook, per centre.
    book = load_workbook(io.BytesIO(services.export_run(assessor, run.pk, services.XLSX).content))
    sheet = book["县级"]
    headers = [cell.value for cell in sheet[1]]
    for header in (
        "非常满意",
        "非常不满意",
        "差评数",
        "差评按期整改数",
        "差评按期整改率",
        "回访数",
    ):
        assert header in headers, header
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == C)
    values = dict(zip(headers, row, strict=True))
    assert (values["非常满意"], values["非常不满意"], values["差评数"], values["回访数"]) == (
        1,
        1,
        1,
        1,
    )
    assert values["差评按期整改率"] == 0.0


def test_the_may_run_has_nothing_due_yet(may, assessor):
    """At the end of May the township's rectification (due 10 June) is neither late nor done."""
    run = services.run_assessment(
        assessor, period_start="2026-05-01", period_end="2026-05-31", subtree_code="420500"
    )
    t = indicators(run, T)
    assert (t["bad_ratings"], t["rectified_on_time"], t["rectification_overdue"]) == (1, 0, 0)
    assert t["rectified_on_time_rate"] is None and t["callbacks"] == 0
