"""Importing the dictionary: the sample, the semantics of a re-import, and every kind of bad input.

A file with any problem imports nothing, and every problem names its row (as a spreadsheet
shows it: the header is row 1), its column and a stable code.
"""

from __future__ import annotations

import pytest

from catalog.dictionary_files import COLUMNS
from catalog.models import Department, ServiceItem, ServiceItemVersion
from catalog.services import (
    SAMPLE_DICTIONARY,
    active_version,
    adjust_item,
    import_dictionary,
    retire_item,
)
from core.errors import ValidationFailed

from .factories import DepartmentFactory, csv_row, make_item, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _where(exc: ValidationFailed) -> set[tuple]:
    return {(p.row, p.column, p.code) for p in exc.problems}


def _counts() -> tuple[int, int, int]:
    return (
        ServiceItem.objects.count(),
        ServiceItemVersion.objects.count(),
        Department.objects.count(),
    )


# --- The bundled sample -------------------------------------------------------------------


def test_the_sample_imports_at_least_60_items_from_at_least_10_departments():
    report = import_dictionary(SAMPLE_DICTIONARY)
    assert len(report.created) >= 60
    assert len(report.departments_created) >= 10
    assert Department.objects.count() >= 10
    assert report.adjusted == [] and report.unchanged == []
    assert len(report.retired) == 1  # one item shows how a cancelled item looks


@pytest.mark.parametrize(
    ("name", "tiers"),
    [
        ("个体工商户设立登记", ["township", "county"]),
        ("企业设立登记", ["county", "city"]),
        ("食品经营许可", ["county"]),
        ("建设工程规划许可", ["county", "city"]),
        ("农村村民宅基地审批", ["township"]),
        ("最低生活保障审核确认", ["county"]),
        ("残疾人证核发", ["county"]),
        ("城乡居民基本医疗保险参保登记", ["village", "township"]),
        ("出生登记", ["township"]),
        ("户口迁移", ["county"]),
    ],
)
def test_the_sample_has_the_items_every_centre_needs(sample_dictionary, name, tiers):
    version = ServiceItemVersion.objects.get(name=name)
    assert version.decision_tiers == tiers
    assert version.legal_basis.startswith("《")
    assert version.materials.exists()


def test_the_sample_is_plausible(sample_dictionary):
    versions = ServiceItemVersion.objects.all()
    assert versions.filter(handling_type="immediate").count() >= 10
    assert versions.filter(decision_tiers__contains=["village"]).count() >= 3
    assert versions.filter(decision_tiers=["city"]).count() >= 3
    assert versions.filter(proxy_eligible=True).count() > versions.count() / 2
    assert versions.filter(online_eligible=True).exists()
    assert versions.filter(fee=0).count() > versions.count() * 0.8
    for version in versions.filter(handling_type="promised"):
        assert 1 <= version.promised_limit_days <= version.legal_limit_days


def test_reimporting_the_sample_changes_nothing(sample_dictionary):
    before = _counts()
    report = import_dictionary(SAMPLE_DICTIONARY)
    assert report.created == report.adjusted == report.retired == report.reinstated == []
    assert len(report.unchanged) == before[0]
    assert _counts() == before


# --- What a re-import does ----------------------------------------------------------------


def test_a_new_code_adds_an_item_and_its_department(tmp_path):
    report = import_dictionary(write_csv(tmp_path / "d.csv", [csv_row()]))
    assert report.created == ["SX-0001"] and report.departments_created == ["SCJG"]
    version = active_version("SX-0001")
    assert (version.version, version.department.name) == (1, "市场监督管理局")
    assert version.change_note == "导入新增"


