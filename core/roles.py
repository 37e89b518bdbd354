"""Roles a person can hold at a centre, and the acting identity services receive."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("村代办员")
    STAFF = "staff", _("窗口工作人员")
    HEAD = "head", _("中心负责人")
    ASSESSOR = "assessor", _("考核人员")
    DICTIONARY_ADMIN = "dictionary_admin", _("事项管理员")
    #: 督办员: at a city or county centre, issues supervision orders (督办) within its subtree.
    SUPERVISOR = "supervisor", _("督办员")
    SYSTEM = "system", _("系统")


#: The roles that work a centre's desk (agent, staff, head): the one definition every rule uses.
DESK_ROLES = frozenset({Role.AGENT, Role.STAFF, Role.HEAD})


@dataclass(frozen=True)
class Actor:
    """Who acts, in which role, at which centre (division code). Services take it explicitly."""

    name: str
    role: str
    centre: str
    user_id: int | None = None

    @classmethod
    def system(cls, centre: str) -> Actor:
        return cls(name="system", role=Role.SYSTEM, centre=centre)
