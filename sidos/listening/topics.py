"""What a post is about, against a configurable taxonomy (the thesis's banking themes by default).

A taxonomy is a JSON file: topics, each with an id, labels, keywords (lemmas) per language and example
posts. `SIDOS_LISTENING_TAXONOMY` names another file; the shipped `data/taxonomy/banking.json` is the
default. Keywords match inflected and compound forms (lemmas.py), so the file lists dictionary forms only.
A post can have several topics; one with none gets the taxonomy's fallback ("other").
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sidos.listening import language
from sidos.listening.lemmas import WordList, tokens


class TaxonomyError(ValueError):
    pass


@dataclass(frozen=True)
class Topic:
    id: str
    labels: dict[str, str]
    keywords: dict[str, WordList]
    examples: tuple[tuple[str, str | None], ...]  # (text, lang)

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class Taxonomy:
    name: str
    topics: tuple[Topic, ...]
    fallback: str

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.topics] + [self.fallback]

    def topics_of(self, text: str, lang: str | None = None) -> list[str]:
        """Topic ids of `text`, most keyword hits first (ties in taxonomy order); [fallback] when none."""
        if lang not in language.SUPPORTED:
            lang = language.detect(text).lang
        words = tokens(text)
        hits = []
        for order, topic in enumerate(self.topics):
            keywords = topic.keywords.get(lang) if lang in language.SUPPORTED else None
            # A post in another language is tried against every language's keywords: brand names and
            # loan words ("app", "bank") carry across.
            lists = [keywords] if keywords else list(topic.keywords.values())
            found = {w for wl in lists for w in wl.find(words)}
            if found:
                hits.append((-len(found), order, topic.id))
        return [topic_id for _, _, topic_id in sorted(hits)] or [self.fallback]


def parse(data: object, source: str = "taxonomy") -> Taxonomy:
    """A Taxonomy from decoded JSON; a TaxonomyError names the topic and field that is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list) or not data["topics"]:
        raise TaxonomyError(f"{source}: expected an object with a non-empty list 'topics'")
    fallback = data.get("fallback", "other")
    if not isinstance(fallback, str) or not fallback:
        raise TaxonomyError(f"{source}: 'fallback' must be a topic id")
    topics, seen = [], {fallback}
    for i, raw in enumerate(data["topics"]):
        where = f"{source}: topics[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise TaxonomyError(f"{where}: 'id' must be a non-empty string")
        where = f"{source}: topic {raw['id']!r}"
        if raw["id"] in seen:
            raise TaxonomyError(f"{where}: duplicate id")
        seen.add(raw["id"])
        keywords = raw.get("keywords", {})
        if not isinstance(keywords, dict) or not all(
            isinstance(ws, list) and all(isinstance(w, str) for w in ws) for ws in keywords.values()
        ):
            raise TaxonomyError(f"{where}: 'keywords' must map a language to a list of words")
        unknown = set(keywords) - set(language.SUPPORTED)
        if unknown:
            raise TaxonomyError(f"{where}: 'keywords' has unsupported languages {sorted(unknown)}")
        examples = []
        for j, ex in enumerate(raw.get("examples", [])):
            if not isinstance(ex, dict) or not isinstance(ex.get("text"), str):
                raise TaxonomyError(f"{where}: examples[{j}] must be an object with a 'text'")
            examples.append((ex["text"], ex.get("lang")))
        labels = raw.get("label", {})
        if isinstance(labels, str):
            labels = {"en": labels}
        topics.append(
            Topic(
                id=raw["id"],
                labels=dict(labels),
                keywords={lang: WordList(ws, lang) for lang, ws in keywords.items()},
                examples=tuple(examples),
            )
        )
    return Taxonomy(name=str(data.get("name", source)), topics=tuple(topics), fallback=fallback)


def load(path: str | None = None) -> Taxonomy:
    """The taxonomy at `path`, else the configured one (SIDOS_LISTENING_TAXONOMY), else the shipped one."""
    if not path:
        from django.conf import settings

        path = getattr(settings, "SIDOS_LISTENING_TAXONOMY", "") or None
    return _load(path)


# Keyed by path, so a changed setting picks its own file; an edited file needs a restart, like any setting.
@lru_cache(maxsize=8)
def _load(path: str | None) -> Taxonomy:
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as e:
            raise TaxonomyError(f"{path}: cannot read the taxonomy ({e.strerror})") from None
        source = str(path)
    else:
        text = (resources.files("sidos.listening") / "data" / "taxonomy" / "banking.json").read_text("utf-8")
        source = "banking.json"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TaxonomyError(f"{source}: not JSON (line {e.lineno}: {e.msg})") from None
    return parse(data, source)


def topics(text: str, lang: str | None = None, taxonomy: Taxonomy | None = None) -> list[str]:
    """The topic ids of one post (see Taxonomy.topics_of)."""
    return (taxonomy or load()).topics_of(text, lang)


def topics_many(
    texts: Sequence[str], langs: Sequence[str | None], taxonomy: Taxonomy | None = None
) -> list[list[str]]:
    taxonomy = taxonomy or load()
    return [taxonomy.topics_of(t, lang) for t, lang in zip(texts, langs, strict=True)]
