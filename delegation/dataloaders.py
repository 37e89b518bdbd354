"""Batch loaders for what a list of cases can touch (see ``graphql_api.loaders``).

``prime_cases`` is called with each page of cases: it announces their ids, tracking numbers,
item versions and centres to the loaders, so whatever the query selects below the page costs
one query per relation, not one per case.
"""

from __future__ import annotations

from catalog.schema import ItemVersionById
from core import sql
from delegation import queries
from delegation.models import CaseEvent, Delegation
from graphql_api.loaders import BatchLoader, group_by
from supervision.schema import WarningsByCase
from tenants.models import ServiceCentre
from tenants.schema import CentreByCode


class EventsByCase(BatchLoader):
    default = []

    def batch_load(self, keys):
        events = sql.rows(CaseEvent, "WHERE case_id = ANY(%s) ORDER BY case_id, seq", [keys])
        return group_by(events, "case_id")


class DelegationsByCase(BatchLoader):
    default = []

    def batch_load(self, keys):
        # With the centre at the other end (registry, public schema), which a page showing a
        # hop names: one statement for both.
        hops, centres = sql.shape(Delegation, "d"), sql.shape(ServiceCentre, "c")
        delegations, by_code = [], CentreByCode.of(self.context)
        for delegation, centre in sql.joined(
            [hops, centres],
            f"FROM {hops.table} d LEFT JOIN {centres.table} c ON c.division_code = d.peer_centre"
            " WHERE d.case_id = ANY(%s) ORDER BY d.case_id, d.created_at",
            [keys],
        ):
            delegations.append(delegation)
            if centre is not None:
                by_code.put(delegation.peer_centre, centre)
        return group_by(delegations, "case_id")


class ChainByTrackingNo(BatchLoader):
    default = []

    def batch_load(self, keys):
        return queries.chains(keys)


def prime_cases(context, cases) -> None:
    ids = [case.pk for case in cases]
    EventsByCase.of(context).prime(ids)
    DelegationsByCase.of(context).prime(ids)
    ChainByTrackingNo.of(context).prime(case.tracking_no for case in cases)
    WarningsByCase.of(context).prime(ids)
    ItemVersionById.of(context).prime(case.item_version_id for case in cases)
    CentreByCode.of(context).prime(
        code for case in cases for code in (case.origin_centre, case.upstream_centre) if code
    )
