import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sidos.mail import ingest, sources


class Command(BaseCommand):
    help = (
        "Ingest RFC 5322 messages from files, maildir-like folders or stdin (-, for an MTA pipe). "
        "Exit 0 all processed, 1 some failed (kept in quarantine), 2 nothing done."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="message files, folders (cur/ and new/, or plain files), or -"
        )
        parser.add_argument("--retry-failed", action="store_true", help="process quarantined messages again")
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        if not options["paths"] and not options["retry_failed"]:
            raise CommandError("give message files, folders or -, or --retry-failed", returncode=2)
        summary = ingest.Summary()
        started = time.perf_counter()
        unreadable = []
        try:
            handler = ingest.inbound_handler()
        except ImportError as error:
            raise CommandError(f"SIDOS_INBOUND_MAIL_HANDLER cannot be imported: {error}", returncode=2)
        try:
            with ingest.bulk(handler):
                self._ingest(options, handler, summary, unreadable)
        except DatabaseError as error:
            # Not even the quarantine could be written. 75 is EX_TEMPFAIL: an MTA piping mail in
            # keeps the message and tries again, instead of bouncing it.
            self.stderr.write(f"database unavailable, the current message was not stored: {error}")
            self._summary({**summary.as_dict(), "seconds": round(time.perf_counter() - started, 3)}, options)
            sys.exit(75)
        result = summary.as_dict()
        # Counted before "seconds" joins the dict: on a slow machine an empty run's time rounds to
        # 0.001, and an unreadable file alone exited 1 instead of 2.
        processed = sum(result.values())
        result["seconds"] = round(time.perf_counter() - started, 3)  # processing only, without start-up
        if unreadable:
            result["unreadable"] = len(unreadable)
        self._summary(result, options)
        if processed == 0 and (unreadable or options["paths"]):
            sys.exit(2)
        if result["failed"] or unreadable:
            sys.exit(1)

    def _summary(self, result: dict, options) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))

    def _ingest(self, options, handler, summary: ingest.Summary, unreadable: list[str]) -> None:
        if options["retry_failed"]:
            summary.update(ingest.retry_failed(handler=handler))
        for label, path in sources.expand(options["paths"]):
            try:
                raw = sys.stdin.buffer.read() if path is None else path.read_bytes()
            except OSError as error:
                unreadable.append(label)
                self.stderr.write(f"{label}: cannot read: {error.strerror or error}")
                continue
            outcome = ingest.ingest_bytes(raw, source=label, handler=handler)
            summary[outcome] += 1
            if outcome == "failed":
                self.stderr.write(f"{label}: failed, kept in quarantine (sidos mail-ingest --retry-failed)")
