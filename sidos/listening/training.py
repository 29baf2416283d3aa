"""Training the default model from the shipped data plus the agents' corrections, and judging it.

`train(corrections)` is what `sidos listening-train` calls: it fits a new `model` classifier and evaluates
it on the shipped development set (data/devset.jsonl, realistic bank posts in fi/sv/nb/ru/en), so the
command can record the figures and refuse to activate a model that is worse than the active one.
Corrections whose text is in the development set are left out of training: learning them would make the
evaluation report the model's memory instead of its skill.
"""

from collections.abc import Iterable
from functools import cache
from importlib import resources

from sidos.listening import evaluation
from sidos.listening.classifiers.base import Classifier, Example
from sidos.listening.classifiers.model import ModelClassifier, shipped_examples


@cache
def devset() -> tuple[Example, ...]:
    path = resources.files("sidos.listening") / "data" / "devset.jsonl"
    examples, errors = evaluation.read_examples(path.read_text("utf-8").split("\n"))
    assert not errors, errors  # a shipped file; its own test reads it too
    return tuple(examples)


def evaluate_on_devset(classifier: Classifier) -> dict:
    return evaluation.evaluate(classifier, devset())


def train(corrections: Iterable[Example]) -> tuple[ModelClassifier, dict]:
    """(a model fitted on the shipped data plus `corrections`, its evaluation on the development set).

    The evaluation dict is evaluation.evaluate's, plus "trained_on": {"examples", "corrections",
    "left_out"} (left_out: corrections dropped because their text is in the development set).
    """
    held_out = {ex.text.strip() for ex in devset()}
    corrections = list(corrections)
    kept = [ex for ex in corrections if ex.text.strip() not in held_out]
    model = ModelClassifier.train(shipped_examples(), kept)
    result = evaluate_on_devset(model)
    result["trained_on"] = {
        "examples": model.info["examples"],
        "corrections": len(kept),
        "left_out": len(corrections) - len(kept),
    }
    return model, result
