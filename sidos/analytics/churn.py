"""Churn early-warning: a risk score in [0, 1] per customer, and a plain-language reason.

The score is a logistic regression on signals every customer has:

* hiatus — log(1 + days since the last purchase): the classic baseline (Wübben & Wangenheim 2008).
* gap_ratio — log((days since last + 1) / (usual gap + 1)). The usual gap is the customer's median
  gap between purchase days, shrunk towards the population's median gap with the weight of two
  gaps (one-time buyers get the population's). Platzer & Reutterer (2016) show such regularity
  signals matter.
* p_alive — logit of the MBG/NBD probability of being active (Batislam et al. 2007).
* expected — log(1 + MBG/NBD expected purchases in the label horizon).
* frequency — log(1 + repeat purchases).
* frequency_trend — log of the purchase rate in the last `recent_days` against the rate before
  (0 when the customer is too new to tell).
* basket_trend — log of the mean purchase value in the last `recent_days` against before (0 when
  either is missing).

**How the weights are chosen — on the calibration data only.** With H = the label horizon
(label_horizon(): SIDOS_ANALYTICS_CHURN_HORIZON_DAYS, default 180 days, capped at half the history
before as_of), the orders up to `as_of − H` are summarised, the signals are computed there with the
MBG/NBD parameters fitted on all data up to `as_of` (see train()), and the label is "no purchase in
(as_of − H, as_of]". A logistic regression (standardised signals, an L2 penalty of 0.01) fitted
to that gives the weights, which are then applied to the signals as of `as_of`. A backtest calls
the same code with its calibration end as `as_of`, so the same rule picks H and nothing about the
holdout — not its outcomes, not its length — is used. The weights, the standardisation, H and the
training AUC are stored with each run. When the internal split cannot be fitted (too little
history, or every customer in one class), the documented fallback is risk = 1 − P(alive) from the
MBG/NBD, and the run records it.

How the horizon and the penalty were chosen, and how well it ranks. The signals are strongly
correlated (hiatus, gap ratio, P(alive) and expected purchases all move with recency), and with a
penalty of 1e-3 their weights swung with the horizon: on a development set — the 21,213 CDNOW_master
customers who are not in CDNOW_sample, calibration to 1997-09-30, holdout to 1998-06-30 — the AUC was
0.757 at H = 90 days and 0.765 / 0.769 at 60 / 120, against hiatus 0.758. A penalty of 0.01 made it
0.768–0.769 at every horizon from 60 to 180 days (`.venv/bin/python bench/churn_dev.py`). A longer
horizon is also closer to the question the score answers (will they come back at all), so the default is
180 days, which the half-history cap makes 136 days on CDNOW. On CDNOW_sample itself (test_churn.py),
which only the final choice was checked on (with two rejected variants: 0.751 at H = 90 with the new
penalty, 0.783 at H = 180 with the old one), the AUC is 0.783 against hiatus 0.771. CDNOW is one cohort,
so the customers the split learns from are younger than those it scores; see the backtest page, which
always shows every signal.

A customer is *flagged* when their risk is at least SIDOS_ANALYTICS_FLAG_RISK (default 0.6) while
the MBG/NBD still gives them P(alive) ≥ SIDOS_ANALYTICS_FLAG_MIN_P_ALIVE (default 0.2) — the early
warning is for customers who are slipping, not for the long gone — and each flagged customer gets
the reason that best explains the score (reasons.py).
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit

from sidos.analytics import prep
from sidos.analytics.btyd import mbgnbd
from sidos.analytics.btyd.fitting import FitError, unique_rows

SIGNALS = ["hiatus", "gap_ratio", "p_alive", "expected", "frequency", "frequency_trend", "basket_trend"]
SHRINK_GAPS = 2.0
L2 = 0.01  # see the module docstring: what keeps the correlated signals' weights stable
SPLIT_SAMPLE = 200_000  # customers the internal split learns from, at most (see train())


@dataclass
class Weights:
    names: list[str]
    coef: list[float]
    intercept: float
    mean: list[float]
    std: list[float]
    train_auc: float | None = None
    fallback: bool = False

    def as_dict(self) -> dict:
        return {
            "signals": dict(zip(self.names, [round(c, 5) for c in self.coef], strict=True)),
            "intercept": round(self.intercept, 5),
            "mean": [round(v, 6) for v in self.mean],
            "std": [round(v, 6) for v in self.std],
            "train_auc": None if self.train_auc is None else round(self.train_auc, 4),
            "fallback": self.fallback,
        }


FALLBACK = Weights(SIGNALS, [0.0] * len(SIGNALS), 0.0, [0.0] * len(SIGNALS), [1.0] * len(SIGNALS), None, True)


def population_gap(summary: pl.DataFrame) -> float:
    gaps = summary.filter(pl.col("gaps") > 0)["median_gap"]
    return float(gaps.median()) if len(gaps) else 30.0


def signals(summary: pl.DataFrame, p_alive, expected, recent_days: int, pop_gap: float) -> dict:
    """The signal matrix (rows = customers, columns = SIGNALS) and the values the reasons quote."""
    days_since = summary["days_since_last"].to_numpy().astype(float)
    gaps = summary["gaps"].to_numpy().astype(float)
    median_gap = np.nan_to_num(summary["median_gap"].to_numpy().astype(float), nan=0.0)
    usual_gap = (gaps * median_gap + SHRINK_GAPS * pop_gap) / (gaps + SHRINK_GAPS)
    t_days = (summary["days_since_last"] + (summary["last"] - summary["first"]).dt.total_days()).to_numpy()
    earlier_span = t_days.astype(float) - recent_days
    recent = summary["recent_purchases"].to_numpy().astype(float)
    earlier_repeat = summary["earlier_purchases"].to_numpy().astype(float) - 1.0
    recent_rate = (recent + 0.5) / recent_days
    earlier_rate = (earlier_repeat.clip(min=0) + 0.5) / np.maximum(earlier_span, 1.0)
    frequency_trend = np.where(earlier_span >= recent_days, np.log(recent_rate / earlier_rate), 0.0)
    rb = summary["recent_basket"].to_numpy().astype(float)
    eb = summary["earlier_basket"].to_numpy().astype(float)
    basket_ok = np.isfinite(rb) & np.isfinite(eb) & (rb > 0) & (eb > 0)
    basket_trend = np.where(
        basket_ok, np.log(np.where(basket_ok, rb, 1.0) / np.where(basket_ok, eb, 1.0)), 0.0
    )
    p = np.clip(np.asarray(p_alive, dtype=float), 1e-9, 1 - 1e-9)
    matrix = np.column_stack(
        [
            np.log1p(days_since),
            np.log((days_since + 1) / (usual_gap + 1)),
            np.log(p / (1 - p)),
            np.log1p(np.asarray(expected, dtype=float)),
            np.log1p(summary["frequency"].to_numpy().astype(float)),
            frequency_trend,
            basket_trend,
        ]
    )
    return {
        # A model that could not say something (nan) contributes the neutral value.
        "matrix": np.nan_to_num(matrix, nan=0.0, posinf=50.0, neginf=-50.0),
        "usual_gap": usual_gap,
        "gap_ratio": (days_since + 1) / (usual_gap + 1),
        "days_since": days_since,
        "gaps": gaps,
        "recent": recent,
        "earlier_rate": earlier_rate,
        "frequency_trend": frequency_trend,
        "basket_trend": basket_trend,
        "recent_basket": rb,
        "earlier_basket": eb,
    }


def _fit_logistic(matrix: np.ndarray, labels: np.ndarray) -> Weights:
    """L2-penalised logistic regression on standardised signals, by Newton's method.

    The loss (mean log-loss + L2·|coef|²) is strictly convex, so Newton steps with a backtracking
    line search reach its minimum in a handful of iterations — each one a pass over the rows and
    one 8×8 solve — where a quasi-Newton method needed dozens of passes.
    """
    mean = matrix.mean(axis=0)
    std = matrix.std(axis=0)
    std[std < 1e-9] = 1.0
    z = (matrix - mean) / std
    design = np.column_stack([np.ones(len(z)), z])
    n = len(labels)
    penalty = np.full(design.shape[1], 2 * L2)
    penalty[0] = 0.0  # the intercept is not penalised

    def loss(beta):
        eta = design @ beta
        # log(1 + e^eta) - y·eta, stable for large |eta|
        return np.sum(np.logaddexp(0.0, eta) - labels * eta) / n + L2 * np.dot(beta[1:], beta[1:]), eta

    beta = np.zeros(design.shape[1])
    value, eta = loss(beta)
    for _ in range(100):
        p = expit(eta)
        grad = design.T @ (p - labels) / n + penalty * beta
        if np.max(np.abs(grad)) < 1e-10:
            break
        hessian = (design.T * (p * (1 - p))) @ design / n + np.diag(penalty)
        step = np.linalg.solve(hessian, grad)
        size = 1.0
        while True:
            candidate = beta - size * step
            new_value, new_eta = loss(candidate)
            if new_value <= value - 1e-4 * size * np.dot(grad, step) or size < 1e-10:
                break
            size /= 2
        if size < 1e-10 or value - new_value < 1e-16 * max(1.0, abs(value)):
            beta, value, eta = candidate, new_value, new_eta
            break
        beta, value, eta = candidate, new_value, new_eta
    return Weights(SIGNALS, beta[1:].tolist(), float(beta[0]), mean.tolist(), std.tolist())


def label_horizon(configured_days: int, first_day: dt.date | None, as_of: dt.date) -> int:
    """The label horizon H of the internal split — the same rule for the nightly recompute and for
    a backtest, and from data up to as_of only: the configured horizon, capped at half the history
    before as_of (so the split keeps at least as much past to learn from as it has future to label).

    A backtest passes its calibration end as as_of: nothing about its holdout, not even its length,
    enters the score.
    """
    span = (as_of - first_day).days if first_day else 0
    return max(1, min(configured_days, span // 2))


def sample_customers(daily: pl.DataFrame, customers: int, size: int = SPLIT_SAMPLE) -> pl.DataFrame:
    """About `size` of the `customers` customers in a daily frame, the same ones every night.

    Which customers is decided by a multiplicative hash of the id (Knuth's 2654435761), not by a
    random draw, so a re-run picks the same ones; with `customers` ≤ size, everyone.
    """
    if customers <= size:
        return daily
    threshold = int(size / customers * 2**32)
    bucket = (pl.col("customer_id").cast(pl.UInt64) * 2654435761) % (2**32)
    return daily.filter(bucket < threshold)


def train(
    orders,
    as_of: dt.date,
    time_unit: str,
    horizon_days: int,
    recent_days: int,
    params: dict | None = None,
    customers: int = 0,
) -> Weights:
    """Weights from an internal split of the data up to as_of (see the module docstring).

    `orders`: an orders frame or, faster, its prep.daily() frame. `params`: the MBG/NBD fitted on
    all the data up to as_of. Its parameters describe how rates and drop-out vary between
    customers, per unit of time, which does not depend on the date they are applied at, so the
    split reuses them instead of refitting on the shorter history (a full fit saved per recompute;
    nothing after as_of is involved either way). Without them the split fits its own.

    `customers`: how many customers the data holds. Above SPLIT_SAMPLE, the split learns from a
    fixed sample of SPLIT_SAMPLE of them (sample_customers()): eight weights need no more than
    200,000 customers to be well determined, and the split then costs a fifth of the time at 1M.
    """
    from sidos.analytics.evaluation import auc

    cut = as_of - dt.timedelta(days=horizon_days)
    unit = prep.UNIT_DAYS[time_unit]
    if customers > SPLIT_SAMPLE:
        orders = sample_customers(prep.daily(orders), customers)
    past = prep.summarise(orders, cut, time_unit, recent_days=recent_days)
    if len(past) < 20:
        return FALLBACK
    x, t_x, T = (past[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    if params is None:
        try:
            params = mbgnbd.fit(x, t_x, T).params
        except FitError:
            return FALLBACK
    later = (
        prep.purchase_days(orders, as_of).filter(pl.col("day") > cut).select("customer_id").unique().collect()
    )
    labels = (~past["customer_id"].is_in(later["customer_id"].implode())).to_numpy().astype(float)
    if labels.min() == labels.max():
        return FALLBACK
    p = mbgnbd.p_alive(params, x, t_x, T)
    # = mbgnbd.expected_purchases(), with hyp2f1 evaluated once per distinct (x, T)
    (ux, uT), inverse, _counts = unique_rows(x, T)
    expected = mbgnbd.expected_given_alive(params, horizon_days / unit, ux, uT)[inverse] * p
    sig = signals(past, p, expected, recent_days, population_gap(past))
    weights = _fit_logistic(sig["matrix"], labels)
    weights.train_auc = auc(risk(sig["matrix"], weights, p), labels.astype(bool))
    return weights


def risk(matrix: np.ndarray, weights: Weights, p_alive) -> np.ndarray:
    if weights.fallback:
        return 1.0 - np.asarray(p_alive, dtype=float)
    z = (matrix - np.asarray(weights.mean)) / np.asarray(weights.std)
    return expit(weights.intercept + z @ np.asarray(weights.coef))
