"""Session login, the membership a session works under, and what it opens (web.session)."""

from __future__ import annotations

from django.test import Client

from accounts.demo import DEMO_PASSWORD
from tests.web.conftest import AGENT, OTHER_VILLAGE, TOWNSHIP, VILLAGE, login


def test_public_home_lists_the_centres(client, demo_users):
    page = client.get("/").content.decode()
    assert "政务服务网络" in page and "宜昌市政务服务中心" in page
    assert 'name="language" value="en"' in page  # the visible language switch


def test_centre_search_by_name_or_code(client, demo_users):
    assert "夷陵区政务服务中心" in client.get("/?q=夷陵").content.decode()
    page = client.get(f"/?q={VILLAGE}").content.decode()
    assert VILLAGE in page
    fragment = client.get(f"/?q={VILLAGE}", HTTP_HX_REQUEST="true").content.decode()
    assert VILLAGE in fragment and "<html" not in fragment  # htmx gets the tree alone


def test_login_goes_to_the_agents_register(client, demo_users):
    response = client.post("/login/", {"username": AGENT, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == f"/c/{VILLAGE}/"
    assert client.get(f"/c/{VILLAGE}/")["Location"] == f"/c/{VILLAGE}/register/"


def test_wrong_password_is_shown_beside_the_field(client, demo_users):
    response = client.post("/login/", {"username": AGENT, "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名或密码错误" in page and 'class="field has-error"' in page


def test_login_is_throttled(client, demo_users, settings):
    # The API's throttle: after the free failures, even the right password waits its delay.
    settings.LOGIN_FAILURES_BEFORE_DELAY = 2
    settings.LOGIN_DELAY_SECONDS = 60
    for _ in range(2):
        client.post("/login/", {"username": AGENT, "password": "nope"})
    response = client.post("/login/", {"username": AGENT, "password": DEMO_PASSWORD})
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()


def test_anonymous_is_sent_to_login(client, demo_users):
    response = client.get(f"/c/{VILLAGE}/register/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/c/")


def test_session_at_one_village_opens_nothing_at_another(agent_client):
    assert agent_client.get(f"/c/{VILLAGE}/register/").status_code == 200
    response = agent_client.get(f"/c/{OTHER_VILLAGE}/register/")
    assert response.status_code == 403
    assert 'data-code="not_member"' in response.content.decode()
    # Nor a centre where the user has no role at all.
    assert agent_client.get(f"/c/{TOWNSHIP}/worklist/").status_code == 403


def test_logout_ends_the_session(agent_client):
    agent_client.post("/logout/")
    assert agent_client.get(f"/c/{VILLAGE}/register/").status_code == 302


def test_logout_needs_post_and_csrf(demo_users):
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/login/")
    assert login_page.status_code == 200
    response = client.post("/login/", {"username": AGENT, "password": DEMO_PASSWORD})
    assert response.status_code == 403  # no CSRF token


def test_switch_between_memberships(demo_users):
    from django.contrib.auth import get_user_model

    from accounts.models import Membership
    from tenants.models import ServiceCentre

    user = get_user_model().objects.get(username=AGENT)
    Membership.objects.create(
        user=user,
        centre=ServiceCentre.objects.get(division_code=OTHER_VILLAGE),
        centre_tier="village",
        role="agent",
    )
    client = Client()
    response = client.post("/login/", {"username": AGENT, "password": DEMO_PASSWORD})
    assert response["Location"].startswith("/switch/")
    page = client.get("/switch/").content.decode()
    other = Membership.objects.get(user=user, centre__division_code=OTHER_VILLAGE)
    mine = Membership.objects.get(user=user, centre__division_code=VILLAGE)
    client.post("/switch/", {"membership": mine.pk})
    assert client.get(f"/c/{VILLAGE}/register/").status_code == 200
    assert client.get(f"/c/{OTHER_VILLAGE}/register/").status_code == 403
    client.post("/switch/", {"membership": other.pk})
    assert client.get(f"/c/{OTHER_VILLAGE}/register/").status_code == 200
    assert client.get(f"/c/{VILLAGE}/register/").status_code == 403
    assert "切换任职" in page


def test_login_with_next_picks_that_centre(client, demo_users):
    login(client, AGENT, next_url=f"/c/{VILLAGE}/register/")
    assert client.get(f"/c/{VILLAGE}/register/").status_code == 200


def test_english_switch(client, demo_users):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page and 'value="zh-hans"' in page


def test_a_head_sees_masked_id_numbers_and_the_head_link(demo_users):
    """Heads work on the workload, not on applicants: the case page masks the ID number."""
    from delegation import services
    from delegation.services import Applicant
    from tests.web.conftest import ID_NUMBER, ITEM, ITEM_MATERIALS

    head = login(Client(), "head.420500")
    page = head.get("/c/420500/worklist/").content.decode()
    assert 'href="/c/420500/head/"' in page  # the nav by role
    from core.roles import Actor, Role

    staff = Actor(name="赵审批", role=Role.STAFF, centre="420500")
    case = services.log_request(
        "420500",
        staff,
        applicant=Applicant(kind="person", name="刘桂兰", id_number=ID_NUMBER),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    )
    page = head.get(f"/c/420500/cases/{case.tracking_no}/").content.decode()
    assert ID_NUMBER not in page and "4205**********0011" in page
    staff_page = login(Client(), "staff.420500").get(f"/c/420500/cases/{case.tracking_no}/")
    assert ID_NUMBER in staff_page.content.decode()
