"""Suppress addresses whose campaign mail bounced permanently (also done before every audience draw)."""

import json

from django.core.management.base import BaseCommand

from sidos.campaigns.actions import apply_bounces


class Command(BaseCommand):
    help = "Suppress every address with a permanent DSN (5.x.x) for campaign mail."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        added = apply_bounces()
        if options["json"]:
            self.stdout.write(json.dumps({"suppressed": added}))
        else:
            self.stdout.write(f"{added} address(es) suppressed")
