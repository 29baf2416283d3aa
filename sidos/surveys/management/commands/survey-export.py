"""sidos survey-export SURVEY [--format csv|json] [--output FILE] [--json]"""

import json
import sys

from django.core.management.base import BaseCommand

from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.surveys import exporting
from sidos.surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Export a survey's answers (one row per answer) as CSV or JSON. SURVEY is its id or public address."
    )

    def add_arguments(self, parser):
        parser.add_argument("survey")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", "-o", default="-", help="file to write; '-' (default) is stdout")
        parser.add_argument("--json", action="store_true", help="a one-line JSON summary as the last line")

    def handle(self, *args, **options):
        key = options["survey"]
        survey = Survey.objects.filter(pk=int(key)).first() if key.isdigit() else None
        survey = survey or Survey.objects.filter(slug=key).first()
        if survey is None:
            self._finish(options, {"error": f"no survey {key!r}", "answers": 0}, f"no survey {key!r}")
            sys.exit(2)
        write = exporting.write_csv if options["format"] == "csv" else exporting.write_json
        try:
            if options["output"] == "-":
                count = write(survey, self.stdout)
            else:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    count = write(survey, out)
        except OSError as error:
            self._finish(options, {"error": str(error), "answers": 0}, str(error))
            sys.exit(2)
        audit.record(
            None,
            AuditAction.EXPORT,
            "survey.answers",
            survey.pk,
            summary=f"exported {count} answers of {survey.name}",
            channel="cli",
        )
        self._finish(options, {"survey": survey.pk, "format": options["format"], "answers": count}, None)

    def _finish(self, options, summary: dict, error: str | None) -> None:
        if error:
            self.stderr.write(error)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
