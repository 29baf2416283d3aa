import numpy as np
import pytest

from sidos.listening.classifiers import base
from sidos.listening.classifiers.keyword import KeywordClassifier, word_lists

NEGATIVE_BANK_POSTS = [
    # (text, lang): inflected, compound and mixed forms of a negative-emotion word and a banking word.
    ("Ihan surkeaa palvelua taas pankissa, jonotin tunnin", "fi"),
    ("Vituttaa kun verkkopankki on taas jumissa", "fi"),
    ("Pettynyt olen, luottokorttini suljettiin ilman syytä", "fi"),
    ("Helt värdelös kundtjänst på banken idag", "sv"),
    ("Så besviken på bankens nya avgifter", "sv"),
    ("Elendig kundeservice i banken, ingen svarer", "nb"),
    ("Er så lei av at nettbanken er nede", "nb"),
    ("Ужасное обслуживание в банке, очередь на час", "ru"),
    ("Опять заблокировали карту, это просто позор", "ru"),
    ("Worst bank ever, the app is useless", "en"),
    ("So frustrated with the queues at my branch", "en"),
]

NOT_NEGATIVE = [
    ("Kiitos pankille nopeasta avusta!", "fi"),  # a bank word, no negative emotion
    ("Ihan surkea sää tänään", "fi"),  # negative emotion, no bank word
    ("Tack banken för snabb hjälp", "sv"),
    ("Et forferdelig vær i dag", "nb"),
    ("Спасибо банку за быстрый перевод", "ru"),
    ("Terrible weather today", "en"),
    ("Great service at the branch today", "en"),
]


def test_the_registry_knows_the_keyword_classifier():
    assert "keyword" in base.names()
    assert isinstance(base.get("keyword"), KeywordClassifier)
    with pytest.raises(LookupError, match="no classifier named 'nope'"):
        base.get("nope")


@pytest.mark.parametrize("lang", ["fi", "sv", "nb", "ru", "en"])
def test_every_language_ships_both_word_lists(lang):
    negative, domain = word_lists(lang)
    assert len(negative) >= 40 and len(domain) >= 25


@pytest.mark.parametrize(("text", "lang"), NEGATIVE_BANK_POSTS)
def test_keyword_flags_a_negative_word_with_a_bank_word_in_lemmatised_forms(text, lang):
    [prediction] = KeywordClassifier().predict([text], [lang])
    assert prediction == base.Prediction("negative", 1.0, 1.0)


@pytest.mark.parametrize(("text", "lang"), NOT_NEGATIVE)
def test_keyword_needs_both_a_negative_word_and_a_bank_word(text, lang):
    [prediction] = KeywordClassifier().predict([text], [lang])
    assert prediction.label == "neutral" and prediction.negative == 0.0


def test_keyword_detects_the_language_when_it_is_not_given():
    texts = [t for t, _ in NEGATIVE_BANK_POSTS] + [t for t, _ in NOT_NEGATIVE]
    predictions = KeywordClassifier().predict(texts, [None] * len(texts))
    assert [p.label for p in predictions] == ["negative"] * len(NEGATIVE_BANK_POSTS) + ["neutral"] * len(
        NOT_NEGATIVE
    )


def test_keyword_reports_the_words_it_matched():
    negative, domain = KeywordClassifier().matches("Verkkopankissa taas häiriö, ärsyttää", "fi")
    assert negative == ["ärsyttää"] and domain == ["pankki"]


# --- the default model -------------------------------------------------------------------------------

LANGS = ("fi", "sv", "nb", "ru", "en")


@pytest.fixture(scope="module")
def shipped_model():
    from sidos.listening.classifiers.model import ModelClassifier, shipped_examples

    # Trained here rather than through the var/ cache, so the test measures this checkout's code and data.
    return ModelClassifier.train(shipped_examples())


def test_the_registry_knows_the_model_and_it_is_trainable():
    from sidos.listening.classifiers.model import ModelClassifier

    assert "model" in base.names()
    model = base.get("model")
    assert isinstance(model, ModelClassifier)
    assert all(callable(getattr(model, name)) for name in ("predict", "fit", "dump", "load"))


def test_predictions_are_one_per_text_with_consistent_probabilities(shipped_model):
    texts = ["Verkkopankki on taas alhaalla, ihan surkeaa", "Tack för snabb hjälp!", "Банк открыт до шести."]
    predictions = shipped_model.predict(texts, ["fi", None, "ru"])
    assert len(predictions) == 3
    for p in predictions:
        assert p.label in base.LABELS and 0 < p.probability <= 1 and 0 <= p.negative <= 1
        assert p.probability >= p.negative - 1e-9  # the label is the most probable one
    assert predictions[0].label == "negative" and predictions[1].label == "positive"


