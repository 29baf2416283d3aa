"""BG/NBD: the beta-geometric / negative binomial distribution model of repeat buying.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284. Equations (6), (10), (13).

While active, a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after every *repeat*
purchase they drop out with probability p ~ Beta(a, b). A customer with no repeat purchase
therefore cannot have dropped out: P(alive) = 1 for every one-time buyer (see mbgnbd.py).

Inputs per customer: x repeat purchases, t_x time of the last purchase and T time since the first
purchase, both measured from the first purchase in the fitting time unit.
"""

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from sidos.analytics.btyd.fitting import Fit, FitError, FrequencyData, dot, maximise

NAMES = ["r", "alpha", "a", "b"]


def loglik_terms(params, x, t_x, T, with_grad: bool = True):
    """Per-customer log-likelihood and its gradient (rows r, alpha, a, b)."""
    r, alpha, a, b = params
    repeat = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    l1 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
    xm1 = np.where(repeat, x - 1, 0.0)  # keeps b + x - 1 > 0 where the term is unused
    l2 = betaln(a + 1, b + xm1) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    l2 = np.where(repeat, l2, -np.inf)
    ll = a1 + np.logaddexp(l1, l2)
    if not with_grad:
        return ll, None
    w2 = np.exp(l2 - np.logaddexp(l1, l2))
    w1 = 1.0 - w2
    dab = digamma(a + b)
    dabx = digamma(a + b + x)
    grad = np.empty((4, x.shape[0]))
    grad[0] = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * np.log(alpha + T) - w2 * np.log(alpha + t_x)
    grad[1] = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    grad[2] = w1 * (dab - dabx) + w2 * (digamma(a + 1) - digamma(a) + dab - dabx)
    grad[3] = w1 * (digamma(b + x) - digamma(b) + dab - dabx) + w2 * (
        digamma(b + xm1) - digamma(b) + dab - dabx
    )
    return ll, grad


def weighted_loglik(params, data: FrequencyData):
    """Sum of `loglik_terms` over the customers in `data`, and its gradient (r, alpha, a, b).

    Arranged as mbgnbd.weighted_loglik: special functions once per distinct x. Rows with x = 0
    have no second term (l2 = -inf, so w2 = 0).
    """
    r, alpha, a, b = params
    xs, kx, w = data.x.values, data.x.index, data.weights
    repeat = xs > 0
    xm1 = np.where(repeat, xs - 1, 0.0)
    rx = r + xs
    beta_ab = betaln(a, b)
    rxi = rx[kx]
    log_T = np.log(alpha + data.T.values)[data.T.index]
    log_t = np.log(alpha + data.t_x.values)[data.t_x.index]
    l1 = (betaln(a, b + xs) - beta_ab)[kx] - rxi * log_T
    l2 = np.where(repeat, betaln(a + 1, b + xm1) - beta_ab, -np.inf)[kx] - rxi * log_t
    lse = np.logaddexp(l1, l2)
    w2 = w * np.exp(l2 - lse)
    w1 = w - w2
    per_x = data.x.weights
    a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha)
    ll = float(per_x @ a1 + dot(w, lse))
    w2_per_x = np.bincount(kx, weights=w2, minlength=len(xs))
    dab = digamma(a + b)
    dabx = digamma(a + b + xs)
    inv_T = 1.0 / (alpha + data.T.values)[data.T.index]
    inv_t = 1.0 / (alpha + data.t_x.values)[data.t_x.index]
    grad = np.array(
        [
            per_x @ (digamma(rx) - digamma(r) + np.log(alpha)) - dot(w1, log_T) - dot(w2, log_t),
            data.total * r / alpha - dot(rxi, w1 * inv_T + w2 * inv_t),
            per_x @ (dab - dabx) + w2_per_x.sum() * (digamma(a + 1) - digamma(a)),
            per_x @ (digamma(b + xs) - digamma(b) + dab - dabx)
            + w2_per_x @ (digamma(b + xm1) - digamma(b + xs)),
        ]
    )
    return ll, grad


def fit(x, t_x, T) -> Fit:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if x.size < 2 or not (x > 0).any():
        raise FitError("BG/NBD needs at least two customers and some repeat purchases")
    data = FrequencyData(x, t_x, T)
    x0 = np.log([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    params, ll, result = maximise(lambda p: weighted_loglik(p, data), x0, data.total, NAMES)
    return Fit(params, ll, bool(result.success), int(result.nit), int(x.size))


def _log_odds_dead(params, x, t_x, T):
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): odds that a repeat buyer has dropped out."""
    r, alpha, a, b = (params[n] for n in NAMES)
    xm1 = np.where(x > 0, x - 1, 0.0)
    return np.log(a) - np.log(b + xm1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))


def p_alive(params, x, t_x, T) -> np.ndarray:
    """Equation (13) of FHL 2005; exactly 1 when x = 0."""
    log_odds = _log_odds_dead(params, x, t_x, T)
    return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)


def expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t time units (equation (10))."""
    return expected_given_alive(params, t, x, T) * p_alive(params, x, t_x, T)


def expected_given_alive(params, t, x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] / P(alive): depends on x and T only (evaluate once per distinct pair)."""
    r, alpha, a, b = (params[n] for n in NAMES)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return (a + b + x - 1) / (a - 1) * bracket


def expected_purchases_new(params, t) -> np.ndarray:
    """E[X(t)] for a customer just acquired (equation (7)); used for customers without history."""
    r, alpha, a, b = (params[n] for n in NAMES)
    t = np.asarray(t, dtype=float)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
