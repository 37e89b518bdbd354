"""The admin writes through the services: same rules, same errors, cache told at once."""

from __future__ import annotations

import datetime as dt

import pytest

from workdays.calendar import is_working_day, package_years, year_summary
from workdays.models import CalendarOverride, PublishedYear
from workdays.services import set_override

pytestmark = pytest.mark.django_db

D = dt.date
BEYOND = package_years().stop + 3
OVERRIDES = "/admin/workdays/calendaroverride/"
YEARS = "/admin/workdays/publishedyear/"


def test_adding_an_override_in_the_admin_uses_the_service(admin_client, admin_user):
    response = admin_client.post(
        OVERRIDES + "add/", {"date": "2025-10-08", "is_working_day": "on", "note": "本地调整"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarOverride.objects.get().created_by == admin_user
    assert is_working_day(D(2025, 10, 8))


def test_the_admin_shows_the_services_error_and_writes_nothing(admin_client):
    response = admin_client.post(OVERRIDES + "add/", {"date": "2025-10-08", "note": " "})
    assert response.status_code == 200
    assert "请说明调整的原因" in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_deleting_an_override_in_the_admin_uses_the_service(admin_client):
    override = set_override(D(2025, 10, 8), True, note="本地调整")
    assert admin_client.get(OVERRIDES).status_code == 200
    response = admin_client.post(f"{OVERRIDES}{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not is_working_day(D(2025, 10, 8))


def test_publishing_a_year_in_the_admin_marks_its_recorded_days(admin_client, admin_user):
    response = admin_client.post(YEARS + "add/", {"year": BEYOND, "note": "通知"})
    assert response.status_code == 200 and "没有列出任何节假日" in response.content.decode()
    set_override(D(BEYOND, 1, 1), False, note="元旦")
    response = admin_client.post(YEARS + "add/", {"year": BEYOND, "note": "通知"})
    assert response.status_code == 302
    assert PublishedYear.objects.get().created_by == admin_user
    assert year_summary(BEYOND).source == "published"
    assert admin_client.get(YEARS).status_code == 200
