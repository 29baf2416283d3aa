"""What every sentiment classifier offers, so that ingest, evaluation and training never depend on one.

A classifier labels a post negative, neutral or positive with the probability of that label. Two ship:
`keyword` (the thesis's baseline: a negative-emotion word AND a domain word, after lemmatisation) and
`model` (the default). Each registers itself under its name; `get(name)` loads one, `names()` lists them.
Classifiers are pure Python over text: no database access, so they can be evaluated on a file alone.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Prediction:
    label: str  # one of LABELS
    probability: float  # of that label, 0..1
    negative: float  # P(negative), what the webcare queue ranks and thresholds on


@dataclass(frozen=True)
class Example:
    """One labelled text: shipped training data, a development set line or an agent's correction."""

    text: str
    label: str  # one of LABELS
    lang: str | None = None  # ISO 639-1 (fi, sv, nb, ru, en); None when unknown


class Classifier(Protocol):
    name: str

    def predict(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Prediction]:
        """One prediction per text; `langs[i]` is the detected or given language of `texts[i]`, or None."""
        ...


class Trainable(Classifier, Protocol):
    def fit(self, examples: Iterable[Example]) -> "Trainable":
        """A new classifier trained on `examples`; self is left as it was."""
        ...

    def dump(self) -> bytes:
        """The trained state, to be stored and loaded back with `load`."""
        ...

    @classmethod
    def load(cls, state: bytes) -> "Trainable": ...


_REGISTRY: dict[str, Callable[[], Classifier]] = {}


def register(name: str, factory: Callable[[], Classifier]) -> None:
    _REGISTRY[name] = factory


def names() -> list[str]:
    _import_builtin()
    return sorted(_REGISTRY)


def get(name: str) -> Classifier:
    _import_builtin()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise LookupError(f"no classifier named {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def _import_builtin() -> None:
    # Importing a classifier module registers it; the modules that exist are the ones that ship.
    from importlib import import_module
    from importlib.util import find_spec

    for module in ("keyword", "model"):
        if find_spec(f"sidos.listening.classifiers.{module}"):
            import_module(f"sidos.listening.classifiers.{module}")
