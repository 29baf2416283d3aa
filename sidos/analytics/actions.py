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

import contextlib
import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from sidos.analytics import arrowdb, orderdata, prep, reports, scoring
from sidos.analytics import config as analytics_config
from sidos.analytics.btyd import bgnbd, mbgnbd
from sidos.analytics.evaluation import auc
from sidos.analytics.models import AnalyticsRun, BacktestReport, CustomerScore, RunStatus
from sidos.analytics.rfm import Segment
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

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
        changes={
            "status": run.status,
            "as_of": run.as_of.isoformat(),
            "time_unit": run.time_unit,
            "customers": run.customers,
            "customers_with_data": run.customers_with_data,
            "orders": run.orders,
            "flagged": run.flagged,
        },
    )


# CustomerScore columns filled from the score frame, in the frame's order.
SCORE_FIELDS = [
    "run_id",
    "customer_id",
    "as_of",
    "segment",
    "r_score",
    "f_score",
    "m_score",
    "purchases",
    "frequency",
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
    "churn_reason_data",
    "gap_ratio",
    "usual_gap_days",
    "flagged",
    "worth_saving",
    "value_at_risk",
    "computed_at",
]
# What a customer without purchases by the as-of date gets; every other field is NULL.
NO_DATA_FIELDS = [
    "run_id",
    "customer_id",
    "as_of",
    "segment",
    "purchases",
    "frequency",
    "flagged",
    "worth_saving",
    "computed_at",
]
DATES = ("as_of", "first_purchase", "last_purchase")


def _score_frame(run: AnalyticsRun, result: scoring.Result, customer_ids: np.ndarray) -> pl.DataFrame:
    """Every customer (in `customer_ids` order), one column per SCORE_FIELDS, plus `has_data`.

    Customers without purchases get the no-data defaults and nulls. Money is rounded to cents.
    """
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
    frame = pl.DataFrame({"customer_id": customer_ids}, schema={"customer_id": pl.Int64}).join(
        summary, on="customer_id", how="left", maintain_order="left"
    )
    if not result.scores.is_empty():
        frame = frame.join(result.scores, on="customer_id", how="left", maintain_order="left")
    if result.reasons is not None and not result.reasons.is_empty():
        frame = frame.join(result.reasons, on="customer_id", how="left", maintain_order="left")
    has_data = pl.col("purchases").is_not_null()
    present = set(frame.columns)

    def column(name: str, dtype, default=None) -> pl.Expr:
        value = pl.col(name) if name in present else pl.lit(None, dtype=dtype)
        value = value.cast(dtype)
        if dtype == pl.Float64:
            value = value.fill_nan(None)
        if name in MONEY:
            value = value.round(2)
        return value if default is None else value.fill_null(default)

    floats = [
        "recency",
        "T",
        "monetary",
        "revenue",
        "p_alive",
        "p_alive_bgnbd",
        "expected_30",
        "expected_90",
        "expected_365",
        "expected_spend",
        "clv",
        "churn_risk",
        "gap_ratio",
        "usual_gap_days",
        "value_at_risk",
    ]
    return frame.select(
        pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
        "customer_id",
        pl.lit(run.as_of, dtype=pl.Date).alias("as_of"),
        column("segment", pl.String, Segment.NO_DATA.value).alias("segment"),
        *[column(name, pl.Int64).alias(name) for name in ("r_score", "f_score", "m_score")],
        column("purchases", pl.Int64, 0).alias("purchases"),
        column("frequency", pl.Int64, 0).alias("frequency"),
        *[column(name, pl.Float64).alias(name) for name in ("recency", "T")],
        column("days_since_last", pl.Int64).alias("days_since_last"),
        *[column(name, pl.Date).alias(name) for name in ("first_purchase", "last_purchase")],
        *[column(name, pl.Float64).alias(name) for name in floats if name not in ("recency", "T")],
        column("value_decile", pl.Int64).alias("value_decile"),
        column("churn_reason_data", pl.String).alias("churn_reason_data"),
        (column("flagged", pl.Boolean, False) & has_data).alias("flagged"),
        (column("worth_saving", pl.Boolean, False) & has_data).alias("worth_saving"),
        has_data.alias("has_data"),
    ).select(*[c for c in SCORE_FIELDS if c != "computed_at"], "has_data")


def write_scores(run: AnalyticsRun, result: scoring.Result, customer_ids: np.ndarray, config) -> int:
    """Insert one score row per customer in chunks of config.batch_size, each chunk its own transaction.

    The values come typed from polars, never through model instances (Django's bulk_create prepares
    every field of every instance one by one: ~0.5 ms a row, eight minutes for a million customers).
    SQLite: Arrow columns through ADBC (arrowdb.py) where it can be used; else `executemany` of
    row tuples made by polars, with no-data customers and unflagged
    customers inserted by statements that leave their always-NULL columns out (binding None costs
    ten times as much as a number in Python's sqlite3), and other missing floats bound as NaN, which
    SQLite stores as NULL. PostgreSQL: `COPY … FROM STDIN` of CSV written by polars.
    """
    frame = _score_frame(run, result, customer_ids)
    computed_at = timezone.now()
    columns = {f.name: f.column for f in CustomerScore._meta.concrete_fields if f.name != "id"}
    names = SCORE_FIELDS
    n = len(frame)
    if connection.vendor == "postgresql":
        for start in range(0, n, config.batch_size):
            insert_chunk(*_copy_chunk(frame.slice(start, config.batch_size), computed_at, columns, names))
        return n
    with _sqlite_bulk_write(rebuild_indexes=n >= REBUILD_INDEXES_ABOVE):
        if arrowdb.usable():
            return arrowdb.append(
                CustomerScore._meta.db_table, _arrow_frame(frame, computed_at), config.batch_size
            )
        for start in range(0, n, config.batch_size):
            insert_chunk(*_sqlite_chunk(frame.slice(start, config.batch_size), computed_at, columns))
    return n


