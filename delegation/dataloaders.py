"""Batch loaders for what a list of cases can touch (see ``graphql_api.loaders``).

``prime_cases`` is called with each page of cases: it announces their ids, tracking numbers,
item versions and centres to the loaders, so whatever the query selects below the page costs
one query per relation, not one per case.
"""

from __future__ import annotations

from catalog.schema import ItemVersionById
from delegation import queries
from delegation.models import CaseEvent, Delegation
from graphql_api.loaders import BatchLoader, group_by
from supervision.schema import WarningsByCase
from tenants.schema import CentreByCode


class EventsByCase(BatchLoader):
    default = []

    def batch_load(self, keys):
        return group_by(
            CaseEvent.objects.filter(case_id__in=keys).order_by("case_id", "seq"), "case_id"
        )


class DelegationsByCase(BatchLoader):
    default = []

    def batch_load(self, keys):
        delegations = Delegation.objects.filter(case_id__in=keys).order_by("case_id", "created_at")
        grouped = group_by(delegations, "case_id")
        CentreByCode.of(self.context).prime(d.peer_centre for d in delegations)
        return grouped


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
