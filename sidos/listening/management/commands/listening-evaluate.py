import json
import sys

from django.core.management.base import BaseCommand, CommandError

from sidos.listening import evaluation
from sidos.listening.classifiers import base


class Command(BaseCommand):
    help = (
        'Evaluate a classifier on a JSONL file of {"text", "label", "lang"?} lines (label: negative, '
        "neutral or positive): "
        "negative-class precision, recall and F1, overall and per language. "
        "Exit 0 all lines evaluated, 1 some lines rejected (reported), 2 nothing evaluable."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a JSONL file")
        parser.add_argument(
            "--classifier", default="model", help=f"one of: {', '.join(base.names())} (default: model)"
        )
        parser.add_argument("--json", action="store_true", help="print a one-line JSON summary last")

    def handle(self, *args, **options):
        if options["classifier"] not in base.names():
            known = ", ".join(base.names())
            raise CommandError(f"no classifier named {options['classifier']!r}; known: {known}", returncode=2)
        try:
            examples, errors = evaluation.read_file(options["file"])
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise CommandError(f"{options['file']}: cannot read: {reason}", returncode=2)
        for error in errors:
            self.stderr.write(f"{options['file']}: {error}")
        if not examples:
            raise CommandError(f"{options['file']}: no evaluable lines", returncode=2)
        # Loaded only now: the default model trains itself on first use (seconds), not worth it for a typo.
        classifier = base.get(options["classifier"])
        result = evaluation.evaluate(classifier, examples)
        if errors:
            result["rejected"] = len(errors)
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(_table(result))
        if errors:
            sys.exit(1)


def _table(result: dict) -> str:
    def row(name, n, scores):
        return f"{name:<8} {n:>6} {scores['precision']:>9.3f} {scores['recall']:>7.3f} {scores['f1']:>6.3f}"

    lines = [
        f"classifier {result['classifier']}, {result['posts_per_second']} posts/s",
        f"{'lang':<8} {'n':>6} {'precision':>9} {'recall':>7} {'f1':>6}   (negative class)",
        row("all", result["n"], result["negative"]),
    ]
    lines += [row(lang, v["n"], v["negative"]) for lang, v in result["by_lang"].items()]
    return "\n".join(lines)
