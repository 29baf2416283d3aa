"""Retraining the classifier from the shipped data plus every agent's correction, and the activation rule.

A new model is activated only if it is not worse than the active one on the development set (negative-class
F1, both measured now, on the same set), so a batch of careless relabels can never silently make the queue
worse. `force` activates it anyway. Every trained model is kept with its evaluation, active or not.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from sidos.listening import actions, pipeline
from sidos.listening.classifiers.base import Example
from sidos.listening.models import Post, PostCorrection

# (examples) -> (trained classifier, its development-set evaluation); (classifier) -> evaluation.
Train = Callable[[list[Example]], tuple[object, dict]]
Evaluate = Callable[[object], dict]


@dataclass
class RetrainResult:
    model_id: int
    classifier: str
    corrections: int
    activated: bool
    reason: str
    evaluation: dict
    active_evaluation: dict | None

    def as_dict(self) -> dict:
        return {
            "model_id": self.model_id,
            "classifier": self.classifier,
            "corrections": self.corrections,
            "activated": self.activated,
            "reason": self.reason,
            "f1": f1(self.evaluation),
            "active_f1": f1(self.active_evaluation) if self.active_evaluation else None,
            "by_lang": {
                lang: (values.get("negative") or {}).get("f1")
                for lang, values in sorted((self.evaluation.get("by_lang") or {}).items())
            },
        }


def f1(evaluation: dict | None) -> float:
    return float(((evaluation or {}).get("negative") or {}).get("f1") or 0.0)


def corrections_as_examples() -> list[Example]:
    """The latest correction of each post that changed its label, in the post's language."""
    latest: dict[int, str] = {}
    for post_id, label in (
        PostCorrection.objects.exclude(label="")
        .order_by("post_id", "created_at", "id")
        .values_list("post_id", "label")
    ):
        latest[post_id] = label
    texts = dict(Post.objects.filter(pk__in=list(latest)).values_list("pk", "text"))
    langs = dict(Post.objects.filter(pk__in=list(latest)).values_list("pk", "lang"))
    return [
        Example(text=texts[pk], label=label, lang=langs[pk] if langs[pk] not in ("", "other") else None)
        for pk, label in latest.items()
        if pk in texts
    ]


def retrain(
    *, force: bool = False, train: Train | None = None, evaluate: Evaluate | None = None
) -> RetrainResult:
    if train is None or evaluate is None:
        from sidos.listening import training

        train = train or training.train
        evaluate = evaluate or training.evaluate_on_devset
    examples = corrections_as_examples()
    classifier, evaluation = train(examples)
    # Stored under the trained classifier's own name; ingest uses it while that is the configured one.
    name = getattr(classifier, "name", "") or settings.SIDOS_LISTENING_CLASSIFIER
    # The active one (a stored model, or the shipped state when none is) is measured again now, on the
    # same development set, so that the comparison is fair even if the set has changed since.
    active_evaluation = evaluate(pipeline.active_classifier(name).classifier)
    better = f1(evaluation) >= f1(active_evaluation)
    if better:
        reason = (
            f"activated: F1 {f1(evaluation):.3f} >= active {f1(active_evaluation):.3f} on the development set"
        )
    elif force:
        reason = f"activated by --force although F1 {f1(evaluation):.3f} < active {f1(active_evaluation):.3f}"
    else:
        reason = (
            f"kept the active model: the new one is worse on the development set "
            f"(F1 {f1(evaluation):.3f} < {f1(active_evaluation):.3f}); --force activates it anyway"
        )
    stored = actions.store_trained(
        name,
        f"{type(classifier).__module__}.{type(classifier).__qualname__}",
        classifier.dump(),
        evaluation,
        examples=int((evaluation.get("trained_on") or {}).get("examples") or 0),
        corrections=len(examples),
        activate=better or force,
        note=reason,
    )
    return RetrainResult(
        stored.pk, name, len(examples), better or force, reason, evaluation, active_evaluation
    )
