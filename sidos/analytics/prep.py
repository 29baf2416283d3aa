"""Orders → one summary row per customer, as of a date: the input of every model in this app.

Pure polars, no database: `sidos.analytics.orderdata` reads the orders table into the frame this
module expects, and the tests feed it CDNOW directly.

Input: a frame with `customer_id` (int), `day` (the order's local calendar date), `amount` (float;
null when the order is in another currency than the shop's default, see below) and `status`.

How orders count (the rules the docs and the tests hold us to):

* **Cancelled** orders never happened: they are dropped.
* A **purchase** is a *day* with at least one order that is not returned and has an amount ≥ 0.
  Several orders on one day are one purchase (BTYD models describe purchase occasions; a split
  basket is not a second visit). Its value is the sum of those orders' amounts.
* **Zero amounts** (free items, vouchers) are purchases worth 0: they count for frequency and lower
  the average spend.
* **Negative amounts** are refunds: not purchases, but they reduce the customer's net revenue and
  their return share (refunds / gross spend, capped at 1), by which expected spend is reduced.
* An order with status **returned** was undone as a whole: it is neither a purchase nor revenue.
* Orders in another currency than `SIDOS_DEFAULT_CURRENCY` count as purchases but carry no value
  (null) — there are no exchange rates in Sidos — so spend averages use the known values only.
* Only orders on or before the as-of date count. Customers whose first purchase is later have no
  row here; scoring gives them the "no data yet" result.

Output columns, per customer: `first`, `last` (dates), `purchases` (distinct purchase days),
`frequency` = purchases − 1 (repeat purchases, x), `recency` = t_x and `T` (time from the first
purchase to the last purchase / to the as-of date, in the time unit), `days_since_last`,
`monetary` (mean value of the *repeat* purchase days, as the Gamma-Gamma model wants; null for
one-time buyers), `gross` and `revenue` (gross spend, and net of refunds), `return_share`,
gap statistics (`gaps`, `median_gap`, `last_gap`), recent-versus-earlier counts and basket values
for the churn signals, and optionally `days` (the list of purchase days).
"""

import datetime as dt

import polars as pl

UNIT_DAYS = {"day": 1.0, "week": 7.0}
CANCELLED = "cancelled"
RETURNED = "returned"

SUMMARY_SCHEMA = {
    "customer_id": pl.Int64,
    "first": pl.Date,
    "last": pl.Date,
    "purchases": pl.UInt32,
    "frequency": pl.Int64,
    "recency": pl.Float64,
    "T": pl.Float64,
    "days_since_last": pl.Int64,
    "monetary": pl.Float64,
    "gross": pl.Float64,
    "revenue": pl.Float64,
    "return_share": pl.Float64,
    "gaps": pl.UInt32,
    "median_gap": pl.Float64,
    "last_gap": pl.Float64,
    "recent_purchases": pl.UInt32,
    "earlier_purchases": pl.UInt32,
    "recent_basket": pl.Float64,
    "earlier_basket": pl.Float64,
}


DAILY_SCHEMA = {
    "customer_id": pl.Int64,
    "day": pl.Date,
    "purchase": pl.Boolean,
    "value": pl.Float64,
    "refund": pl.Float64,
}


def is_daily(frame: pl.DataFrame | pl.LazyFrame) -> bool:
    return "purchase" in frame.collect_schema()


