"""Tiers, administrative division codes and the rules of the strict tree.

GB/T 2260 gives cities (prefecture level) and counties six digits: ``PPCC00`` for a city,
``PPCCXX`` (XX ≠ 00) for a county under it. The National Bureau of Statistics extends them to
twelve digits for townships (``county + TTT + 000``) and villages (``township[:9] + VVV``).
A centre's code must extend its parent's, so the code alone places it in the tree, and its
schema name is derived from tier and code, never from free text.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


class Tier(models.TextChoices):
    CITY = "city", _("市级政务服务中心")
    COUNTY = "county", _("县级政务服务中心")
    TOWNSHIP = "township", _("乡镇便民服务中心")
    VILLAGE = "village", _("村便民服务室")


#: A tier's short name, where a centre's own name follows (“县级 宜都市政务服务中心”).
TIER_SHORT = {
    Tier.CITY: _("市级"),
    Tier.COUNTY: _("县级"),
    Tier.TOWNSHIP: _("乡镇级"),
    Tier.VILLAGE: _("村级"),
}


#: The tier each tier's parent must have (the tree is strict).
PARENT_TIER: dict[str, str | None] = {
    Tier.CITY: None,
    Tier.COUNTY: Tier.CITY,
    Tier.TOWNSHIP: Tier.COUNTY,
    Tier.VILLAGE: Tier.TOWNSHIP,
}
TIER_ORDER = [Tier.VILLAGE, Tier.TOWNSHIP, Tier.COUNTY, Tier.CITY]
TIER_RANK = {tier: rank for rank, tier in enumerate(TIER_ORDER)}

#: Schema name prefix per tier; with the numeric code this is the whole schema name.
SCHEMA_PREFIX = {
    Tier.CITY: "city",
    Tier.COUNTY: "county",
    Tier.TOWNSHIP: "town",
    Tier.VILLAGE: "vill",
}
SCHEMA_NAME_RE = re.compile(r"^(city|county)_\d{6}$|^(town|vill)_\d{12}$")

_CITY_RE = re.compile(r"^\d{2}(?!00)\d{2}00$")
_COUNTY_RE = re.compile(r"^\d{4}(?!00)\d{2}$")
_TOWNSHIP_RE = re.compile(r"^\d{6}(?!000)\d{3}000$")
_VILLAGE_RE = re.compile(r"^\d{9}(?!000)\d{3}$")
_CODE_RE = {
    Tier.CITY: _CITY_RE,
    Tier.COUNTY: _COUNTY_RE,
    Tier.TOWNSHIP: _TOWNSHIP_RE,
    Tier.VILLAGE: _VILLAGE_RE,
}
_CODE_SHAPE = {
    Tier.CITY: _("6 位数字，以 00 结尾（如 420500）"),
    Tier.COUNTY: _("6 位数字，末两位不为 00（如 420502）"),
    Tier.TOWNSHIP: _("12 位数字，第 7–9 位不为 000、末三位为 000（如 420502001000）"),
    Tier.VILLAGE: _("12 位数字，末三位不为 000（如 420502001001）"),
}
#: How many leading digits a child shares with its parent's code.
_PARENT_PREFIX_LEN = {Tier.COUNTY: 4, Tier.TOWNSHIP: 6, Tier.VILLAGE: 9}


def validate_tier(tier: str) -> str:
    if tier not in PARENT_TIER:
        raise DomainError(
            _("层级“%(tier)s”无效，应为 city、county、township 或 village。"),
            code="invalid_tier",
            field="tier",
            params={"tier": tier},
        )
    return tier


def validate_division_code(tier: str, code: str) -> str:
    """Check the code's shape for its tier. Returns the code."""
    validate_tier(tier)
    if not isinstance(code, str) or not _CODE_RE[tier].match(code):
        raise DomainError(
            _("行政区划代码“%(code)s”不符合%(tier)s的格式：%(shape)s。"),
            code="invalid_division_code",
            field="division_code",
            params={"code": code, "tier": Tier(tier).label, "shape": _CODE_SHAPE[tier]},
        )
    return code


def validate_parent(tier: str, code: str, parent_tier: str | None, parent_code: str | None) -> None:
    """Check that a centre of ``tier``/``code`` may hang under the given parent."""
    expected = PARENT_TIER[validate_tier(tier)]
    if expected is None:
        if parent_code:
            raise DomainError(
                _("市级中心是网络的根，不能有上级（给出的上级为“%(parent)s”）。"),
                code="city_has_parent",
                field="parent",
                params={"parent": parent_code},
            )
        return
    if not parent_code:
        raise DomainError(
            _("%(tier)s必须有上级%(expected)s。"),
            code="parent_required",
            field="parent",
            params={"tier": Tier(tier).label, "expected": Tier(expected).label},
        )
    if parent_tier != expected:
        raise DomainError(
            _("上级“%(parent)s”是%(actual)s，%(tier)s的上级必须是%(expected)s。"),
            code="wrong_parent_tier",
            field="parent",
            params={
                "parent": parent_code,
                "actual": Tier(parent_tier).label if parent_tier in PARENT_TIER else parent_tier,
                "tier": Tier(tier).label,
                "expected": Tier(expected).label,
            },
        )
    n = _PARENT_PREFIX_LEN[tier]
    if code[:n] != parent_code[:n]:
        raise DomainError(
            _("行政区划代码“%(code)s”的前 %(n)d 位应与上级“%(parent)s”一致。"),
            code="division_code_outside_parent",
            field="division_code",
            params={"code": code, "n": n, "parent": parent_code},
        )


def schema_name_for(tier: str, code: str) -> str:
    """The schema name of a centre: derived from tier and code, validated, never free text."""
    validate_division_code(tier, code)
    name = f"{SCHEMA_PREFIX[tier]}_{code}"
    assert SCHEMA_NAME_RE.match(name), name
    return name


def tier_of_code(code: str) -> str | None:
    """The tier a division code's shape implies (None if it fits none)."""
    for tier in (Tier.CITY, Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE):
        if _CODE_RE[tier].match(code or ""):
            return tier
    return None


#: How many leading digits of a division code a centre's whole subtree shares.
SUBTREE_PREFIX_LENGTH = {Tier.CITY: 4, Tier.COUNTY: 6, Tier.TOWNSHIP: 9, Tier.VILLAGE: 12}


def subtree_prefix(tier: str, code: str) -> str:
    """The prefix every division code under a centre starts with: a subtree is a prefix (a
    city 420500 → ``4205``, a county 420506 → ``420506``, a township → its 9 significant
    digits, a village → its whole code). The one statement of this rule."""
    return code[: SUBTREE_PREFIX_LENGTH[tier]]


def in_subtree(tier: str, root_code: str, code: str) -> bool:
    """Whether ``code`` is the centre (``tier``, ``root_code``) or under it."""
    return code.startswith(subtree_prefix(tier, root_code))
