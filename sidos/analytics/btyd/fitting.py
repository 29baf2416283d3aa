"""Maximum-likelihood fitting shared by the buy-till-you-die models.

Every model writes its log-likelihood and analytic gradient over *log* parameters (so every
parameter stays positive without constraints) and hands them to `maximise`. Customers with the
same summary (x, t_x, T) contribute the same term, so the data are compressed to unique rows with
counts first; and the special functions (gammaln, betaln, digamma) depend on x alone, so the
models evaluate them once per distinct x and gather (see `Groups`), leaving only a few logs and
exponentials per row.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

LOG_BOUND = 15.0


class FitError(ValueError):
    """The data cannot identify the model (too few customers, no repeat purchases, ...)."""


@dataclass(frozen=True)
class Fit:
    params: dict[str, float]
    loglik: float
    converged: bool
    iterations: int
    customers: int

    def as_dict(self) -> dict:
        return {**{k: round(v, 6) for k, v in self.params.items()}, "loglik": round(self.loglik, 4)}


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of the given columns in lexicographic order, each row's index into them, counts.

    Same result as `np.unique(np.column_stack(columns), axis=0, return_inverse=True,
    return_counts=True)`, several times faster: each column is replaced by its rank among its own
    distinct values (one 1-D sort each), and the ranks are combined into one integer key.
    """
    columns = [np.asarray(c, dtype=float).ravel() for c in columns]
    values, codes, sizes = [], [], []
    for column in columns:
        distinct, code = np.unique(column, return_inverse=True)
        values.append(distinct)
        codes.append(code.astype(np.int64).ravel())
        sizes.append(len(distinct))
    if float(np.prod([float(s) for s in sizes])) >= 2.0**62:  # pragma: no cover - billions of values
        stacked = np.column_stack(columns)
        unique, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
        return [unique[:, i] for i in range(unique.shape[1])], inverse.ravel(), counts
    key = codes[0]
    for code, size in zip(codes[1:], sizes[1:], strict=True):
        key = key * size + code
    unique_key, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    decoded = []
    rest = unique_key
    for size in reversed(sizes[1:]):
        decoded.append(rest % size)
        rest = rest // size
    decoded.append(rest)
    decoded.reverse()
    return [v[d] for v, d in zip(values, decoded, strict=True)], inverse.ravel(), counts


def compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the given columns and how many customers share each one."""
    unique, _inverse, counts = unique_rows(*columns)
    return unique, counts.astype(float)


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a·b without BLAS: OpenBLAS spreads a long dot product over threads, which on a busy
    two-core server made each likelihood evaluation three times slower, not faster."""
    return float(np.multiply(a, b).sum())


class Groups:
    """A column split into its distinct values and each row's index into them."""

    def __init__(self, column: np.ndarray, weights: np.ndarray | None = None):
        self.values, index = np.unique(np.asarray(column, dtype=float), return_inverse=True)
        self.index = index.ravel()
        if weights is not None:
            self.weights = np.bincount(self.index, weights=weights, minlength=len(self.values))


class FrequencyData:
    """(x, t_x, T) of many customers, compressed for the BG/NBD and MBG/NBD likelihoods.

    Rows are the distinct (x, t_x, T) with their counts as weights; `x`, `t_x` and `T` are each
    split into distinct values and indices, so a model computes gammaln/betaln/digamma once per
    distinct x and log(alpha + T) once per distinct T, then gathers them per row.
    """

    def __init__(self, x, t_x, T):
        (ux, ut, uT), _inverse, counts = unique_rows(x, t_x, T)
        self.rows = len(counts)
        self.weights = counts.astype(float)
        self.total = float(self.weights.sum())
        self.x = Groups(ux, self.weights)
        self.t_x = Groups(ut)
        self.T = Groups(uT)


def maximise(objective, x0: np.ndarray, total: float, names: list[str]) -> tuple:
    """Maximise a weighted log-likelihood over log-parameters; returns (params, loglik, result).

    `objective(params)` returns the weighted sum of the log-likelihood and its gradient over the
    parameters. The optimiser works on the *mean* negative log-likelihood (divided by `total`, the
    number of customers) so its tolerances mean the same for a hundred customers and for ten
    million.
    """

    def negative_mean(log_params):
        # Clipping keeps a wild line-search step from overflowing; the optimum is far inside.
        params = np.exp(np.clip(log_params, -LOG_BOUND, LOG_BOUND))
        ll, grad = objective(params)
        value = -float(ll) / total
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return 1e10, np.zeros_like(log_params)
        return value, -np.asarray(grad) * params / total

    # BFGS: on these smooth 3-4 parameter problems it needs fewer evaluations than L-BFGS-B.
    result = minimize(negative_mean, x0, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": 1e-7})
    result.x = np.clip(result.x, -LOG_BOUND, LOG_BOUND)
    params = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    return params, -result.fun * total, result
