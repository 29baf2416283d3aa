import json
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sidos.mail.imap import PollError, poll


class Command(BaseCommand):
    help = (
        "Ingest new messages from the IMAP mailbox in SIDOS_IMAP_URL (each message once). "
        "Exit 0 all processed, 1 some failed (kept in quarantine), 2 mailbox unreachable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--processed", help='override SIDOS_IMAP_PROCESSED: "flag", "move:FOLDER" or "delete"'
        )
        parser.add_argument("--limit", type=int, help="at most this many messages this run")
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        if not settings.SIDOS_IMAP_URL:
            raise CommandError(
                "SIDOS_IMAP_URL is not set (e.g. imaps://user:password@host:993/INBOX)", returncode=2
            )
        try:
            summary = poll(processed=options["processed"], limit=options["limit"])
        except (PollError, ImproperlyConfigured, ImportError) as error:
            raise CommandError(str(error), returncode=2)
        except DatabaseError as error:
            # The cursor only moves past stored messages: the rest stay on the server for the next run.
            raise CommandError(f"database unavailable, stopped: {error}", returncode=2)
        result = summary.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))
        if result["failed"]:
            sys.exit(1)
