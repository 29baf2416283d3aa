"""The only code that changes analytics data: recompute() and backtest().

Recompute protocol (why readers never see half-written scores, and what a crash leaves):

1. Leftovers of earlier unfinished runs are removed: every run that is not current and still
   `running` is marked failed, and the scores of every non-current run are deleted.
2. A new run is created (`running`), the models are fitted, and its scores are bulk-inserted in
   chunks of SIDOS_ANALYTICS_BATCH_SIZE next to the current run's — invisible, because every reader
   asks for the current run's scores.
3. In one transaction the number of written rows is checked against the number of customers, the
   old run loses `is_current`, the new one gets it and is marked done. Then the old run's scores
   are deleted.

A failed or killed recompute is therefore **re-run, not resumed**: it leaves the previous run
current, and the next recompute deletes its partial rows before writing (the unique constraint on
(run, customer) also rules out duplicates within a run). Two recomputes must not run at once; the
nightly task is the only scheduled writer, and step 3's count check refuses to publish a run whose
rows another recompute removed.
"""

import dataclasses
import datetime as dt
import json
import logging

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from sidos.analytics import config as analytics_config
from sidos.analytics import orderdata, prep, reports, scoring
from sidos.analytics.btyd import bgnbd, mbgnbd
from sidos.analytics.churn import reason_templates, reason_text
from sidos.analytics.evaluation import auc
from sidos.analytics.models import AnalyticsRun, BacktestReport, CustomerScore, RunStatus
from sidos.analytics.rfm import Segment

log = logging.getLogger(__name__)

MONEY = ("monetary", "revenue", "expected_spend", "clv", "value_at_risk")
FREQUENCY_BUCKETS = 8  # 0, 1, …, 6, 7+


class BacktestError(ValueError):
    pass


def discard_unfinished() -> int:
    """Step 1 of the protocol: returns how many leftover score rows were deleted."""
    AnalyticsRun.objects.filter(is_current=False, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, message="abandoned: a later recompute started", finished_at=timezone.now()
    )
    deleted, _by_model = CustomerScore.objects.exclude(run__is_current=True).delete()
    return deleted


def recompute(as_of: dt.date | None = None, time_unit: str | None = None) -> AnalyticsRun:
    config = analytics_config.load(time_unit=time_unit)
    as_of = as_of or timezone.localdate()
    discard_unfinished()
    run = AnalyticsRun.objects.create(as_of=as_of, time_unit=config.time_unit)
    try:
        orders = orderdata.load(as_of)
        customer_ids = orderdata.customer_ids()
        result = scoring.compute(orders, as_of, config)
        known = set(result.summary["customer_id"].to_list())
        no_data = int(sum(1 for cid in customer_ids.tolist() if cid not in known))
        run.params = finite(
            {
                "models": result.models,
                "churn": result.weights.as_dict() if result.weights else None,
                "settings": config.__dict__,
            }
        )
        run.report = finite(reports.build(result.scores, result.summary, orders, as_of, no_data))
        run.orders = len(orders)
        run.customers = len(customer_ids)
        run.customers_with_data = len(result.summary)
        run.flagged = run.report["flagged"]
        run.save(update_fields=["params", "report", "orders", "customers", "customers_with_data", "flagged"])
        written = write_scores(run, result, customer_ids, config)
        publish(run, written)
    except Exception as error:
        run.status = RunStatus.FAILED
        run.message = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    CustomerScore.objects.exclude(run=run).delete()
    return run


def publish(run: AnalyticsRun, written: int) -> None:
    with transaction.atomic():
        if CustomerScore.objects.filter(run=run).count() != written:
            raise RuntimeError("scores of this run were removed while it ran (two recomputes at once?)")
        AnalyticsRun.objects.filter(is_current=True).update(is_current=False)
        run.is_current = True
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["is_current", "status", "finished_at"])


