"""六有 checks are kept as a history: provisioning records the first, each later check is
appended, a back-dated check changes only the history, and an assessment of a past period uses
the facts in force at its end."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import DomainError
from tenants import services
from tenants.models import SIX_ESSENTIALS, ServiceCentre, ServicePointCheck

SIX = [name for name, _label in SIX_ESSENTIALS]
D = dt.date


def test_provisioning_records_each_centres_first_check(demo_network):
    for centre in ServiceCentre.objects.all():
        [check] = centre.fact_checks.all()
        assert check.six_essentials == centre.six_essentials
        assert check.checked_on == centre.facts_checked_on


def test_checks_are_appended_and_a_back_dated_one_changes_only_the_history(demo_network):
    village = demo_network["420506101201"]
    first = village.fact_checks.get().checked_on
    later = first + dt.timedelta(days=10)
    services.record_service_point_facts(
        village, checked_on=later, recorded_by="督查组", has_premises=False
    )
    village.refresh_from_db()
    assert (village.has_premises, village.facts_checked_on) == (False, later)
    assert village.has_signage is True  # the facts not named keep their value
    earlier = first - dt.timedelta(days=30)
    services.record_service_point_facts(village, checked_on=earlier, has_staff=False)
    village.refresh_from_db()
    assert (village.has_staff, village.facts_checked_on) == (True, later)  # still the latest
    history = list(village.fact_checks.values_list("checked_on", "has_premises", "has_staff"))
    assert history == [(earlier, True, False), (first, True, True), (later, False, True)]
    assert village.fact_checks.get(checked_on=later).recorded_by == "督查组"


def test_a_bad_check_records_nothing(demo_network):
    village = demo_network["420506101201"]
    before = ServicePointCheck.objects.count()
    with pytest.raises(DomainError) as exc:
        services.record_service_point_facts(village, checked_on=D(2026, 1, 1), has_pool=True)
    assert exc.value.code == "unknown_essential"
    with pytest.raises(DomainError) as exc:
        services.record_service_point_facts(village, checked_on=D(2999, 1, 1), has_staff=False)
    assert exc.value.code == "date_in_future"
    assert ServicePointCheck.objects.count() == before


def test_the_centre_page_shows_the_history(admin_client, demo_network):
    village = demo_network["420506101201"]
    services.record_service_point_facts(
        village, checked_on=village.facts_checked_on, recorded_by="督查组", has_phone=False
    )
    page = admin_client.get(f"/admin/tenants/servicecentre/{village.pk}/change/")
    assert page.status_code == 200
    assert "督查组" in page.content.decode()
