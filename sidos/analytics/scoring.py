"""From an orders frame to every customer's scores: fit the models, score, classify. No database.

`compute()` is what a recompute and a backtest share; actions.py adds reading and writing.
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sidos.analytics import churn, prep, reasons, rfm
from sidos.analytics.btyd import bgnbd, gammagamma, mbgnbd
from sidos.analytics.btyd.clv import lifetime_value
from sidos.analytics.btyd.fitting import FitError, unique_rows
from sidos.analytics.config import AnalyticsConfig

HORIZONS = (30, 90, 365)


@dataclass
class Result:
    summary: pl.DataFrame
    scores: pl.DataFrame  # one row per customer in the summary
    models: dict = field(default_factory=dict)  # name -> Fit.as_dict() or {"error": ...}
    fits: dict = field(default_factory=dict)  # name -> Fit
    weights: churn.Weights | None = None
    days: pl.DataFrame | None = None  # prep.daily() of the orders: reuse it instead of the orders
    churn_horizon_days: int | None = None  # the label horizon churn.label_horizon() chose
    reasons: pl.DataFrame | None = None  # customer_id, churn_reason_data (JSON text) of flagged customers


def expected_function(model, params, x, t_x, T):
    """t -> E[Y(t)] per customer: P(alive) once, the rest once per distinct (x, T) (hyp2f1 is slow).

    Returns the same numbers as model.expected_purchases(params, t, x, t_x, T).
    """
    alive = model.p_alive(params, x, t_x, T)
    (ux, uT), inverse, _counts = unique_rows(x, T)
    return lambda t: model.expected_given_alive(params, t, ux, uT)[inverse] * alive


def _fit_all(models: dict, result: Result) -> dict:
    """Fit each model (name -> (fitter, arrays)); returns name -> params, or None where it failed.

    The fits are independent and their time goes into numpy operations on whole arrays, which
    release the GIL: in threads they run side by side on a second core instead of one after the
    other (the BG/NBD and MBG/NBD fits take about as long each).
    """
    with ThreadPoolExecutor(max_workers=len(models)) as pool:
        futures = {name: pool.submit(fitter, *arrays) for name, (fitter, arrays) in models.items()}
    params = {}
    for name, future in futures.items():
        try:
            fit = future.result()
        except FitError as error:
            result.models[name] = {"error": str(error)}
            params[name] = None
            continue
        result.fits[name] = fit
        result.models[name] = fit.as_dict()
        params[name] = fit.params
    return params


def deciles(values: np.ndarray) -> np.ndarray:
    """1 (lowest tenth) … 10 (highest), by ordinal rank so every class is the same size."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=int)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n, dtype=float)
    ranks[order] = np.arange(n)
    return (1 + np.floor(ranks * 10 / n)).astype(int)


def compute(orders, as_of: dt.date, config: AnalyticsConfig, weights: churn.Weights | None = None) -> Result:
    unit = prep.UNIT_DAYS[config.time_unit]
    daily = prep.daily(orders)
    summary = prep.summarise(daily, as_of, config.time_unit, recent_days=config.recent_days)
    result = Result(summary=summary, scores=pl.DataFrame(), days=daily)
    n = len(summary)
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    monetary = summary["monetary"].to_numpy().astype(float)

    fitted = _fit_all(
        {
            "bgnbd": (bgnbd.fit, (x, t_x, T)),
            "mbgnbd": (mbgnbd.fit, (x, t_x, T)),
            "gamma_gamma": (gammagamma.fit, (x, monetary)),
        },
        result,
    )
    bg, mbg, gg = fitted["bgnbd"], fitted["mbgnbd"], fitted["gamma_gamma"]

    columns: dict[str, np.ndarray] = {}
    nan = np.full(n, np.nan)
    columns["p_alive_bgnbd"] = bgnbd.p_alive(bg, x, t_x, T) if bg else nan
    if mbg:
        p_alive = mbgnbd.p_alive(mbg, x, t_x, T)
        expected = expected_function(mbgnbd, mbg, x, t_x, T)
    elif bg:  # too little data for the MBG/NBD but enough for the BG/NBD: better than nothing
        p_alive = columns["p_alive_bgnbd"]
        expected = expected_function(bgnbd, bg, x, t_x, T)
    else:
        p_alive, expected = nan, None
    columns["p_alive"] = p_alive
    for days in HORIZONS:
        columns[f"expected_{days}"] = expected(days / unit) if expected else nan

    keep_share = 1.0 - summary["return_share"].to_numpy()
    if gg:
        spend = gammagamma.expected_spend(gg, x, monetary) * keep_share
    else:  # no model: the customer's own mean purchase value, net of returns
        spend = np.nan_to_num(summary["gross"].to_numpy() / summary["purchases"].to_numpy()) * keep_share
    columns["expected_spend"] = spend
    if expected:
        columns["clv"] = lifetime_value(expected, spend, unit, config.clv_months, config.monthly_discount)
    else:
        columns["clv"] = nan
    clv = np.nan_to_num(columns["clv"])
    columns["value_decile"] = deciles(clv) if n else np.zeros(0, dtype=int)

    first_day = daily.select(pl.col("day").min()).item() if len(daily) else None
    horizon_days = churn.label_horizon(config.churn_horizon_days, first_day, as_of)
    result.churn_horizon_days = horizon_days
    expected_h = expected(horizon_days / unit) if expected else np.zeros(n)
    sig = (
        churn.signals(
            summary,
            np.nan_to_num(p_alive, nan=0.5),
            expected_h,
            config.recent_days,
            churn.population_gap(summary),
        )
        if n
        else None
    )
    if weights is None:
        weights = (
            churn.train(
                daily, as_of, config.time_unit, horizon_days, config.recent_days, params=mbg, customers=n
            )
            if n
            else churn.FALLBACK
        )
    result.weights = weights
    risk = churn.risk(sig["matrix"], weights, np.nan_to_num(p_alive, nan=0.5)) if n else np.zeros(0)
    columns["churn_risk"] = risk
    columns["gap_ratio"] = sig["gap_ratio"] if n else np.zeros(0)
    columns["usual_gap_days"] = sig["usual_gap"] if n else np.zeros(0)
    # The early warning is for customers still worth a message: those the model already counts as
    # gone are left to the lost / hibernating segments.
    flagged = (risk >= config.flag_risk) & (np.nan_to_num(p_alive, nan=1.0) >= config.flag_min_p_alive)
    columns["flagged"] = flagged
    # What the customer would be worth if they stayed: the basis of "worth saving".
    value_if_retained = clv / np.clip(np.nan_to_num(p_alive, nan=1.0), 1e-3, 1.0)
    columns["value_at_risk"] = risk * value_if_retained
    columns["worth_saving"] = flagged & (deciles(value_if_retained) >= config.worth_saving_decile)
    p_alive_filled = np.nan_to_num(p_alive, nan=0.5)
    flagged_rows = np.flatnonzero(flagged)
    data = (
        reasons.reasons(
            sig, flagged_rows, p_alive_filled, summary["purchases"].to_numpy(), config.recent_days
        )
        if n
        else []
    )
    result.reasons = pl.DataFrame(
        {"customer_id": summary["customer_id"].gather(flagged_rows), "churn_reason_data": data},
        schema={"customer_id": pl.Int64, "churn_reason_data": pl.String},
    )
    scores = pl.DataFrame({"customer_id": summary["customer_id"], **columns})
    result.scores = scores.join(rfm.score(summary), on="customer_id", how="left", maintain_order="left")
    return result