def test_changed_rows_get_a_new_version_and_identical_rows_none(tmp_path):
    department = DepartmentFactory(code="SCJG", name="市场监督管理局")
    make_item("SX-0001", department)
    make_item("SX-0002", department, name="食品经营许可")
    report = import_dictionary(
        write_csv(
            tmp_path / "d.csv",
            [
                csv_row(code="SX-0001", promised_limit_days="3"),
                csv_row(code="SX-0002", name="食品经营许可"),
            ],
        )
    )
    assert (report.adjusted, report.unchanged) == (["SX-0001"], ["SX-0002"])
    changed = active_version("SX-0001")
    assert (changed.version, changed.promised_limit_days) == (2, 3)
    assert changed.change_note == "导入调整：承诺时限"
    assert active_version("SX-0002").version == 1


def test_a_change_note_column_is_recorded_on_new_versions(tmp_path):
    make_item("SX-0001")
    columns = [*COLUMNS, "change_note"]
    import_dictionary(
        write_csv(
            tmp_path / "d.csv",
            [csv_row(promised_limit_days="2", change_note="依据市政府文件压缩时限")],
            columns,
        )
    )
    assert active_version("SX-0001").change_note == "依据市政府文件压缩时限"


def test_status_retired_retires_and_active_reinstates(tmp_path):
    department = DepartmentFactory(code="SCJG", name="市场监督管理局")
    make_item("SX-0001", department)
    make_item("SX-0002", department)
    retire_item("SX-0002")
    report = import_dictionary(
        write_csv(
            tmp_path / "d.csv",
            [csv_row(code="SX-0001", status="retired"), csv_row(code="SX-0002", status="active")],
        )
    )
    assert (report.retired, report.reinstated) == (["SX-0001"], ["SX-0002"])
    assert ServiceItem.objects.get(code="SX-0001").is_retired
    assert active_version("SX-0002").version == 1


def test_an_empty_status_keeps_a_retired_item_retired(tmp_path):
    make_item("SX-0001")
    retire_item("SX-0001")
    report = import_dictionary(write_csv(tmp_path / "d.csv", [csv_row(status="")]))
    assert report.unchanged == ["SX-0001"]
    assert ServiceItem.objects.get(code="SX-0001").is_retired


def test_a_retired_item_cannot_be_adjusted_without_reinstating_it(tmp_path):
    make_item("SX-0001")
    retire_item("SX-0001")
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_csv(tmp_path / "d.csv", [csv_row(promised_limit_days="2")]))
    assert _where(exc.value) == {(2, "status", "retired_item")}
    report = import_dictionary(
        write_csv(tmp_path / "d.csv", [csv_row(promised_limit_days="2", status="active")])
    )
    assert (report.reinstated, report.adjusted) == (["SX-0001"], ["SX-0001"])


def test_a_department_name_must_match_the_registered_one(tmp_path):
    DepartmentFactory(code="SCJG", name="市场监督管理局")
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_csv(tmp_path / "d.csv", [csv_row(department_name="工商局")]))
    assert _where(exc.value) == {(2, "department_name", "department_name_mismatch")}
    assert "市场监督管理局" in exc.value.problems[0].message


def test_a_department_name_belongs_to_one_code(tmp_path):
    DepartmentFactory(code="SCJG", name="市场监督管理局")
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_csv(tmp_path / "d.csv", [csv_row(department_code="GSJ")]))
    assert _where(exc.value) == {(2, "department_name", "department_name_taken")}


def test_a_modified_export_creates_versions_only_for_changed_rows(sample_dictionary, tmp_path):
    adjust_item("SX-0005", change_note="先调一次", promised_limit_days=2)  # already at v2
    path = tmp_path / "edited.csv"
    from catalog.services import export_dictionary

    export_dictionary(path)
    text = path.read_text(encoding="utf-8-sig")
    text = text.replace("食品经营许可,", "食品经营许可（含小餐饮）,", 1)
    text = text.replace("残疾人证核发,", "残疾人证核发（新办）,", 1)
    path.write_text(text, encoding="utf-8-sig")
    versions_before = ServiceItemVersion.objects.count()

    report = import_dictionary(path)

    food, disability = (
        ServiceItem.objects.get(current_version__name=name)
        for name in ("食品经营许可（含小餐饮）", "残疾人证核发（新办）")
    )
    assert sorted(report.adjusted) == sorted([food.code, disability.code])
    assert report.created == report.retired == []
    assert len(report.unchanged) == ServiceItem.objects.count() - 2
    assert ServiceItemVersion.objects.count() == versions_before + 2
    assert active_version(food.code).version == 2
    assert active_version("SX-0005").version == 2  # adjusted before, unchanged by the file