def test_fitting_is_deterministic(shipped_model):
    from sidos.listening.classifiers.model import ModelClassifier, shipped_examples

    again = ModelClassifier.train(shipped_examples())
    assert np.array_equal(again._weights, shipped_model._weights)


def test_fit_dump_load_round_trip_keeps_every_prediction(shipped_model):
    from sidos.listening.classifiers.model import ModelClassifier
    from sidos.listening.training import devset

    texts, langs = [ex.text for ex in devset()], [ex.lang for ex in devset()]
    state = shipped_model.dump()
    assert len(state) < 2_000_000
    loaded = ModelClassifier.load(state)
    assert loaded.predict(texts, langs) == shipped_model.predict(texts, langs)
    assert loaded.info == shipped_model.info


def test_a_damaged_state_is_refused():
    from sidos.listening.classifiers.model import ModelClassifier

    with pytest.raises(ValueError, match="not a trained model state"):
        ModelClassifier.load(b"not a model")


def _negative_f1_by_lang(classifier):
    from sidos.listening.training import evaluate_on_devset

    result = evaluate_on_devset(classifier)
    return {lang: result["by_lang"][lang]["negative"]["f1"] for lang in LANGS}


# Measured on the development set with this checkout's data: negative-class F1 of model / keyword was
# fi 0.784 / 0.364, sv 0.708 / 0.303, nb 0.741 / 0.303, ru 0.807 / 0.194, en 0.893 / 0.258, so the
# smallest margin was 0.405 (Swedish). The test keeps some room below it.
MODEL_MARGIN_OVER_KEYWORD = 0.3


def test_the_model_beats_the_keyword_baseline_in_every_language(shipped_model):
    model = _negative_f1_by_lang(shipped_model)
    keyword = _negative_f1_by_lang(KeywordClassifier())
    for lang in LANGS:
        assert model[lang] >= keyword[lang] + MODEL_MARGIN_OVER_KEYWORD, (lang, model[lang], keyword[lang])


# Corrections an agent would make; none of them is in the development set. The shipped model, which
# learned from English reviews, misses the Finnish sarcasm of the first two (it says neutral).
CORRECTIONS = [
    base.Example("No niin, taas saa odotella palkkaa huomiseen.", "negative", "fi"),
    base.Example("Hyvä vitsi tuo uusi palvelumaksu.", "negative", "fi"),
    base.Example("Snyggt jobbat, nu är appen nere för fjärde gången.", "negative", "sv"),
    base.Example("Great job, the app is down for the fourth time this week.", "negative", "en"),
    base.Example("Pankki siirtää asiakaspalvelun kokonaan chattiin ensi kuussa.", "neutral", "fi"),
    base.Example("Banken flytter kundeservice til chat neste måned.", "neutral", "nb"),
]
MISSED_BEFORE = 2


def test_corrections_change_the_predictions(shipped_model):
    from sidos.listening.classifiers.model import CORRECTION_WEIGHT

    texts = [ex.text for ex in CORRECTIONS]
    langs = [ex.lang for ex in CORRECTIONS]
    before = [p.label for p in shipped_model.predict(texts, langs)]
    assert all(b != ex.label for b, ex in zip(before[:MISSED_BEFORE], CORRECTIONS, strict=False)), before
    corrected = shipped_model.fit(CORRECTIONS)
    assert corrected.info["corrections"] == len(CORRECTIONS) and CORRECTION_WEIGHT > 1
    after = [p.label for p in corrected.predict(texts, langs)]
    assert after == [ex.label for ex in CORRECTIONS]
    # The shipped model itself is left as it was.
    assert [p.label for p in shipped_model.predict(texts, langs)] == before


def test_train_evaluates_on_the_devset_and_leaves_devset_texts_out():
    from sidos.listening.training import devset, train

    leaked = base.Example(devset()[0].text, "positive", devset()[0].lang)
    model, result = train([*CORRECTIONS, leaked])
    assert result["classifier"] == "model" and result["n"] == len(devset())
    assert set(result["by_lang"]) == set(LANGS)
    assert result["trained_on"]["corrections"] == len(CORRECTIONS)
    assert result["trained_on"]["left_out"] == 1
    assert model.info["corrections"] == len(CORRECTIONS)
