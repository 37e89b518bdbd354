"""The docs stand on their own: no link leaves the repository, every link and named doc exists,
and the domain page covers the vocabulary the code uses."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCS = [ROOT / "README.md", ROOT / "graphql" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
NAMED_DOC = re.compile(r"`((?:\.\./)*[\w./-]+\.md)`")


def test_no_doc_points_outside_the_repository():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, doc
        for target in LINK.findall(text) + NAMED_DOC.findall(text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            candidates = [(doc.parent / target).resolve(), (ROOT / target).resolve()]
            inside = [c for c in candidates if c.is_relative_to(ROOT)]
            assert inside, f"{doc.name}: {target} leaves the repository"
            assert any(c.exists() for c in inside), f"{doc.name}: {target} does not exist"


def test_the_domain_page_names_what_the_code_names():
    from core.roles import Role
    from delegation.states import ACTION_LABELS
    from tenants.divisions import Tier

    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    for role in Role.values:
        if role != Role.SYSTEM:
            assert f"`{role}`" in text, role
    for tier in Tier.values:
        assert f"`{tier}`" in text, tier
    for action in ("forward", "escalate", "accept", "refuse", "request_supplement", "approve"):
        assert action in ACTION_LABELS and f"`{action}`" in text, action
    for word in ("行政许可法", "一次性告知", "查询码", "六有", "无办件", "Asia/Shanghai"):
        assert word in text, word
