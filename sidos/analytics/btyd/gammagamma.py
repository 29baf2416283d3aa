"""Gamma-Gamma model of the value of a customer's transactions.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves for Customer
Base Analysis. Journal of Marketing Research 42(4), 415-430; and Fader & Hardie (2013), "The
Gamma-Gamma Model of Monetary Value", note 025.

Each transaction's value z ~ Gamma(p, ν) with ν ~ Gamma(q, γ) across customers. The model is fitted
on the customers with x ≥ 1 repeat transactions, using m̄ = the mean value of their *repeat*
transactions (the first purchase is left out, as in the papers), and it assumes spend is independent
of purchase frequency. The log-likelihood is that of the density of m̄ given x (note 025, eq. 3):

    ll = lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln γ + (px-1) ln m̄ + px ln x - (px+q) ln(γ + x m̄)
"""

import numpy as np
from scipy.special import digamma, gammaln

from sidos.analytics.btyd.fitting import Fit, FitError, Groups, dot, maximise

NAMES = ["p", "q", "gamma"]


def loglik_terms(params, x, m, with_grad: bool = True):
    p, q, g = params
    px = p * x
    log_gxm = np.log(g + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_gxm
    )
    if not with_grad:
        return ll, None
    grad = np.empty((3, x.shape[0]))
    grad[0] = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_gxm)
    grad[1] = digamma(px + q) - digamma(q) + np.log(g) - log_gxm
    grad[2] = q / g - (px + q) / (g + x * m)
    return ll, grad


class _Data:
    """Repeat buyers' (x, m̄) with the per-row constants of the likelihood computed once."""

    def __init__(self, x, m):
        self.x = Groups(x, np.ones(len(x)))
        self.xm = x * m
        self.total = float(len(x))
        log_m = np.log(m)
        self.sum_x = float(x.sum())
        self.constant_p = float(x @ log_m + x @ np.log(x))  # Σ x ln m̄ + Σ x ln x: times p
        self.constant = float(-log_m.sum())  # Σ -ln m̄
        self.x_values = x


def weighted_loglik(params, data: _Data):
    """Sum of `loglik_terms` over the repeat buyers, and its gradient (p, q, gamma).

    gammaln and digamma depend on p·x, so they are evaluated once per distinct x; per row only
    ln(γ + x m̄) and 1/(γ + x m̄) remain.
    """
    p, q, g = params
    xs, per_x = data.x.values, data.x.weights
    pxs = p * xs
    log_gxm = np.log(g + data.xm)
    inv_gxm = 1.0 / (g + data.xm)
    sum_log = log_gxm.sum()
    sum_x_log = dot(data.x_values, log_gxm)
    n = data.total
    ll = (
        per_x @ (gammaln(pxs + q) - gammaln(pxs))
        - n * gammaln(q)
        + n * q * np.log(g)
        + p * data.constant_p
        + data.constant
        - p * sum_x_log
        - q * sum_log
    )
    grad = np.array(
        [
            per_x @ (xs * (digamma(pxs + q) - digamma(pxs))) + data.constant_p - sum_x_log,
            per_x @ digamma(pxs + q) - n * digamma(q) + n * np.log(g) - sum_log,
            n * q / g - p * dot(data.x_values, inv_gxm) - q * inv_gxm.sum(),
        ]
    )
    return float(ll), grad


def fit(x, m) -> Fit:
    """Fit on repeat buyers with a positive mean repeat spend; other rows are left out."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    if keep.sum() < 2:
        raise FitError("Gamma-Gamma needs at least two repeat buyers with a positive spend")
    data = _Data(x[keep], m[keep])
    x0 = np.log([1.0, 2.0, max(float(np.mean(m[keep])), 1e-3)])
    params, ll, result = maximise(lambda p: weighted_loglik(p, data), x0, data.total, NAMES)
    return Fit(params, ll, bool(result.success), int(result.nit), int(keep.sum()))


def expected_spend(params, x, m) -> np.ndarray:
    """E[M | p, q, γ, m̄, x] = (p (γ + x m̄)) / (p x + q - 1); the population mean pγ/(q-1) for x = 0."""
    p, q, g = (params[n] for n in NAMES)
    x = np.asarray(x, dtype=float)
    m = np.nan_to_num(np.asarray(m, dtype=float), nan=0.0)
    return p * (g + x * m) / (p * x + q - 1)