def _score_frame(result: scoring.Result, customer_ids: np.ndarray) -> pl.DataFrame:
    """Every customer, with the scores of those who have purchases and nulls for the rest."""
    summary = result.summary.select(
        "customer_id",
        "purchases",
        "frequency",
        "recency",
        "T",
        "days_since_last",
        "monetary",
        "revenue",
        pl.col("first").alias("first_purchase"),
        pl.col("last").alias("last_purchase"),
    )
    frame = pl.DataFrame({"customer_id": customer_ids}).join(summary, on="customer_id", how="left")
    if not result.scores.is_empty():
        frame = frame.join(result.scores.drop("churn_reason_data"), on="customer_id", how="left")
    money = [pl.col(c).round(2).cast(pl.Decimal(16, 2)) for c in MONEY if c in frame.columns]
    return frame.with_columns(money).fill_nan(None)


def write_scores(run: AnalyticsRun, result: scoring.Result, customer_ids: np.ndarray, config) -> int:
    """Insert one score row per customer in chunks of config.batch_size, each chunk its own transaction.

    Plain `executemany` of prepared tuples, not `bulk_create`: Django prepares every field of every
    model instance one by one, which measured ~0.5 ms a row here — eight minutes for a million
    customers. The values are already typed by polars; money is rounded to cents.
    """
    frame = _score_frame(result, customer_ids)
    n = len(frame)
    reasons = (
        dict(
            zip(
                result.scores["customer_id"].to_list(),
                result.scores["churn_reason_data"].to_list(),
                strict=True,
            )
        )
        if not result.scores.is_empty()
        else {}
    )
    templates = reason_templates()
    ops = connection.ops
    has_data = frame["purchases"].is_not_null().to_list()

    def column(name, default=None):
        if name not in frame.columns:
            return [default] * n
        series = frame[name]
        if series.dtype == pl.Date:
            return [None if v is None else ops.adapt_datefield_value(v) for v in series.to_list()]
        if isinstance(series.dtype, pl.Decimal):
            series = series.cast(pl.Float64)
        values = series.to_list()
        return values if default is None else [default if v is None else v for v in values]

    ids = frame["customer_id"].to_list()
    data = [reasons.get(cid) for cid in ids]
    values = {
        "run_id": [run.pk] * n,
        "customer_id": ids,
        "as_of": [ops.adapt_datefield_value(run.as_of)] * n,
        "segment": column("segment", Segment.NO_DATA.value),
        **{name: column(name) for name in ("r_score", "f_score", "m_score")},
        "purchases": column("purchases", 0),
        "frequency": column("frequency", 0),
        **{
            name: column(name)
            for name in (
                "recency",
                "T",
                "days_since_last",
                "first_purchase",
                "last_purchase",
                "monetary",
                "revenue",
                "p_alive",
                "p_alive_bgnbd",
                "expected_30",
                "expected_90",
                "expected_365",
                "expected_spend",
                "clv",
                "value_decile",
                "churn_risk",
            )
        },
        "churn_reason": [reason_text(d, config.recent_days, templates) if d else "" for d in data],
        "churn_reason_data": [json.dumps(d) if d else None for d in data],
        "gap_ratio": column("gap_ratio"),
        "usual_gap_days": column("usual_gap_days"),
        "flagged": [bool(f) and h for f, h in zip(column("flagged", False), has_data, strict=True)],
        "worth_saving": [bool(f) and h for f, h in zip(column("worth_saving", False), has_data, strict=True)],
        "value_at_risk": column("value_at_risk"),
        "computed_at": [ops.adapt_datetimefield_value(timezone.now())] * n,
    }
    fields = {f.name: f.column for f in CustomerScore._meta.concrete_fields if f.name != "id"}
    columns = [fields.get(name.removesuffix("_id"), name) for name in values]
    table = ops.quote_name(CustomerScore._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "  # noqa: S608 names from the model
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    rows = list(zip(*values.values(), strict=True))
    for start in range(0, n, config.batch_size):
        insert_chunk(sql, rows[start : start + config.batch_size])
    return n


def insert_chunk(sql: str, rows: list[tuple]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _buckets(frequency: np.ndarray, *columns: np.ndarray) -> list[dict]:
    capped = np.minimum(frequency.astype(int), FREQUENCY_BUCKETS - 1)
    rows = []
    for k in range(FREQUENCY_BUCKETS):
        mask = capped == k
        label = f"{k}+" if k == FREQUENCY_BUCKETS - 1 else str(k)
        means = [round(float(c[mask].mean()), 4) if mask.any() else None for c in columns]
        rows.append(
            {
                "frequency": label,
                "customers": int(mask.sum()),
                "actual": means[0],
                "bgnbd": means[1],
                "mbgnbd": means[2],
            }
        )
    return rows


def backtest(
    calibration_end: dt.date,
    holdout_end: dt.date,
    time_unit: str | None = None,
    orders: pl.DataFrame | None = None,
    save: bool = True,
) -> dict:
    """Fit on orders up to calibration_end; compare with what customers did up to holdout_end.

    The churn weights are learnt inside the calibration period (churn.py), so nothing about the
    holdout is used before it is scored. AUCs measure how well each signal ranks the customers who
    made no purchase in the holdout (1.0 perfect, 0.5 chance).
    """
    if holdout_end <= calibration_end:
        raise BacktestError("the holdout must end after the calibration period ends")
    config = analytics_config.load(time_unit=time_unit)
    unit = prep.UNIT_DAYS[config.time_unit]
    if orders is None:
        orders = orderdata.load(holdout_end)
    # The churn model learns to predict the horizon the backtest asks about (the holdout's length),
    # capped at half the calibration history so its internal split keeps enough past to learn from.
    first = orders.select(pl.col("day").min()).item()
    span = (calibration_end - first).days if first else 0
    horizon_days = max(1, min((holdout_end - calibration_end).days, span // 2))
    config = dataclasses.replace(config, churn_horizon_days=horizon_days)
    result = scoring.compute(orders, calibration_end, config)
    summary = result.summary
    if summary.is_empty() or "bgnbd" not in result.fits or "mbgnbd" not in result.fits:
        raise BacktestError("not enough purchases before the calibration end to fit the models")
    later = (
        prep.purchase_days(orders, holdout_end)
        .filter(pl.col("day") > calibration_end)
        .group_by("customer_id")
        .agg(holdout=pl.len())
        .collect()
    )
    joined = summary.select("customer_id").join(later, on="customer_id", how="left")
    actual = joined["holdout"].fill_null(0).to_numpy().astype(float)
    x, t_x, T = (summary[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))
    horizon = (holdout_end - calibration_end).days / unit
    predicted = {
        "bgnbd": bgnbd.expected_purchases(result.fits["bgnbd"].params, horizon, x, t_x, T),
        "mbgnbd": mbgnbd.expected_purchases(result.fits["mbgnbd"].params, horizon, x, t_x, T),
    }
    churned = actual == 0
    scores = result.scores
    signals = {
        "churn_risk": scores["churn_risk"].to_numpy(),
        "hiatus": summary["days_since_last"].to_numpy().astype(float),
        "p_alive_bgnbd": -scores["p_alive_bgnbd"].to_numpy(),
        "p_alive_mbgnbd": -scores["p_alive"].to_numpy(),
        "gap_ratio": scores["gap_ratio"].to_numpy(),
        "expected_purchases": -predicted["mbgnbd"],
        "rfm_recency": -scores["r_score"].to_numpy().astype(float),
    }
    report = {
        "calibration_end": calibration_end.isoformat(),
        "holdout_end": holdout_end.isoformat(),
        "time_unit": config.time_unit,
        "customers": len(summary),
        "holdout_churners": int(churned.sum()),
        "holdout_actual": int(actual.sum()),
        "holdout_predicted": round(float(predicted["mbgnbd"].sum()), 2),
        "mae": round(float(np.abs(predicted["mbgnbd"] - actual).mean()), 4),
        "by_model": {
            name: {
                "holdout_predicted": round(float(p.sum()), 2),
                "mae": round(float(np.abs(p - actual).mean()), 4),
            }
            for name, p in predicted.items()
        },
        "auc": {name: _round(auc(values, churned)) for name, values in signals.items()},
        "by_frequency": _buckets(x, actual, predicted["bgnbd"], predicted["mbgnbd"]),
        "models": result.models,
        "churn": result.weights.as_dict() if result.weights else None,
        "churn_horizon_days": horizon_days,
    }
    report = finite(report)
    if save:
        BacktestReport.objects.create(
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            time_unit=config.time_unit,
            result=report,
        )
    return report


def finite(value):
    """JSON has no NaN or infinity: a model that could not say something says null."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
