"""The management commands only call the services and print what they report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import ServiceItem

from .factories import csv_row, write_csv

pytestmark = pytest.mark.django_db


def test_import_the_bundled_sample_then_export_it(tmp_path):
    out = StringIO()
    call_command("import_dictionary", "sample", stdout=out)
    assert "新增" in out.getvalue()
    assert ServiceItem.objects.count() >= 60

    for name in ("d.csv", "d.xlsx"):
        out = StringIO()
        call_command("export_dictionary", str(tmp_path / name), stdout=out)
        assert (tmp_path / name).exists()
        assert "已导出" in out.getvalue()


def test_import_prints_every_problem_and_fails(tmp_path):
    path = write_csv(
        tmp_path / "d.csv",
        [csv_row(code="SX-0001", fee="abc"), csv_row(code="SX-0002", decision_tiers="province")],
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_dictionary", str(path))
    message = str(exc.value)
    assert "第 2 行" in message and "列 fee" in message and "invalid_number" in message
    assert "第 3 行" in message and "列 decision_tiers" in message and "invalid_tier" in message
    assert exc.value.returncode == 1
    assert not ServiceItem.objects.exists()


def test_export_to_an_unknown_format_fails(tmp_path):
    with pytest.raises(CommandError):
        call_command("export_dictionary", str(tmp_path / "d.pdf"))
