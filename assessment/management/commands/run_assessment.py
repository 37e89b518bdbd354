"""Run a coverage assessment, store it, and optionally export and compare it.

    manage.py run_assessment --period 2026-01-01:2026-12-31 --subtree 420500 \
        [--scheme NAME [--scheme-version N]] [--xlsx out.xlsx] [--chart out.png] \
        [--compare-with RUN_ID] [--as NAME]

The command acts as an assessor of the city the subtree belongs to (whoever may run
manage.py on the server is trusted with that); the rules are those of assessment.services.
"""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessment import services
from assessment.management.commands._output import print_comparison, print_run, write_exports
from core.commands import domain_errors_as_command_errors, progress_bar
from core.roles import Actor, Role
from tenants.models import ServiceCentre

STEP_LABELS = {
    "registry": _("中心与状态"),
    "activity": _("办件统计"),
    "open_cases": _("在办与滞留"),
    "scoring": _("计分排名"),
    "storing": _("保存结果"),
}


def command_actor(subtree_code: str, name: str | None) -> Actor:
    """An assessor at the city above ``subtree_code``."""
    centre = ServiceCentre.objects.filter(division_code=subtree_code).first()
    if centre is None:
        raise CommandError(
            gettext("没有行政区划代码为“%(code)s”的服务中心。") % {"code": subtree_code}
        )
    while centre.parent_id:
        centre = centre.parent
    return Actor(
        name=name or f"manage.py:{getpass.getuser()}",
        role=Role.ASSESSOR,
        centre=centre.division_code,
    )


class Command(BaseCommand):
    help = "Run the network coverage assessment for a period and a subtree, store it, export it."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="START:END, e.g. 2026-01-01:2026-12-31")
        parser.add_argument("--subtree", required=True, help="division code of the subtree's root")
        parser.add_argument("--scheme", help="scoring scheme name (default: the default scheme)")
        parser.add_argument("--scheme-version", type=int, help="version (default: the latest)")
        parser.add_argument("--xlsx", help="write the workbook to this path")
        parser.add_argument("--chart", help="write the PNG chart to this path")
        parser.add_argument("--compare-with", type=int, help="print the change from this run")
        parser.add_argument("--as", dest="actor_name", help="the assessor's name for the record")

    def handle(self, *args, **options):
        try:
            start, end = options["period"].split(":")
        except ValueError as exc:
            raise CommandError(
                gettext("--period 应为 开始:结束，如 2026-01-01:2026-12-31")
            ) from exc
        actor = command_actor(options["subtree"], options["actor_name"])
        show = options["verbosity"] > 0
        progress, task = progress_bar(gettext("考核"), len(services.STEPS), enabled=show)

        def step(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, description=str(STEP_LABELS.get(label, label)))

        with progress, domain_errors_as_command_errors():
            run = services.run_assessment(
                actor,
                period_start=start,
                period_end=end,
                subtree_code=options["subtree"],
                scheme_name=options["scheme"],
                scheme_version=options["scheme_version"],
                progress=step,
            )
        with domain_errors_as_command_errors():
            print_run(self.stdout, run)
            write_exports(self.stdout, actor, run, options["xlsx"], options["chart"])
            if options["compare_with"]:
                print_comparison(
                    self.stdout, services.compare_runs(actor, options["compare_with"], run.pk)
                )