def _arrow_frame(frame: pl.DataFrame, computed_at: dt.datetime) -> pl.DataFrame:
    """The score frame as SQLite stores it through Django: dates and the timestamp as Django's text,
    booleans as 0/1 (SCORE_FIELDS are the table's column names)."""
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    return frame.select(
        *[pl.col(c).dt.to_string("%Y-%m-%d") if c in DATES else pl.col(c) for c in SCORE_FIELDS[:-1]],
        pl.lit(stamp).alias("computed_at"),
    ).with_columns(
        pl.col("flagged").cast(pl.Int8),
        pl.col("worth_saving").cast(pl.Int8),
    )


# SQLite: a recompute writing at least this many rows drops the two list indexes (by segment and
# value, by risk) first and builds them again after the last chunk, which is about twice as fast as
# updating them row by row. Only readers' speed depends on them, never what they read, and a run
# that dies in between leaves them to the next recompute's ensure_list_indexes().
REBUILD_INDEXES_ABOVE = 200_000
LIST_INDEXES = ("score_segment_list", "score_at_risk_list")
WRITE_CACHE_KIB = 262_144  # SQLite page cache while writing: no spilling of dirty index pages


def _list_indexes() -> list:
    return [index for index in CustomerScore._meta.indexes if index.name in LIST_INDEXES]


def _index_sql(index) -> str:
    """The CREATE INDEX of a Meta index, as the migration made it (SQLite)."""
    qn = connection.ops.quote_name
    columns = []
    for name in index.fields:
        column = CustomerScore._meta.get_field(name.removeprefix("-")).column
        columns.append(qn(column) + (" DESC" if name.startswith("-") else ""))
    table = qn(CustomerScore._meta.db_table)
    return f"CREATE INDEX IF NOT EXISTS {qn(index.name)} ON {table} ({', '.join(columns)})"


def ensure_list_indexes() -> None:
    """Build whichever of the list indexes is missing (after a recompute died while writing)."""
    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, CustomerScore._meta.db_table)
        for index in _list_indexes():
            if index.name not in existing:
                cursor.execute(_index_sql(index))


@contextlib.contextmanager
def _sqlite_bulk_write(rebuild_indexes: bool):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
        try:
            if rebuild_indexes:
                for index in _list_indexes():
                    cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
            yield
        finally:
            try:
                if rebuild_indexes:
                    ensure_list_indexes()
            finally:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")


def _insert_sql(columns: dict, names: list[str]) -> str:
    ops = connection.ops
    table = ops.quote_name(CustomerScore._meta.db_table)
    quoted = ", ".join(ops.quote_name(columns.get(name.removesuffix("_id"), name)) for name in names)
    return f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608 model names


def _sqlite_chunk(chunk: pl.DataFrame, computed_at: dt.datetime, columns: dict) -> tuple[list, list]:
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    typed = chunk.with_columns(
        *[pl.col(c).dt.to_string("%Y-%m-%d") for c in DATES],
        pl.col("flagged").cast(pl.Int8),
        pl.col("worth_saving").cast(pl.Int8),
        pl.lit(stamp).alias("computed_at"),
    )
    # NaN binds as NULL in SQLite (sqlite3_bind_double stores NaN as NULL) and is ten times cheaper.
    floats = [c for c, t in typed.schema.items() if t == pl.Float64]
    typed = typed.with_columns(pl.col(floats).fill_null(float("nan")))
    unflagged = [c for c in SCORE_FIELDS if c != "churn_reason_data"]
    groups = [
        (SCORE_FIELDS, typed.filter(pl.col("has_data") & pl.col("churn_reason_data").is_not_null())),
        (unflagged, typed.filter(pl.col("has_data") & pl.col("churn_reason_data").is_null())),
        (NO_DATA_FIELDS, typed.filter(~pl.col("has_data"))),
    ]
    statements, batches = [], []
    for names, part in groups:
        if not part.is_empty():
            statements.append(_insert_sql(columns, names))
            batches.append(part.select(names).rows())
    return statements, batches


def _copy_chunk(chunk: pl.DataFrame, computed_at: dt.datetime, columns: dict, names: list[str]):
    ops = connection.ops
    table = ops.quote_name(CustomerScore._meta.db_table)
    quoted = ", ".join(ops.quote_name(columns.get(name.removesuffix("_id"), name)) for name in names)
    csv = chunk.with_columns(pl.lit(computed_at.isoformat()).alias("computed_at")).select(names)
    data = csv.write_csv(include_header=False, null_value="\\N", float_precision=None).encode()
    return [f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"], [data]


def insert_chunk(statements: list[str], batches: list) -> None:
    """One transaction: each statement with its batch (row tuples, or CSV bytes for a COPY)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, batch in zip(statements, batches, strict=True):
            if sql.startswith("COPY"):
                with cursor.cursor.copy(sql) as copy:
                    copy.write(batch)
            else:
                cursor.executemany(sql, batch)


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
