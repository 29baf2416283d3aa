"""Reading the orders table into the polars frame prep.py expects — fast enough for 10M orders.

The ORM would build a Decimal and an aware datetime per row; at ten million orders that alone takes
minutes. One raw SELECT of four plain columns (epoch seconds, float amount) is read instead:

* SQLite: Arrow columns through ADBC (arrowdb.py) when Django's connection holds no transaction;
  else `fetchmany` in chunks, each chunk of row tuples turned into columns by polars (in Rust).
  The time filter is written `+ordered_at < …` so SQLite scans the table in storage order instead of
  walking the `ordered_at` index and looking every row up (2.5× slower when most rows qualify).
* PostgreSQL: `COPY (SELECT …) TO STDOUT` in CSV, parsed by polars' CSV reader.

Epoch seconds become local calendar dates (settings.TIME_ZONE) in `local_days`.
"""

import datetime as dt
import io
import itertools
import os
import sqlite3

import numpy as np
import polars as pl
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sidos.analytics import arrowdb, prep
from sidos.customers.models import Customer
from sidos.orders.models import Order, OrderStatus

CHUNK = 100_000
READERS = max(1, min(4, os.cpu_count() or 1))  # ADBC helpers reading the orders at once…
ROWS_PER_READER = 100_000  # …each with at least this many rows (a helper takes ~0.3 s to start)
# The order statuses prep.py tells apart; every other status reads as "ok".
STATUS = pl.Enum(["ok", OrderStatus.RETURNED.value, OrderStatus.CANCELLED.value])
RAW_SCHEMA = {"customer_id": pl.Int64, "stamp": pl.Int64, "amount": pl.Float64, "returned": pl.Boolean}


def _end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the shop's time zone: orders before it count."""
    tz = timezone.get_default_timezone()
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)


def load(up_to: dt.date) -> pl.DataFrame:
    """Every order up to the end of the local day `up_to`, cancelled ones left out."""
    table = connection.ops.quote_name(Order._meta.db_table)
    end = connection.ops.adapt_datetimefield_value(_end_of_day(up_to))
    params = [settings.SIDOS_DEFAULT_CURRENCY, OrderStatus.RETURNED, end, OrderStatus.CANCELLED]
    # No exchange rates in Sidos: other currencies count as purchases without a value (prep.py).
    if connection.vendor == "postgresql":
        sql = (
            "SELECT customer_id, floor(EXTRACT(EPOCH FROM ordered_at))::bigint, "  # noqa: S608 no user input
            "CASE WHEN currency = %s THEN amount::float8 END, (status = %s)::int "
            f"FROM {table} WHERE ordered_at < %s AND status <> %s"
        )
        raw = _read_postgresql(sql, params)
    elif connection.vendor == "sqlite":
        # Django stores UTC text; unixepoch() (SQLite 3.38+, twice as fast as strftime('%s')) reads
        # it as whole epoch seconds.
        seconds = (
            "unixepoch(ordered_at)"
            if sqlite3.sqlite_version_info >= (3, 38)
            else ("CAST(strftime('%%s', ordered_at) AS INTEGER)")
        )
        if arrowdb.usable():
            raw = _read_arrow(table, seconds, params)
        else:
            sql = (
                f"SELECT customer_id, {seconds}, "  # noqa: S608 no user input
                "CASE WHEN currency = %s THEN CAST(amount AS REAL) END, status = %s "
                f"FROM {table} WHERE +ordered_at < %s AND status <> %s"
            )
            raw = _read_rows(sql, params)
    else:  # pragma: no cover - Sidos supports SQLite and PostgreSQL
        raise NotImplementedError(connection.vendor)
    if raw.is_empty():
        return prep.empty_orders()
    return raw.select(
        "customer_id",
        day=pl.Series(local_days(raw["stamp"].to_numpy()), dtype=pl.Int32).cast(pl.Date),
        amount="amount",
        status=pl.when(pl.col("returned"))
        .then(pl.lit(OrderStatus.RETURNED.value, dtype=STATUS))
        .otherwise(pl.lit("ok", dtype=STATUS)),
    )


