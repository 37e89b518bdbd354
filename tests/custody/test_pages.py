"""材料交接 through the web pages: the authorization printed for signature, hand-over and
receipt on the case page, a discrepancy shown where it was found, the township's view of its
agents, and another village refused."""

from __future__ import annotations

import re

from django.test import Client

from custody.models import Handover
from delegation.models import Case
from tests.custody.helpers import at
from tests.web.conftest import AGENT, ITEM_MATERIALS, TOWNSHIP, VILLAGE, drain, login
from tests.web.test_case_flow import new_case_form

ID_CARD = "申请人及家庭成员居民身份证|copy"
APPLICATION = "最低生活保障申请书|original"
CONSENT = "家庭经济状况核对授权书|original"


def logged(client: Client) -> str:
    response = client.post(f"/c/{VILLAGE}/cases/new/", new_case_form(client, submit="log"))
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].split("/cases/")[1].split("/")[0]


def test_authorize_print_hand_up_and_receive(agent_client, township_client):
    no = logged(agent_client)
    page = agent_client.get(f"/c/{VILLAGE}/cases/{no}/").content.decode()
    assert 'data-testid="custody-authorize"' in page
    assert '<label for="custody-agent">' in page

    response = agent_client.post(
        f"/c/{VILLAGE}/cases/{no}/custody/authorize/",
        {"papers": [APPLICATION, CONSENT, ID_CARD], "agent_name": "王代办", "note": ""},
    )
    assert response.status_code == 302
    printed = agent_client.get(f"/c/{VILLAGE}/cases/{no}/authorization/")
    assert printed.status_code == 200
    text = printed.content.decode()
    assert "委托代办书" in text and "王代办" in text and "家庭经济状况核对授权书" in text
    assert "420581199001010011" not in text  # masked on paper too

    # Forward with the papers ticked: the consent form stays at the village.
    response = agent_client.post(
        f"/c/{VILLAGE}/cases/{no}/custody/hand-up/", {"papers": [APPLICATION, ID_CARD]}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = agent_client.get(f"/c/{VILLAGE}/cases/{no}/").content.decode()
    assert "家庭经济状况核对授权书" in page.split('data-testid="custody-held"')[1][:400]
    drain()

    page = township_client.get(f"/c/{TOWNSHIP}/cases/{no}/").content.decode()
    handover = re.search(r'name="handover" value="([0-9a-f-]+)"', page)[1]
    # Ticking a paper that is not on the list: the page again, the message by the form.
    response = township_client.post(
        f"/c/{TOWNSHIP}/cases/{no}/custody/receive/",
        {"handover": handover, "arrived": [CONSENT]},
    )
    assert response.status_code == 422
    assert "不在移交清单上" in response.content.decode()
    # Only the application form arrived: the ID card copy is flagged missing here.
    response = township_client.post(
        f"/c/{TOWNSHIP}/cases/{no}/custody/receive/",
        {"handover": handover, "arrived": [APPLICATION], "note": "复印件未见"},
    )
    assert response.status_code == 302
    page = township_client.get(f"/c/{TOWNSHIP}/cases/{no}/").content.decode()
    assert 'data-testid="custody-discrepancy"' in page
    listing = township_client.get(f"/c/{TOWNSHIP}/custody/").content.decode()
    assert no in listing.split('data-testid="custody-discrepancies"')[1]
    # Confirming again is refused with its code's message.
    response = township_client.post(
        f"/c/{TOWNSHIP}/cases/{no}/custody/receive/",
        {"handover": handover, "arrived": [APPLICATION]},
    )
    assert response.status_code == 422
    assert "不能重复签收" in response.content.decode()
    with at(TOWNSHIP):
        assert Handover.objects.get(pk=handover).received_by

    # The township's agent workload: the village holds one paper, one open case at least.
    workload = township_client.get(f"/c/{TOWNSHIP}/custody/agents/")
    assert workload.status_code == 200
    section = workload.content.decode().split(f'data-testid="village-{VILLAGE}"')[1]
    section = section.split("</section>")[0]

    def cell(name: str) -> str:
        return re.search(rf'data-testid="{name}">(.*?)</dd>', section, re.S)[1]

    assert cell("agents") != "—"  # the village's agent is named
    with at(VILLAGE):
        open_cases = Case.objects.exclude(state__in=["delivered", "refused", "withdrawn"]).count()
    assert cell("open-cases") == str(open_cases)
    assert cell("papers-held").startswith("1")
    assert cell("discrepancies") == "0"  # flagged at the township, not at the village


def test_other_villages_and_agents_are_refused(agent_client, township_client):
    no = logged(agent_client)
    agent_client.post(
        f"/c/{VILLAGE}/cases/{no}/custody/authorize/", {"papers": [APPLICATION], "note": ""}
    )
    # Someone working elsewhere (the township's window) at the village's pages.
    assert township_client.get(f"/c/{VILLAGE}/cases/{no}/authorization/").status_code == 403
    assert township_client.post(f"/c/{VILLAGE}/cases/{no}/custody/hand-over/").status_code == 403
    assert township_client.get(f"/c/{VILLAGE}/custody/").status_code == 403
    # An agent does not see the township's workload page; a village has none.
    assert agent_client.get(f"/c/{TOWNSHIP}/custody/agents/").status_code == 403
    assert login(Client(), AGENT).get(f"/c/{VILLAGE}/custody/agents/").status_code == 403
    assert township_client.get(f"/c/{TOWNSHIP}/cases/{no}/authorization/").status_code == 404
    assert ITEM_MATERIALS


def test_authorized_as_the_request_is_logged_and_forwarded(agent_client):
    data = new_case_form(agent_client, submit="forward", authorize="1")
    page = agent_client.get(f"/c/{VILLAGE}/cases/new/?item={data['item_code']}").content.decode()
    assert 'data-testid="custody-new"' in page
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    no = response["Location"].split("/cases/")[1].split("/")[0]
    with at(VILLAGE):
        sent = Handover.objects.get(case__tracking_no=no, route="up")
        assert sent.lines.count() == 4  # the four materials, each as the paper it stands for
    drain()
    with at(TOWNSHIP):
        assert Handover.objects.get(pk=sent.pk).pending
    page = agent_client.get(f"/c/{VILLAGE}/cases/{no}/authorization/")
    assert page.status_code == 200
    # Nothing ticked: the request is not logged either (both or neither).
    data = new_case_form(agent_client, submit="log", authorize="1", materials=[])
    response = agent_client.post(f"/c/{VILLAGE}/cases/new/", data)
    assert (
        response.status_code == 200 and "请勾选申请人交给代办员的材料" in response.content.decode()
    )
