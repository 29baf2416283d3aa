"""How a run's scores get into the CustomerScore table, fast: the mechanics behind actions.recompute().

One row per customer, built as a polars frame (`_score_frame`) and written in chunks of
SIDOS_ANALYTICS_BATCH_SIZE, each chunk its own transaction (see actions.py for why a reader never
sees half-written scores). Three ways in, by database: PostgreSQL `COPY … FROM STDIN`; SQLite
through the ADBC helper (arrowdb.py) where it can be used; else SQLite `executemany`.
"""

import contextlib
import datetime as dt

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from sidos.analytics import arrowdb, scoring
from sidos.analytics.models import AnalyticsRun, CustomerScore
from sidos.analytics.rfm import Segment

MONEY = ("monetary", "revenue", "expected_spend", "clv", "value_at_risk")


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
