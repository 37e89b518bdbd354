"""The contract: the exported SDL matches the code, the documented operations are valid, and
GraphiQL is served from this server (no CDN)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.schema import centre_schema, network_schema
from graphql import parse, validate
from graphql_api import sdl
from graphql_api.views import ASSETS
from tests.api.conftest import OPERATIONS, VILLAGE

#: Which endpoint each documented operations file is for.
ENDPOINTS = {
    "agent": centre_schema,
    "staff": centre_schema,
    "head": centre_schema,
    "assessor": network_schema,
    "dictionary_admin": network_schema,
    "supervisor": network_schema,
    "public": network_schema,
    "custody": centre_schema,
}


def test_the_exported_contract_matches_the_code():
    stale = sdl.drifted()
    assert stale == [], f"run `python manage.py export_schema_sdl` (stale: {stale})"
    call_command("export_schema_sdl", "--check", verbosity=0)


def test_the_drift_check_notices_a_change(tmp_path, monkeypatch):
    monkeypatch.setattr(sdl, "CONTRACT_DIR", tmp_path)
    assert sorted(sdl.drifted()) == sorted(sdl.CONTRACTS)
    with pytest.raises(CommandError):
        call_command("export_schema_sdl", "--check", verbosity=0)
    sdl.export()
    assert sdl.drifted() == []
    (tmp_path / "centre.graphql").write_text(
        sdl.render("centre.graphql").replace("worklist", "worklists")
    )
    assert sdl.drifted() == ["centre.graphql"]


@pytest.mark.parametrize("document", sorted(ENDPOINTS))
def test_documented_operations_are_valid_against_their_endpoint(document):
    text = (OPERATIONS / f"{document}.graphql").read_text(encoding="utf-8")
    errors = validate(ENDPOINTS[document].graphql_schema, parse(text))
    assert errors == []
    assert text.startswith("#"), "each file starts by saying who uses it and where"


def test_every_operations_file_is_known():
    assert {path.stem for path in OPERATIONS.glob("*.graphql")} == set(ENDPOINTS)
    assert not list(OPERATIONS.parent.glob("**/*.py")), "graphql/ must hold no Python"


@pytest.mark.parametrize("path", ["/graphql/", f"/c/{VILLAGE}/graphql/"])
def test_graphiql_is_served_offline(client, api_network, path):
    page = client.get(path, HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert "cdn" not in html.lower()
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert b"".join(asset.streaming_content)
    assert set(ASSETS) == {source.rsplit("/", 1)[1] for source in sources}
    assert client.get(path + "assets/../settings.py").status_code == 404