def daily(orders: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Orders → one row per customer and local day with an order that counts, sorted by both.

    Computed once per recompute or backtest; every summary and as-of date after it is a filter
    of this frame, not another pass over the orders. Columns: `purchase` (the day has an order
    that is a purchase: not returned, amount null or ≥ 0), `value` (the sum of that day's purchase
    amounts; null when none is known), `refund` (the sum of that day's negative amounts, 0 if none).
    Cancelled and returned orders are left out.
    """
    if is_daily(orders):
        return orders.lazy().collect() if isinstance(orders, pl.LazyFrame) else orders
    kept = (
        orders.lazy()
        .filter((pl.col("status") != CANCELLED) & (pl.col("status") != RETURNED))
        .select("customer_id", "day", "amount")
        .collect()
    )
    if kept.is_empty():
        return pl.DataFrame(schema=DAILY_SCHEMA)
    # Sorting by one integer key (customer, day) is several times faster than by two columns.
    low_id, high_id = kept["customer_id"].min(), kept["customer_id"].max()
    day = pl.col("day").cast(pl.Int32).cast(pl.Int64)
    low_day, high_day = kept.select(day.min()).item(), kept.select(day.max()).item()
    span = high_day - low_day + 1
    if (high_id - low_id + 1) * span >= 2**62:  # pragma: no cover - ids or dates too far apart
        grouped = kept.sort("customer_id", "day").lazy().group_by("customer_id", "day", maintain_order=True)
        return _days(grouped, []).select(list(DAILY_SCHEMA)).cast(DAILY_SCHEMA)
    key = (pl.col("customer_id") - low_id) * span + (day - low_day)
    kept = kept.with_columns(key=key).sort("key")
    # Most customer-days have one order: those rows are days as they are. Only the rest (7 % in
    # the benchmark's data) are grouped, and the two sorted parts merged, not sorted again.
    same = pl.col("key") == pl.col("key").shift(1)
    shared = (same | (pl.col("key") == pl.col("key").shift(-1))).fill_null(False)
    kept = kept.with_columns(shared=shared)
    singles = _one_order_days(kept.filter(~pl.col("shared")))
    several = kept.filter(pl.col("shared"))
    if not several.is_empty():
        grouped = several.lazy().group_by("key", maintain_order=True)
        days = _days(grouped, [pl.col("customer_id").first(), pl.col("day").first()])
        days = days.select("key", *DAILY_SCHEMA).cast(DAILY_SCHEMA)
        singles = singles.merge_sorted(days.with_columns(pl.col("key").set_sorted()), key="key")
    return singles.drop("key").with_columns(pl.col("customer_id").set_sorted())


def _days(grouped, first: list) -> pl.DataFrame:
    amount = pl.col("amount")
    return (
        grouped.agg(
            *first,
            purchase=(amount.is_null() | (amount >= 0)).any(),
            value=pl.when(amount >= 0).then(amount).sum(),
            known=(amount >= 0).any(),
            refund=pl.when(amount < 0).then(amount).sum(),
        )
        .with_columns(value=pl.when(pl.col("known")).then(pl.col("value")).otherwise(None))
        .collect()
    )


def _one_order_days(kept: pl.DataFrame) -> pl.DataFrame:
    """The days of orders sorted by `key`, no two on the same customer-day (key kept, sorted)."""
    amount = pl.col("amount")
    return kept.select(
        pl.col("key").set_sorted(),
        "customer_id",
        "day",
        purchase=amount.is_null() | (amount >= 0),
        value=pl.when(amount >= 0).then(amount),
        refund=pl.when(amount < 0).then(amount).otherwise(0.0),
    ).cast(DAILY_SCHEMA)


def purchase_days(orders: pl.DataFrame | pl.LazyFrame, as_of: dt.date) -> pl.LazyFrame:
    """One row per customer and purchase day up to the as-of date: customer_id, day, value.

    `orders` is an orders frame or its `daily()` frame (the same result, faster).
    """
    if is_daily(orders):
        return (
            orders.lazy()
            .filter((pl.col("day") <= as_of) & pl.col("purchase"))
            .select("customer_id", "day", "value")
        )
    return (
        orders.lazy()
        .filter(
            (pl.col("day") <= as_of)
            & (pl.col("status") != CANCELLED)
            & (pl.col("status") != RETURNED)
            & (pl.col("amount").is_null() | (pl.col("amount") >= 0))
        )
        .group_by("customer_id", "day")
        .agg(value=pl.col("amount").sum(), known=pl.col("amount").is_not_null().any())
        .with_columns(value=pl.when(pl.col("known")).then(pl.col("value")).otherwise(None))
        .drop("known")
    )


def summarise(
    orders: pl.DataFrame | pl.LazyFrame,
    as_of: dt.date,
    time_unit: str = "week",
    recent_days: int = 90,
    with_days: bool = False,
) -> pl.DataFrame:
    """The per-customer summary described in the module docstring, sorted by customer_id.

    `orders` is an orders frame or its `daily()` frame; pass the daily frame when summarising the
    same orders at several dates. `recent_days` is the window for the "falling frequency / basket"
    signals: purchases in the last `recent_days` days against the customer's rate before it.
    """
    unit = UNIT_DAYS[time_unit]
    days_frame = daily(orders).lazy().filter(pl.col("day") <= as_of)
    # Sorted by customer and day (daily() sorts): a purchase day's gap is the distance to the
    # previous purchase day of the same customer, and "repeat" means "not the customer's first".
    refunds = (
        days_frame.filter(pl.col("refund") != 0).group_by("customer_id").agg(refunds=pl.col("refund").sum())
    )
    recent_start = as_of - dt.timedelta(days=recent_days)
    same = pl.col("customer_id") == pl.col("customer_id").shift(1)
    days = (
        days_frame.filter(pl.col("purchase"))
        .select("customer_id", "day", "value")
        .with_columns(
            gap=pl.when(same).then((pl.col("day") - pl.col("day").shift(1)).dt.total_days()),
            repeat=same.fill_null(False),
            recent=pl.col("day") > recent_start,
        )
        .with_columns(pl.col("customer_id").set_sorted())
    )
    value = pl.col("value")
    # when/then rather than filter() inside the aggregation: the same means, much faster.
    aggregations = [
        pl.col("day").first().alias("first"),
        pl.col("day").last().alias("last"),
        pl.len().cast(pl.UInt32).alias("purchases"),
        pl.when(pl.col("repeat")).then(value).mean().alias("monetary"),
        value.sum().alias("gross"),
        pl.col("gap").count().cast(pl.UInt32).alias("gaps"),
        pl.col("gap").median().cast(pl.Float64).alias("median_gap"),
        pl.col("gap").last().cast(pl.Float64).alias("last_gap"),
        pl.col("recent").sum().cast(pl.UInt32).alias("recent_purchases"),
        (~pl.col("recent")).sum().cast(pl.UInt32).alias("earlier_purchases"),
        pl.when(pl.col("recent")).then(value).mean().alias("recent_basket"),
        pl.when(~pl.col("recent")).then(value).mean().alias("earlier_basket"),
    ]
    if with_days:
        aggregations.append(pl.col("day").alias("days"))
    summary = (
        days.group_by("customer_id", maintain_order=True)
        .agg(aggregations)
        .join(refunds, on="customer_id", how="left", maintain_order="left")
        .with_columns(
            frequency=(pl.col("purchases").cast(pl.Int64) - 1),
            recency=(pl.col("last") - pl.col("first")).dt.total_days() / unit,
            T=(pl.lit(as_of) - pl.col("first")).dt.total_days() / unit,
            days_since_last=(pl.lit(as_of) - pl.col("last")).dt.total_days(),
            revenue=pl.col("gross") + pl.col("refunds").fill_null(0.0),
            return_share=pl.when(pl.col("gross") > 0)
            .then((-pl.col("refunds").fill_null(0.0) / pl.col("gross")).clip(0.0, 1.0))
            .otherwise(0.0),
        )
        .drop("refunds")
        .sort("customer_id")
        .collect()
    )
    columns = list(SUMMARY_SCHEMA) + (["days"] if with_days else [])
    return summary.select(columns).cast({k: v for k, v in SUMMARY_SCHEMA.items()})


def empty_orders() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"customer_id": pl.Int64, "day": pl.Date, "amount": pl.Float64, "status": pl.String}
    )
