"""Exporting the dictionary: the import columns, so an export imports back as "all unchanged"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.dictionary_files import COLUMNS, DATA_SHEET, HELP_SHEET
from catalog.models import ServiceItemVersion
from catalog.services import (
    SAMPLE_DICTIONARY,
    adjust_item,
    export_dictionary,
    import_dictionary,
)
from core.errors import DomainError

from .factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary(sample_dictionary):
    """The sample, with a few awkward values: a fee in cents, a count of 3, text that looks
    like a formula, a second version."""
    adjust_item(
        "SX-0001",
        change_note="调整",
        fee=Decimal("12.50"),
        materials=[("申请书", "original", 3), ("身份证", "original_and_copy", 1)],
    )
    make_item("SX-9001", name="=1+1 不是公式", legal_basis="-- 也不是 --")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_imports_back_unchanged(tmp_path, dictionary, suffix):
    path = tmp_path / f"dictionary{suffix}"
    written = export_dictionary(path)
    versions = ServiceItemVersion.objects.count()

    report = import_dictionary(path)

    assert written == len(report.unchanged) > 60
    assert report.created == report.adjusted == report.retired == report.reinstated == []
    assert ServiceItemVersion.objects.count() == versions


def test_the_sample_file_is_in_export_form(sample_dictionary, tmp_path):
    export_dictionary(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == SAMPLE_DICTIONARY.read_bytes()


def test_csv_header_and_cells(tmp_path, dictionary):
    path = tmp_path / "d.csv"
    export_dictionary(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(",") == COLUMNS
    first = next(line for line in lines if line.startswith("SX-0001,"))
    assert "12.50" in first
    assert "申请书|original|3;身份证|original_and_copy|1" in first
    assert '"township,county"' in first


def test_xlsx_has_the_data_sheet_and_a_chinese_guide(tmp_path, dictionary):
    from openpyxl import load_workbook

    path = tmp_path / "d.xlsx"
    export_dictionary(path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == [DATA_SHEET, HELP_SHEET]
    sheet = workbook[DATA_SHEET]
    assert [c.value for c in sheet[1]] == COLUMNS
    formula_like = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "SX-9001")
    assert formula_like[1].data_type == "s"
    guide = {
        row[0].value: row[2].value
        for row in workbook[HELP_SHEET].iter_rows(min_row=2)
        if row[0].value
    }
    assert set(COLUMNS) <= guide.keys()
    assert "原件" in guide["materials"]


def test_retired_items_can_be_left_out(sample_dictionary, tmp_path):
    everything = export_dictionary(tmp_path / "all.csv")
    active = export_dictionary(tmp_path / "active.csv", include_retired=False)
    assert active == everything - 1
    assert ",retired" not in (tmp_path / "active.csv").read_text(encoding="utf-8-sig")


def test_exporting_to_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(DomainError) as exc:
        export_dictionary(tmp_path / "d.json")
    assert exc.value.code == "unsupported_file_type"
