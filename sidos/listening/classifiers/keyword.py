"""The thesis's baseline (seed 003): negative when a post has a negative-emotion word AND a banking word.

"Sentimentti" pulled tweets that matched both lists; here the lists are per language
(`data/keywords/LANG.json`) and match lemmatised, inflected and compound forms (see lemmas.py). It knows no
positive class and no degrees: everything it does not flag is neutral, with P(negative) 1 or 0. It is kept
as the yardstick the default model must clearly beat in every language.
"""

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources

from sidos.listening import language
from sidos.listening.classifiers.base import Prediction, register
from sidos.listening.lemmas import WordList, tokens


@cache
def word_lists(lang: str) -> tuple[WordList, WordList]:
    """(negative-emotion words, domain words) of a supported language."""
    path = resources.files("sidos.listening") / "data" / "keywords" / f"{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return WordList(data["negative"], lang), WordList(data["domain"], lang)


class KeywordClassifier:
    name = "keyword"

    def matches(self, text: str, lang: str | None) -> tuple[list[str], list[str]]:
        """The negative-emotion and domain words found in `text`; the language is detected when not given."""
        if lang not in language.SUPPORTED:
            lang = language.detect(text).lang
        # A post in an unsupported language is read with the English lists: brand names and loan words
        # ("bank", "app") are the likeliest overlap.
        negative, domain = word_lists(lang if lang in language.SUPPORTED else "en")
        words = tokens(text)
        return negative.find(words), domain.find(words)

    def predict(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Prediction]:
        langs = list(langs)
        missing = [i for i, lang in enumerate(langs) if lang not in language.SUPPORTED]
        if missing:
            for i, found in zip(missing, language.detect_many([texts[i] for i in missing]), strict=True):
                langs[i] = found.lang
        out = []
        for text, lang in zip(texts, langs, strict=True):
            negative, domain = self.matches(text, lang if lang in language.SUPPORTED else "en")
            if negative and domain:
                out.append(Prediction("negative", 1.0, 1.0))
            else:
                out.append(Prediction("neutral", 1.0, 0.0))
        return out


register("keyword", KeywordClassifier)
