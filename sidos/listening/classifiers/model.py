"""The default classifier: multilingual sentence embeddings plus lexicon cues, into a logistic regression.

Why this shape: no labelled Finnish, Swedish, Norwegian or Russian data ships anywhere, so the model
learns from English sentences (UCI, VADER's Amazon and movie snippets: data/README.md) in the shared
multilingual-e5 space, where "huono palvelu" and "poor service" sit close, and then from the agents'
corrections in each language. The lexicon cues (lexicon.py: curated word lists per language, VADER's
scores for English) give the linear model a few strong, interpretable signals beside the 384 embedding
dimensions. Training is a deterministic L-BFGS fit of a multinomial logistic regression with an L2
penalty (scipy): seconds for thousands of examples once their embeddings are cached.
"""

import hashlib
import io
import json
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from sidos.listening import embeddings, language, lexicon
from sidos.listening.classifiers.base import LABELS, Example, Prediction, register

log = logging.getLogger(__name__)

STATE_VERSION = 1
# Chosen on the development set and the training data only (see bench/results for the figures).
L2 = 1000.0  # strong: the training sentences are reviews, the posts are not (devset F1 0.58 at 100)
CORRECTION_WEIGHT = 20.0  # an agent's correction is an in-domain post; the shipped sentences are reviews


def shipped_examples() -> list[Example]:
    """The shipped training data (data/train.jsonl): English sentences labelled by people."""
    path = resources.files("sidos.listening") / "data" / "train.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").split("\n") if line.strip()]
    return [Example(r["text"], r["label"], r.get("lang")) for r in rows]


def features(texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    vectors = embeddings.embed(texts)
    cues = lexicon.cues(texts, langs)
    return np.hstack([vectors, cues]).astype(np.float64)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_weights(x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float) -> np.ndarray:
    n, d = x.shape
    k = len(LABELS)
    onehot = np.eye(k)[y]
    total = weights.sum()

    def loss(flat):
        w = flat.reshape(d + 1, k)
        p = _softmax(x @ w[:-1] + w[-1])
        nll = -(weights * np.log(np.clip((p * onehot).sum(axis=1), 1e-12, None))).sum() / total
        grad = np.vstack([x.T @ ((p - onehot) * weights[:, None]), ((p - onehot) * weights[:, None]).sum(0)])
        grad /= total
        penalty = 0.5 * l2 / total * (w[:-1] ** 2).sum()
        grad[:-1] += l2 / total * w[:-1]
        return nll + penalty, grad.ravel()

    result = minimize(loss, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x.reshape(d + 1, k)


class ModelClassifier:
    name = "model"

    def __init__(self, weights: np.ndarray, mean: np.ndarray, scale: np.ndarray, info: dict):
        self._weights, self._mean, self._scale, self.info = weights, mean, scale, info

    @classmethod
    def train(cls, examples: Iterable[Example], corrections: Iterable[Example] = ()) -> "ModelClassifier":
        """Fit on `examples` (weight 1) and `corrections` (weight CORRECTION_WEIGHT)."""
        examples, corrections = list(examples), list(corrections)
        rows = examples + corrections
        if not rows:
            raise ValueError("no examples to train on")
        unknown = {ex.label for ex in rows} - set(LABELS)
        if unknown:
            raise ValueError(f"unknown labels {sorted(unknown)}")
        langs = [ex.lang if ex.lang in language.SUPPORTED else None for ex in rows]
        missing = [i for i, lang in enumerate(langs) if lang is None]
        for i, found in zip(missing, language.detect_many([rows[i].text for i in missing]), strict=True):
            langs[i] = found.lang
        x = features([ex.text for ex in rows], langs)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        y = np.array([LABELS.index(ex.label) for ex in rows])
        weights = np.array([1.0] * len(examples) + [CORRECTION_WEIGHT] * len(corrections))
        # Classes weighted to equal total mass: the shipped data has few neutral sentences.
        for label in range(len(LABELS)):
            mask = y == label
            if mask.any():
                weights[mask] *= len(y) / (len(LABELS) * weights[mask].sum() / weights[mask].mean())
        w = _fit_weights((x - mean) / scale, y, weights, L2)
        info = {
            "version": STATE_VERSION,
            "examples": len(examples),
            "corrections": len(corrections),
            "by_lang": {lang: langs.count(lang) for lang in sorted(set(langs))},
        }
        return cls(w, mean, scale, info)

    def fit(self, examples: Iterable[Example]) -> "ModelClassifier":
        """A new model trained on the shipped data plus `examples` (the agents' corrections)."""
        return type(self).train(shipped_examples(), examples)

    def probabilities(self, texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(LABELS)))
        langs = list(langs)
        missing = [i for i, lang in enumerate(langs) if lang not in language.SUPPORTED]
        for i, found in zip(missing, language.detect_many([texts[i] for i in missing]), strict=True):
            langs[i] = found.lang
        x = (features(texts, langs) - self._mean) / self._scale
        return _softmax(x @ self._weights[:-1] + self._weights[-1])

    def predict(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Prediction]:
        out = []
        for row in self.probabilities(texts, langs):
            best = int(row.argmax())
            out.append(Prediction(LABELS[best], round(float(row[best]), 4), round(float(row[0]), 4)))
        return out

    def dump(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            weights=self._weights,
            mean=self._mean,
            scale=self._scale,
            info=np.frombuffer(json.dumps(self.info).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def load(cls, state: bytes) -> "ModelClassifier":
        try:
            with np.load(io.BytesIO(state), allow_pickle=False) as data:
                info = json.loads(data["info"].tobytes().decode())
                weights, mean, scale = data["weights"], data["mean"], data["scale"]
        except (ValueError, KeyError, OSError) as e:
            raise ValueError(f"not a trained model state ({e})") from None
        if info.get("version") != STATE_VERSION or weights.shape != (mean.shape[0] + 1, len(LABELS)):
            raise ValueError(
                "a model state of another version or shape; retrain with `sidos listening-train`"
            )
        return cls(weights, mean, scale, info)


def _shipped_fingerprint() -> str:
    # The cached default is rebuilt whenever the training data, the lexicons or the code's version change.
    digest = hashlib.sha256(str(STATE_VERSION).encode())
    data = resources.files("sidos.listening") / "data"
    for name in ("train.jsonl", "embeddings.npz"):
        digest.update((data / name).read_bytes())
    digest.update(lexicon.fingerprint().encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path | None:
    try:
        from django.conf import settings

        return Path(settings.VAR_DIR) / "listening"
    except Exception:  # no Django settings: a plain library use, nothing is cached on disk
        return None


@lru_cache(maxsize=1)
def default() -> ModelClassifier:
    """The model trained on the shipped data alone: built on first use (seconds), cached under var/."""
    fingerprint = _shipped_fingerprint()
    directory = _cache_dir()
    path = directory / f"model-shipped-{fingerprint}.npz" if directory else None
    if path and path.exists():
        try:
            return ModelClassifier.load(path.read_bytes())
        except ValueError:
            log.warning("ignoring an unreadable cached model at %s", path)
    model = ModelClassifier.train(shipped_examples())
    if path:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(model.dump())
            tmp.replace(path)
        except OSError as e:
            log.warning("could not cache the trained model at %s: %s", path, e)
    return model


register("model", default)
