"""Exports of a stored run: an XLSX workbook with Chinese headers and a PNG chart.

The workbook has a summary sheet (汇总: the run, coverage per tier, 六有, the subtree's totals and
the ranking of the units one level down) and one sheet per tier (市级, 县级, 乡镇, 村级) with each
centre's indicators, score and rank; the county and township sheets add the centre's subtree
(辖区) figures.

The chart shows coverage and on-time rate per unit one level below the assessed subtree (per
county for the city). Chinese names need a CJK font: the Noto Sans CJK SC font shipped by the
``mplfonts`` package (a dependency, so every install has it, no system font package needed), or
a system CJK font; without any, the chart is labelled with division codes and English titles
(the workbook carries the names).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assessment.indicators import SIX
from assessment.models import AssessmentRun, Scope
from tenants.divisions import Tier

PERCENT = "0.00%"
DECIMAL = "0.00"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)

TIER_SHEETS = [
    (Tier.CITY, "市级"),
    (Tier.COUNTY, "县级"),
    (Tier.TOWNSHIP, "乡镇"),
    (Tier.VILLAGE, "村级"),
]
TIER_LABELS = {Tier.CITY: "市级", Tier.COUNTY: "县级", Tier.TOWNSHIP: "乡镇", Tier.VILLAGE: "村级"}
SIX_LABELS = {
    "has_premises": "有场所",
    "has_signage": "有标识",
    "has_staff": "有固定值守人员",
    "has_phone": "有公开电话",
    "has_register": "有服务台账",
    "has_procedures": "有公开办事指南",
}

#: (indicator key, header, number format or None) for every centre row.
CASE_COLUMNS = [
    ("received", "收件数", None),
    ("accepted", "受理数", None),
    ("refused", "不予受理数", None),
    ("completed", "办结数", None),
    ("immediate_ratio", "即办件比例", PERCENT),
    ("on_time_rate", "按期办结率", PERCENT),
    ("early_rate", "提前办结率", PERCENT),
    ("overdue_completed", "超期办结数", None),
    ("overdue_open", "超期未办结数", None),
    ("overdue", "超期件数", None),
    ("saved_vs_legal", "较法定时限节约工作日", None),
    ("saved_vs_promised", "较承诺时限节约工作日", None),
    ("rated", "评价数", None),
    ("satisfaction_rate", "满意率", PERCENT),
    ("forwarded", "代办转报数", None),
    ("escalated", "上报数", None),
    ("turnaround_days", "平均停留工作日", DECIMAL),
    ("stuck_chains", "滞留件数", None),
    ("open_cases", "期末在办件", None),
]
SCORE_COLUMNS = [
    ("base_score", "基础分", DECIMAL),
    ("bonus", "加分", DECIMAL),
    ("penalty", "扣分", DECIMAL),
    ("score", "得分", DECIMAL),
]
SUBTREE_COLUMNS = [
    ("coverage_rate", "辖区覆盖率", PERCENT),
    ("on_time_rate", "辖区按期办结率", PERCENT),
    ("six_all_rate", "辖区六有达标率", PERCENT),
    ("idle_centres", "辖区无办件中心数", None),
]


def workbook(run: AssessmentRun) -> bytes:
    results = list(run.results.all().order_by("rank", "code"))
    centres = [r for r in results if r.scope == Scope.CENTRE]
    subtrees = {r.code: r for r in results if r.scope == Scope.SUBTREE}
    book = Workbook()
    _summary_sheet(book.active, run, subtrees)
    for tier, title in TIER_SHEETS:
        rows = [r for r in centres if r.tier == tier]
        if rows:
            _tier_sheet(book.create_sheet(title), tier, rows, subtrees)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(sheet, run: AssessmentRun, subtrees: dict) -> None:
    sheet.title = "汇总"
    root = subtrees[run.subtree_code]
    ind = root.indicators
    sheet.append(["政务服务体系覆盖考核汇总"])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in [
        ("考核范围", f"{root.name}（{run.subtree_code}）"),
        ("考核期", f"{run.period_start:%Y-%m-%d} 至 {run.period_end:%Y-%m-%d}"),
        ("未办结统计时点", _local(run.as_of)),
        ("考核方案", f"{run.scheme.name} 第 {run.scheme.version} 版"),
        ("执行人", run.created_by),
        ("执行时间", _local(run.created_at)),
        ("批次编号", run.pk),
        ("总得分", root.score),
    ]:
        sheet.append([label, value])
    sheet.append([])
    _header(sheet, ["覆盖率", "单位数", "有运行网点数", "覆盖率"])
    for tier in (Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE):
        units = ind[f"units_{tier}"]
        if units:
            sheet.append(
                [
                    TIER_LABELS[tier],
                    units,
                    ind[f"covered_{tier}"],
                    ind[f"coverage_{tier}_rate"],
                ]
            )
            sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append(["合计", ind["units"], ind["covered"], ind["coverage_rate"]])
    sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([])
    _header(sheet, ["六有（村级网点）", "具备数", "运行网点数", "比例"])
    for name in SIX:
        points = ind["village_points"]
        sheet.append(
            [SIX_LABELS[name], ind[f"six_{name}"], points, _ratio(ind[f"six_{name}"], points)]
        )
        sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append(["六有齐全", ind["six_all"], ind["village_points"], ind["six_all_rate"]])
    sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([])
    _header(sheet, ["办件指标", "数值"])
    for key, label, fmt in CASE_COLUMNS:
        sheet.append([label, ind[key]])
        if fmt:
            sheet.cell(sheet.max_row, 2).number_format = fmt
    for tier in (Tier.VILLAGE, Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY):
        sheet.append([f"平均停留工作日（{TIER_LABELS[tier]}）", ind[f"turnaround_{tier}"]])
        sheet.cell(sheet.max_row, 2).number_format = DECIMAL
    sheet.append(["无办件中心数", ind["idle_centres"]])
    sheet.append(["期内曾暂停中心数", ind["suspended_in_period"]])
    below = _units_below(run, subtrees)
    if below:
        sheet.append([])
        _header(sheet, ["排名", "行政区划代码", "名称", "覆盖率", "按期办结率", "满意率", "得分"])
        for unit in sorted(below, key=lambda u: (u.rank, u.code)):
            sheet.append(
                [
                    unit.rank,
                    unit.code,
                    unit.name,
                    unit.indicators["coverage_rate"],
                    unit.indicators["on_time_rate"],
                    unit.indicators["satisfaction_rate"],
                    unit.score,
                ]
            )
            for column in (4, 5, 6):
                sheet.cell(sheet.max_row, column).number_format = PERCENT
    _widths(sheet, [22, 22, 22, 14, 14, 14, 10])


def _tier_sheet(sheet, tier: str, rows: list, subtrees: dict) -> None:
    # (source, key, header, number format): where each column's value comes from.
    columns = [
        ("result", "rank", "排名", None),
        ("result", "code", "行政区划代码", None),
        ("result", "name", "名称", None),
        ("result", "parent_code", "上级代码", None),
        ("status", "active_at_end", "期末状态", None),
        ("centre", "active_share", "期内运行时间占比", PERCENT),
        *(("centre", key, header, fmt) for key, header, fmt in CASE_COLUMNS),
        ("idle", "idle_centres", "无办件", None),
    ]
    if tier == Tier.VILLAGE:
        columns += [("six", f"six_{name}", SIX_LABELS[name], None) for name in SIX]
        columns += [("six", "six_all", "六有齐全", None)]
    columns += [("result", key, header, fmt) for key, header, fmt in SCORE_COLUMNS]
    if tier in (Tier.COUNTY, Tier.TOWNSHIP):
        columns += [("subtree", key, header, fmt) for key, header, fmt in SUBTREE_COLUMNS]
        columns += [
            ("subtree_result", "score", "辖区得分", DECIMAL),
            ("subtree_result", "rank", "辖区排名", None),
        ]
    _header(sheet, [header for _source, _key, header, _fmt in columns])
    for result in rows:
        ind = result.indicators
        subtree = subtrees.get(result.code)
        values = []
        for source, key, _header_text, _fmt in columns:
            if source == "result":
                value = getattr(result, key)
            elif source == "status":
                value = "运行" if ind[key] else "暂停"
            elif source == "idle":
                value = "是" if ind[key] else ""
            elif source == "six":
                value = ("有" if ind[key] else "无") if ind["village_points"] else "—"
            elif source == "subtree":
                value = subtree.indicators[key] if subtree else None
            elif source == "subtree_result":
                value = getattr(subtree, key) if subtree else None
            else:
                value = ind[key]
            values.append(value)
        sheet.append(values)
        for column, (_source, _key, _header_text, fmt) in enumerate(columns, start=1):
            if fmt:
                sheet.cell(sheet.max_row, column).number_format = fmt
    sheet.freeze_panes = "D2"
    _widths(sheet, [6, 15, 24, 15] + [11] * (len(columns) - 4))


def _header(sheet, labels: list[str]) -> None:
    sheet.append(labels)
    for column in range(1, len(labels) + 1):
        cell = sheet.cell(sheet.max_row, column)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _units_below(run: AssessmentRun, subtrees: dict) -> list:
    """The units one level below the assessed subtree: counties of a city, townships of a county
    (their subtrees), villages of a township (the centres)."""
    root = subtrees[run.subtree_code]
    child_tier = {Tier.CITY: Tier.COUNTY, Tier.COUNTY: Tier.TOWNSHIP}.get(root.tier)
    if child_tier:
        return [s for s in subtrees.values() if s.tier == child_tier and s.parent_code == root.code]
    if root.tier == Tier.TOWNSHIP:
        return list(
            run.results.filter(scope=Scope.CENTRE, tier=Tier.VILLAGE, parent_code=root.code)
        )
    return []


# --- the chart -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_font() -> Path | None:
    """A font file with Chinese glyphs: the one mplfonts ships, else a system one, else None."""
    from importlib.util import find_spec

    spec = find_spec("mplfonts")  # located, not imported: we only want its font file
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if path.exists():
            return path
    from matplotlib import font_manager

    for candidate in font_manager.findSystemFonts():
        name = Path(candidate).name.lower()
        if any(key in name for key in ("notosanscjk", "sourcehansans", "wqy", "droidsansfallback")):
            return Path(candidate)
    return None


def chart(run: AssessmentRun) -> bytes:
    # The object API, not pyplot: no global figure state in a server process.
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    subtrees = {r.code: r for r in run.results.filter(scope=Scope.SUBTREE)}
    units = sorted(_units_below(run, subtrees), key=lambda u: u.code)
    font_path = cjk_font()
    props = None
    if font_path:
        font_manager.fontManager.addfont(str(font_path))
        props = font_manager.FontProperties(fname=str(font_path))
    labels = [u.name if props else u.code for u in units]
    coverage = [u.indicators["coverage_rate"] for u in units]
    on_time = [u.indicators["on_time_rate"] for u in units]

    fig = Figure(figsize=(max(6.0, 0.9 * len(units) + 2), 4.8), dpi=120)
    ax = fig.subplots()
    positions = list(range(len(units)))
    width = 0.38
    for offset, values, colour, label in (
        (-width / 2, coverage, "#4472C4", "覆盖率" if props else "coverage"),
        (width / 2, on_time, "#ED7D31", "按期办结率" if props else "on-time rate"),
    ):
        xs = [p + offset for p in positions]
        bars = ax.bar(xs, [100 * (v or 0) for v in values], width, color=colour, label=label)
        # A rate without cases is not 0%: say so instead of drawing nothing.
        texts = ["—" if v is None else f"{100 * v:.0f}" for v in values]
        ax.bar_label(bars, labels=texts, fontsize=7, padding=2)
    ax.set_ylim(0, 112)
    ax.set_ylabel("%")
    ax.set_xticks(positions)
    ax.set_xticklabels(labels, rotation=45 if len(units) > 6 else 0, ha="right" if len(units) > 6 else "center", fontproperties=props)  # fmt: skip
    root = subtrees[run.subtree_code]
    period = f"{run.period_start:%Y-%m-%d} – {run.period_end:%Y-%m-%d}"
    if props:
        title = f"{root.name} 覆盖率与按期办结率（{period}）"
    else:
        title = f"{root.code}: coverage and on-time rate ({period})"
    ax.set_title(title, fontproperties=props)
    ax.legend(prop=props, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
