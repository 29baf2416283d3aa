"""A few strong, readable cues for the model beside the embedding: counts of lexicon words per language.

Per language: negative-emotion words (the keyword baseline's list), positive words and "problem" phrases
(something broken, blocked, slow or closed, said without an emotion word: "ei toimi", "ligger nere")
from data/lexicon/LANG.json; for English also VADER's compound, negative and positive scores. The lists
are curated by hand: the machine-translated AFINN lists on npm score Norwegian "forferdelig" +4.
"""

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from sidos.listening import language
from sidos.listening.classifiers.keyword import word_lists
from sidos.listening.lemmas import WordList, tokens

NAMES = (
    "negative_words",
    "positive_words",
    "problem_phrases",
    "vader_compound",
    "vader_negative",
    "vader_positive",
)


@cache
def _lists(lang: str) -> tuple[WordList, WordList, WordList]:
    data = json.loads(
        (resources.files("sidos.listening") / "data" / "lexicon" / f"{lang}.json").read_text("utf-8")
    )
    return word_lists(lang)[0], WordList(data["positive"], lang), WordList(data["problem"], lang)


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def fingerprint() -> str:
    digest = hashlib.sha256()
    data = resources.files("sidos.listening") / "data"
    for lang in language.SUPPORTED:
        digest.update((data / "lexicon" / f"{lang}.json").read_bytes())
        digest.update((data / "keywords" / f"{lang}.json").read_bytes())
    return digest.hexdigest()


def cues(texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    out = np.zeros((len(texts), len(NAMES)), dtype=np.float64)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        if lang not in language.SUPPORTED:
            continue
        words = tokens(text)
        for j, wordlist in enumerate(_lists(lang)):
            out[i, j] = np.log1p(len(wordlist.find(words)))
        if lang == "en":
            scores = _vader().polarity_scores(text)
            out[i, 3:6] = scores["compound"], scores["neg"], scores["pos"]
    return out
