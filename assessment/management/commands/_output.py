"""What the assessment commands print and write."""

from __future__ import annotations

from pathlib import Path

from assessment import services
from assessment.models import AssessmentRun, Scope


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def print_run(out, run: AssessmentRun) -> None:
    ind = run.summary["indicators"]
    out.write(
        f"考核批次 #{run.pk}：{run.summary['subtree']['name']}（{run.subtree_code}）"
        f" {run.period_start}～{run.period_end}，方案 {run.scheme.name} v{run.scheme.version}，"
        f"耗时 {run.duration_ms} ms"
    )
    out.write(
        f"  覆盖率 {_pct(ind['coverage_rate'])}（县 {_pct(ind['coverage_county_rate'])}，"
        f"乡镇 {_pct(ind['coverage_township_rate'])}，村 {_pct(ind['coverage_village_rate'])}），"
        f"六有齐全 {_pct(ind['six_all_rate'])}"
    )
    out.write(
        f"  收件 {ind['received']}，办结 {ind['completed']}，按期办结率 {_pct(ind['on_time_rate'])}，"
        f"提前办结率 {_pct(ind['early_rate'])}，即办件比例 {_pct(ind['immediate_ratio'])}，"
        f"超期 {ind['overdue']}，满意率 {_pct(ind['satisfaction_rate'])}，"
        f"滞留 {ind['stuck_chains']}，无办件中心 {ind['idle_centres']}"
    )
    out.write(f"  总得分 {run.summary['score']}")
    below = run.results.filter(scope=Scope.SUBTREE).exclude(code=run.subtree_code)
    rows = list(below.filter(parent_code=run.subtree_code).order_by("rank", "code")[:30])
    for r in rows:
        out.write(
            f"  {r.rank:>3}. {r.code} {r.name} 得分 {r.score:.2f}"
            f" 覆盖率 {_pct(r.indicators['coverage_rate'])}"
            f" 按期办结率 {_pct(r.indicators['on_time_rate'])}"
        )


def write_exports(out, actor, run: AssessmentRun, xlsx: str | None, chart: str | None) -> None:
    for path, fmt in ((xlsx, services.XLSX), (chart, services.PNG)):
        if path:
            export = services.export_run(actor, run.pk, fmt)
            Path(path).write_bytes(export.content)
            out.write(f"已写入 {path}（{len(export.content)} 字节）")


def print_comparison(out, comparison: services.Comparison) -> None:
    out.write(f"与批次 #{comparison.base.pk} 相比（辖区）：")
    for unit in comparison.units:
        if unit.scope != Scope.SUBTREE:
            continue
        out.write(
            f"  {unit.code} {unit.name} 得分 {unit.base_score:.2f} → {unit.other_score:.2f}"
            f"（{unit.score_delta:+.2f}），排名 {unit.base_rank} → {unit.other_rank}"
        )
