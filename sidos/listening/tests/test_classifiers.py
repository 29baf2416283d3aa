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
