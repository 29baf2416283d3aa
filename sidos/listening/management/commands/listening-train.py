import json

from django.core.management.base import BaseCommand, CommandError

from sidos.listening.retrain import retrain


class Command(BaseCommand):
    help = (
        "Retrain the sentiment classifier from the shipped data plus the agents' corrections; the new model "
        "is activated only if it is not worse than the active one on the development set."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="activate the new model even if it is worse")
        parser.add_argument(
            "--json", action="store_true", help="print a one-line JSON summary as the last line"
        )

    def handle(self, *args, **options):
        try:
            result = retrain(force=options["force"])
        except (LookupError, ValueError) as error:
            if options["json"]:
                self.stdout.write(json.dumps({"error": str(error)}))
            raise CommandError(str(error), returncode=2)
        summary = result.as_dict()
        lines = [
            f"trained {result.classifier} model #{result.model_id} with {result.corrections} corrections",
            result.reason,
            "per language (negative F1): "
            + ", ".join(
                f"{lang} {value:.3f}" for lang, value in summary["by_lang"].items() if value is not None
            ),
        ]
        for line in lines:
            self.stderr.write(line) if options["json"] else self.stdout.write(line)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
