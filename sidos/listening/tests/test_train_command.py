"""`sidos listening-train` end to end: the shipped model, retrained with agents' corrections."""

import pytest

from sidos.listening import actions
from sidos.listening.models import Post, TrainedModel
from sidos.listening.tests.helpers import make_source, post, record, run_command

pytestmark = pytest.mark.django_db

CORRECTIONS = [
    ("Sovellus kaatuu joka kerta kun yritän kirjautua, ihan turhaa", "negative", "fi"),
    ("Kortin uusiminen kesti kolme viikkoa eikä kukaan vastannut", "negative", "fi"),
    ("Appen krasjer hver gang jeg prøver å logge inn", "negative", "nb"),
    ("Tack för snabb hjälp med kortet idag", "positive", "sv"),
]


def test_it_trains_with_the_corrections_records_the_evaluation_and_ingest_uses_the_active_model(
    webcare, settings
):
    settings.SIDOS_LISTENING_CLASSIFIER = "model"
    source = make_source()
    for n, (text, label, lang) in enumerate(CORRECTIONS):
        actions.relabel(webcare, post(source, str(n), text=text, lang=lang, sentiment="neutral"), label=label)
    status, summary, err = run_command("listening-train")
    assert status == 0
    stored = TrainedModel.objects.get(pk=summary["model_id"])
    assert (stored.classifier, stored.corrections) == ("model", len(CORRECTIONS))
    assert stored.evaluation["negative"]["f1"] == pytest.approx(summary["f1"])
    assert {"fi", "sv", "nb", "ru", "en"} <= set(summary["by_lang"])
    assert stored.is_active == summary["activated"]
    assert ("activated" in summary["reason"]) or ("kept the active model" in summary["reason"])
    assert stored.note in err
    if stored.is_active:
        actions.ingest_records(source, [record("new", "Verkkopankki ei taaskaan toimi", lang="fi")])
        assert Post.objects.get(external_id="new").classifier_version == stored.version
