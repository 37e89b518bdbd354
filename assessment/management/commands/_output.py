"""What the assessment commands print and write."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from assessment import services
from assessment.models import AssessmentRun, Scope


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def print_run(out, run: AssessmentRun) -> None:
    ind = run.summary["indicators"]
    out.write(
        _(
            "考核批次 #%(run)s：%(name)s（%(code)s） %(start)s～%(end)s，"
            "方案 %(scheme)s v%(version)s，耗时 %(ms)s ms"
        )
        % {
            "run": run.pk,
            "name": run.summary["subtree"]["name"],
            "code": run.subtree_code,
            "start": run.period_start,
            "end": run.period_end,
            "scheme": run.scheme.name,
            "version": run.scheme.version,
            "ms": run.duration_ms,
        }
    )
    out.write(
        _(
            "  覆盖率 %(coverage)s（县 %(county)s，乡镇 %(township)s，村 %(village)s），"
            "六有齐全 %(six)s"
        )
        % {
            "coverage": _pct(ind["coverage_rate"]),
            "county": _pct(ind["coverage_county_rate"]),
            "township": _pct(ind["coverage_township_rate"]),
            "village": _pct(ind["coverage_village_rate"]),
            "six": _pct(ind["six_all_rate"]),
        }
    )
    out.write(
        _(
            "  收件 %(received)s，办结 %(completed)s，按期办结率 %(on_time)s，"
            "提前办结率 %(early)s，即办件比例 %(immediate)s，超期 %(overdue)s，"
            "满意率 %(satisfaction)s，滞留 %(stuck)s，无办件中心 %(idle)s"
        )
        % {
            "received": ind["received"],
            "completed": ind["completed"],
            "on_time": _pct(ind["on_time_rate"]),
            "early": _pct(ind["early_rate"]),
            "immediate": _pct(ind["immediate_ratio"]),
            "overdue": ind["overdue"],
            "satisfaction": _pct(ind["satisfaction_rate"]),
            "stuck": ind["stuck_chains"],
            "idle": ind["idle_centres"],
        }
    )
    out.write(_("  总得分 %(score)s") % {"score": run.summary["score"]})
    below = run.results.filter(scope=Scope.SUBTREE).exclude(code=run.subtree_code)
    rows = list(below.filter(parent_code=run.subtree_code).order_by("rank", "code")[:30])
    for r in rows:
        out.write(
            _(
                "  %(rank)3d. %(code)s %(name)s 得分 %(score).2f 覆盖率 %(coverage)s 按期办结率 %(on_time)s"
            )
            % {
                "rank": r.rank,
                "code": r.code,
                "name": r.name,
                "score": r.score,
                "coverage": _pct(r.indicators["coverage_rate"]),
                "on_time": _pct(r.indicators["on_time_rate"]),
            }
        )


def write_exports(out, actor, run: AssessmentRun, xlsx: str | None, chart: str | None) -> None:
    for path, fmt in ((xlsx, services.XLSX), (chart, services.PNG)):
        if path:
            export = services.export_run(actor, run.pk, fmt)
            Path(path).write_bytes(export.content)
            out.write(
                _("已写入 %(path)s（%(size)s 字节）") % {"path": path, "size": len(export.content)}
            )


def print_comparison(out, comparison: services.Comparison) -> None:
    out.write(_("与批次 #%(run)s 相比（辖区）：") % {"run": comparison.base.pk})
    for unit in comparison.units:
        if unit.scope != Scope.SUBTREE:
            continue
        out.write(
            _(
                "  %(code)s %(name)s 得分 %(before).2f → %(after).2f（%(delta)+.2f），"
                "排名 %(rank_before)s → %(rank_after)s"
            )
            % {
                "code": unit.code,
                "name": unit.name,
                "before": unit.base_score,
                "after": unit.other_score,
                "delta": unit.score_delta,
                "rank_before": unit.base_rank,
                "rank_after": unit.other_rank,
            }
        )
