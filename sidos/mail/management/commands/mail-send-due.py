import json

from django.core.management.base import BaseCommand

from sidos.mail.tasks import send_due


class Command(BaseCommand):
    help = "Send every queued outgoing message whose next attempt is due (for cron, beside `sidos worker`)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500)
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        outcomes = send_due(limit=options["limit"])
        if options["json"]:
            self.stdout.write(json.dumps(outcomes))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in outcomes.items()))
