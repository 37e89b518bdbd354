"""Export (and compare) a stored assessment run.

manage.py export_assessment RUN_ID [--xlsx out.xlsx] [--chart out.png] [--compare-with RUN_ID]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment import services
from assessment.management.commands._output import print_comparison, print_run, write_exports
from assessment.management.commands.run_assessment import command_actor
from assessment.models import AssessmentRun
from core.commands import domain_errors_as_command_errors


class Command(BaseCommand):
    help = "Print, export and compare a stored assessment run."

    def add_arguments(self, parser):
        parser.add_argument("run", type=int)
        parser.add_argument("--xlsx", help="write the workbook to this path")
        parser.add_argument("--chart", help="write the PNG chart to this path")
        parser.add_argument("--compare-with", type=int, help="print the change from this run")
        parser.add_argument("--as", dest="actor_name")

    def handle(self, *args, **options):
        stored = AssessmentRun.objects.filter(pk=options["run"]).first()
        if stored is None:
            raise CommandError(_("没有编号为 %(run)s 的考核批次。") % {"run": options["run"]})
        actor = command_actor(stored.subtree_code, options["actor_name"])
        with domain_errors_as_command_errors():
            run = services.get_run(actor, stored.pk)
            print_run(self.stdout, run)
            write_exports(self.stdout, actor, run, options["xlsx"], options["chart"])
            if options["compare_with"]:
                print_comparison(
                    self.stdout, services.compare_runs(actor, options["compare_with"], run.pk)
                )
