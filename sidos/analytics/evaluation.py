"""How well a score ranks an outcome: AUC by the rank (Mann-Whitney) formula, no sklearn needed."""

import numpy as np
import polars as pl


def auc(score, positive) -> float | None:
    """P(score of a random positive > score of a random negative), ties counting one half."""
    score = np.asarray(score, dtype=float)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    if np.isnan(score).any():  # as scipy's rankdata: no ranking with a missing score
        return float("nan")
    # Average ranks of ties, as scipy.stats.rankdata (whose import alone takes a second).
    ranks = pl.Series(score).rank("average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
