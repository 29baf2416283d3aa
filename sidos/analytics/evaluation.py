"""How well a score ranks an outcome: AUC by the rank (Mann-Whitney) formula, no sklearn needed."""

import numpy as np
from scipy.stats import rankdata


def auc(score, positive) -> float | None:
    """P(score of a random positive > score of a random negative), ties counting one half."""
    score = np.asarray(score, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
