"""Churn risk on CDNOW: calibration to 1997-09-30, holdout to 1998-06-30.

The weights are learnt on the calibration period only.
"""

import datetime as dt

import polars as pl
import pytest

from sidos.analytics import actions
from sidos.analytics.reasons import reason_text
from sidos.analytics.tests.cdnow import CALIBRATION_END, HOLDOUT_END, sample_orders


@pytest.fixture(scope="module")
def report(django_db_blocker):
    with django_db_blocker.unblock():
        return actions.backtest(
            CALIBRATION_END, HOLDOUT_END, time_unit="week", orders=sample_orders(), save=False
        )


def test_churn_risk_ranks_churners_better_than_hiatus_on_splits_inside_the_calibration_period():
    # Calibration data only: the last 91 / 120 days of the calibration period play the holdout.
    calibration = sample_orders().filter(pl.col("day") <= CALIBRATION_END)
    for days in (91, 120):
        start = CALIBRATION_END - dt.timedelta(days=days)
        inner = actions.backtest(start, CALIBRATION_END, time_unit="week", orders=calibration, save=False)
        assert inner["auc"]["churn_risk"] > inner["auc"]["hiatus"], (days, inner["auc"])


def test_churn_risk_ranks_holdout_churners_at_least_as_well_as_the_hiatus_baseline(report):
    auc = report["auc"]
    print("AUC", auc)  # pytest -s shows the figures
    assert auc["churn_risk"] >= auc["hiatus"]


def test_expected_purchases_rank_holdout_churners_better_than_hiatus(report):
    assert report["auc"]["expected_purchases"] > report["auc"]["hiatus"]


def test_bgnbd_p_alive_ranks_churners_worse_than_chance_because_of_one_time_buyers(report):
    assert report["auc"]["p_alive_bgnbd"] < 0.5
    assert report["auc"]["p_alive_mbgnbd"] > 0.5


def test_the_churn_weights_come_from_the_calibration_period(report):
    assert report["churn"]["fallback"] is False
    # The configured 180 days, capped at half the 272 days of calibration history: the holdout's
    # length (273 days) plays no part.
    assert report["churn_horizon_days"] == 136


def test_the_holdout_does_not_change_the_churn_score():
    # Two backtests with the same calibration end but different holdouts score identically.
    orders = sample_orders()
    short = actions.backtest(
        CALIBRATION_END, CALIBRATION_END + dt.timedelta(days=30), orders=orders, save=False
    )
    long = actions.backtest(CALIBRATION_END, HOLDOUT_END, orders=orders, save=False)
    assert short["churn"] == long["churn"]


def test_the_aggregate_holdout_forecast_is_in_the_right_range(report):
    assert 0.75 < report["holdout_predicted"] / report["holdout_actual"] < 1.1


def test_the_reason_reads_like_a_sentence():
    text = reason_text({"code": "gap", "params": {"gap": 24, "days": 83}})
    assert text == "usually orders every 24 days; 83 days since the last order"


def test_the_split_sample_is_everyone_when_small_and_the_same_customers_each_time_when_large():
    from sidos.analytics import churn

    daily = pl.DataFrame({"customer_id": list(range(1, 50_001))}, schema={"customer_id": pl.Int64})
    assert churn.sample_customers(daily, 50_000, size=50_000).height == 50_000
    first = churn.sample_customers(daily, 50_000, size=10_000)
    again = churn.sample_customers(daily, 50_000, size=10_000)
    assert first.equals(again)
    assert 9_000 < first.height < 11_000
