"""A proxy case carried up and down the chain, with the papers that go with it."""

from __future__ import annotations

from custody import services as custody
from custody.models import Handover
from delegation import services as s
from messaging import relay
from messaging.transport import LocalTransport
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, VILLAGE

ALL = ["居民身份证", "申请表"]
ID_CARD = ("居民身份证", "original")
FORM = ("申请表", "original")


def drain() -> int:
    return relay.drain(LocalTransport())


def at(code: str):
    return in_centre(ServiceCentre.objects.get(division_code=code))


def logged(item: str = "C-1", papers=(ID_CARD, FORM)) -> str:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code=item, materials_received=ALL)
    custody.authorize_proxy(VILLAGE, AGENT, case.tracking_no, papers=list(papers))
    return case.tracking_no


def held(code: str, no: str) -> dict[tuple[str, str], int]:
    from delegation.models import Case

    with at(code):
        return {p.ref: p.count for p in custody.held(Case.objects.get(tracking_no=no))}


def pending_in(code: str, no: str) -> Handover:
    with at(code):
        return Handover.objects.get(case__tracking_no=no, incoming=True, received_at=None)


def handovers(code: str, no: str) -> list[Handover]:
    with at(code):
        return list(
            Handover.objects.filter(case__tracking_no=no)
            .prefetch_related("lines")
            .order_by("sent_at", "route")
        )
