"""A month of cases on the demo network, with every figure of it computed by hand.

May 2026: 1–5 May is the Labour Day holiday, Saturday 9 May a make-up working day (调休).
Times are local. V = 420506101201 (all six essentials), its township T = 420506101000, its
county C = 420506; T2 = 420506102000; V3 = 420506101203 (suspended on 16 May at noon);
OV = 420581101201 under township T3 = 420581101000 and county K2 = 420581.

A  C-1 (county item, promised 10, legal 30): V logs and forwards 6 May; T accepts and
   escalates 7 May; C accepts 8 May and approves on Saturday 9 May, a make-up working day:
   1 working day, on time and early, saves 9 (promised) and 29 (legal). V delivers 11 May,
   the citizen rates it 5 at V. Held: V 0, T 1 (7 May), C 2 (8, 9 May).
B  T-1 (township item, promised 5, legal 20): V logs and forwards 11 May; T accepts 12 May,
   asks for supplements 13 May, they arrive through V on 18 May (pause removes 14, 15, 18 May);
   T approves 20 May: 6 − 3 = 3 working days, on time, early, saves 2 and 17. Rated 2 at V.
   Held at T: 7 − 3 = 4.
C  I-1 (immediate, legal 1): T window, logged, accepted and approved 14 May: on time, not early,
   saves 0 and 1. Rated 4 at T.
D  C-1 at C's window: logged and accepted 27 April, approved 20 May: 15 working days (28–30
   April, 6–9, 11–15, 18–20 May), late; saves −5 and 15. Held 15.
E  T-1 at T2's window: logged and accepted 6 May, still open: due 12 May, overdue and stuck
   (18 working days by 31 May).
F  C-1 at C's window: logged and accepted 28 May, open: neither overdue nor stuck.
G  T-1 at T's window: logged and refused 21 May.
H  C-1: OV logs and forwards 25 May; T3 escalates 26 May without accepting; OV withdraws 27 May,
   up the chain. Held: OV 0, T3 1, K2 1.
K  T-1 at V3: logged 12 May (the village clock promises 19 May), never forwarded: open,
   overdue and stuck; V3 is suspended on 16 May 12:00 (half of May active).
J  T-1 at V2 = 420506101202 (five of six essentials): logged 1 June, after the period.
"""

from __future__ import annotations

from core.roles import Actor, Role
from delegation import services as s
from delegation.services import Applicant
from messaging import relay
from messaging.transport import LocalTransport

V, T, C = "420506101201", "420506101000", "420506"
T2, V2, V3 = "420506102000", "420506101202", "420506101203"
OV, T3, K2 = "420581101201", "420581101000", "420581"
MATERIALS = "居民身份证|original|1;申请表|original|1"
ALL = ["居民身份证", "申请表"]
PERSON = Applicant(
    kind="person", name="刘桂兰", id_number="420581199001010011", phone="13907171234"
)


def make_items() -> None:
    from catalog import services as catalog

    catalog.add_department(code="MZJ", name="民政局")
    common = dict(
        category="benefit",
        department="MZJ",
        legal_basis="《社会救助暂行办法》",
        fee=0,
        proxy_eligible=True,
        online_eligible=False,
        materials=MATERIALS,
    )
    catalog.add_item(
        code="T-1",
        name="临时救助",
        decision_tiers=["township", "county"],
        handling_type="promised",
        legal_limit_days=20,
        promised_limit_days=5,
        **common,
    )
    catalog.add_item(
        code="C-1",
        name="最低生活保障审核确认",
        decision_tiers=["county"],
        handling_type="promised",
        legal_limit_days=30,
        promised_limit_days=10,
        **common,
    )
    catalog.add_item(
        code="I-1",
        name="残疾人证补办",
        decision_tiers=["township"],
        handling_type="immediate",
        legal_limit_days=1,
        **common,
    )


def staff(code: str) -> Actor:
    return Actor(name=f"staff@{code}", role=Role.STAFF, centre=code)


