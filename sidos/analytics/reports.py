"""Aggregates the dashboard shows, computed once per recompute and stored on the run (JSON)."""

import datetime as dt

import numpy as np
import polars as pl

from sidos.analytics import prep
from sidos.analytics.rfm import Segment

COHORT_MONTHS = 12
COHORTS = 12


def segments(scores: pl.DataFrame, summary: pl.DataFrame, no_data: int) -> list[dict]:
    joined = scores.select("customer_id", "segment", "clv").join(
        summary.select("customer_id", "revenue"), on="customer_id", how="left"
    )
    total = float(joined["revenue"].sum() or 0.0)
    stats = {
        row["segment"]: row
        for row in joined.group_by("segment")
        .agg(customers=pl.len(), revenue=pl.col("revenue").sum(), clv=pl.col("clv").sum())
        .to_dicts()
    }
    rows = []
    for segment in Segment:
        row = stats.get(segment.value, {"customers": 0, "revenue": 0.0, "clv": 0.0})
        customers = no_data if segment == Segment.NO_DATA else int(row["customers"])
        revenue = float(row["revenue"] or 0.0)
        rows.append(
            {
                "segment": segment.value,
                "customers": customers,
                "revenue": round(revenue, 2),
                "revenue_share": round(revenue / total, 4) if total > 0 else 0.0,
                "clv": round(float(row["clv"] or 0.0), 2),
            }
        )
    return rows


def value_distribution(scores: pl.DataFrame) -> list[dict]:
    """Per value decile (profitability class): customers, total and range of lifetime value."""
    if scores.is_empty():
        return []
    stats = (
        scores.group_by("value_decile")
        .agg(customers=pl.len(), clv=pl.col("clv").sum(), low=pl.col("clv").min(), high=pl.col("clv").max())
        .sort("value_decile")
    )
    total = float(stats["clv"].sum() or 0.0)
    return [
        {
            "decile": int(row["value_decile"]),
            "customers": int(row["customers"]),
            "clv": round(float(row["clv"] or 0), 2),
            "share": round(float(row["clv"] or 0) / total, 4) if total > 0 else 0.0,
            "low": round(float(row["low"] or 0), 2),
            "high": round(float(row["high"] or 0), 2),
        }
        for row in stats.to_dicts()
    ]


def cohorts(orders, as_of: dt.date) -> list[dict]:
    """Share of each first-purchase-month cohort that bought again k months later (k = 0…11)."""
    days = prep.purchase_days(orders, as_of).select("customer_id", "day")
    if not prep.is_daily(orders):  # a daily frame is sorted by customer and day already
        days = days.sort("customer_id", "day")
    # One row per customer and month with a purchase; then each (cohort, offset) counts rows. In
    # customer-and-day order that is a row whose customer or month differs from the row before, and
    # the cohort is the month of the customer's first row: no hashing of ten million rows.
    new_customer = pl.col("customer_id").diff().fill_null(1) != 0
    monthly = (
        days.select("customer_id", month=pl.col("day").dt.year() * 12 + pl.col("day").dt.month() - 1)
        .filter(new_customer | (pl.col("month").diff().fill_null(1) != 0))
        .with_columns(cohort=pl.when(new_customer).then(pl.col("month")).forward_fill())
    )
    active = (
        monthly.with_columns(offset=pl.col("month") - pl.col("cohort"))
        .filter(pl.col("offset") < COHORT_MONTHS)
        .group_by("cohort", "offset")
        .agg(customers=pl.len())
        .collect()
    )
    if active.is_empty():
        return []
    sizes = dict(active.filter(pl.col("offset") == 0).select("cohort", "customers").iter_rows())
    last_month = as_of.year * 12 + as_of.month - 1
    rows = []
    for cohort in sorted(sizes)[-COHORTS:]:
        counts = dict(active.filter(pl.col("cohort") == cohort).select("offset", "customers").iter_rows())
        size = sizes[cohort]
        observable = min(COHORT_MONTHS, last_month - cohort + 1)
        rows.append(
            {
                "cohort": f"{cohort // 12:04d}-{cohort % 12 + 1:02d}",
                "customers": int(size),
                # None for months that have not happened yet, so the table can leave them blank.
                "retention": [
                    round(counts.get(k, 0) / size, 4) if k < observable else None
                    for k in range(COHORT_MONTHS)
                ],
            }
        )
    return rows


def build(scores: pl.DataFrame, summary: pl.DataFrame, orders, as_of: dt.date, no_data: int) -> dict:
    flagged = scores.filter(pl.col("flagged")) if not scores.is_empty() else scores
    return {
        "segments": segments(scores, summary, no_data),
        "value_distribution": value_distribution(scores),
        "cohorts": cohorts(orders, as_of),
        "flagged": int(len(flagged)),
        "worth_saving": int(scores["worth_saving"].sum()) if not scores.is_empty() else 0,
        "total_clv": round(float(np.nan_to_num(scores["clv"].sum())) if not scores.is_empty() else 0.0, 2),
    }
