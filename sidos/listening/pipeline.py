"""Language, sentiment and topics for a batch of posts: the seams to the pure NLP modules.

The ingest calls these with whole batches, so a model that embeds texts pays its start-up once per batch.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from sidos.listening.classifiers import base


@dataclass(frozen=True)
class Active:
    classifier: base.Classifier
    name: str
    version: str


def detect_languages(texts: Sequence[str]) -> list[str]:
    from sidos.listening import language

    return [detection.lang for detection in language.detect_many(texts)]


def active_classifier(name: str = "") -> Active:
    """The active trained model of the classifier (default: the configured one), else its shipped state."""
    from sidos.listening.models import TrainedModel

    name = name or settings.SIDOS_LISTENING_CLASSIFIER
    trained = TrainedModel.objects.filter(classifier=name, is_active=True).defer("state").first()
    if trained is None:
        return Active(base.get(name), name, "shipped")
    return Active(_load_trained(trained.pk, trained.loader), name, trained.version)


# A trained model never changes once stored, so its loaded form is kept per process (a poll every few
# minutes and a file in chunks of 500 would otherwise read and unpickle it each time).
@lru_cache(maxsize=4)
def _load_trained(pk: int, loader: str) -> base.Classifier:
    from sidos.listening.models import TrainedModel

    state = TrainedModel.objects.values_list("state", flat=True).get(pk=pk)
    return import_string(loader).load(bytes(state))


def classify(active: Active, texts: Sequence[str], langs: Sequence[str]) -> list[base.Prediction]:
    if not texts:
        return []
    return active.classifier.predict(list(texts), [lang or None for lang in langs])


def topics_for(texts: Sequence[str], langs: Sequence[str]) -> list[list[str]]:
    from sidos.listening import topics

    return [list(found) for found in topics.topics_many(texts, langs)]
