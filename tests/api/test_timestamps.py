"""The API gives times in the network's time zone (Asia/Shanghai), ISO 8601 with its offset."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.api.conftest import VILLAGE, person_input

LOG = (
    "mutation($input: LogRequestInput!) { logRequest(input: $input) { queryCode "
    "case { trackingNo submittedAt events { at } chain { receivedAt } } errors { code } } }"
)


def test_times_carry_the_networks_offset_and_match_the_tracking_date(api, network, people):
    agent = people["agent"]
    payload = api.post(LOG, {"input": person_input()}, centre=VILLAGE, token=agent.token).payload(
        "logRequest"
    )
    case = payload["case"]
    times = [case["submittedAt"], case["events"][0]["at"], case["chain"][0]["receivedAt"]]
    for text in times:
        assert text.endswith("+08:00"), text
        moment = dt.datetime.fromisoformat(text)
        assert moment.utcoffset() == dt.timedelta(hours=8)
    # The local date of the time is the date inside the tracking number.
    local_day = dt.datetime.fromisoformat(case["submittedAt"]).date()
    assert case["trackingNo"].split("-")[1] == f"{local_day:%Y%m%d}"
    assert local_day == timezone.localdate()
