"""The worklist's tab counts come from counters kept with the projection; they must equal a
count of the centre's cases whatever happened to them."""

from __future__ import annotations

from django.db.models import Count

from core.roles import Role
from delegation import queries, services
from network.state_counts import deferred_state_counts, rebuild_state_counts, state_counts
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.web.conftest import ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE, counters_committed
from tests.web.test_query_counts import add_cases
from web.cases import TABS

STAFF = services.Actor(name="李窗口", role=Role.STAFF, centre=TOWNSHIP)


def counted(client, query: str = "") -> dict[str, int]:
    counters_committed()
    response = client.get(f"/c/{TOWNSHIP}/worklist/{query}")
    assert response.status_code == 200
    return {key: n for key, _label, n in response.context["tabs"]}


def aggregated(**filters) -> dict[str, int]:
    """The same counts the slow way: one pass over the township's cases."""
    centre = ServiceCentre.objects.get(division_code=TOWNSHIP)
    with in_centre(centre):
        base = queries.worklist(centre, STAFF, **filters)
        return base.order_by().aggregate(
            **{key: Count("id", filter=q) if q else Count("id") for key, _label, q in TABS}
        )


def test_tab_counts_follow_every_change(township_client):
    numbers = [add_cases(1, forward=True) for _ in range(6)]
    assert counted(township_client)["incoming"] >= 6
    services.accept_case(TOWNSHIP, STAFF, numbers[0])
    services.accept_case(TOWNSHIP, STAFF, numbers[1])
    services.request_supplement(
        TOWNSHIP, STAFF, numbers[2], materials=[ITEM_MATERIALS[0]], note="请补交申请书"
    )
    services.refuse_case(TOWNSHIP, STAFF, numbers[3], reason="不属于本中心受理范围")
    services.escalate_case(TOWNSHIP, STAFF, numbers[0])
    pages = counted(township_client)
    assert pages == aggregated(), (pages, aggregated())
    assert pages["review"] >= 1 and pages["supplement"] >= 1 and pages["escalated"] >= 1
    assert pages["all"] == sum(
        state_counts(ServiceCentre.objects.get(division_code=TOWNSHIP).id).values()
    )


def test_filtered_counts_count_the_filter(township_client):
    add_cases(2, forward=True)
    pages = counted(township_client, f"?item={ITEM}")
    assert pages == aggregated(item_code=ITEM)
    assert counted(township_client, "?item=NO-SUCH")["all"] == 0


def test_a_deferred_bulk_load_is_recounted(demo_users):
    village = ServiceCentre.objects.get(division_code=VILLAGE)
    add_cases(3, forward=False)
    counters_committed()
    before = state_counts(village.id)
    from django.db import connection, transaction

    with transaction.atomic(), deferred_state_counts():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM network_statecount WHERE centre_id = %s", [village.id])
        add_cases(2, forward=False)
        counters_committed()  # the loaded rows "commit" while the trigger is off
        assert state_counts(village.id) == {}
        rebuild_state_counts([village.id])
    after = state_counts(village.id)
    assert after["submitted"] == before["submitted"] + 2
