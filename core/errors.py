"""Typed domain errors with stable codes.

Every rule the service layer enforces fails with a ``DomainError``: a stable ``code`` that
clients and tests match on, the ``field`` it concerns (if any) and a message a person
understands, in Chinese by default and in English when the active language is English. The API
maps these to payload errors, commands to a non-zero exit with the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule was broken. ``code`` is stable; the message is for people."""

    code: str = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        field: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.code
        self.field = field
        self.params = params or {}
        self._message = message
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = str(self._message)
        return text % self.params if self.params else text

    def message_in(self, language: str) -> str:
        with translation.override(language):
            return self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message_in("zh-hans"),
            "message_en": self.message_in("en"),
        }

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Conflict(DomainError):
    code = "conflict"


def _percent(message, params) -> str:
    return str(message) % params


#: ``lazy_percent(_("“%s”不是指标。"), key)``: formatted when shown, in the language then
#: active, so a problem's message has its English too (``Problem.message`` may be lazy).
lazy_percent = lazy(_percent, str)


@dataclass
class Problem:
    """One problem in a file or a batch: where it is and what is wrong."""

    code: str
    message: str
    row: int | None = None
    column: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列 {self.column}")
        prefix = "，".join(where)
        return (
            f"{prefix}：{self.message} ({self.code})" if prefix else f"{self.message} ({self.code})"
        )


class ValidationFailed(DomainError):
    """A batch (a spec file, a dictionary import) had problems; nothing was changed."""

    code = "validation_failed"

    def __init__(self, problems: Iterable[Problem], message: str | Promise | None = None) -> None:
        self.problems = list(problems)
        super().__init__(
            message or _("输入有 %(count)d 处错误，未做任何更改。"),
            params={"count": len(self.problems)},
        )

    def __str__(self) -> str:
        lines = [super().__str__(), *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)