# --- Bad rows: every problem reported, nothing imported ------------------------------------


@pytest.mark.parametrize(
    ("overrides", "column", "code"),
    [
        ({"code": ""}, "code", "required"),
        ({"code": "SX 0002"}, "code", "invalid_code"),
        ({"code": "SX-0001"}, "code", "duplicate_code"),
        ({"name": ""}, "name", "required"),
        ({"category": "税收"}, "category", "invalid_category"),
        ({"department_code": "市场局"}, "department_code", "invalid_department_code"),
        ({"department_code": ""}, "department_code", "required"),
        ({"department_name": ""}, "department_name", "required"),
        ({"department_name": "工商局"}, "department_name", "department_name_mismatch"),
        ({"department_code": "GSJ"}, "department_name", "department_name_taken"),
        ({"handling_type": "fast"}, "handling_type", "invalid_handling_type"),
        ({"legal_limit_days": "二十"}, "legal_limit_days", "invalid_number"),
        ({"legal_limit_days": "20.5"}, "legal_limit_days", "invalid_number"),
        ({"legal_limit_days": "-3"}, "legal_limit_days", "out_of_range"),
        ({"legal_limit_days": ""}, "legal_limit_days", "required"),
        ({"promised_limit_days": "30"}, "promised_limit_days", "promised_exceeds_legal"),
        (
            {"handling_type": "immediate", "promised_limit_days": "3"},
            "promised_limit_days",
            "immediate_with_promised_days",
        ),
        ({"promised_limit_days": "0"}, "promised_limit_days", "promised_days_required"),
        ({"fee": "五元"}, "fee", "invalid_number"),
        ({"fee": "-5"}, "fee", "out_of_range"),
        ({"materials": "身份证"}, "materials", "malformed_materials"),
        ({"materials": "身份证|copy|1|x"}, "materials", "malformed_materials"),
        ({"materials": "身份证|scan|1"}, "materials", "invalid_material_form"),
        ({"materials": "身份证|copy|两"}, "materials", "invalid_material_count"),
        ({"materials": "身份证|copy|1;身份证|original|1"}, "materials", "duplicate_material"),
        ({"decision_tiers": "county,province"}, "decision_tiers", "invalid_tier"),
        ({"decision_tiers": ""}, "decision_tiers", "required"),
        ({"proxy_eligible": "maybe"}, "proxy_eligible", "invalid_boolean"),
        ({"online_eligible": ""}, "online_eligible", "required"),
        ({"status": "deleted"}, "status", "invalid_status"),
    ],
)
def test_each_bad_cell_is_reported_with_row_column_and_code(tmp_path, overrides, column, code):
    good = csv_row(code="SX-0001")
    bad = {**csv_row(code="SX-0002", name="个体工商户变更登记"), **overrides}
    path = write_csv(tmp_path / "d.csv", [good, bad])
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(path)
    assert _where(exc.value) == {(3, column, code)}
    problem = exc.value.problems[0]
    assert problem.message and "第 3 行" in str(problem)
    assert _counts() == (0, 0, 0)  # not even the good row, not even the new department


