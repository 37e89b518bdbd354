"""Runs are stored, frozen, compared, exported; schemes are versioned; only assessors assess."""

from __future__ import annotations

import io
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

from assessment import services
from assessment.defaults import DEFAULT_SCHEME_NAME
from assessment.models import AssessmentRun, Scope
from core.errors import DomainError, PermissionDenied, ValidationFailed
from core.roles import Actor, Role
from tests.assessment.scenario import T, log

HAN = re.compile(r"[\u3400-\u9fff]")
MAY = {"period_start": "2026-05-01", "period_end": "2026-05-31", "subtree_code": "420500"}


@pytest.fixture(autouse=True)
def _db(db):
    pass


def centre(run, code):
    return run.results.get(scope=Scope.CENTRE, code=code)


def test_a_run_is_stored_with_who_when_what(may_module, assessor):
    run = services.run_assessment(assessor, **MAY)
    run.refresh_from_db()
    assert (run.created_by, run.actor_centre, run.subtree_code) == ("考核员甲", "420500", "420500")
    assert (str(run.period_start), str(run.period_end)) == ("2026-05-01", "2026-05-31")
    assert (run.scheme.name, run.scheme.version) == (DEFAULT_SCHEME_NAME, 1)
    assert run.as_of.isoformat() == "2026-05-31T16:00:00+00:00"  # 1 June 00:00 in Shanghai
    assert run.results.filter(scope=Scope.CENTRE).count() == 19
    assert run.results.filter(scope=Scope.SUBTREE).count() == 7
    assert run.summary["indicators"]["received"] == 13


def test_a_past_result_never_changes_when_new_cases_arrive(may_module, assessor):
    clock = may_module["clock"]
    first = services.run_assessment(assessor, **MAY)
    before = {(r.scope, r.code): (r.indicators, r.score) for r in first.results.all()}

    clock.set("2026-05-29 10:00")  # a late entry for May
    log(T, "T-1")
    clock.set("2026-06-16 09:00")
    second = services.run_assessment(assessor, **MAY)

    first = AssessmentRun.objects.get(pk=first.pk)
    assert {(r.scope, r.code): (r.indicators, r.score) for r in first.results.all()} == before
    assert centre(first, T).indicators["received"] == 4
    assert centre(second, T).indicators["received"] == 5

    comparison = services.compare_runs(assessor, first.pk, second.pk, scope=Scope.CENTRE)
    township = next(u for u in comparison.units if u.code == T)
    deltas = {d.key: d for d in township.indicators}
    assert (deltas["received"].base, deltas["received"].other, deltas["received"].delta) == (
        4,
        5,
        1,
    )
    assert deltas["open_cases"].delta == 1
    assert deltas["on_time_rate"].delta == 0.0
    assert len(comparison.units) == 19


def test_scores_and_ranks_by_the_default_scheme(may_module, assessor):
    run = services.run_assessment(assessor, **MAY)
    township = centre(run, T)
    # coverage 20, on time 20, early 50% → 8, immediate 50% → 10, satisfaction 50% (C's 4 and
    # B's 2, both decided here: docs/ratings.md) → 0, turnaround 1.25 days → 8: 66 of the 85
    # points that apply; +1 for 1 day saved per case.
    assert township.points == {
        "coverage_rate": 20.0,
        "six_essentials_rate": None,
        "on_time_rate": 20.0,
        "early_rate": 8.0,
        "immediate_ratio": 10.0,
        "satisfaction_rate": 0.0,
        "turnaround_days": 8.0,
    }
    assert (township.base_score, township.bonus, township.penalty) == (77.65, 1.0, 0.0)
    assert township.score == 78.65
    townships = run.results.filter(scope=Scope.CENTRE, tier="township").order_by("rank", "code")
    # T3 only escalated one case, within a day: coverage and turnaround apply, full marks.
    # T2 decided nothing: coverage only, less 0.5 + 0.5 for its overdue, stuck case.
    # 420581102000 had no case at all: idle, so the case indicators earn nothing (coverage's
    # 20 of the 85 points that apply, −1 for its idle centre) and it ranks last, not first.
    assert [(r.code, r.score, r.rank, r.peers, r.idle) for r in townships] == [
        ("420581101000", 100.0, 1, 4, False),
        ("420506102000", 99.0, 2, 4, False),
        (T, 78.65, 3, 4, False),
        ("420581102000", 22.53, 4, 4, True),
    ]


