"""Checking an applicant's identifier: resident ID number (GB 11643) or credit code (GB 32100).

python-stdnum does the arithmetic; what it says is English and terse ("The number's checksum or
check digit is invalid."), so each of its reasons becomes one of ours, in the catalogue's words,
and a number that failed is never echoed back in full (it is personal data, and a typo of it is
still mostly someone's number).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from core.errors import DomainError

FIELD = "applicant_id_number"

_ID_REASONS = {
    stdnum_errors.InvalidLength: _("应为 18 位"),
    stdnum_errors.InvalidFormat: _("前 17 位应为数字，末位为数字或 X"),
    stdnum_errors.InvalidChecksum: _("校验码不符，请核对是否有数字抄错"),
}
_CODE_REASONS = {
    stdnum_errors.InvalidLength: _("应为 18 位"),
    stdnum_errors.InvalidFormat: _("含有不允许的字符（只用数字和除 I、O、S、V、Z 外的大写字母）"),
    stdnum_errors.InvalidChecksum: _("校验码不符，请核对是否有字符抄错"),
}


def masked(number: str) -> str:
    """What an error may show of a number: its first 4 and last 2 characters at most."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def check_id_number(raw: str) -> str:
    """The resident ID number in its compact form, or a ``DomainError`` saying what is wrong."""
    number = ric.compact(raw or "")
    if len(number) == 15 and number.isdigit():
        raise DomainError(
            _(
                "“%(number)s”是 15 位的第一代居民身份证号码，第一代身份证已停止使用，"
                "请提供 18 位的居民身份证号码。"
            ),
            code="id_number_first_generation",
            field=FIELD,
            params={"number": masked(number)},
        )
    try:
        return ric.validate(number)
    except stdnum_errors.ValidationError as exc:
        reason = _ID_REASONS.get(type(exc))
        if reason is None:  # InvalidComponent: the birth date or the region code
            try:
                ric.get_birth_date(number)
            except stdnum_errors.ValidationError:
                reason = _("出生日期（第 7–14 位）不是有效日期")
            else:
                reason = _("地址码（前 6 位）不是有效的行政区划代码")
        raise _invalid(number, "invalid_id_number", _("居民身份证号码"), reason) from exc


def check_credit_code(raw: str) -> str:
    """The unified social credit code in its compact form, or a ``DomainError``."""
    number = uscc.compact(raw or "")
    try:
        return uscc.validate(number)
    except stdnum_errors.ValidationError as exc:
        reason = _CODE_REASONS.get(type(exc), _("格式不正确"))
        raise _invalid(number, "invalid_credit_code", _("统一社会信用代码"), reason) from exc


def _invalid(number: str, code: str, label, reason) -> DomainError:
    if not number:
        return DomainError(
            _("%(label)s不能为空。"), code=code, field=FIELD, params={"label": label}
        )
    return DomainError(
        _("%(label)s“%(number)s”无效：%(reason)s。"),
        code=code,
        field=FIELD,
        params={"label": label, "number": masked(number), "reason": reason},
    )
