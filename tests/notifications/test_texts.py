"""The texts: one template per kind, the centre's signature in 【】, Chinese by default and
English from the catalogue, within one SMS segment where the kind allows (measured on the demo
network's real names and a full-length tracking number)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from notifications.models import SmsKind, StaffKind
from notifications.texts import render_sms, segments, short_name, signature, staff_text

TRACKING_NO = "420506101201-20261207-00001"  # the longest form: a village's 12-digit code


@dataclass
class Centre:
    name: str
    address: str = ""
    phone: str = ""


VILLAGE = Centre("龙泉镇龙泉村便民服务室", "龙泉村村委会", "0717-7711201")
TOWNSHIP = Centre("鸦鹊岭镇便民服务中心", "鸦鹊岭镇鸦鹊岭街 12 号", "0717-7720001")
COUNTY = Centre("夷陵区政务服务中心", "夷陵区小溪塔街道东湖大道 39 号", "0717-7812345")
ARGS = {
    SmsKind.ACCEPTED: {"query_code": "ABCD2345"},
    SmsKind.DECIDED: {"result": "approved"},
    SmsKind.READY: {},
}


def test_short_names_and_signature():
    assert short_name("龙泉镇龙泉村便民服务室") == "龙泉镇龙泉村"
    assert short_name("鸦鹊岭镇便民服务中心") == "鸦鹊岭镇便民中心"
    assert short_name("宜昌市政务服务中心") == "宜昌市政务中心"
    assert short_name("便民服务室") == "便民服务室"  # nothing left to keep: the name itself
    assert signature("夷陵区政务服务中心") == "【夷陵区政务中心】"


@pytest.mark.parametrize(
    "centre", [VILLAGE, TOWNSHIP, COUNTY], ids=["village", "township", "county"]
)
@pytest.mark.parametrize("kind", sorted(ARGS))
def test_the_step_messages_fit_one_segment_in_chinese(kind, centre):
    text = render_sms(kind, "zh-hans", centre, {"tracking_no": TRACKING_NO, **ARGS[kind]})
    assert text.startswith(signature(centre.name)) and TRACKING_NO in text
    assert len(text) <= 70 and segments(text) == 1, (len(text), text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("result", ["approved", "denied", "refused"])
def test_every_result_fits(result, language):
    for centre in (VILLAGE, TOWNSHIP, COUNTY):
        args = {"tracking_no": TRACKING_NO, "result": result}
        text = render_sms(SmsKind.DECIDED, language, centre, args)
        assert segments(text) == 1, text


def test_a_notice_is_never_cut_short():
    materials = ["居民身份证", "户口簿", "家庭经济状况核对授权书", "最低生活保障申请书"]
    text = render_sms(
        SmsKind.NOTICE, "zh-hans", VILLAGE, {"tracking_no": TRACKING_NO, "materials": materials}
    )
    assert "居民身份证、户口簿、家庭经济状况核对授权书、最低生活保障申请书" in text
    assert "龙泉镇龙泉村便民服务室（龙泉村村委会，电话0717-7711201）" in text
    assert segments(text) == 2  # the whole list, in two parts: the law asks for all of it at once
    no_contact = render_sms(
        SmsKind.NOTICE,
        "zh-hans",
        Centre("龙泉镇双泉村便民服务室"),
        {"tracking_no": TRACKING_NO, "materials": ["申请表"]},
    )
    assert no_contact.endswith("请交龙泉镇双泉村便民服务室。")


def test_a_rating_invitation_carries_its_link_whole():
    link = "https://zw.example.gov.cn/rate/" + "x" * 110 + "/"
    text = render_sms(
        SmsKind.RATING, "zh-hans", VILLAGE, {"tracking_no": TRACKING_NO, "link": link}
    )
    assert text.endswith(link)
    assert segments(text) == 3


def test_english_texts():
    text = render_sms(
        SmsKind.ACCEPTED, "en", TOWNSHIP, {"tracking_no": TRACKING_NO, "query_code": "ABCD2345"}
    )
    assert text == f"【鸦鹊岭镇便民中心】Case {TRACKING_NO} accepted, code ABCD2345."
    assert segments(text) == 1  # UCS-2 because of the signature, still within 70
    notice = render_sms(
        SmsKind.NOTICE,
        "en",
        VILLAGE,
        {"tracking_no": TRACKING_NO, "materials": ["申请表", "户口簿"]},
    )
    assert (
        "needs: 申请表, 户口簿. Bring them to 龙泉镇龙泉村便民服务室 (龙泉村村委会, tel. 0717-7711201)."
        in notice
    )
    assert (
        "approved"
        in render_sms(
            SmsKind.DECIDED, "en", VILLAGE, {"tracking_no": TRACKING_NO, "result": "approved"}
        ).lower()
    )


def test_segments_count_gsm7_and_ucs2():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extended: two septets each
    assert segments("中" * 70) == 1 and segments("中" * 71) == 2 and segments("中" * 134) == 2
    assert segments("中" * 135) == 3


def test_staff_texts_in_both_languages():
    import time

    from django.utils import translation

    from notifications import texts

    texts._names["420506101201"] = (time.monotonic(), "龙泉镇龙泉村便民服务室")  # no database here
    args = {"item_name": "临时救助", "from_centre": "420506101201"}
    assert (
        staff_text(StaffKind.INCOMING, args, "N-1")
        == "新收办件 N-1（临时救助），由 龙泉镇龙泉村便民服务室 转报。"
    )
    assert (
        staff_text(StaffKind.WARNING_RED, {"step": "intake"}, "N-1")
        == "办件 N-1 的“受理”环节已超时（红色预警）。"
    )
    with translation.override("en"):
        assert staff_text(StaffKind.WARNING_YELLOW, {"step": "decide"}, "N-1").startswith(
            "Case N-1 is running out of time"
        )
        assert (
            staff_text(StaffKind.DUBAN, {"note": "3 days"}, "N-1")
            == "Supervision order on case N-1: 3 days"
        )
