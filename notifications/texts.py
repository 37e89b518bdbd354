"""What the messages say: one template per kind, Chinese source text with English in the
catalogue (gettext), signed with the centre's short name in 【】.

An SMS in Chinese is UCS-2: 70 characters fit one segment, a longer text is split into parts of
67. The templates keep the usual cases within one segment (tests/notifications/test_texts.py);
a one-time notice lists every missing material (the law asks for the whole list at once), and
a rating invitation carries a link, so those two may take more.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from notifications.models import SmsKind, StaffKind

#: The service-point words at the end of a centre's name and what its signature keeps of them.
_SUFFIXES = (
    ("政务服务中心", "政务中心"),
    ("便民服务中心", "便民中心"),
    ("便民服务室", ""),
    ("便民服务站", ""),
)

SMS_TEMPLATES = {
    SmsKind.ACCEPTED: _("%(sign)s您的办件已受理，编号%(tracking_no)s，查询码%(query_code)s。"),
    SmsKind.NOTICE: _("%(sign)s办件%(tracking_no)s需补正：%(materials)s。请交%(place)s%(where)s。"),
    SmsKind.DECIDED: _("%(sign)s您的办件%(tracking_no)s已办结：%(result)s。"),
    SmsKind.READY: _("%(sign)s办件%(tracking_no)s的结果已到%(place)s，请带身份证领取。"),
    SmsKind.RATING: _("%(sign)s办件%(tracking_no)s已办结，请评价：%(link)s"),
}
#: The address and phone of the place in a one-time notice, when the centre has them.
WHERE = {
    (True, True): _("（%(address)s，电话%(phone)s）"),
    (True, False): _("（%(address)s）"),
    (False, True): _("（电话%(phone)s）"),
    (False, False): "",
}
RESULTS = {
    "approved": _("准予许可"),
    "denied": _("不予许可"),
    "refused": _("不予受理"),
}
MATERIALS_SEPARATOR = _("、")

STAFF_TEMPLATES = {
    StaffKind.INCOMING: _("新收办件 %(tracking_no)s（%(item_name)s），由 %(from_centre)s 转报。"),
    StaffKind.SUPPLEMENT: _("办件 %(tracking_no)s 收到补正材料：%(materials)s。"),
    StaffKind.WARNING_YELLOW: _("办件 %(tracking_no)s 的“%(step)s”环节即将超时（黄色预警）。"),
    StaffKind.WARNING_RED: _("办件 %(tracking_no)s 的“%(step)s”环节已超时（红色预警）。"),
    StaffKind.DUBAN: _("办件 %(tracking_no)s 被督办：%(note)s"),
    StaffKind.RECTIFICATION_YELLOW: _(
        "办件 %(tracking_no)s 的差评整改将于 %(due_on)s 到期（黄色预警）。"
    ),
    StaffKind.RECTIFICATION_RED: _(
        "办件 %(tracking_no)s 的差评整改已过期限 %(due_on)s（红色预警）。"
    ),
}
#: One notice for many new warnings of one level at once (``supervision`` evaluation).
STAFF_DIGESTS = {
    StaffKind.WARNING_YELLOW: _(
        "本次监察新增 %(count)s 件黄色预警（即将超时），请在待办中按预警筛选查看。"
    ),
    StaffKind.WARNING_RED: _(
        "本次监察新增 %(count)s 件红色预警（已超时），请在待办中按预警筛选查看。"
    ),
}


def short_name(name: str) -> str:
    """A centre's name as its SMS signature: 龙泉镇便民服务中心 → 龙泉镇便民中心,
    龙泉镇龙泉村便民服务室 → 龙泉镇龙泉村."""
    for suffix, kept in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + kept
    return name


def signature(name: str) -> str:
    return f"【{short_name(name)}】"


def render_sms(kind: str, language: str, centre, args: dict) -> str:
    """The text of an SMS of ``kind`` from ``centre`` (name, address, phone) in ``language``."""
    with translation.override(language):
        values = {**args, "sign": signature(centre.name), "place": centre.name}
        if kind == SmsKind.NOTICE:
            values["materials"] = str(MATERIALS_SEPARATOR).join(args["materials"])
            where = WHERE[(bool(centre.address), bool(centre.phone))]
            values["where"] = str(where) % {"address": centre.address, "phone": centre.phone}
        if kind == SmsKind.DECIDED:
            values["result"] = str(RESULTS[args["result"]])
        return str(SMS_TEMPLATES[kind]) % values


_names: dict[str, tuple[float, str]] = {}
NAME_CACHE_SECONDS = 300


def centre_name(code: str) -> str:
    """A centre's name by division code, cached a few minutes per process (names rarely
    change; the transitions that write notifications need not look them up)."""
    import time

    from tenants.models import ServiceCentre

    cached = _names.get(code)
    if cached is not None and time.monotonic() - cached[0] < NAME_CACHE_SECONDS:
        return cached[1]
    name = ServiceCentre.objects.filter(division_code=code).values_list("name", flat=True).first()
    if len(_names) > 10_000:
        _names.clear()
    _names[code] = (time.monotonic(), name or code)
    return name or code


def staff_text(kind: str, args: dict, tracking_no: str) -> str:
    """A staff notification's text in the active language (missing values shown empty)."""
    from supervision.models import Step

    values = {
        "item_name": "",
        "from_centre": "",
        "materials": "",
        "step": "",
        "note": "",
        "due_on": "",
    }
    values.update(args or {})
    values["tracking_no"] = tracking_no
    if isinstance(values.get("materials"), list):
        values["materials"] = str(MATERIALS_SEPARATOR).join(values["materials"])
    if values["from_centre"]:
        values["from_centre"] = centre_name(values["from_centre"])
    if values["step"] in Step.values:
        values["step"] = str(Step(values["step"]).label)
    if not tracking_no and kind in STAFF_DIGESTS:
        return str(STAFF_DIGESTS[kind]) % {"count": values.get("count", "")}
    template = STAFF_TEMPLATES.get(kind)
    if template is None:
        return tracking_no
    return str(template) % values


# GSM 03.38 basic character set: a text of these only is 7-bit (160 characters a segment).
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")


def segments(text: str) -> int:
    """How many SMS segments ``text`` takes: GSM-7 160 (153 per part of a longer one, an
    extended character counting twice), else UCS-2 70 (67 per part; a character outside the
    Basic Multilingual Plane counts twice)."""
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        length = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
        single, part = 160, 153
    else:
        length = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)