def agent(code: str) -> Actor:
    return Actor(name=f"agent@{code}", role=Role.AGENT, centre=code)


def drain() -> None:
    relay.drain(LocalTransport())


def log(code: str, item: str, actor: Actor | None = None) -> str:
    actor = actor or (agent(code) if len(code) == 12 and not code.endswith("000") else staff(code))
    case = s.log_request(code, actor, applicant=PERSON, item_code=item, materials_received=ALL)
    return case.tracking_no


def build_may(clock, network) -> dict[str, str]:
    from tenants.services import set_centre_status

    cases = {}
    # D: at the county's window since April.
    clock.set("2026-04-27 10:00")
    cases["D"] = d = log(C, "C-1")
    s.accept_case(C, staff(C), d)
    s.start_review(C, staff(C), d)

    # A: the chain, decided on the make-up Saturday.
    clock.set("2026-05-06 09:00")
    cases["A"] = a = log(V, "C-1")
    s.forward_case(V, agent(V), a)
    drain()
    # E: open at T2, overdue and stuck.
    cases["E"] = e = log(T2, "T-1")
    s.accept_case(T2, staff(T2), e)
    clock.set("2026-05-07 10:00")
    s.accept_case(T, staff(T), a)
    s.escalate_case(T, staff(T), a)
    drain()
    clock.set("2026-05-08 10:00")
    s.accept_case(C, staff(C), a)
    s.start_review(C, staff(C), a)
    drain()
    clock.set("2026-05-09 10:00")
    s.approve_case(C, staff(C), a)
    drain()

    # B: decided at the township after a pause for supplements.
    clock.set("2026-05-11 09:00")
    s.deliver_case(V, agent(V), a)
    drain()
    s.rate_case(V, a, rating=5)
    cases["B"] = b = log(V, "T-1")
    s.forward_case(V, agent(V), b)
    drain()
    clock.set("2026-05-12 10:00")
    s.accept_case(T, staff(T), b)
    drain()
    # K: stays at the village.
    cases["K"] = log(V3, "T-1")
    clock.set("2026-05-13 10:00")
    s.request_supplement(T, staff(T), b, materials=["申请表"])
    drain()
    clock.set("2026-05-14 10:00")
    # C: an immediate item, decided on the spot.
    cases["C"] = c = log(T, "I-1")
    s.accept_case(T, staff(T), c)
    s.start_review(T, staff(T), c)
    s.approve_case(T, staff(T), c)
    s.rate_case(T, c, rating=4)
    clock.set("2026-05-16 12:00")
    set_centre_status(network[V3], "suspended")
    clock.set("2026-05-18 10:00")
    s.receive_supplement(V, agent(V), b, materials=["申请表"])
    drain()
    clock.set("2026-05-20 10:00")
    s.start_review(T, staff(T), b)
    s.approve_case(T, staff(T), b)
    drain()
    s.rate_case(V, b, rating=2)
    s.approve_case(C, staff(C), d)

    clock.set("2026-05-21 10:00")
    cases["G"] = g = log(T, "T-1")
    s.refuse_case(T, staff(T), g, reason="不属于救助范围")

    # H: forwarded, escalated without acceptance, withdrawn up the chain.
    clock.set("2026-05-25 10:00")
    cases["H"] = h = log(OV, "C-1")
    s.forward_case(OV, agent(OV), h)
    drain()
    clock.set("2026-05-26 10:00")
    s.escalate_case(T3, staff(T3), h)
    drain()
    clock.set("2026-05-27 10:00")
    s.withdraw_case(OV, agent(OV), h, reason="申请人撤回")
    drain()

    clock.set("2026-05-28 10:00")
    cases["F"] = f = log(C, "C-1")
    s.accept_case(C, staff(C), f)

    clock.set("2026-06-01 10:00")
    cases["J"] = log(V2, "T-1")
    return cases
