"""Login, tokens and logout: who is calling, and where a login is valid."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from core.roles import Role
from tests.api.conftest import COUNTY, TOWNSHIP, VILLAGE

LOGIN = """
mutation($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    token expiresAt errors { field code message messageEn }
  }
}"""
ME = "{ me { username displayName role memberships { role centre { divisionCode } } } }"
WORKLIST = "{ worklist(first: 5) { totalCount } }"
PASSWORD = "村里的密码-2026"


@pytest.fixture
def agent_user(api_network):
    user = services.create_user("wang", password=PASSWORD, display_name="王代办")
    services.grant_membership(user, api_network[VILLAGE], Role.AGENT)
    return user


def login(api, centre=None, username="wang", password=PASSWORD):
    return api.post(LOGIN, {"username": username, "password": password}, centre=centre)


def test_login_issues_a_token_stored_only_as_a_hash(api, agent_user):
    response = login(api, VILLAGE)
    payload = response.ok("login")
    token = payload["token"]
    assert token.startswith("zw_") and len(token) > 40
    stored = ApiToken.objects.get(user=agent_user)
    assert stored.key_hash == services.hash_token(token) and token not in stored.key_hash
    assert stored.centre.division_code == VILLAGE
    assert agent_user.password.startswith("argon2$argon2id$")
    me = api.post(ME, centre=VILLAGE, token=token).payload("me")
    assert me == {
        "username": "wang",
        "displayName": "王代办",
        "role": "AGENT",
        "memberships": [{"role": "AGENT", "centre": {"divisionCode": VILLAGE}}],
    }


def test_argon2_hashes_passwords_in_production_settings():
    import core.settings

    assert core.settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    ("username", "password"), [("wang", "wrong"), ("nobody", PASSWORD), ("wang", "")]
)
def test_wrong_credentials_say_nothing_more(api, agent_user, username, password):
    response = login(api, VILLAGE, username, password)
    assert response.status == 200
    payload = response.payload("login")
    assert payload["token"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("invalid_credentials", "password")
    ]
    assert payload["errors"][0]["message"] == "用户名或密码错误。"
    assert not ApiToken.objects.exists()


def test_login_where_one_holds_no_role_is_refused(api, agent_user):
    for centre in (TOWNSHIP, "420506101202"):
        payload = login(api, centre).payload("login")
        assert [e["code"] for e in payload["errors"]] == ["not_member"], centre
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_cannot_log_in_and_its_tokens_stop(api, agent_user):
    token = login(api, VILLAGE).ok("login")["token"]
    agent_user.is_active = False
    agent_user.save()
    assert [e["code"] for e in login(api, VILLAGE).payload("login")["errors"]] == [
        "invalid_credentials"
    ]
    response = api.post(ME, centre=VILLAGE, token=token)
    assert (response.status, response.codes) == (401, ["token_invalid"])


def test_logout_revokes_the_token(api, agent_user):
    token = login(api, VILLAGE).ok("login")["token"]
    logout = api.post(
        "mutation { logout { revoked errors { code } } }", centre=VILLAGE, token=token
    )
    assert logout.ok("logout")["revoked"] is True
    assert ApiToken.objects.get().revoked_at is not None
    response = api.post(WORKLIST, centre=VILLAGE, token=token)
    assert (response.status, response.codes) == (401, ["token_revoked"])
    assert response.raw["WWW-Authenticate"].startswith("Bearer")


def test_expired_tokens_are_refused_with_their_own_code(api, agent_user, api_network):
    issued = services.issue_token(agent_user, centre=api_network[VILLAGE])
    ApiToken.objects.filter(pk=issued.record.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    response = api.post(WORKLIST, centre=VILLAGE, token=issued.token)
    assert (response.status, response.codes) == (401, ["token_expired"])
    assert response.body["errors"][0]["extensions"]["messageEn"]


@pytest.mark.parametrize(
    "header",
    ["Bearer zw_not-a-real-token", "Bearer nonsense", "Token abc", "Bearer ", "Basic d2FuZzp4"],
)
def test_wrong_tokens_are_refused(api, agent_user, header):
    response = api.post(WORKLIST, centre=VILLAGE, HTTP_AUTHORIZATION=header)
    assert (response.status, response.codes) == (401, ["token_invalid"])
    assert "data" not in response.body


def test_no_token_reaches_only_public_fields(api, agent_user):
    response = api.post(WORKLIST, centre=VILLAGE)
    assert (response.status, response.codes) == (401, ["unauthenticated"])
    assert api.post(ME, centre=VILLAGE).payload("me") is None
    centre = api.post("{ currentCentre { divisionCode } }", centre=VILLAGE)
    assert centre.payload("currentCentre") == {"divisionCode": VILLAGE}
    mutation = api.post(
        'mutation { acceptCase(trackingNo: "x") { errors { code } } }', centre=VILLAGE
    )
    assert (mutation.status, mutation.codes) == (401, ["unauthenticated"])


def test_a_login_at_one_centre_gives_nothing_at_another(api, api_network):
    """Even for someone who works at both: a token is valid where it was issued."""
    user = services.create_user("li", password=PASSWORD, display_name="李")
    services.grant_membership(user, api_network[TOWNSHIP], Role.STAFF)
    services.grant_membership(user, api_network[COUNTY], Role.STAFF)
    token = login(api, TOWNSHIP, "li").ok("login")["token"]
    assert api.post(WORKLIST, centre=TOWNSHIP, token=token).status == 200
    for elsewhere in (COUNTY, VILLAGE):
        response = api.post(WORKLIST, centre=elsewhere, token=token)
        assert (response.status, response.codes) == (403, ["wrong_centre"]), elsewhere
    # Through the X-Centre header instead of the path: the same.
    response = api.post(WORKLIST, token=token, HTTP_X_CENTRE=COUNTY)
    assert (response.status, response.codes) == (403, ["wrong_centre"])
    # And a centre's token is no network login.
    response = api.post(ME, token=token)
    assert (response.status, response.codes) == (403, ["wrong_endpoint"])


def test_a_network_token_is_no_centre_login(api, people):
    response = api.post(WORKLIST, centre="420500", token=people["assessor"].token)
    assert (response.status, response.codes) == (403, ["wrong_centre"])


def test_network_login_needs_a_membership(api, api_network):
    services.create_user("loner", password=PASSWORD)
    payload = login(api, None, "loner").payload("login")
    assert [e["code"] for e in payload["errors"]] == ["not_member"]


def test_ending_a_membership_stops_its_tokens_at_once(api, people):
    agent = people["agent"]
    assert api.post(WORKLIST, centre=VILLAGE, token=agent.token).status == 200
    services.end_membership(agent.user.memberships.get())
    response = api.post(WORKLIST, centre=VILLAGE, token=agent.token)
    assert (response.status, response.codes) == (403, ["not_member"])


def test_tokens_record_when_they_were_last_used(api, people):
    agent = people["agent"]
    assert ApiToken.objects.get(user=agent.user).last_used_at is None
    api.post(WORKLIST, centre=VILLAGE, token=agent.token)
    assert ApiToken.objects.get(user=agent.user).last_used_at is not None


def test_revoke_all_tokens(people):
    user = people["agent"].user
    assert services.revoke_all_tokens(user) == 1
    assert services.revoke_all_tokens(get_user_model().objects.get(pk=user.pk)) == 0


@pytest.mark.parametrize("centre", [None, VILLAGE])
def test_the_endpoints_answer_without_the_trailing_slash(client, agent_user, centre):
    path = f"/c/{centre}/graphql" if centre else "/graphql"
    response = client.post(
        path, data=json.dumps({"query": "{ __typename }"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content[:300]
    assert json.loads(response.content)["data"]["__typename"] in {"Query", "CentreQuery"}


def test_the_api_sets_no_cookie(client, agent_user):
    """Bearer tokens only: no response of the API, anonymous or authenticated, sets a cookie
    (no CSRF cookie, no session), so a browser holds nothing a cross-site request could use."""
    path = f"/c/{VILLAGE}/graphql/"
    answer = client.post(
        path,
        data=json.dumps({"query": LOGIN, "variables": {"username": "wang", "password": PASSWORD}}),
        content_type="application/json",
    )
    token = json.loads(answer.content)["data"]["login"]["token"]
    assert not answer.cookies
    me = client.post(
        path,
        data=json.dumps({"query": ME}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert me.status_code == 200 and json.loads(me.content)["data"]["me"]["username"] == "wang"
    assert not me.cookies and "Set-Cookie" not in me.headers


# --- throttling failed logins ---------------------------------------------------------------------


def attempt(client, password, address="10.0.0.1", username="wang"):
    response = client.post(
        f"/c/{VILLAGE}/graphql/",
        data=json.dumps(
            {"query": LOGIN, "variables": {"username": username, "password": password}}
        ),
        content_type="application/json",
        REMOTE_ADDR=address,
    )
    return json.loads(response.content)["data"]["login"]


def codes(payload) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def test_failed_logins_delay_that_username_from_that_client(client, agent_user, settings):
    from accounts.models import LoginFailure

    settings.LOGIN_FAILURES_BEFORE_DELAY = 3
    for _ in range(3):
        assert codes(attempt(client, "wrong")) == ["invalid_credentials"]
    refused = attempt(client, PASSWORD)  # even the right password, from there, for a while
    assert codes(refused) == ["too_many_attempts"]
    assert refused["token"] is None
    assert refused["errors"][0]["messageEn"].startswith("Too many failed logins")
    assert codes(attempt(client, "WANG-case-folded", username="WANG")) == ["too_many_attempts"]
    elsewhere = attempt(client, PASSWORD, address="10.0.0.2")  # the agent at another desk
    assert codes(elsewhere) == [] and elsewhere["token"]
    assert not LoginFailure.objects.filter(username="wang", address="10.0.0.2").exists()
    # The delay passes: the right password works again from the first desk.
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=14))
    assert codes(attempt(client, PASSWORD)) == []
    assert not LoginFailure.objects.filter(username="wang").exists()  # success cleared it


def test_the_delay_grows_with_each_failure(client, agent_user, settings):
    from accounts.models import LoginFailure
    from accounts.services import login_delay

    settings.LOGIN_FAILURES_BEFORE_DELAY, settings.LOGIN_DELAY_SECONDS = 2, 2
    settings.LOGIN_MAX_DELAY_SECONDS = 60
    assert [login_delay(n).total_seconds() for n in range(1, 9)] == [0, 2, 4, 8, 16, 32, 60, 60]
    for _ in range(2):
        attempt(client, "wrong")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=3))  # past 2 s
    assert codes(attempt(client, "wrong")) == ["invalid_credentials"]  # third failure: 4 s
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=3))
    assert codes(attempt(client, PASSWORD)) == ["too_many_attempts"]  # 3 s < 4 s
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=9))  # > 8 s (4 counted)
    assert codes(attempt(client, PASSWORD)) == []


def test_the_window_forgets_failures(client, agent_user, settings):
    from accounts.models import LoginFailure

    settings.LOGIN_FAILURES_BEFORE_DELAY = 2
    for _ in range(2):
        attempt(client, "wrong")
    assert codes(attempt(client, PASSWORD)) == ["too_many_attempts"]
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert codes(attempt(client, PASSWORD)) == []
    assert not LoginFailure.objects.exists()  # expired rows are removed


def test_nobody_elsewhere_can_lock_the_owner_out(client, agent_user, settings):
    """Many clients failing on one username (the old hard lock after 20 failures in all) leave
    its owner's own desk untouched."""
    settings.LOGIN_FAILURES_BEFORE_DELAY = 2
    for n in range(40):
        attempt(client, "wrong", address=f"10.0.1.{n}")
    assert codes(attempt(client, PASSWORD, address="10.0.2.1")) == []


def test_a_client_guessing_across_usernames_is_capped(client, agent_user, settings):
    settings.LOGIN_FAILURES_PER_CLIENT = 6
    for n in range(6):  # unknown and known names alike (no hint that a name exists)
        assert codes(attempt(client, "x", username=f"guess{n}", address="10.0.3.1")) == [
            "invalid_credentials"
        ]
    assert codes(attempt(client, PASSWORD, address="10.0.3.1")) == ["too_many_attempts"]
    assert codes(attempt(client, PASSWORD, address="10.0.3.2")) == []  # other clients: fine
