"""What the listening tests share: records, a source, and a tiny classifier for plumbing-only tests."""

import datetime as dt

import pytest

from sidos.listening.classifiers import base
from sidos.listening.connectors.base import PostRecord
from sidos.listening.models import Source, SourceKind

T0 = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def record(external_id: str, text: str = "", **fields) -> PostRecord:
    fields.setdefault("created_at", T0)
    fields.setdefault("lang", "en")
    return PostRecord(external_id=external_id, text=text or f"post {external_id}", **fields)


def make_source(name: str = "test", kind: str = SourceKind.FILE, **fields) -> Source:
    return Source.objects.create(name=name, kind=kind, **fields)


class Marker:
    """Negative exactly when the text says NEG: for tests of storage and plumbing, never of classification."""

    name = "marker"

    def predict(self, texts, langs):
        if any("CRASH" in text for text in texts):
            raise RuntimeError("the classifier crashed")
        return [
            base.Prediction("negative", 0.9, 0.9) if "NEG" in text else base.Prediction("neutral", 0.8, 0.1)
            for text in texts
        ]


@pytest.fixture
def marker_classifier(settings):
    base.register("marker", Marker)
    settings.SIDOS_LISTENING_CLASSIFIER = "marker"
    yield
    base._REGISTRY.pop("marker", None)


def run_command(name: str, *args) -> tuple[int, dict, str]:
    """(exit status, the JSON summary on the last stdout line, stderr), as an operator's script sees them."""
    import io
    import json

    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command(name, *args, "--json", stdout=out, stderr=err)
    except SystemExit as exit_:
        status = exit_.code
    except CommandError as error:
        status = error.returncode
    lines = out.getvalue().strip().splitlines()
    return status, json.loads(lines[-1]), err.getvalue()


def post(source, external_id: str, text: str = "the queue is long", **fields):
    """A stored post as the ingest leaves it, for the page tests."""
    from sidos.listening.models import Post

    fields.setdefault("posted_at", T0)
    fields.setdefault("sentiment", "negative")
    fields.setdefault("p_negative", 0.9)
    fields.setdefault("lang", "en")
    topics = fields.pop("topics", [])
    stored = Post(source=source, external_id=external_id, text=text, **fields)
    stored.set_topics(topics)
    stored.save()
    return stored