def _read_arrow(table: str, seconds: str, params: list) -> pl.DataFrame:
    """The same frame as _read_rows, read as Arrow columns (arrowdb.py): no NULL is selected (the
    driver infers types from the first rows), the currency test comes back as a flag instead."""
    currency, returned, end, cancelled = (arrowdb.literal(p) for p in params)
    sql = (
        f"SELECT customer_id, {seconds} AS stamp, CAST(amount AS REAL) AS amount, "  # noqa: S608 no user input
        f"currency = {currency} AS known, status = {returned} AS returned "
        f"FROM {table} WHERE +ordered_at < {end} AND status <> {cancelled}"
    ).replace("%%", "%")
    # One reader per core, each over its own range of row ids (a range of the primary key, which
    # SQLite reads as a slice of the table), in id order, as a single scan would return them.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608 no user input
        low, high = cursor.fetchone()
    if low is None:
        return pl.DataFrame(schema=RAW_SCHEMA)
    parts = max(1, min(READERS, (high - low + 1) // ROWS_PER_READER))
    bounds = [low + (high - low + 1) * k // parts for k in range(parts + 1)]
    frame = arrowdb.read(
        *[f"{sql} AND id >= {int(a)} AND id < {int(b)}" for a, b in itertools.pairwise(bounds)]
    )
    if frame.is_empty():
        return pl.DataFrame(schema=RAW_SCHEMA)
    return frame.select(
        pl.col("customer_id").cast(pl.Int64),
        pl.col("stamp").cast(pl.Int64),
        pl.when(pl.col("known") == 1).then(pl.col("amount").cast(pl.Float64)).alias("amount"),
        (pl.col("returned") == 1).alias("returned"),
    )


def _read_rows(sql: str, params: list) -> pl.DataFrame:
    frames = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            frames.append(pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row"))
    return pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)


def _read_postgresql(sql: str, params: list) -> pl.DataFrame:
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not hasattr(raw, "copy"):  # pragma: no cover - psycopg 2
            return _read_rows(sql, params)
        query = raw.mogrify(sql, params) if hasattr(raw, "mogrify") else sql
        with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    if buffer.tell() == 0:
        return pl.DataFrame(schema=RAW_SCHEMA)
    buffer.seek(0)
    frame = pl.read_csv(
        buffer,
        has_header=False,
        new_columns=list(RAW_SCHEMA),
        schema_overrides={**RAW_SCHEMA, "returned": pl.Int8},
    )
    return frame.with_columns(pl.col("returned").cast(pl.Boolean))


def local_days(stamps: np.ndarray) -> np.ndarray:
    """Epoch seconds → days since 1970-01-01 of the local date in settings.TIME_ZONE.

    The same dates as polars' convert_time_zone(...).dt.date() (which it uses, on a small grid),
    without converting every row: the UTC offset is constant between the zone's transitions, so
    they are found (on an hourly grid, then to the second) and each stamp is shifted by the offset
    of its interval.
    """
    stamps = np.asarray(stamps, dtype=np.int64)
    if stamps.size == 0:
        return np.zeros(0, dtype=np.int32)
    low, high = int(stamps.min()), int(stamps.max())
    grid = np.arange(low - low % 3600, high + 3601, 3600, dtype=np.int64)
    offsets = _offsets(grid)
    changes = np.flatnonzero(np.diff(offsets))
    edges, values = [], [offsets[0]]
    for i in changes.tolist():
        # The exact second of the change within (grid[i], grid[i + 1]].
        seconds = np.arange(grid[i] + 1, grid[i + 1] + 1, dtype=np.int64)
        first_new = int(np.argmax(_offsets(seconds) != offsets[i]))
        edges.append(seconds[first_new])
        values.append(offsets[i + 1])
    interval = np.searchsorted(np.asarray(edges, dtype=np.int64), stamps, side="right")
    return ((stamps + np.asarray(values, dtype=np.int64)[interval]) // 86400).astype(np.int32)


def _offsets(stamps: np.ndarray) -> np.ndarray:
    """UTC offset in seconds at each epoch second, per the time-zone data polars uses."""
    utc = pl.from_epoch(pl.Series(stamps), time_unit="s")
    local = (
        utc.dt.replace_time_zone("UTC").dt.convert_time_zone(settings.TIME_ZONE).dt.replace_time_zone(None)
    )
    return (local - utc).dt.total_seconds().to_numpy().astype(np.int64)


def customer_ids() -> np.ndarray:
    table = connection.ops.quote_name(Customer._meta.db_table)
    if connection.vendor == "sqlite":
        # One string of every id, split by polars: a million ids without a million row tuples.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT group_concat(id, char(10)) FROM {table}")  # noqa: S608 no user input
            text = cursor.fetchone()[0]
        if not text:
            return np.zeros(0, dtype=np.int64)
        return pl.Series([text]).str.split("\n").explode().cast(pl.Int64).to_numpy().astype(np.int64)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608 no user input
        ids = [row[0] for row in cursor.fetchall()]
    return np.asarray(ids, dtype=np.int64)
