import json

from django.core.management.base import BaseCommand

from sidos.privacy.retention import rules, run_retention


class Command(BaseCommand):
    help = "Apply the retention rules (SIDOS_RETAIN_*); --dry-run only counts what would change."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        report = run_retention(dry_run=options["dry_run"])
        verb = "would change" if options["dry_run"] else "changed"
        described = {rule.name: rule.describe() for rule in rules()}
        for line in report:
            self.stdout.write(f"{line['rule']}: {verb} {line['count']} — {described[line['rule']]}")
        if options["json"]:
            summary = {
                "dry_run": options["dry_run"],
                "rules": report,
                "total": sum(x["count"] for x in report),
            }
            self.stdout.write(json.dumps(summary))