def test_schemes_are_versioned_and_runs_keep_theirs(may_module, assessor):
    first = services.run_assessment(assessor, **MAY)
    revised = services.revise_scheme(
        assessor,
        name=DEFAULT_SCHEME_NAME,
        adjustments=[{"key": "overdue", "kind": "penalty", "points": 2, "cap": 4}],
    )
    assert revised.version == 2 and revised.indicators == first.scheme.indicators
    second = services.run_assessment(assessor, **MAY)
    assert second.scheme == revised
    again = services.run_assessment(assessor, **MAY, scheme_version=1)
    assert again.scheme == first.scheme
    county = "420506"
    # One late completion at the county: 0.5 by the first version, 2 by the second.
    assert centre(first, county).penalty == 0.5
    assert centre(second, county).penalty == 2.0
    first.refresh_from_db()
    assert first.scheme.version == 1


def test_a_new_scheme_starts_at_version_one(may_module, assessor):
    scheme = services.revise_scheme(
        assessor,
        name="乡镇便民服务中心考核",
        indicators=[{"key": "on_time_rate", "weight": 100, "bands": [[0.99, 1.0], [0.9, 0.5]]}],
        adjustments=[],
    )
    assert (scheme.version, scheme.stuck_after_working_days) == (1, 10)
    run = services.run_assessment(assessor, **MAY, scheme_name="乡镇便民服务中心考核")
    assert centre(run, "420506").base_score == 0.0  # on time 50%: below every band
    assert centre(run, T).base_score == 100.0


def test_a_bad_scheme_is_refused_whole(may_module, assessor):
    with pytest.raises(ValidationFailed) as exc:
        services.revise_scheme(
            assessor,
            name="坏方案",
            indicators=[
                {"key": "on_time_rate", "weight": 0},
                {"key": "no_such_thing", "weight": 10},
                {"key": "turnaround_days", "weight": 10, "better": "lower"},
            ],
            adjustments=[{"key": "overdue", "kind": "fine", "points": -1, "cap": 0}],
            satisfied_min_rating=6,
        )
    assert {p.code for p in exc.value.problems} == {
        "invalid_weight",
        "unknown_indicator",
        "bands_required",
        "invalid_kind",
        "invalid_points",
        "invalid_cap",
        "invalid_rating",
    }
    assert not services.list_schemes(assessor, name="坏方案")


@pytest.mark.parametrize(
    ("actor", "subtree", "code"),
    [
        (Actor(name="窗口", role=Role.STAFF, centre="420500"), "420500", "not_assessor"),
        (
            Actor(name="县考核", role=Role.ASSESSOR, centre="420581"),
            "420506",
            "out_of_jurisdiction",
        ),
        (
            Actor(name="无中心", role=Role.ASSESSOR, centre="429999"),
            "420500",
            "assessor_centre_unknown",
        ),
    ],
)
def test_only_assessors_within_their_jurisdiction(may_module, actor, subtree, code):
    with pytest.raises(PermissionDenied) as exc:
        services.run_assessment(
            actor, period_start="2026-05-01", period_end="2026-05-31", subtree_code=subtree
        )
    assert exc.value.code == code


def test_a_county_assessed_alone(may_module):
    actor = Actor(name="县考核", role=Role.ASSESSOR, centre="420581")
    run = services.run_assessment(
        actor, period_start="2026-05-01", period_end="2026-05-31", subtree_code="420581"
    )
    assert run.results.filter(scope=Scope.CENTRE).count() == 9
    assert run.summary["indicators"]["received"] == 3  # H at OV, T3, K2


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"period_start": "2026-05-31", "period_end": "2026-05-01"}, "invalid_period"),
        ({"period_start": "2026-5-1", "period_end": "2026-05-31"}, "invalid_date"),
        ({"subtree_code": "420599"}, "centre_not_found"),
        ({"scheme_name": "没有的方案"}, "scheme_not_found"),
    ],
)
def test_bad_requests(may_module, assessor, arguments, code):
    with pytest.raises(DomainError) as exc:
        services.run_assessment(assessor, **{**MAY, **arguments})
    assert exc.value.code == code


def test_exports(may_module, assessor):
    run = services.run_assessment(assessor, **MAY)
    export = services.export_run(assessor, run.pk, services.XLSX)
    assert export.filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["汇总", "市级", "县级", "乡镇", "村级"]
    village = book["村级"]
    headers = [c.value for c in village[1]]
    for header in (
        "行政区划代码",
        "名称",
        "收件数",
        "按期办结率",
        "满意率",
        "有公开办事指南",
        "六有齐全",
        "得分",
    ):
        assert header in headers
    assert village.max_row == 1 + 12
    summary = [[c.value for c in row][:4] for row in book["汇总"].iter_rows()]
    assert ["村级", 12, 10, pytest.approx(10 / 12)] in summary
    assert ["六有齐全", 8, 10, 0.8] in summary
    county_rows = [row for row in summary if row[1] in ("420506", "420581")]
    assert len(county_rows) == 2

    chart = services.export_run(assessor, run.pk, services.PNG)
    assert chart.content.startswith(b"\x89PNG") and chart.filename.endswith(".png")
    with mock.patch("assessment.exports.cjk_font", return_value=None):  # no CJK font at all
        assert services.export_run(assessor, run.pk, services.PNG).content.startswith(b"\x89PNG")
    with pytest.raises(DomainError) as exc:
        services.export_run(assessor, run.pk, "pdf")
    assert exc.value.code == "invalid_format"


