"""sidos servicedesk-sla [--every SECONDS] [--json]: run the SLA sweep once, or periodically."""

import json
import time

from django.core.management.base import BaseCommand

from sidos.servicedesk.escalation import sweep


class Command(BaseCommand):
    help = "Warn before SLA deadlines and escalate breached tickets (once, or every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds until stopped")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one-line JSON summary last")

    def handle(self, *args, every: int = 0, as_json: bool = False, **options):
        while True:
            summary = sweep()
            if as_json:
                self.stdout.write(json.dumps(summary))
            else:
                self.stdout.write(f"warned {summary['warned']}, escalated {summary['escalated']}")
            if every <= 0:
                return
            time.sleep(every)
