import json
import re

import pytest

from sidos.listening import topics
from sidos.listening.topics import TaxonomyError

BANKING = (
    "customer_service",
    "speed_and_queues",
    "online_and_mobile_bank",
    "branch_network",
    "cards_and_payments",
    "fees_and_pricing",
)


def test_the_default_taxonomy_is_the_thesis_banking_one():
    taxonomy = topics.load()
    assert taxonomy.ids == [*BANKING, "other"]
    for topic in taxonomy.topics:
        assert set(topic.keywords) == {"fi", "sv", "nb", "ru", "en"}, topic.id
        assert {lang for _, lang in topic.examples} == {"fi", "sv", "nb", "ru", "en"}, topic.id


def test_every_example_post_gets_its_topic():
    taxonomy = topics.load()
    for topic in taxonomy.topics:
        for text, lang in topic.examples:
            assert topic.id in topics.topics(text, lang), (topic.id, text)
            # Without the language given it is detected, and the result is the same.
            assert topic.id in topics.topics(text), (topic.id, text)


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        ("Jonotin konttorissa tunnin ja virkailija oli tyly", "fi", "speed_and_queues"),
        ("Jonotin konttorissa tunnin ja virkailija oli tyly", "fi", "customer_service"),
        ("Luottokorttini suljettiin ulkomailla", "fi", "cards_and_payments"),
        ("Nettipankkiin ei pääse kirjautumaan", "fi", "online_and_mobile_bank"),
        ("Bankkontoret i Kiruna läggs ner", "sv", "branch_network"),
        ("Renten på boliglånet øker igjen", "nb", "fees_and_pricing"),
        ("Комиссию за переводы опять подняли", "ru", "fees_and_pricing"),
        ("Closing the branch was a terrible idea", "en", "branch_network"),
    ],
)
def test_it_finds_topics_in_inflected_and_compound_forms(text, lang, topic):
    assert topic in topics.topics(text, lang)


def test_a_post_without_a_topic_word_is_other():
    assert topics.topics("Hyvää huomenta kaikille!", "fi") == ["other"]


def test_the_topic_with_most_keyword_hits_comes_first():
    found = topics.topics("Verkkopankki jumissa, sovellus kaatuu ja kirjautuminen ei onnistu, soitin", "fi")
    assert found[0] == "online_and_mobile_bank"
    assert "customer_service" in found


def test_a_custom_taxonomy_file_is_used_when_configured(tmp_path, settings):
    path = tmp_path / "telco.json"
    path.write_text(
        json.dumps(
            {
                "name": "telco",
                "topics": [{"id": "coverage", "keywords": {"fi": ["kuuluvuus"], "en": ["coverage"]}}],
                "fallback": "misc",
            }
        ),
        encoding="utf-8",
    )
    settings.SIDOS_LISTENING_TAXONOMY = str(path)
    taxonomy = topics.load()
    assert taxonomy.ids == ["coverage", "misc"]
    assert topics.topics("Kuuluvuus on mökillä surkea", "fi", taxonomy) == ["coverage"]
    assert topics.topics("Laskussa virhe", "fi", taxonomy) == ["misc"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topics": []}, "non-empty list 'topics'"),
        ({"topics": [{"keywords": {}}]}, "topics[0]: 'id'"),
        ({"topics": [{"id": "a"}, {"id": "a"}]}, "topic 'a': duplicate id"),
        ({"topics": [{"id": "a", "keywords": {"de": ["bank"]}}]}, "topic 'a': 'keywords' has unsupported"),
        ({"topics": [{"id": "a", "keywords": {"fi": "pankki"}}]}, "topic 'a': 'keywords' must map"),
    ],
)
def test_a_bad_taxonomy_is_refused_naming_the_topic_and_field(data, message):
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        topics.parse(data, "x.json")


def test_an_unreadable_taxonomy_file_is_a_clear_error(tmp_path):
    with pytest.raises(TaxonomyError, match="cannot read"):
        topics.load(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not JSON"):
        topics.load(str(bad))
