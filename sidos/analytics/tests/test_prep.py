"""How orders become purchases: the rules in prep.py's docstring, one per test."""

import datetime as dt

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from sidos.analytics import prep

AS_OF = dt.date(2024, 6, 30)


def frame(rows):
    """rows: (customer_id, "YYYY-MM-DD", amount or None, status)."""
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "day": [dt.date.fromisoformat(r[1]) for r in rows],
            "amount": [r[2] for r in rows],
            "status": [r[3] if len(r) > 3 else "completed" for r in rows],
        },
        schema={"customer_id": pl.Int64, "day": pl.Date, "amount": pl.Float64, "status": pl.String},
    )


def one(rows, **kwargs) -> dict:
    summary = prep.summarise(frame(rows), AS_OF, "day", **kwargs)
    assert len(summary) == 1
    return summary.row(0, named=True)


def test_it_counts_orders_on_one_day_as_one_purchase():
    row = one([(1, "2024-01-01", 10.0), (1, "2024-01-01", 5.0), (1, "2024-02-01", 20.0)])
    assert row["purchases"] == 2
    assert row["frequency"] == 1
    assert row["gross"] == 35.0
    assert row["monetary"] == 20.0


def test_it_gives_a_one_time_buyer_zero_frequency_and_no_repeat_spend():
    row = one([(1, "2024-03-01", 10.0)])
    assert row["frequency"] == 0
    assert row["recency"] == 0
    assert row["T"] == (AS_OF - dt.date(2024, 3, 1)).days
    assert row["monetary"] is None
    assert row["gaps"] == 0


def test_it_measures_recency_and_age_in_weeks():
    summary = prep.summarise(frame([(1, "2024-06-02", 1.0), (1, "2024-06-16", 1.0)]), AS_OF, "week")
    assert summary["recency"][0] == 2.0
    assert summary["T"][0] == 4.0


def test_it_leaves_out_cancelled_orders():
    row = one([(1, "2024-01-01", 10.0), (1, "2024-02-01", 50.0, "cancelled")])
    assert row["purchases"] == 1


def test_it_counts_a_zero_amount_order_as_a_purchase_worth_nothing():
    row = one([(1, "2024-01-01", 10.0), (1, "2024-02-01", 0.0)])
    assert row["purchases"] == 2
    assert row["monetary"] == 0.0


def test_it_nets_refunds_against_revenue_without_counting_them_as_purchases():
    row = one([(1, "2024-01-01", 100.0), (1, "2024-01-05", -25.0), (1, "2024-02-01", 100.0)])
    assert row["purchases"] == 2
    assert row["gross"] == 200.0
    assert row["revenue"] == 175.0
    assert row["return_share"] == 0.125


def test_it_ignores_a_returned_order_entirely():
    row = one([(1, "2024-01-01", 100.0), (1, "2024-02-01", 60.0, "returned")])
    assert row["purchases"] == 1
    assert row["revenue"] == 100.0


def test_it_counts_foreign_currency_orders_without_a_value():
    row = one([(1, "2024-01-01", 100.0), (1, "2024-02-01", None)])
    assert row["purchases"] == 2
    assert row["monetary"] is None
    assert row["gross"] == 100.0


def test_it_leaves_out_customers_whose_first_order_is_after_the_as_of_date():
    summary = prep.summarise(frame([(1, "2024-01-01", 1.0), (2, "2024-07-15", 1.0)]), AS_OF, "day")
    assert summary["customer_id"].to_list() == [1]


def test_it_ignores_orders_after_the_as_of_date():
    row = one([(1, "2024-01-01", 1.0), (1, "2024-07-15", 1.0)])
    assert row["purchases"] == 1


def test_it_summarises_no_orders_as_an_empty_frame():
    summary = prep.summarise(prep.empty_orders(), AS_OF, "week")
    assert summary.is_empty()


def test_it_measures_the_usual_gap_between_purchases():
    row = one(
        [(1, "2024-01-01", 1.0), (1, "2024-01-11", 1.0), (1, "2024-01-31", 1.0), (1, "2024-02-10", 1.0)]
    )
    assert row["gaps"] == 3
    assert row["median_gap"] == 10.0
    assert row["last_gap"] == 10.0


def test_it_can_list_the_purchase_days():
    summary = prep.summarise(
        frame([(1, "2024-01-01", 1.0), (1, "2024-01-01", 1.0), (1, "2024-01-03", 1.0)]),
        AS_OF,
        "day",
        with_days=True,
    )
    assert summary["days"][0].to_list() == [dt.date(2024, 1, 1), dt.date(2024, 1, 3)]


def test_daily_gives_what_a_plain_group_by_customer_and_day_gives():
    rng = np.random.default_rng(3)
    n = 3000
    orders = pl.DataFrame(
        {
            # Few customers and days: many customer-days with several orders, many with one.
            "customer_id": rng.integers(1, 200, n),
            "day": [dt.date(2023, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 200, n)],
            "amount": [
                None if k % 17 == 0 else float(a) for k, a in enumerate(rng.normal(30, 25, n).round(2))
            ],
            "status": [
                "returned" if k % 23 == 0 else "cancelled" if k % 29 == 0 else "completed" for k in range(n)
            ],
        },
        schema={"customer_id": pl.Int64, "day": pl.Date, "amount": pl.Float64, "status": pl.String},
    )
    amount = pl.col("amount")
    expected = (
        orders.filter(~pl.col("status").is_in(["returned", "cancelled"]))
        .group_by("customer_id", "day")
        .agg(
            purchase=(amount.is_null() | (amount >= 0)).any(),
            value=pl.when(amount >= 0).then(amount).sum(),
            known=(amount >= 0).any(),
            refund=pl.when(amount < 0).then(amount).sum(),
        )
        .with_columns(value=pl.when(pl.col("known")).then(pl.col("value")))
        .drop("known")
        .sort("customer_id", "day")
    )
    result = prep.daily(orders)
    counts = orders.group_by("customer_id", "day").len()["len"]
    assert (counts == 1).any() and (counts > 1).any()  # both paths of daily() ran
    assert_frame_equal(result, expected.cast(prep.DAILY_SCHEMA))
    assert result["customer_id"].flags["SORTED_ASC"]


def test_cohort_retention_counts_each_customer_once_per_month_from_their_first_month():
    from sidos.analytics import reports

    rows = [
        (1, "2024-01-03", 10.0),
        (1, "2024-01-20", 10.0),  # the same month again: still one customer in month 0
        (1, "2024-03-01", 10.0),
        (2, "2024-01-15", 10.0),
        (2, "2024-02-15", 10.0),
        (3, "2024-02-10", 10.0),
        (3, "2024-02-11", 10.0, "returned"),
    ]
    orders = frame(rows)
    for source in (orders, prep.daily(orders)):
        january, february = reports.cohorts(source, AS_OF)
        assert january["cohort"] == "2024-01" and january["customers"] == 2
        assert january["retention"][:4] == [1.0, 0.5, 0.5, 0.0]
        assert february["customers"] == 1 and february["retention"][:2] == [1.0, 0.0]
