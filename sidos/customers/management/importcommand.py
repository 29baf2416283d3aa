"""What every file-import command shares: arguments, progress bar, JSON summary and exit codes.

Exit status (PRODUCT.md Conventions): 0 all rows imported, 1 done but some rows rejected,
2 nothing done (unreadable file, bad arguments).
"""

import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from sidos.customers.importjob import run_import
from sidos.lib.csvfiles import UnreadableFile


class ImportCommand(BaseCommand):
    # System checks import every app's URLs (and with them scipy and polars): seconds of start-up
    # that a scripted import of a small file should not pay. `sidos check` still runs them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file to import, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="check and count, but change nothing")
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def make_importer(self, source: str, options):
        raise NotImplementedError

    def handle(self, *args, **options):
        path = options["file"]
        try:
            stream = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115 closed by `with stream`
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}", returncode=2)
        name = "stdin" if path == "-" else Path(path).name
        total = None if path == "-" else os.fstat(stream.fileno()).st_size
        show_progress = sys.stderr.isatty() and not options["json"]
        progress = (
            Progress(
                TextColumn("importing"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            if show_progress
            else nullcontext()
        )
        with stream, progress:
            task = progress.add_task("import", total=total) if show_progress else None
            on_bytes = (lambda count: progress.advance(task, count)) if show_progress else None
            try:
                summary = run_import(
                    self.make_importer(name, options),
                    stream,
                    name,
                    dry_run=options["dry_run"],
                    on_bytes=on_bytes,
                )
            except UnreadableFile as error:
                if options["json"]:
                    self.stdout.write(json.dumps({"error": str(error)}))
                raise CommandError(f"{path}: {error}", returncode=2)
        self._report(summary, options)
        if summary.exit_code:
            sys.exit(summary.exit_code)

    def _report(self, summary, options) -> None:
        verb = "would import" if summary.dry_run else "imported"
        line = (
            f"{verb} {summary.rows} rows: {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.rejected} rejected"
        )
        if summary.errors:
            line += f"; rejected rows are listed in {summary.errors}"
        if options["json"]:
            self.stderr.write(line)
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write(line)
