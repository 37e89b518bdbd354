"""A centre head appoints window staff (new or existing accounts) and ends their memberships
from the staff page; every refusal leaves nothing behind."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Membership
from tests.web.conftest import login
from tests.web.office_support import CITY, CITY_STAFF, COUNTY, HEAD

pytestmark = pytest.mark.django_db
STAFF_PAGE = f"/c/{CITY}/head/staff/"
NEW_PASSWORD = "Qiao-2026-window!"


@pytest.fixture
def head(demo_users) -> Client:
    return login(Client(), HEAD)


def active(username: str, centre: str = CITY) -> list[str]:
    return sorted(
        Membership.objects.filter(
            user__username=username, centre__division_code=centre, is_active=True
        ).values_list("role", flat=True)
    )


def test_a_head_appoints_a_new_colleague_who_can_then_work(head):
    response = head.post(
        STAFF_PAGE,
        {
            "username": "staff.420500.zhou",
            "role": "staff",
            "display_name": "周窗口",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?done=appointed")
    assert active("staff.420500.zhou") == ["staff"]
    assert "周窗口" in head.get(STAFF_PAGE).content.decode()
    colleague = Client()
    reply = colleague.post("/login/", {"username": "staff.420500.zhou", "password": NEW_PASSWORD})
    assert reply.status_code == 302
    assert colleague.get(f"/c/{CITY}/worklist/").status_code == 200


def test_an_existing_account_is_appointed_without_a_password(head):
    response = head.post(STAFF_PAGE, {"username": "staff.420506", "role": "staff"})
    assert response.status_code == 302
    assert active("staff.420506") == ["staff"]
    assert active("staff.420506", COUNTY) == ["staff"]  # the county membership stays


@pytest.mark.parametrize(
    ("form", "field", "code_text"),
    [
        ({"username": "staff.420506", "role": "head"}, "role", "只能任免"),
        ({"username": "staff.420506", "role": "agent"}, "role", "不能设在"),
        ({"username": "nobody.yet", "role": "staff"}, "password", "不存在"),
        (
            {"username": "nobody.yet", "role": "staff", "password": NEW_PASSWORD},
            "display_name",
            "姓名",
        ),
        (
            {"username": "nobody.yet", "role": "staff", "display_name": "新人", "password": "123"},
            "password",
            "密码不符合要求",
        ),
        (
            {"username": "staff.420506", "role": "staff", "password": NEW_PASSWORD},
            "password",
            "已存在",
        ),
        ({"username": "", "role": "staff"}, "username", "不能为空"),
    ],
    ids=["head", "agent-at-city", "unknown", "no-name", "weak", "existing-pw", "blank"],
)
def test_every_refusal_is_shown_beside_its_field_and_changes_nothing(head, form, field, code_text):
    before = Membership.objects.count(), get_user_model().objects.count()
    response = head.post(STAFF_PAGE, form)
    assert response.status_code == 400
    errors = response.context["errors"]
    assert field in errors and code_text in errors[field][0], errors
    assert (Membership.objects.count(), get_user_model().objects.count()) == before
    page = response.content.decode()
    assert 'class="error" role="alert"' in page
    # What was typed is kept, the password never.
    assert response.context["values"]["username"] == form["username"]
    assert NEW_PASSWORD not in page


def test_ending_a_membership_locks_the_colleague_out_at_once(head):
    colleague = login(Client(), CITY_STAFF)
    assert colleague.get(f"/c/{CITY}/worklist/").status_code == 200
    membership = Membership.objects.get(user__username=CITY_STAFF, centre__division_code=CITY)
    response = head.post(f"{STAFF_PAGE}{membership.pk}/end/")
    assert response.status_code == 302 and response["Location"].endswith("?done=ended")
    assert active(CITY_STAFF) == []
    assert colleague.get(f"/c/{CITY}/worklist/").status_code == 403
    page = head.get(STAFF_PAGE)
    assert CITY_STAFF in {m.user.username for m in page.context["ended"]}


def test_a_head_cannot_end_a_head_or_another_centres_membership(head):
    own = Membership.objects.get(user__username=HEAD, centre__division_code=CITY, role="head")
    response = head.post(f"{STAFF_PAGE}{own.pk}/end/")
    assert response.status_code == 400
    assert "只能任免" in response.content.decode()
    county = Membership.objects.get(user__username="staff.420506", centre__division_code=COUNTY)
    assert head.post(f"{STAFF_PAGE}{county.pk}/end/").status_code == 404
    assert active(HEAD) == ["head"] and active("staff.420506", COUNTY) == ["staff"]


def test_window_staff_cannot_appoint(demo_users):
    clerk = login(Client(), CITY_STAFF)
    response = clerk.post(STAFF_PAGE, {"username": "staff.420506", "role": "staff"})
    assert response.status_code == 403
    assert active("staff.420506") == []


def test_the_form_needs_a_csrf_token(demo_users):
    client = Client(enforce_csrf_checks=True)
    client.cookies = login(Client(), HEAD).cookies
    assert client.post(STAFF_PAGE, {"username": "staff.420506", "role": "staff"}).status_code == 403
    assert active("staff.420506") == []
