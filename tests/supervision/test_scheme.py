"""The supervision scheme: seeded as version 1, every revision a new version, bad input coded
and nothing saved."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from core.roles import Actor, Role
from supervision import services as sup
from supervision.models import ItemLimit, SupervisionScheme

CITY_HEAD = Actor(name="市中心主任", role=Role.HEAD, centre="420500")


def test_the_default_scheme_is_seeded_as_version_1(db):
    scheme = sup.current_scheme()
    assert (scheme.version, scheme.forward_days, scheme.intake_days, scheme.deliver_days) == (
        1,
        3,
        5,
        10,
    )
    assert (scheme.yellow_days_left, scheme.yellow_percent) == (1, 80)


def test_a_revision_is_a_new_version_and_carries_the_item_limits_over(demo_network):
    first = sup.revise_scheme(
        CITY_HEAD, intake_days=4, item_limits=[{"item_code": "T-1", "deliver_days": 2}]
    )
    second = sup.revise_scheme(CITY_HEAD, yellow_percent=75, note="收紧")
    assert (first.version, second.version) == (2, 3)
    assert sup.current_scheme() == second
    assert (second.intake_days, second.yellow_percent) == (4, 75)
    assert list(second.item_limits.values_list("item_code", "deliver_days", "forward_days")) == [
        ("T-1", 2, None)
    ]
    assert SupervisionScheme.objects.get(version=1).intake_days == 5  # never edited


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"forward_days": -1}, "supervision_limit_out_of_range", "forward_days"),
        ({"intake_days": 0}, "supervision_limit_out_of_range", "intake_days"),
        ({"deliver_days": 61}, "supervision_limit_out_of_range", "deliver_days"),
        ({"deliver_days": "3"}, "supervision_limit_not_integer", "deliver_days"),
        ({"yellow_percent": 0}, "supervision_threshold_out_of_range", "yellow_percent"),
        ({"yellow_percent": 101}, "supervision_threshold_out_of_range", "yellow_percent"),
        ({"yellow_days_left": -2}, "supervision_threshold_out_of_range", "yellow_days_left"),
        ({"item_limits": [{"item_code": "T-1", "intake_days": -3}]}, "supervision_limit_out_of_range", "intake_days"),
        ({"item_limits": [{"item_code": " ", "intake_days": 3}]}, "supervision_item_code_missing", "item_code"),
        ({"item_limits": [{"item_code": "T-1"}, {"item_code": "T-1"}]}, "supervision_item_duplicate", "item_code"),
        ({"red_days": 3}, "supervision_unknown_field", "red_days"),
    ],
)  # fmt: skip
def test_an_invalid_scheme_is_refused_with_a_code_and_nothing_saved(
    demo_network, changes, code, field
):
    with pytest.raises(DomainError) as raised:
        sup.revise_scheme(CITY_HEAD, **changes)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert SupervisionScheme.objects.count() == 1
    assert not ItemLimit.objects.exists()


@pytest.mark.parametrize(
    "actor",
    [
        Actor(name="县主任", role=Role.HEAD, centre="420506"),
        Actor(name="窗口", role=Role.STAFF, centre="420500"),
        None,
    ],
)
def test_only_the_city_revises_the_scheme(demo_network, actor):
    with pytest.raises(DomainError) as raised:
        sup.revise_scheme(actor, intake_days=4)
    assert raised.value.code == "not_supervision_editor"
    assert SupervisionScheme.objects.count() == 1
