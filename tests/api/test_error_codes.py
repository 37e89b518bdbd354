"""Error codes are an enum of the SDL, so that clients can switch on them; every code of the
service layer is in it (read from the source), and payloads carry the same strings as before."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from core.error_codes import codes_in, error_codes

SDL = Path(settings.BASE_DIR) / "graphql"


def test_the_sdl_publishes_the_codes_as_an_enum():
    for name in ("network.graphql", "centre.graphql"):
        text = (SDL / name).read_text(encoding="utf-8")
        assert "enum ErrorCode {" in text, name
        assert "code: ErrorCode!" in text, name
        enum = text.split("enum ErrorCode {", 1)[1].split("}", 1)[0]
        for code in ("materials_missing", "out_of_jurisdiction", "invalid_without_data"):
            assert f"\n  {code}\n" in enum, (name, code)
    # One jurisdiction code, not two.
    assert "outside_jurisdiction" not in error_codes()


def test_every_way_of_giving_a_code_is_found():
    source = """
class Late(DomainError):
    code = "late_kind"

def fail(column, code, message):
    pass

raise DomainError(_("x"), code="keyword_code")
fail("some_column", "positional_code", _("y"))
Problem("problem_code", "z")
"""
    assert codes_in(ast.parse(source)) == {
        "late_kind",
        "keyword_code",
        "positional_code",
        "problem_code",
    }


def test_payload_errors_use_the_enum(api, network, people):
    from tests.api.conftest import VILLAGE, person_input

    bad = person_input()
    bad["applicant"]["idNumber"] = "420581900101001"  # a first-generation number
    query = (
        "mutation($input: LogRequestInput!) { logRequest(input: $input) "
        "{ errors { code field messageEn } } }"
    )
    response = api.post(query, {"input": bad}, centre=VILLAGE, token=people["agent"].token)
    [error] = response.payload("logRequest")["errors"]
    assert error["code"] == "id_number_first_generation"
    assert "18-digit" in error["messageEn"]
