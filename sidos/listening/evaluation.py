"""How well a classifier finds negative posts: precision, recall and F1 of the negative class, per language.

The file format is JSONL, one `{"text", "label", "lang"?}` per line (label negative|neutral|positive). A
line that cannot be used is reported by its number and skipped; the rest is still evaluated. A line
without a language gets the detected one, both for the classifier and for the per-language figures.
"""

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sidos.listening import language
from sidos.listening.classifiers.base import LABELS, Classifier, Example, Prediction

# Text from the internet is untrusted: a "post" of megabytes is refused, not embedded.
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_line(raw: str, number: int) -> Example:
    """One Example from one JSONL line; ValueError says what is wrong with it."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON ({e.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    text, label, lang = data.get("text"), data.get("label"), data.get("lang")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'text' must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    if label not in LABELS:
        raise ValueError(f"'label' must be one of {', '.join(LABELS)}, not {label!r}")
    if lang is not None and (not isinstance(lang, str) or not lang.strip()):
        raise ValueError("'lang' must be a language code or absent")
    return Example(text=text, label=label, lang=lang.strip().lower() if lang else None)


def read_examples(lines: Iterable[str]) -> tuple[list[Example], list[LineError]]:
    examples, errors = [], []
    for number, raw in enumerate(lines, start=1):
        raw = raw.lstrip("\ufeff") if number == 1 else raw
        if not raw.strip():
            continue
        try:
            examples.append(parse_line(raw, number))
        except ValueError as e:
            errors.append(LineError(number, str(e)))
    return examples, errors


def read_file(path: str | Path) -> tuple[list[Example], list[LineError]]:
    """Examples of a JSONL file; OSError/UnicodeDecodeError when it cannot be read at all."""
    with open(path, encoding="utf-8") as f:
        return read_examples(f)


def with_languages(examples: Sequence[Example]) -> list[str]:
    """The language of each example: the given one, else the detected one."""
    missing = [i for i, ex in enumerate(examples) if not ex.lang]
    langs = [ex.lang or "" for ex in examples]
    for i, found in zip(missing, language.detect_many([examples[i].text for i in missing]), strict=True):
        langs[i] = found.lang
    return langs


def negative_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Precision, recall and F1 of the negative class (0 where undefined: nothing predicted or present)."""
    tp = sum(g == "negative" and p == "negative" for g, p in zip(gold, predicted, strict=True))
    fp = sum(g != "negative" and p == "negative" for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == "negative" and p != "negative" for g, p in zip(gold, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def summarise(
    classifier_name: str, examples: Sequence[Example], langs: Sequence[str], predictions: Sequence[Prediction]
) -> dict:
    gold = [ex.label for ex in examples]
    predicted = [p.label for p in predictions]
    by_lang = {}
    for lang in sorted(set(langs)):
        rows = [i for i, x in enumerate(langs) if x == lang]
        by_lang[lang] = {
            "n": len(rows),
            "negative": negative_scores([gold[i] for i in rows], [predicted[i] for i in rows]),
        }
    return {
        "n": len(examples),
        "classifier": classifier_name,
        "negative": negative_scores(gold, predicted),
        "by_lang": by_lang,
    }


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> dict:
    """The issue's evaluation summary; posts_per_second counts language detection and classification."""
    langs = with_languages(examples)
    # The first post of a language loads its dictionaries and models: start-up, not throughput.
    first = {lang: i for i, lang in reversed(list(enumerate(langs)))}
    classifier.predict([examples[i].text for i in first.values()], list(first))
    started = time.perf_counter()
    langs = with_languages(examples)
    predictions = classifier.predict([ex.text for ex in examples], langs)
    elapsed = time.perf_counter() - started
    summary = summarise(classifier.name, examples, langs, predictions)
    summary["posts_per_second"] = round(len(examples) / elapsed, 1) if elapsed > 0 else None
    return summary
