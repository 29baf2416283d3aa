"""Which language a post is in: one of fi, sv, nb, ru, en, or "other", with lingua's confidence.

The detector knows more languages than Sidos classifies, so that a German or Ukrainian post is reported as
"other" instead of being forced into the nearest supported one. Danish and Nynorsk are left out on purpose:
on short posts they take Bokmål posts away (measured: "Køen i banken var lang" came out Danish), and a
Norwegian bank hears far more Bokmål than Danish.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

SUPPORTED = ("fi", "sv", "nb", "ru", "en")
OTHER = "other"

# Known to the detector only so that posts in them are not mistaken for a supported language.
_DISTRACTORS = ("GERMAN", "ESTONIAN", "FRENCH", "SPANISH", "UKRAINIAN", "POLISH", "DUTCH", "ITALIAN")
_SUPPORTED_LINGUA = {"FINNISH": "fi", "SWEDISH": "sv", "BOKMAL": "nb", "RUSSIAN": "ru", "ENGLISH": "en"}

# Links, handles and hashtags' "#" say nothing about the language and mislead the detector on short posts.
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#](?=\w)|@\w+")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Detection:
    lang: str  # one of SUPPORTED or OTHER
    confidence: float  # 0..1; 0 when the text has no letters at all


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in (*_SUPPORTED_LINGUA, *_DISTRACTORS)]
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def _clean(text: str) -> str:
    return _NOISE.sub(" ", text or "")


def detect(text: str) -> Detection:
    return detect_many([text])[0]


def detect_many(texts: Sequence[str]) -> list[Detection]:
    """One detection per text; lingua runs them in parallel over the machine's cores."""
    cleaned = [_clean(t) for t in texts]
    result: list[Detection | None] = [None] * len(cleaned)
    todo = []
    for i, text in enumerate(cleaned):
        if _LETTER.search(text):
            todo.append(i)
        else:
            result[i] = Detection(OTHER, 0.0)
    if todo:
        values = _detector().compute_language_confidence_values_in_parallel([cleaned[i] for i in todo])
        for i, confidences in zip(todo, values, strict=True):
            if not confidences:
                result[i] = Detection(OTHER, 0.0)
                continue
            top = confidences[0]
            lang = _SUPPORTED_LINGUA.get(top.language.name, OTHER)
            result[i] = Detection(lang, round(float(top.value), 4))
    return result  # type: ignore[return-value]
