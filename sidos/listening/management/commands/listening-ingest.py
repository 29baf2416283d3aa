import json
import sys
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from sidos.lib.csvfiles import UnreadableFile
from sidos.listening.fileingest import ingest_file


class Command(BaseCommand):
    help = "Ingest public posts from a JSONL or CSV file (columns: id, text, created_at, author_handle, ...)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL or CSV file, or - for standard input")
        parser.add_argument(
            "--source", default="", help="the source the posts belong to (default: the file's)"
        )
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            stream = sys.stdin.buffer if path == "-" else Path(path).open("rb")  # noqa: SIM115 closed by `with`
        except OSError as error:
            self._fail(options, f"cannot read {path}: {error.strerror}")
        name = "stdin.jsonl" if path == "-" else Path(path).name
        show_progress = sys.stderr.isatty() and not options["json"]
        progress = (
            Progress(
                SpinnerColumn(),
                TextColumn("ingesting"),
                MofNCompleteColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            if show_progress
            else nullcontext()
        )
        with stream, progress:
            task = progress.add_task("ingest", total=None) if show_progress else None
            on_batch = (lambda count: progress.advance(task, count)) if show_progress else None
            try:
                summary = ingest_file(stream, name, source=options["source"], on_batch=on_batch)
            except UnreadableFile as error:
                self._fail(options, f"{path}: {error}")
            except LookupError as error:  # no classifier installed under the configured name
                self._fail(options, str(error))
        if not summary.records:
            self._fail(options, f"{path}: no records in the file")
        for problem in summary.problems[:20]:
            self.stderr.write(problem)
        if len(summary.problems) > 20:
            self.stderr.write(f"... and {len(summary.problems) - 20} more rejected records")
        line = (
            f"read {summary.records} records: {summary.created} new posts ({summary.negative} negative), "
            f"{summary.reshares} reshares, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.rejected} rejected, {summary.linked} linked to customers"
        )
        if options["json"]:
            self.stderr.write(line)
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write(line)
        if summary.exit_code:
            sys.exit(summary.exit_code)

    def _fail(self, options, message: str):
        if options["json"]:
            self.stdout.write(json.dumps({"error": message}))
        raise CommandError(message, returncode=2)
