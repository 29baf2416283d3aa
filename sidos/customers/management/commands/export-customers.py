from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sidos.customers.exporting import dumps, export_columns, export_rows
from sidos.customers.models import Customer
from sidos.lib.csvfiles import write_rows
from sidos.privacy import audit
from sidos.privacy.models import AuditAction


class Command(BaseCommand):
    help = "Export all customers as CSV (the import columns, so the file re-imports losslessly) or JSONL."

    def add_arguments(self, parser):
        parser.add_argument("file", help="output file, or - for standard output")
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")

    def handle(self, *args, **options):
        queryset = Customer.objects.all()
        path = options["file"]
        try:
            # self.stdout._out is the raw stream behind OutputWrapper, which would add its own line endings.
            stream = self.stdout._out if path == "-" else Path(path).open("w", encoding="utf-8", newline="")  # noqa: SIM115 closed below
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}", returncode=2)
        try:
            if options["format"] == "csv":
                count = write_rows(stream, export_columns(queryset), export_rows(queryset))
            else:
                count = 0
                for row in export_rows(queryset):
                    stream.write(dumps(row) + "\n")
                    count += 1
        finally:
            if path != "-":
                stream.close()
        audit.record(
            None, AuditAction.EXPORT, "customers", "", channel="cli", summary=f"{count} customers to {path}"
        )
        if path != "-":
            self.stderr.write(f"exported {count} customers to {path}")
