"""The admin shows the dictionary read-only; its actions call the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import ServiceItem, ServiceItemVersion

from .factories import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "x")
    client.force_login(user)
    return user


def test_the_retire_action_calls_the_service(client, staff):
    make_item("SX-0001")
    item = ServiceItem.objects.get(code="SX-0001")
    response = client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "retire", "_selected_action": [item.pk]},
        follow=True,
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.is_retired and item.retired_by == staff


def test_the_reinstate_action_reports_items_in_use(client, staff):
    make_item("SX-0001")
    item = ServiceItem.objects.get(code="SX-0001")
    response = client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "reinstate", "_selected_action": [item.pk]},
        follow=True,
    )
    assert "没有取消" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "admin:catalog_serviceitem_changelist",
        "admin:catalog_serviceitemversion_changelist",
        "admin:catalog_department_changelist",
    ],
)
def test_the_lists_render(client, staff, url):
    make_item("SX-0001")
    assert client.get(reverse(url)).status_code == 200


def test_item_and_version_pages_are_read_only(client, staff):
    version = make_item("SX-0001")
    item_page = client.get(reverse("admin:catalog_serviceitem_change", args=[version.item_id]))
    version_page = client.get(reverse("admin:catalog_serviceitemversion_change", args=[version.pk]))
    assert item_page.status_code == version_page.status_code == 200
    assert "居民身份证" in version_page.content.decode()
    assert 'name="_save"' not in version_page.content.decode()
    assert client.get(reverse("admin:catalog_serviceitemversion_add")).status_code == 403
    assert ServiceItemVersion.objects.count() == 1


def test_a_department_added_in_the_admin_goes_through_the_service(client, staff):
    response = client.post(
        reverse("admin:catalog_department_add"), {"code": "wj", "name": "卫生健康局"}, follow=True
    )
    assert response.status_code == 200
    from catalog.models import Department

    assert Department.objects.filter(code="WJ", name="卫生健康局").exists()


def test_a_malformed_department_code_is_explained_in_the_form(client, staff):
    response = client.post(
        reverse("admin:catalog_department_add"), {"code": "卫健", "name": "卫生健康局"}
    )
    assert response.status_code == 200
    assert "编码“卫健”无效" in response.content.decode()
