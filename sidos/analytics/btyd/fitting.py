"""Maximum-likelihood fitting shared by the buy-till-you-die models.

Every model writes its log-likelihood and analytic gradient over *log* parameters (so every
parameter stays positive without constraints) and hands them to `maximise`. Customers with the
same summary (x, t_x, T) contribute the same term, so the data are compressed to unique rows with
counts first: on daily data a million customers collapse to a few hundred thousand rows.
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


def compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the given columns and how many customers share each one."""
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def maximise(loglik_and_grad, x0: np.ndarray, weights: np.ndarray, names: list[str]) -> tuple:
    """Maximise sum(weights * ll_i) over log-parameters; returns (params, loglik, result).

    The objective is the *mean* negative log-likelihood so the optimiser's tolerances mean the same
    for a hundred customers and for ten million.
    """
    total = float(weights.sum())

    def objective(log_params):
        # Clipping keeps a wild line-search step from overflowing; the optimum is far inside.
        params = np.exp(np.clip(log_params, -LOG_BOUND, LOG_BOUND))
        ll, grad = loglik_and_grad(params)
        value = -float(np.dot(weights, ll)) / total
        if not np.isfinite(value):
            return 1e10, np.zeros_like(log_params)
        return value, -(grad @ weights) * params / total

    # BFGS: on these smooth 3-4 parameter problems it needs fewer evaluations than L-BFGS-B.
    result = minimize(objective, x0, jac=True, method="BFGS", options={"maxiter": 2000, "gtol": 1e-7})
    result.x = np.clip(result.x, -LOG_BOUND, LOG_BOUND)
    params = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    return params, -result.fun * total, result
