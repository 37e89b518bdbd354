"""The API contract: each endpoint's schema as SDL, in ``graphql/`` at the repository root."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from graphql import print_schema

CONTRACT_DIR = Path(settings.BASE_DIR) / "graphql"
#: file name → (endpoint, attribute of core.schema)
CONTRACTS = {
    "network.graphql": ("the network endpoint, /graphql/", "network_schema"),
    "centre.graphql": ("a centre's endpoint, /c/<division_code>/graphql/", "centre_schema"),
}


def render(file_name: str) -> str:
    from core import schema

    endpoint, attribute = CONTRACTS[file_name]
    sdl = print_schema(getattr(schema, attribute).graphql_schema)
    return (
        f"# The contract of {endpoint}.\n"
        "# Exported from the code by `python manage.py export_schema_sdl`: do not edit by hand\n"
        "# (tests/api/test_contract.py fails when the code and this file differ).\n\n"
        f"{sdl}\n"
    )


def drifted() -> list[str]:
    """The contract files that differ from what the code exports now."""
    stale = []
    for name in CONTRACTS:
        path = CONTRACT_DIR / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(name):
            stale.append(name)
    return stale


def export() -> list[Path]:
    CONTRACT_DIR.mkdir(exist_ok=True)
    written = []
    for name in CONTRACTS:
        path = CONTRACT_DIR / name
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written
