import pytest

from sidos.listening import language
from sidos.listening.lemmas import WordList, lemmas, tokens


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Jonotin pankissa taas tunnin, ihan käsittämätöntä palvelua", "fi"),
        ("Verkkopankki ei toimi taaskaan", "fi"),
        ("Kön på banken var en timme lång idag", "sv"),
        ("Tack för snabb hjälp med kortet!", "sv"),
        ("Køen i banken var lang i dag, elendig service", "nb"),
        ("Nettbanken er nede igjen", "nb"),
        ("Очередь в банке опять на час", "ru"),
        ("Спасибо за быструю помощь", "ru"),
        ("The queue at the bank was an hour long", "en"),
        ("Thanks for sorting out my card so quickly", "en"),
    ],
)
def test_it_detects_each_supported_language(text, lang):
    found = language.detect(text)
    assert found.lang == lang
    assert 0 < found.confidence <= 1


@pytest.mark.parametrize(
    "text",
    ["Die Bank hat heute leider geschlossen", "Черга в банку знову годину, жахливо", "¿Dónde está el banco?"],
)
def test_it_reports_other_languages_as_other(text):
    assert language.detect(text).lang == "other"


def test_it_reports_text_without_letters_as_other_with_no_confidence():
    assert language.detect("👍 123 !!!") == language.Detection("other", 0.0)
    assert language.detect("") == language.Detection("other", 0.0)


def test_links_and_handles_do_not_decide_the_language():
    found = language.detect("@nordea_suomi https://nordea.fi/help verkkopankki ei toimi taaskaan")
    assert found.lang == "fi"


def test_detect_many_keeps_the_order():
    texts = ["Nettbanken er nede igjen", "", "Очередь в банке опять на час"]
    assert [d.lang for d in language.detect_many(texts)] == ["nb", "other", "ru"]


def test_tokens_drop_links_handles_and_digits_but_keep_hashtag_words():
    assert tokens("@OP_Ryhma #verkkopankki taas alas 3. kertaa! https://x.fi/a e-lasku") == [
        "verkkopankki",
        "taas",
        "alas",
        "kertaa",
        "e-lasku",
    ]


def test_lemmas_undo_inflection_per_language():
    assert lemmas("pankissa jonossa", "fi") == ["pankki", "jono"]
    assert lemmas("köerna avgifterna", "sv") == ["kö", "avgift"]
    assert lemmas("gebyrene nettbanken", "nb") == ["gebyr", "nettbank"]
    assert lemmas("очереди", "ru") == ["очередь"]
    assert lemmas("queues fees", "en") == ["queue", "fee"]


def test_a_word_list_matches_compounds_stems_and_phrases():
    fi = WordList(["kortti", "pankki*", "ei toimi"], "fi")
    assert fi.find(tokens("Luottokorttini hylättiin")) == ["kortti"]
    assert fi.find(tokens("Pankkiautomaatti ei toiminut")) == ["pankki", "ei toimi"]
    ru = WordList(["банк"], "ru")
    # simplemma reads "банке" as "банка" (a jar); the Snowball stem still finds the bank.
    assert ru.find(tokens("В банке очередь")) == ["банк"]


def test_short_list_words_do_not_match_inside_other_words():
    sv = WordList(["kö"], "sv")
    assert sv.find(tokens("Jag ska köpa en skön soffa")) == []
    assert sv.find(tokens("Köerna var långa")) == ["kö"]