def test_exports_follow_the_active_language(may_module, assessor):
    """Chinese by default (above); in English when the caller's language is English."""
    run = services.run_assessment(assessor, **MAY)
    with translation.override("en"):
        export = services.export_run(assessor, run.pk, services.XLSX)
        chart = services.export_run(assessor, run.pk, services.PNG)
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Summary", "City", "County", "Township", "Village"]
    headers = [c.value for c in book["Village"][1]]
    for header in ("Administrative division code", "Name", "Cases received", "On-time rate",
                   "Publishes service guides", "All six essentials", "Score"):  # fmt: skip
        assert header in headers
    summary = [[c.value for c in row][:4] for row in book["Summary"].iter_rows()]
    assert ["Village", 12, 10, pytest.approx(10 / 12)] in summary
    assert ["All six essentials", 8, 10, 0.8] in summary
    cells = {
        c.value for sheet in book for row in sheet.iter_rows() for c in row
        if isinstance(c.value, str)
    }  # fmt: skip
    # Only names (of centres, the scheme, the assessor) are left in Chinese: they are data.
    names = {r.name for r in run.results.all()} | {run.scheme.name, run.created_by}
    chinese = {v for v in cells if HAN.search(v) and not any(n in v for n in names)}
    assert not chinese, chinese
    assert chart.content.startswith(b"\x89PNG")


def test_the_command_runs_stores_exports_and_compares(may_module, tmp_path):
    out = io.StringIO()
    call_command(
        "run_assessment",
        "--period",
        "2026-05-01:2026-05-31",
        "--subtree",
        "420500",
        "--xlsx",
        str(tmp_path / "may.xlsx"),
        "--chart",
        str(tmp_path / "may.png"),
        stdout=out,
    )
    first = AssessmentRun.objects.latest("id")
    assert first.created_by.startswith("manage.py:")
    assert (tmp_path / "may.xlsx").stat().st_size > 5000
    assert (tmp_path / "may.png").read_bytes().startswith(b"\x89PNG")
    assert f"考核批次 #{first.pk}" in out.getvalue()

    out = io.StringIO()
    call_command(
        "run_assessment",
        "--period",
        "2026-04-01:2026-04-30",
        "--subtree",
        "420500",
        "--compare-with",
        str(first.pk),
        stdout=out,
    )
    assert f"与批次 #{first.pk} 相比" in out.getvalue()
    assert "420506" in out.getvalue()

    out = io.StringIO()
    call_command(
        "export_assessment", str(first.pk), "--xlsx", str(tmp_path / "again.xlsx"), stdout=out
    )
    assert (tmp_path / "again.xlsx").exists()


def test_the_command_reports_domain_errors(may_module):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="invalid_period"):
        call_command(
            "run_assessment", "--period", "2026-05-31:2026-05-01", "--subtree", "420500",
            stdout=io.StringIO(),
        )  # fmt: skip


def test_the_command_speaks_the_active_language(may_module):
    out = io.StringIO()
    with translation.override("en"):
        call_command("run_assessment", "--period", "2026-05-01:2026-05-31", "--subtree", "420500",
                     stdout=out)  # fmt: skip
        with pytest.raises(CommandError, match="--period must be START:END"):
            call_command("run_assessment", "--period", "2026-05", "--subtree", "420500")
    text = out.getvalue()
    run = AssessmentRun.objects.latest("id")
    assert f"Assessment run #{run.pk}:" in text and "total score" in text
    for name in {r.name for r in run.results.all()} | {run.scheme.name}:  # data, not messages
        text = text.replace(name, "")
    assert not HAN.search(text), text


def test_the_admin_shows_runs_read_only(may_module, assessor, admin_client):
    run = services.run_assessment(assessor, **MAY)
    for page in ("assessmentrun", "assessmentresult", "scoringscheme"):
        response = admin_client.get(f"/admin/assessment/{page}/")
        assert response.status_code == 200, page
    detail = admin_client.get(f"/admin/assessment/assessmentrun/{run.pk}/change/")
    assert detail.status_code == 200 and "420500" in detail.content.decode()
    assert admin_client.get("/admin/assessment/assessmentrun/add/").status_code == 403
    deleted = admin_client.post(
        f"/admin/assessment/assessmentrun/{run.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403 and AssessmentRun.objects.filter(pk=run.pk).exists()