def test_every_problem_of_every_row_is_reported_at_once(tmp_path):
    rows = [
        csv_row(code="SX-0001", fee="abc", decision_tiers="town"),
        csv_row(code="SX-0002"),
        csv_row(
            code="SX-0003", handling_type="immediate", promised_limit_days="5", proxy_eligible="x"
        ),
    ]
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_csv(tmp_path / "d.csv", rows))
    assert _where(exc.value) == {
        (2, "fee", "invalid_number"),
        (2, "decision_tiers", "invalid_tier"),
        (4, "promised_limit_days", "immediate_with_promised_days"),
        (4, "proxy_eligible", "invalid_boolean"),
    }
    assert "4 处错误" in exc.value.message


def test_a_bad_file_leaves_an_existing_dictionary_alone(sample_dictionary, tmp_path):
    before = _counts()
    rows = [csv_row(code="SX-0001", name="改了名"), csv_row(code="SX-9001", fee="x")]
    with pytest.raises(ValidationFailed):
        import_dictionary(write_csv(tmp_path / "d.csv", rows))
    assert _counts() == before
    assert active_version("SX-0001").name == "个体工商户设立登记"


def test_cells_beyond_the_header_are_reported(tmp_path):
    path = tmp_path / "d.csv"
    write_csv(path, [csv_row()])
    path.write_text(path.read_text(encoding="utf-8").rstrip("\r\n") + ",多余\r\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(path)
    assert {(p.row, p.code) for p in exc.value.problems} == {(2, "too_many_cells")}


# --- Bad files ----------------------------------------------------------------------------


def test_header_problems_are_all_reported(tmp_path):
    columns = [c for c in COLUMNS if c not in ("fee", "materials")] + ["remark", "name"]
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_csv(tmp_path / "d.csv", [csv_row()], columns))
    assert _where(exc.value) == {
        (1, "fee", "missing_column"),
        (1, "materials", "missing_column"),
        (1, "remark", "unknown_column"),
        (1, "name", "duplicate_column"),
    }


def test_the_status_column_is_optional(tmp_path):
    columns = [c for c in COLUMNS if c != "status"]
    report = import_dictionary(write_csv(tmp_path / "d.csv", [csv_row()], columns))
    assert report.created == ["SX-0001"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.csv", b"", "empty_file"),
        ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", "empty_file"),
        ("header-only.csv", (",".join(COLUMNS) + "\r\n").encode(), "empty_file"),
        ("dictionary.txt", b"code,name\r\n", "unsupported_file_type"),
        ("dictionary.xls", b"\xd0\xcf\x11\xe0", "unsupported_file_type"),
        ("broken.xlsx", b"this is not a zip file", "unreadable_file"),
        ("binary.csv", b"\x00\x01\x02code", "unreadable_file"),
    ],
)
def test_unusable_files_are_reported(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(path)
    assert [p.code for p in exc.value.problems] == [code]


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(tmp_path / "nowhere.csv")
    assert [p.code for p in exc.value.problems] == ["file_not_found"]


def test_a_gbk_csv_saved_by_excel_is_understood(tmp_path):
    path = write_csv(tmp_path / "d.csv", [csv_row()])
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    report = import_dictionary(path)
    assert report.created == ["SX-0001"]
    assert active_version("SX-0001").name == "个体工商户设立登记"


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(tmp_path):
    rows = [
        csv_row(code="SX-0001"),
        {},
        csv_row(code="SX-0002", legal_limit_days=2, promised_limit_days=5),
    ]
    with pytest.raises(ValidationFailed) as exc:
        import_dictionary(write_xlsx(tmp_path / "d.xlsx", rows))
    assert _where(exc.value) == {(4, "promised_limit_days", "promised_exceeds_legal")}
    assert _counts() == (0, 0, 0)


def test_xlsx_typed_cells_are_understood(tmp_path):
    row = csv_row(legal_limit_days=20, promised_limit_days=5.0, fee=12.5, proxy_eligible=True)
    report = import_dictionary(write_xlsx(tmp_path / "d.xlsx", [row]))
    version = active_version(report.created[0])
    assert (version.promised_limit_days, str(version.fee), version.proxy_eligible) == (
        5,
        "12.50",
        True,
    )
