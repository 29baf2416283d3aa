"""The only code that changes analytics data: recompute() and backtest().

Recompute protocol (why readers never see half-written scores, and what a crash leaves):

1. Leftovers of earlier unfinished runs are removed: every run that is not current and still
   `running` is marked failed, and the scores of every non-current run are deleted.
2. A new run is created (`running`), the models are fitted, and its scores are bulk-inserted
   (scorestore.py) in chunks of SIDOS_ANALYTICS_BATCH_SIZE next to the current run's — invisible,
   because every reader asks for the current run's scores.
3. In one transaction the number of written rows is checked against the number of customers, the
   old run loses `is_current`, the new one gets it and is marked done. Then the old run's scores
   are deleted.

A failed or killed recompute is therefore **re-run, not resumed**: it leaves the previous run
current, and the next recompute deletes its partial rows before writing (the unique constraint on
(run, customer) also rules out duplicates within a run). Two recomputes must not run at once; the
nightly task is the only scheduled writer, and step 3's count check refuses to publish a run whose
rows another recompute removed.
"""

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from sidos.analytics import config as analytics_config
from sidos.analytics import orderdata, prep, reports, scoring
from sidos.analytics.btyd import bgnbd, mbgnbd
from sidos.analytics.evaluation import auc
from sidos.analytics.models import AnalyticsRun, BacktestReport, CustomerScore, RunStatus
from sidos.analytics.scorestore import ensure_list_indexes, write_scores
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

log = logging.getLogger(__name__)

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


def recompute(
    as_of: dt.date | None = None, time_unit: str | None = None, *, actor=None, channel: str = "cli"
) -> AnalyticsRun:
    """Score every customer; `actor` (a user, or a label such as "nightly task") and `channel` go
    into the audit entry the run writes (it reads every customer's orders and writes their scores).
    """
    config = analytics_config.load(time_unit=time_unit)
    as_of = as_of or timezone.localdate()
    discard_unfinished()
    if connection.vendor == "sqlite":
        ensure_list_indexes()
    run = AnalyticsRun.objects.create(as_of=as_of, time_unit=config.time_unit)
    try:
        orders = orderdata.load(as_of)
        customer_ids = orderdata.customer_ids()
        result = scoring.compute(orders, as_of, config)
        run.orders = len(orders)
        del orders  # the daily frame (result.days) is all that is needed from here on
        with_data = result.summary["customer_id"].to_numpy()
        no_data = int((~np.isin(customer_ids, with_data)).sum())
        run.params = finite(
            {
                "models": result.models,
                "churn": result.weights.as_dict() if result.weights else None,
                "churn_horizon_days": result.churn_horizon_days,
                "settings": config.__dict__,
            }
        )
        run.customers = len(customer_ids)
        run.customers_with_data = len(result.summary)
        # The dashboard's aggregates (polars, no database) are computed in a thread while the
        # scores are written (mostly SQLite's time, in the ADBC helper or with the GIL released).
        with ThreadPoolExecutor(max_workers=1) as pool:
            report = pool.submit(reports.build, result.scores, result.summary, result.days, as_of, no_data)
            written = write_scores(run, result, customer_ids, config)
            run.report = finite(report.result())
        run.flagged = run.report["flagged"]
        run.save(update_fields=["params", "report", "orders", "customers", "customers_with_data", "flagged"])
        publish(run, written, actor, channel)
    except Exception as error:
        with transaction.atomic():
            run.status = RunStatus.FAILED
            run.message = f"{type(error).__name__}: {error}"[:2000]
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
            _audit(run, actor, channel, f"analytics recompute as of {run.as_of} failed: {run.message}"[:300])
        raise
    CustomerScore.objects.exclude(run=run).delete()
    return run


def publish(run: AnalyticsRun, written: int, actor=None, channel: str = "cli") -> None:
    with transaction.atomic():
        if CustomerScore.objects.filter(run=run).count() != written:
            raise RuntimeError("scores of this run were removed while it ran (two recomputes at once?)")
        AnalyticsRun.objects.filter(is_current=True).update(is_current=False)
        run.is_current = True
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["is_current", "status", "finished_at"])
        _audit(
            run,
            actor,
            channel,
            f"recomputed analytics scores of {run.customers} customers as of {run.as_of}",
        )


def _audit(run: AnalyticsRun, actor, channel: str, summary: str) -> None:
    """One entry per run, not per customer: it names how many customers' data were read and scored."""
    audit.record(
        actor or "analytics recompute",
        AuditAction.UPDATE,
        "analytics_run",
        run.pk,
        channel=channel,
        summary=summary,
        changes={"status": run.status, **run.counts()},
    )


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
    # The churn model is trained exactly as the nightly recompute would train it on the calibration
    # end (churn.label_horizon(): configured horizon, capped by the calibration history).
    result = scoring.compute(orders, calibration_end, config)
    summary = result.summary
    if summary.is_empty() or "bgnbd" not in result.fits or "mbgnbd" not in result.fits:
        raise BacktestError("not enough purchases before the calibration end to fit the models")
    later = (
        prep.purchase_days(result.days, holdout_end)
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
        "churn_horizon_days": result.churn_horizon_days,
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
