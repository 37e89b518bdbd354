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
from django.utils.translation import gettext as _

from core.commands import domain_errors_as_command_errors
from core.roles import Actor, Role
from delegation import services as s
from delegation.models import Case, State
from delegation.tracking import track
from messaging import relay
from messaging.transport import default_transport
from tenants.divisions import TIER_SHORT
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre


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
                _("没有村级中心 %(code)s：请先运行 manage.py provision_network demo。")
                % {"code": village_code}
            )
        version = active_version(item_code)
        materials = list(version.materials.values_list("name", flat=True))
        agent = Actor("王代办", Role.AGENT, village.division_code)
        self.say(
            _("事项：%(name)s（%(code)s，可办结层级 %(tiers)s）")
            % {
                "name": version.name,
                "code": item_code,
                "tiers": "、".join(str(TIER_SHORT[t]) for t in version.decision_tiers),
            }
        )
        case = s.log_request(
            village,
            agent,
            applicant=s.Applicant("person", "刘桂兰", "420581199001010011", "13907171234"),
            item_code=item_code,
            materials_received=materials,
        )
        no = case.tracking_no
        self.say(
            _("[%(centre)s] 代办员登记 %(no)s（回执查询码 %(code)s），承诺办结日 %(due)s")
            % {"centre": village.name, "no": no, "code": case.query_code, "due": case.due_on}
        )
        s.forward_case(village, agent, no)
        self.say(
            _("[%(centre)s] 全程代办，上报 %(parent)s")
            % {"centre": village.name, "parent": village.parent.name}
        )

        centre = village.parent
        while True:
            self.wait_for(centre, no, lambda c: c is not None, _("收到转报"))
            staff = Actor(f"{centre.name}窗口", Role.STAFF, centre.division_code)
            s.accept_case(centre, staff, no)
            self.say(_("[%(centre)s] 受理") % {"centre": centre.name})
            if centre.tier in version.decision_tiers:
                s.start_review(centre, staff, no)
                s.approve_case(centre, staff, no, note="经审核，符合条件")
                self.say(_("[%(centre)s] 审核并准予许可") % {"centre": centre.name})
                break
            s.escalate_case(centre, staff, no, note="超出本级权限，上报")
            self.say(
                _("[%(centre)s] 上报 %(parent)s")
                % {"centre": centre.name, "parent": centre.parent.name}
            )
            centre = centre.parent

        self.wait_for(village, no, lambda c: c.state == State.APPROVED, _("结果回传到村"))
        s.deliver_case(village, agent, no, note="已电话告知，送达证件")
        self.say(_("[%(centre)s] 送达申请人") % {"centre": village.name})
        self.wait_for(centre, no, lambda c: c.state == State.DELIVERED, _("送达回执到达办结中心"))

        self.say("\n" + _("办件链（任一中心按编号查询所见）："))
        for hop in track(no):
            days = (
                "—"
                if hop.working_days is None
                else _("%(days)s 个工作日") % {"days": hop.working_days}
            )
            stay = _("停留 %(days)s") % {"days": days}
            tier, state = TIER_SHORT[hop.tier], State(hop.state).label
            self.say(f"  {tier:<4} {hop.centre_name:<16} {state:<6} {stay}")

    def wait_for(self, centre: ServiceCentre, no: str, predicate, what: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            relay.drain(self.transport)  # harmless beside a running relay (SKIP LOCKED)
            with in_centre(centre):
                case = Case.objects.filter(tracking_no=no).first()
            if case is not None and predicate(case):
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    _(
                        "等待超时：%(what)s（%(centre)s）。设置了 CELERY_BROKER_URL 时，"
                        "请确认 worker 在运行（celery -A core worker -Q messages）。"
                    )
                    % {"what": what, "centre": centre.name}
                )
            time.sleep(0.05)

    def say(self, text: str) -> None:
        self.stdout.write(text)
