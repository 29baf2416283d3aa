"""Words of a post and their dictionary forms, per language, and word lists that match inflected forms.

simplemma gives the lemma ("pankissa" → "pankki", "köerna" → "kö"); a Snowball stem (PyStemmer) is the
second key because simplemma's dictionaries miss forms and sometimes pick the wrong homograph (Russian
"банке" → "банка", a jar; its stem is "банк"). Finnish, Swedish and Norwegian write compounds as one word,
so a list word also matches as the last part of a compound ("verkkopankki" is a bank, "betalkort" a card);
a list word written with a trailing "*" also matches as the first part ("pankki*" matches "pankkikortti").
Voikko would split Finnish compounds properly, but it is GPL and a system library: not required here.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

_STEMMER_NAMES = {"fi": "finnish", "sv": "swedish", "nb": "norwegian", "ru": "russian", "en": "english"}
COMPOUNDING = frozenset({"fi", "sv", "nb"})
# Shorter list words would match as compound parts by accident (Swedish "kö" ends "skö", begins "köpa").
_MIN_COMPOUND_PART = 4

_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+")
# Letters, with inner hyphens or apostrophes kept (Finnish "e-lasku", English "can't"); digits dropped.
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def tokens(text: str) -> list[str]:
    """Lower-cased words, without links and @handles; a hashtag counts as its word."""
    return [w.replace("’", "'") for w in _WORD.findall(_NOISE.sub(" ", (text or "").lower()))]


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: str | None) -> str:
    if lang not in _STEMMER_NAMES:
        return word
    import simplemma

    return simplemma.lemmatize(word, lang=lang).lower()


@lru_cache(maxsize=16)
def _stemmer(lang: str):
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES[lang])


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str | None) -> str:
    if lang not in _STEMMER_NAMES:
        return word
    return _stemmer(lang).stemWord(word)


def lemmas(text: str, lang: str | None) -> list[str]:
    return [lemma(w, lang) for w in tokens(text)]


@dataclass(frozen=True)
class _Entry:
    word: str  # as written in the list
    parts: tuple[tuple[str, str], ...]  # (lemma, stem) of each word of a phrase
    prefix: bool  # may be the first part of a compound


class WordList:
    """Words and phrases in one language; `find` returns the list entries a text contains."""

    def __init__(self, words: Iterable[str], lang: str):
        self.lang = lang
        self._single: dict[str, list[_Entry]] = {}
        self._phrases: list[_Entry] = []
        self._suffixes: list[tuple[str, _Entry]] = []
        self._prefixes: list[tuple[str, _Entry]] = []
        for raw in words:
            word = raw.strip().lower()
            if not word or word.startswith("#"):
                continue
            prefix = word.endswith("*")
            word = word.rstrip("*")
            parts = tuple((lemma(w, lang), stem(w, lang)) for w in tokens(word))
            if not parts:
                continue
            entry = _Entry(word, parts, prefix)
            if len(parts) > 1:
                self._phrases.append(entry)
                continue
            (lem, stm) = parts[0]
            for key in {word, lem, stm}:
                self._single.setdefault(key, []).append(entry)
            if lang in COMPOUNDING and len(lem) >= _MIN_COMPOUND_PART:
                self._suffixes.append((lem, entry))
                if prefix:
                    self._prefixes.append((lem, entry))

    def __len__(self) -> int:
        return len({e.word for es in self._single.values() for e in es} | {e.word for e in self._phrases})

    def _word_matches(self, word: str) -> list[_Entry]:
        lem, stm = lemma(word, self.lang), stem(word, self.lang)
        found = [*self._single.get(word, ()), *self._single.get(lem, ()), *self._single.get(stm, ())]
        if found:
            return found
        for part, entry in self._suffixes:
            if len(lem) > len(part) and (lem.endswith(part) or word.endswith(part)):
                found.append(entry)
        for part, entry in self._prefixes:
            if len(word) > len(part) and (lem.startswith(part) or word.startswith(part)):
                found.append(entry)
        return found

    def find(self, words: Sequence[str]) -> list[str]:
        """The list entries present in `words` (from `tokens`), each once, in order of appearance."""
        found: dict[str, None] = {}
        for w in words:
            for entry in self._word_matches(w):
                found.setdefault(entry.word)
        if self._phrases:
            keys = [(lemma(w, self.lang), stem(w, self.lang)) for w in words]
            for entry in self._phrases:
                n = len(entry.parts)
                for i in range(len(keys) - n + 1):
                    if all(
                        k[0] == p[0] or k[1] == p[1]
                        for k, p in zip(keys[i : i + n], entry.parts, strict=True)
                    ):
                        found.setdefault(entry.word)
                        break
        return list(found)
