"""Messages a person understands: our own words for every reason, no internal names, no echo.

python-stdnum says why a number is wrong in English; the state machine knows actions by their
identifiers. Neither may reach a person: each reason and each action has a translated name, and
an invalid ID number is shown masked, never in full.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from core.errors import DomainError
from delegation import services as s
from delegation.identity import check_credit_code, check_id_number
from delegation.states import ACTION_LABELS, TRANSITIONS, next_state
from tests.delegation.conftest import AGENT, VILLAGE

LATIN = re.compile(r"[A-Za-z]{2,}")
CJK = re.compile(r"[\u3400-\u9fff]")


def _error(check, number: str) -> DomainError:
    with pytest.raises(DomainError) as exc:
        check(number)
    return exc.value


def _assert_readable(error: DomainError, number: str, *, chinese: str, english: str) -> None:
    zh, en = error.message_in("zh-hans"), error.message_in("en")
    assert chinese in zh, zh
    assert english in en, en
    words = re.sub(r"“[^”]*”", "", zh).replace("X", "")  # the (masked) number aside
    assert not LATIN.search(words), zh  # no English inside the Chinese message
    assert not CJK.search(en), en
    if len(number) > 8:
        assert number not in zh and number not in en  # masked, never echoed in full
        assert number[:4] in zh and "*" in zh


@pytest.mark.parametrize(
    ("number", "chinese", "english"),
    [
        ("420581199001010012", "校验码不符", "check digit"),
        ("42058119900101001", "应为 18 位", "18 characters"),
        ("4205811990010100AX", "前 17 位应为数字", "first 17"),
        ("420581199013010019", "出生日期", "date of birth"),
        ("990101199001010019", "地址码", "region code"),
    ],
)
def test_each_id_number_reason_has_our_own_words(number, chinese, english):
    error = _error(check_id_number, number)
    assert (error.code, error.field) == ("invalid_id_number", "applicant_id_number")
    _assert_readable(error, number, chinese=chinese, english=english)


def test_a_first_generation_id_number_is_told_apart():
    number = "420581900101001"  # 15 digits: the first-generation card
    error = _error(check_id_number, number)
    assert error.code == "id_number_first_generation"
    _assert_readable(error, number, chinese="第一代", english="first-generation")
    assert "18" in error.message_in("zh-hans") and "18" in error.message_in("en")


@pytest.mark.parametrize(
    ("number", "chinese", "english"),
    [
        ("91420500MA4F0X1A0M", "校验码不符", "check character"),
        ("91420500MA4F0X1A0", "应为 18 位", "18 characters"),
        ("91420500MA4F0X1AOL", "不允许的字符", "characters"),
    ],
)
def test_each_credit_code_reason_has_our_own_words(number, chinese, english):
    error = _error(check_credit_code, number)
    assert error.code == "invalid_credit_code"
    _assert_readable(error, number, chinese=chinese, english=english)


def test_an_empty_number_is_said_to_be_missing():
    assert "不能为空" in _error(check_id_number, "").message_in("zh-hans")


def test_every_action_has_a_label_and_errors_name_it_so():
    assert set(TRANSITIONS) <= set(ACTION_LABELS)
    with pytest.raises(DomainError) as exc:
        next_state("receive_supplement", "submitted", "staff")
    zh, en = exc.value.message_in("zh-hans"), exc.value.message_in("en")
    assert "receive_supplement" not in zh and "receive_supplement" not in en
    assert "接收补正材料" in zh and "receive the supplement" in en
    with pytest.raises(DomainError) as exc:
        next_state("approve", "in_review", "agent")
    assert "approve" not in exc.value.message_in("zh-hans")
    assert "作出准予许可决定" in exc.value.message_in("zh-hans")


def test_a_forbidden_step_in_the_service_names_the_step(network):
    case = s.log_request(
        VILLAGE,
        AGENT,
        applicant=s.Applicant("person", "刘桂兰", "420581199001010011"),
        item_code="C-1",
    )
    with pytest.raises(DomainError) as exc:
        s.deliver_case(VILLAGE, AGENT, case.tracking_no)
    assert exc.value.code == "forbidden_transition"
    assert "deliver" not in exc.value.message and "送达" in exc.value.message


def test_demo_chain_speaks_chinese_throughout(network, settings):
    # Messages relayed in-process (no worker is running for this test, broker or not).
    settings.CELERY_BROKER_URL = ""
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("demo_chain", item="C-1", village=VILLAGE, stdout=out)
    text = out.getvalue()
    assert "县级" in text and "已送达" in text and "回执查询码" in text
    words = set(LATIN.findall(text))
    internal = {"county", "township", "village", "city", "delivered", "approved", "escalated"}
    assert not words & internal, text
