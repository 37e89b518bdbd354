"""Show a full-process proxy case travelling the demo network and its status coming back.

    python manage.py demo_chain [--item SX-0020] [--village 420506101201]

Runs every step through the service layer, as the people on each tier would: the village agent
logs and forwards, the township accepts and escalates (or decides, if it may), the county
accepts, reviews and approves, the decision travels back down, the agent delivers. Messages go
through the outbox and the configured transport (RabbitMQ if CELERY_BROKER_URL is set, with a
Celery worker running; otherwise in-process), so this also checks a deployment end to end.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from core.commands import domain_errors_as_command_errors
from core.roles import Actor, Role
from delegation import services as s
from delegation.models import Case, State
from messaging import relay
from messaging.transport import default_transport
from tenants.models import ServiceCentre


class Command(BaseCommand):
    help = (
        "Walk one proxy case village → township → county → back to the village, printing each hop."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--item", default="SX-0020", help="item code (default: 最低生活保障审核确认)"
        )
        parser.add_argument("--village", default="420506101201")
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, item: str, village: str, timeout: float, **options):
        self.timeout = timeout
        self.transport = default_transport()
        with domain_errors_as_command_errors():
            self.run(item, village)

    def run(self, item_code: str, village_code: str) -> None:
        from catalog.services import active_version

        village = ServiceCentre.objects.filter(division_code=village_code, tier="village").first()
        if village is None:
            raise CommandError(
                f"no village {village_code}: run `manage.py provision_network demo` first"
            )
        version = active_version(item_code)
        materials = list(version.materials.values_list("name", flat=True))
        agent = Actor("王代办", Role.AGENT, village.division_code)
        self.say(
            f"事项：{version.name}（{item_code}，可办结层级 {', '.join(version.decision_tiers)}）"
        )
        case = s.log_request(
            village,
            agent,
            applicant=s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234"),
            item_code=item_code,
            materials_received=materials,
        )
        no = case.tracking_no
        self.say(f"[{village.name}] 代办员登记 {no}，承诺办结日 {case.due_on}")
        s.forward_case(village, agent, no)
        self.say(f"[{village.name}] 全程代办，上报 {village.parent.name}")

        centre = village.parent
        while True:
            self.wait_for(centre, no, lambda c: c is not None, "收到转报")
            staff = Actor(f"{centre.name}窗口", Role.STAFF, centre.division_code)
            s.accept_case(centre, staff, no)
            self.say(f"[{centre.name}] 受理")
            if centre.tier in version.decision_tiers:
                s.start_review(centre, staff, no)
                s.approve_case(centre, staff, no, note="经审核，符合条件")
                self.say(f"[{centre.name}] 审核并准予许可")
                break
            s.escalate_case(centre, staff, no, note="超出本级权限，上报")
            self.say(f"[{centre.name}] 上报 {centre.parent.name}")
            centre = centre.parent

        self.wait_for(village, no, lambda c: c.state == State.APPROVED, "结果回传到村")
        s.deliver_case(village, agent, no, note="已电话告知，送达证件")
        self.say(f"[{village.name}] 送达申请人")
        self.wait_for(centre, no, lambda c: c.state == State.DELIVERED, "送达回执到达办结中心")

        self.say("\n办件链（任一中心按编号查询所见）：")
        for hop in s.track(no):
            days = "—" if hop.working_days is None else f"{hop.working_days} 个工作日"
            self.say(f"  {hop.tier:<9} {hop.centre_name:<16} {hop.state:<10} 停留 {days}")

    def wait_for(self, centre: ServiceCentre, no: str, predicate, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            relay.drain(self.transport)  # harmless beside a running relay (SKIP LOCKED)
            with s.in_centre(centre):
                case = Case.objects.filter(tracking_no=no).first()
            if case is not None and predicate(case):
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"timed out waiting for: {what} at {centre.name}. "
                    "With CELERY_BROKER_URL set, is a worker running (celery -A core worker -Q messages)?"
                )
            time.sleep(0.05)

    def say(self, text: str) -> None:
        self.stdout.write(text)
