"""Exports of a stored run: an XLSX workbook and a PNG chart, in the active language (Chinese
by default; English when the request or ``LANGUAGE_CODE`` asks for it).

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

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
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
    (Tier.CITY, _("市级")),
    (Tier.COUNTY, _("县级")),
    (Tier.TOWNSHIP, _("乡镇")),
    (Tier.VILLAGE, _("村级")),
]
TIER_LABELS = {
    Tier.CITY: _("市级"),
    Tier.COUNTY: _("县级"),
    Tier.TOWNSHIP: _("乡镇"),
    Tier.VILLAGE: _("村级"),
}
SIX_LABELS = {
    "has_premises": _("有场所"),
    "has_signage": _("有标识"),
    "has_staff": _("有固定值守人员"),
    "has_phone": _("有公开电话"),
    "has_register": _("有服务台账"),
    "has_procedures": _("有公开办事指南"),
}

#: (indicator key, header, number format or None) for every centre row.
CASE_COLUMNS = [
    ("received", _("收件数"), None),
    ("accepted", _("受理数"), None),
    ("refused", _("不予受理数"), None),
    ("completed", _("办结数"), None),
    ("immediate_ratio", _("即办件比例"), PERCENT),
    ("on_time_rate", _("按期办结率"), PERCENT),
    ("early_rate", _("提前办结率"), PERCENT),
    ("overdue_completed", _("超期办结数"), None),
    ("overdue_open", _("超期未办结数"), None),
    ("overdue", _("超期件数"), None),
    ("saved_vs_legal", _("较法定时限节约工作日"), None),
    ("saved_vs_promised", _("较承诺时限节约工作日"), None),
    ("rated", _("评价数"), None),
    ("satisfaction_rate", _("满意率"), PERCENT),
    ("rated_5", _("非常满意"), None),
    ("rated_4", _("满意"), None),
    ("rated_3", _("基本满意"), None),
    ("rated_2", _("不满意"), None),
    ("rated_1", _("非常不满意"), None),
    ("bad_ratings", _("差评数"), None),
    ("rectified_on_time", _("差评按期整改数"), None),
    ("rectified_on_time_rate", _("差评按期整改率"), PERCENT),
    ("callbacks", _("回访数"), None),
    ("forwarded", _("代办转报数"), None),
    ("escalated", _("上报数"), None),
    ("turnaround_days", _("平均停留工作日"), DECIMAL),
    ("stuck_chains", _("滞留件数"), None),
    ("open_cases", _("期末在办件"), None),
    ("warnings_yellow", _("黄色预警数"), None),
    ("warnings_red", _("红色预警数"), None),
    ("supervision_orders", _("督办数"), None),
    ("red_cards", _("红牌数"), None),
    ("papers_held", _("保管申请人材料（份）"), None),
    ("handover_discrepancies", _("材料交接差异"), None),
]
SCORE_COLUMNS = [
    ("base_score", _("基础分"), DECIMAL),
    ("bonus", _("加分"), DECIMAL),
    ("penalty", _("扣分"), DECIMAL),
    ("score", _("得分"), DECIMAL),
]
SUBTREE_COLUMNS = [
    ("coverage_rate", _("辖区覆盖率"), PERCENT),
    ("on_time_rate", _("辖区按期办结率"), PERCENT),
    ("six_all_rate", _("辖区六有达标率"), PERCENT),
    ("idle_centres", _("辖区无办件中心数"), None),
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
            _tier_sheet(book.create_sheet(str(title)), tier, rows, subtrees)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_sheet(sheet, run: AssessmentRun, subtrees: dict) -> None:
    sheet.title = gettext("汇总")
    root = subtrees[run.subtree_code]
    ind = root.indicators
    sheet.append([gettext("政务服务体系覆盖考核汇总")])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in [
        (
            gettext("考核范围"),
            gettext("%(name)s（%(code)s）") % {"name": root.name, "code": run.subtree_code},
        ),
        (
            gettext("考核期"),
            gettext("%(start)s 至 %(end)s")
            % {"start": f"{run.period_start:%Y-%m-%d}", "end": f"{run.period_end:%Y-%m-%d}"},
        ),
        (gettext("未办结统计时点"), _local(run.as_of)),
        (
            gettext("考核方案"),
            gettext("%(name)s 第 %(version)s 版")
            % {"name": run.scheme.name, "version": run.scheme.version},
        ),
        (gettext("执行人"), run.created_by),
        (gettext("执行时间"), _local(run.created_at)),
        (gettext("批次编号"), run.pk),
        (gettext("总得分"), root.score),
    ]:
        sheet.append([label, value])
    sheet.append([])
    _header(
        sheet, [gettext("覆盖率"), gettext("单位数"), gettext("有运行网点数"), gettext("覆盖率")]
    )
    for tier in (Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE):
        units = ind[f"units_{tier}"]
        if units:
            sheet.append(
                [
                    str(TIER_LABELS[tier]),
                    units,
                    ind[f"covered_{tier}"],
                    ind[f"coverage_{tier}_rate"],
                ]
            )
            sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([gettext("合计"), ind["units"], ind["covered"], ind["coverage_rate"]])
    sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([])
    _header(
        sheet,
        [gettext("六有（村级网点）"), gettext("具备数"), gettext("运行网点数"), gettext("比例")],
    )
    for name in SIX:
        points = ind["village_points"]
        sheet.append(
            [str(SIX_LABELS[name]), ind[f"six_{name}"], points, _ratio(ind[f"six_{name}"], points)]
        )
        sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([gettext("六有齐全"), ind["six_all"], ind["village_points"], ind["six_all_rate"]])
    sheet.cell(sheet.max_row, 4).number_format = PERCENT
    sheet.append([])
    _header(sheet, [gettext("办件指标"), gettext("数值")])
    for key, label, fmt in CASE_COLUMNS:
        sheet.append([str(label), ind.get(key)])  # runs stored before an indicator existed
        if fmt:
            sheet.cell(sheet.max_row, 2).number_format = fmt
    for tier in (Tier.VILLAGE, Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY):
        label = gettext("平均停留工作日（%(tier)s）") % {"tier": TIER_LABELS[tier]}
        sheet.append([label, ind[f"turnaround_{tier}"]])
        sheet.cell(sheet.max_row, 2).number_format = DECIMAL
    sheet.append([gettext("无办件中心数"), ind["idle_centres"]])
    sheet.append([gettext("期内曾暂停中心数"), ind["suspended_in_period"]])
    below = _units_below(run, subtrees)
    if below:
        sheet.append([])
        _header(
            sheet,
            [
                gettext("排名"),
                gettext("行政区划代码"),
                gettext("名称"),
                gettext("覆盖率"),
                gettext("按期办结率"),
                gettext("满意率"),
                gettext("得分"),
            ],
        )
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
        ("result", "rank", gettext("排名"), None),
        ("result", "code", gettext("行政区划代码"), None),
        ("result", "name", gettext("名称"), None),
        ("result", "parent_code", gettext("上级代码"), None),
        ("status", "active_at_end", gettext("期末状态"), None),
        ("centre", "active_share", gettext("期内运行时间占比"), PERCENT),
        *(("centre", key, header, fmt) for key, header, fmt in CASE_COLUMNS),
        ("idle", "idle_centres", gettext("无办件"), None),
    ]
    if tier == Tier.VILLAGE:
        columns += [("six", f"six_{name}", SIX_LABELS[name], None) for name in SIX]
        columns += [("six", "six_all", gettext("六有齐全"), None)]
    columns += [("result", key, header, fmt) for key, header, fmt in SCORE_COLUMNS]
    if tier in (Tier.COUNTY, Tier.TOWNSHIP):
        columns += [("subtree", key, header, fmt) for key, header, fmt in SUBTREE_COLUMNS]
        columns += [
            ("subtree_result", "score", gettext("辖区得分"), DECIMAL),
            ("subtree_result", "rank", gettext("辖区排名"), None),
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
                value = gettext("运行") if ind[key] else gettext("暂停")
            elif source == "idle":
                value = gettext("是") if ind[key] else ""
            elif source == "six":
                value = (
                    (gettext("有") if ind[key] else gettext("无")) if ind["village_points"] else "—"
                )
            elif source == "subtree":
                value = subtree.indicators[key] if subtree else None
            elif source == "subtree_result":
                value = getattr(subtree, key) if subtree else None
            else:
                value = ind.get(key)  # runs stored before an indicator existed: empty
            values.append(value)
        sheet.append(values)
        for column, (_source, _key, _header_text, fmt) in enumerate(columns, start=1):
            if fmt:
                sheet.cell(sheet.max_row, column).number_format = fmt
    sheet.freeze_panes = "D2"
    _widths(sheet, [6, 15, 24, 15] + [11] * (len(columns) - 4))


def _header(sheet, labels: list) -> None:
    sheet.append([str(label) for label in labels])
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
    # Chinese labels need a CJK font; English ones (or no such font) use the default font.
    chinese = not (get_language() or "zh-hans").startswith("en")
    font_path = cjk_font() if chinese else None
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
        (-width / 2, coverage, "#4472C4", gettext("覆盖率") if props else "coverage"),
        (width / 2, on_time, "#ED7D31", gettext("按期办结率") if props else "on-time rate"),
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
        title = gettext("%(name)s 覆盖率与按期办结率（%(period)s）") % {
            "name": root.name,
            "period": period,
        }
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
