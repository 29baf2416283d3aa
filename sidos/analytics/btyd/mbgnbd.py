"""MBG/NBD: the modified BG/NBD, where a customer may also drop out right after the first purchase.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of models
for customer base analysis. International Journal of Research in Marketing 24(3), 201-209.
(The same model as Hoppe & Wagner's (2007) "central variant" of the BG/NBD.)

Unlike the BG/NBD, the drop-out chance p ~ Beta(a, b) applies after *every* purchase, the first
included, so a one-time buyer who has not come back for a long time is rightly seen as probably
gone. That is why Sidos uses this model's P(alive) for churn risk and lifetime value.

Likelihood of (x, t_x, T):
    L = Γ(r+x) α^r / Γ(r) · [ B(a, b+x+1)/B(a, b) · (α+T)^-(r+x) + B(a+1, b+x)/B(a, b) · (α+t_x)^-(r+x) ]
"""

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from sidos.analytics.btyd.fitting import Fit, FitError, FrequencyData, dot, maximise

NAMES = ["r", "alpha", "a", "b"]


def loglik_terms(params, x, t_x, T, with_grad: bool = True):
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    l1 = betaln(a, b + x + 1) - betaln(a, b) - (r + x) * np.log(alpha + T)
    l2 = betaln(a + 1, b + x) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    lse = np.logaddexp(l1, l2)
    ll = a1 + lse
    if not with_grad:
        return ll, None
    w2 = np.exp(l2 - lse)
    w1 = 1.0 - w2
    dab = digamma(a + b)
    dabx1 = digamma(a + b + x + 1)
    grad = np.empty((4, x.shape[0]))
    grad[0] = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * np.log(alpha + T) - w2 * np.log(alpha + t_x)
    grad[1] = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    grad[2] = w1 * (dab - dabx1) + w2 * (digamma(a + 1) - digamma(a) + dab - dabx1)
    grad[3] = w1 * (digamma(b + x + 1) - digamma(b) + dab - dabx1) + w2 * (
        digamma(b + x) - digamma(b) + dab - dabx1
    )
    return ll, grad


def weighted_loglik(params, data: FrequencyData):
    """Sum of `loglik_terms` over the customers in `data`, and its gradient (r, alpha, a, b).

    The same likelihood as loglik_terms, arranged for speed: every special function is evaluated
    once per distinct x, and since w1 + w2 = 1 the per-row gradient terms reduce to w2 times a
    per-x difference.
    """
    r, alpha, a, b = params
    xs, kx, w = data.x.values, data.x.index, data.weights
    rx = r + xs
    beta_ab = betaln(a, b)
    rxi = rx[kx]
    log_T = np.log(alpha + data.T.values)[data.T.index]
    log_t = np.log(alpha + data.t_x.values)[data.t_x.index]
    l1 = (betaln(a, b + xs + 1) - beta_ab)[kx] - rxi * log_T
    l2 = (betaln(a + 1, b + xs) - beta_ab)[kx] - rxi * log_t
    lse = np.logaddexp(l1, l2)
    w2 = w * np.exp(l2 - lse)  # weight × P(the second term)
    w1 = w - w2
    per_x = data.x.weights
    a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha)
    ll = float(per_x @ a1 + dot(w, lse))
    w2_per_x = np.bincount(kx, weights=w2, minlength=len(xs))
    dab = digamma(a + b)
    dabx1 = digamma(a + b + xs + 1)
    inv_T = 1.0 / (alpha + data.T.values)[data.T.index]
    inv_t = 1.0 / (alpha + data.t_x.values)[data.t_x.index]
    grad = np.array(
        [
            per_x @ (digamma(rx) - digamma(r) + np.log(alpha)) - dot(w1, log_T) - dot(w2, log_t),
            data.total * r / alpha - dot(rxi, w1 * inv_T + w2 * inv_t),
            per_x @ (dab - dabx1) + w2_per_x.sum() * (digamma(a + 1) - digamma(a)),
            per_x @ (digamma(b + xs + 1) - digamma(b) + dab - dabx1)
            + w2_per_x @ (digamma(b + xs) - digamma(b + xs + 1)),
        ]
    )
    return ll, grad


def fit(x, t_x, T, start: dict | None = None) -> Fit:
    """`start`: parameters to start from (a previous fit on similar data converges in fewer steps)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if x.size < 2 or not (x > 0).any():
        raise FitError("MBG/NBD needs at least two customers and some repeat purchases")
    data = FrequencyData(x, t_x, T)
    x0 = np.log([start[n] for n in NAMES] if start else [1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    params, ll, result = maximise(lambda p: weighted_loglik(p, data), x0, data.total, NAMES)
    return Fit(params, ll, bool(result.success), int(result.nit), int(x.size))


def p_alive(params, x, t_x, T) -> np.ndarray:
    """1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) — below 1 for one-time buyers too."""
    r, alpha, a, b = (params[n] for n in NAMES)
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0)))


def expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (Batislam et al. 2007, equation (4))."""
    return expected_given_alive(params, t, x, T) * p_alive(params, x, t_x, T)


def expected_given_alive(params, t, x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] / P(alive): depends on x and T only, so it can be evaluated once per
    distinct (x, T) — hyp2f1 is the slow part of scoring."""
    r, alpha, a, b = (params[n] for n in NAMES)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x + 1, a + b + x, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return (a + b + x) / (a - 1) * bracket
