import json
import sys

from django.core.management.base import BaseCommand, CommandError

from sidos.listening.models import NETWORK_KINDS, Source
from sidos.listening.polling import poll_all


class Command(BaseCommand):
    help = "Poll the network sources (RSS/Atom, Mastodon, Bluesky) for new posts; `sidos worker` does it too."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--source", default="", help="poll only this source (by name)")
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def handle(self, *args, **options):
        name = options["source"]
        if name and not Source.objects.filter(name=name, kind__in=NETWORK_KINDS).exists():
            message = f"no network source named {name!r}"
            if options["json"]:
                self.stdout.write(json.dumps({"error": message}))
            raise CommandError(message, returncode=2)
        summary = poll_all(name)
        for result in summary.sources:
            line = f"{result.source}: {result.status}"
            if result.ingest:
                line += f", {result.ingest.created} new, {result.ingest.rejected} rejected"
            if result.error:
                line += f" ({result.error}; next try after {result.backoff_until:%Y-%m-%d %H:%M:%S %Z})"
            self.stderr.write(line) if options["json"] else self.stdout.write(line)
            for problem in (result.ingest.problems if result.ingest else [])[:20]:
                self.stderr.write(f"  {problem}")
        if not summary.sources:
            self.stderr.write(
                "no enabled network sources (add them in the admin: Social listening > Sources)"
            )
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
        if summary.exit_code:
            sys.exit(summary.exit_code)
