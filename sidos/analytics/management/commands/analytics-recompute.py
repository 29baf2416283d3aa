import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from sidos.analytics.actions import recompute
from sidos.analytics.management.dates import date_argument


class Command(BaseCommand):
    help = "Recompute RFM segments, BTYD models, lifetime value and churn risk for every customer."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="score as of this date (default: today)")
        parser.add_argument("--time-unit", choices=["day", "week"], help="time unit of the models")
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def handle(self, *args, **options):
        as_of = date_argument(options["as_of"], "--as-of") if options["as_of"] else None
        try:
            run = recompute(
                as_of=as_of,
                time_unit=options["time_unit"],
                actor=f"analytics-recompute command (OS user {getpass.getuser()})",
                channel="cli",
            )
        except ValueError as error:
            raise CommandError(str(error), returncode=2)
        summary = {
            "run": run.pk,
            **run.counts(),
            "models": run.params.get("models", {}),
            "seconds": round((run.finished_at - run.started_at).total_seconds(), 2),
        }
        line = (
            f"scored {run.customers} customers ({run.customers_with_data} with purchases) as of {run.as_of}; "
            f"{run.flagged} flagged at risk"
        )
        if options["json"]:
            self.stderr.write(line)
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(line)
            for name, values in summary["models"].items():
                self.stdout.write(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
