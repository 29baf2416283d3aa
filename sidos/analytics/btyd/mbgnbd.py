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

from sidos.analytics.btyd.fitting import Fit, FitError, compress, maximise

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


def fit(x, t_x, T, start: dict | None = None) -> Fit:
    """`start`: parameters to start from (a previous fit on similar data converges in fewer steps)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if x.size < 2 or not (x > 0).any():
        raise FitError("MBG/NBD needs at least two customers and some repeat purchases")
    (ux, ut, uT), weights = compress(x, t_x, T)
    x0 = np.log([start[n] for n in NAMES] if start else [1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    params, ll, result = maximise(lambda p: loglik_terms(p, ux, ut, uT), x0, weights, NAMES)
    return Fit(params, ll, bool(result.success), int(result.nit), int(x.size))


def p_alive(params, x, t_x, T) -> np.ndarray:
    """1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) — below 1 for one-time buyers too."""
    r, alpha, a, b = (params[n] for n in NAMES)
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0)))


def expected_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T] (Batislam et al. 2007, equation (4))."""
    r, alpha, a, b = (params[n] for n in NAMES)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x + 1, a + b + x, z)
    bracket = 1.0 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    return (a + b + x) / (a - 1) * bracket * p_alive(params, x, t_x, T)
