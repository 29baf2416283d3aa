"""The activation rule of retraining, with a tiny trainable classifier (the plumbing, not the model)."""

import json

import pytest

from sidos.listening import actions, retrain
from sidos.listening.classifiers import base
from sidos.listening.models import Post, PostCorrection, TrainedModel
from sidos.listening.tests.helpers import make_source, post, record

pytestmark = pytest.mark.django_db

DEV = [
    base.Example("the card is blocked again", "negative", "en"),
    base.Example("kortti on jumissa", "negative", "fi"),
    base.Example("nice weather", "neutral", "en"),
    base.Example("kiitos avusta", "positive", "fi"),
]


class Words:
    """Negative when the text has a word seen in a negative example: learns from corrections only."""

    name = "words"

    def __init__(self, words=()):
        self.words = frozenset(words)

    def predict(self, texts, langs):
        return [
            base.Prediction("negative", 0.9, 0.9)
            if self.words & set(text.lower().split())
            else base.Prediction("neutral", 0.9, 0.1)
            for text in texts
        ]

    def fit(self, examples):
        words = {w for e in examples if e.label == "negative" for w in e.text.lower().split()}
        return Words(words)

    def dump(self) -> bytes:
        return json.dumps(sorted(self.words)).encode()

    @classmethod
    def load(cls, state: bytes):
        return cls(json.loads(state))


def evaluate(classifier) -> dict:
    predicted = classifier.predict([e.text for e in DEV], [e.lang for e in DEV])
    tp = sum(p.label == e.label == "negative" for p, e in zip(predicted, DEV, strict=True))
    fp = sum(p.label == "negative" != e.label for p, e in zip(predicted, DEV, strict=True))
    fn = sum(e.label == "negative" != p.label for p, e in zip(predicted, DEV, strict=True))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"n": len(DEV), "negative": {"f1": f1}, "by_lang": {}}


def train(examples):
    model = Words().fit(examples)
    return model, evaluate(model)


@pytest.fixture(autouse=True)
def words_classifier(settings):
    base.register("words", Words)
    settings.SIDOS_LISTENING_CLASSIFIER = "words"
    yield
    base._REGISTRY.pop("words", None)


def correct(agent, text: str, label: str, n: int = 0):
    target = post(make_source(f"s{n}"), str(n), text=text, sentiment="neutral")
    actions.relabel(agent, target, label=label)
    return target


def test_a_model_better_than_the_active_one_is_activated_and_ingest_uses_it(webcare):
    correct(webcare, "card blocked", "negative")
    result = retrain.retrain(train=train, evaluate=evaluate)
    model = TrainedModel.objects.get()
    assert result.activated and model.is_active
    assert result.corrections == 1
    assert model.evaluation["negative"]["f1"] > 0
    summary = actions.ingest_records(make_source("new"), [record("x", "my card is blocked", lang="en")])
    assert summary.negative == 1
    assert Post.objects.get(external_id="x").classifier_version == f"trained-{model.pk}"


def test_a_worse_model_is_kept_inactive_and_the_result_says_so(webcare):
    correct(webcare, "card blocked", "negative", 1)
    good = retrain.retrain(train=train, evaluate=evaluate)
    # A careless relabel: praise marked negative, the real complaint marked neutral.
    PostCorrection.objects.all().delete()
    correct(webcare, "nice weather", "negative", 2)
    worse = retrain.retrain(train=train, evaluate=evaluate)
    assert not worse.activated
    assert "kept the active model" in worse.reason
    assert TrainedModel.objects.get(is_active=True).pk == good.model_id
    assert TrainedModel.objects.count() == 2  # the worse one is kept, with its evaluation


def test_force_activates_a_worse_model(webcare):
    correct(webcare, "card blocked", "negative", 1)
    retrain.retrain(train=train, evaluate=evaluate)
    PostCorrection.objects.all().delete()
    correct(webcare, "nice weather", "negative", 2)
    forced = retrain.retrain(force=True, train=train, evaluate=evaluate)
    assert forced.activated
    assert "--force" in forced.reason
    assert TrainedModel.objects.get(is_active=True).pk == forced.model_id


def test_the_latest_correction_of_a_post_is_what_is_learnt(webcare):
    target = correct(webcare, "card blocked", "negative")
    actions.relabel(webcare, target, label="positive")
    actions.relabel(webcare, target, topics=["cards_and_payments"])  # a topic-only correction
    assert retrain.corrections_as_examples() == [base.Example("card blocked", "positive", "en")]
