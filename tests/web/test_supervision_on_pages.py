"""电子监察 on the pages: the worklist and the register mark a case whose current step is
warned, the worklist filters by warning, and the case page lists every warning recorded."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from network.models import CaseRecord
from supervision import services as sup
from tests.web.conftest import TOWNSHIP, VILLAGE
from tests.web.test_query_counts import add_cases


def _submitted_long_ago(code: str, no: str) -> None:
    when = timezone.make_aware(dt.datetime(2026, 9, 1, 10, 0))
    assert CaseRecord.objects.filter(tracking_no=no, centre_code=code).update(
        submitted_at=when, intake_on=when.date()
    )


def test_a_red_intake_shows_on_the_worklist_and_the_case(township_client):
    late = add_cases(1, forward=True)
    on_time = add_cases(1, forward=True)
    _submitted_long_ago(TOWNSHIP, late)
    assert sup.evaluate(today=dt.date(2026, 9, 30)).recorded.get(("intake", "red")) == 1

    page = township_client.get(f"/c/{TOWNSHIP}/worklist/")
    rows = {case.tracking_no: case for case in page.context["cases"]}
    assert rows[late].web_supervision == "red" and rows[on_time].web_supervision is None
    assert "电子监察红色预警：受理环节超时" in page.content.decode()

    red = township_client.get(f"/c/{TOWNSHIP}/worklist/?supervision=red")
    assert [c.tracking_no for c in red.context["cases"]] == [late]
    assert dict((k, n) for k, _l, n in red.context["tabs"])["incoming"] == 1

    case = township_client.get(f"/c/{TOWNSHIP}/cases/{late}/").content.decode()
    assert 'data-testid="warnings"' in case and "受理环节，时限至" in case
    quiet = township_client.get(f"/c/{TOWNSHIP}/cases/{on_time}/").content.decode()
    assert 'data-testid="warnings"' not in quiet


def test_a_late_forward_shows_on_the_agent_register(agent_client):
    late = add_cases(1, forward=False)
    _submitted_long_ago(VILLAGE, late)
    assert sup.evaluate(today=dt.date(2026, 9, 30)).recorded.get(("forward", "red")) == 1
    page = agent_client.get(f"/c/{VILLAGE}/register/")
    rows = {case.tracking_no: case for case in page.context["cases"]}
    assert rows[late].web_supervision == "red"
    assert "代办报送环节超时" in page.content.decode()
