"""The recompute on a real database: what it stores, edge cases, atomicity, re-running."""

import datetime as dt
import json
from io import StringIO
from unittest import mock

import polars as pl
import pytest
from django.core.management import call_command
from django.db import connection

from sidos.analytics import actions, scorestore
from sidos.analytics.models import AnalyticsRun, CustomerScore, RunStatus
from sidos.analytics.tests import factories
from sidos.analytics.tests.cdnow import CALIBRATION_END, HOLDOUT_END, sample_orders
from sidos.orders.models import Order

pytestmark = pytest.mark.django_db
# Dropping and rebuilding the list indexes around the bulk write is the SQLite path (_sqlite_bulk_write).
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite bulk-write path")
AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def shop(db):
    """Forty customers with varied histories, so every model can be fitted."""
    people = factories.customers(40)
    orders = []
    for i, person in enumerate(people):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=i * 3)
        for k in range(i % 6 + 1):
            orders.append(factories.order(person, start + dt.timedelta(days=k * (20 + i)), 10 + i + k))
    Order.objects.bulk_create(orders)
    return people


def run_json(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_it_scores_every_customer_and_makes_the_run_current(shop):
    run = actions.recompute(as_of=AS_OF)
    assert run.status == RunStatus.DONE and run.is_current
    assert CustomerScore.objects.filter(run=run).count() == len(shop)
    score = CustomerScore.objects.get(run=run, customer=shop[5])
    assert 0 <= score.p_alive <= 1 and 0 <= score.churn_risk <= 1
    assert score.clv is not None and 1 <= score.value_decile <= 10
    assert score.segment != "no_data"


def test_it_gives_a_customer_with_one_order_a_p_alive_below_one(shop):
    actions.recompute(as_of=AS_OF)
    score = CustomerScore.objects.get(customer=shop[0])
    assert score.purchases == 1 and score.frequency == 0
    assert score.p_alive < 1.0
    assert score.p_alive_bgnbd == 1.0


def test_it_gives_a_customer_whose_first_order_is_later_no_data_yet(shop):
    late = factories.customers(1, prefix="late")[0]
    factories.order(late, AS_OF + dt.timedelta(days=3)).save()
    actions.recompute(as_of=AS_OF)
    score = CustomerScore.objects.get(customer=late)
    assert score.segment == "no_data"
    assert score.p_alive is None and score.churn_risk is None and not score.flagged


def test_it_counts_same_day_orders_once_and_survives_zero_and_negative_amounts(shop):
    person = factories.customers(1, prefix="odd")[0]
    day = dt.date(2024, 1, 10)
    Order.objects.bulk_create(
        [
            factories.order(person, day, "10.00"),
            factories.order(person, day, "0.00"),
            factories.order(person, day + dt.timedelta(days=1), "-10.00"),
            factories.order(person, day + dt.timedelta(days=30), "0.00"),
        ]
    )
    actions.recompute(as_of=AS_OF)
    score = CustomerScore.objects.get(customer=person)
    assert score.purchases == 2
    assert score.revenue == 0
    assert score.expected_spend is not None


def test_it_records_an_empty_database_without_crashing(db):
    run = actions.recompute(as_of=AS_OF)
    assert run.status == RunStatus.DONE
    assert run.customers == 0 and run.params["models"]["bgnbd"]["error"]


def test_it_scores_customers_without_orders_as_no_data(db):
    factories.customers(3)
    run = actions.recompute(as_of=AS_OF)
    assert set(CustomerScore.objects.filter(run=run).values_list("segment", flat=True)) == {"no_data"}


def test_a_failure_mid_write_leaves_the_previous_run_current(shop, settings):
    settings.SIDOS_ANALYTICS_BATCH_SIZE = 10
    first = actions.recompute(as_of=AS_OF)
    real = scorestore.insert_chunk
    calls = []

    def failing(sql, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(sql, rows)

    with mock.patch.object(scorestore, "insert_chunk", side_effect=failing), pytest.raises(RuntimeError):
        actions.recompute(as_of=AS_OF + dt.timedelta(days=1))
    failed = AnalyticsRun.objects.exclude(pk=first.pk).get()
    assert failed.status == RunStatus.FAILED and "disk full" in failed.message
    assert AnalyticsRun.objects.current() == first
    from sidos.analytics import queries

    assert queries.current_scores().count() == len(shop)
    assert set(queries.current_scores().values_list("run_id", flat=True)) == {first.pk}


def test_re_running_after_a_failure_leaves_no_duplicates(shop, settings):
    settings.SIDOS_ANALYTICS_BATCH_SIZE = 10
    real = scorestore.insert_chunk
    calls = []

    def failing(sql, rows):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(sql, rows)

    with mock.patch.object(scorestore, "insert_chunk", side_effect=failing), pytest.raises(RuntimeError):
        actions.recompute(as_of=AS_OF)
    assert CustomerScore.objects.count() == 20  # two chunks were written before the crash
    run = actions.recompute(as_of=AS_OF)
    assert CustomerScore.objects.count() == len(shop)
    assert set(CustomerScore.objects.values_list("run_id", flat=True)) == {run.pk}


def test_a_second_recompute_replaces_the_first(shop):
    first = actions.recompute(as_of=AS_OF)
    second = actions.recompute(as_of=AS_OF)
    assert AnalyticsRun.objects.current() == second
    first.refresh_from_db()
    assert not first.is_current
    assert CustomerScore.objects.filter(run=first).count() == 0


def test_the_dashboard_report_is_stored_with_the_run(shop):
    run = actions.recompute(as_of=AS_OF)
    segments = run.report["segments"]
    assert sum(s["customers"] for s in segments) == len(shop)
    assert sum(s["revenue_share"] for s in segments) == pytest.approx(1.0, abs=0.01)
    assert run.report["cohorts"][0]["retention"][0] == 1.0
    assert len(run.report["value_distribution"]) == 10


@pytest.fixture
def cdnow_slice(db):
    """The first 400 CDNOW customers as Customer and Order rows (about 1,100 orders)."""
    orders = sample_orders().filter(pl.col("customer_id") <= 400)
    return factories.import_frame(orders)


def test_the_recompute_command_prints_the_fitted_models(cdnow_slice):
    summary = run_json("analytics-recompute", "--as-of", CALIBRATION_END.isoformat(), "--time-unit", "week")
    assert summary["customers"] == 400
    assert summary["time_unit"] == "week"
    assert set(summary["models"]["bgnbd"]) == {"r", "alpha", "a", "b", "loglik"}
    assert set(summary["models"]["gamma_gamma"]) == {"p", "q", "gamma", "loglik"}
    assert set(summary["models"]["mbgnbd"]) == {"r", "alpha", "a", "b", "loglik"}


def test_the_backtest_command_reports_holdout_accuracy(cdnow_slice):
    report = run_json(
        "analytics-backtest",
        "--calibration-end",
        CALIBRATION_END.isoformat(),
        "--holdout-end",
        HOLDOUT_END.isoformat(),
    )
    assert report["customers"] == 400
    assert report["holdout_actual"] > 0 and report["holdout_predicted"] > 0
    assert report["mae"] > 0
    assert {"churn_risk", "hiatus", "p_alive_bgnbd", "gap_ratio"} <= set(report["auc"])
    assert [row["frequency"] for row in report["by_frequency"]] == ["0", "1", "2", "3", "4", "5", "6", "7+"]


def test_the_backtest_command_refuses_a_holdout_before_the_calibration_end(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command_from_argv(
            ["analytics-backtest", "--calibration-end", "2024-05-01", "--holdout-end", "2024-04-01"]
        )
    assert exit_info.value.code == 2
    assert "holdout must end after" in capsys.readouterr().err


def test_the_backtest_command_refuses_a_date_it_cannot_read(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command_from_argv(
            ["analytics-backtest", "--calibration-end", "soon", "--holdout-end", "2024-04-01"]
        )
    assert exit_info.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def call_command_from_argv(argv):
    from django.core.management import load_command_class

    command = load_command_class("sidos.analytics", argv[0])
    command.run_from_argv(["sidos", *argv])


def list_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, CustomerScore._meta.db_table)
    return set(scorestore.LIST_INDEXES) & set(existing)


def test_a_large_write_rebuilds_the_list_indexes_and_writes_the_same_scores(shop, monkeypatch):
    plain = actions.recompute(as_of=AS_OF)
    expected = list(
        CustomerScore.objects.filter(run=plain)
        .order_by("customer_id")
        .values_list("customer_id", "segment", "clv", "churn_risk", "monetary", "churn_reason_data")
    )
    monkeypatch.setattr(scorestore, "REBUILD_INDEXES_ABOVE", 0)
    run = actions.recompute(as_of=AS_OF)
    got = list(
        CustomerScore.objects.filter(run=run)
        .order_by("customer_id")
        .values_list("customer_id", "segment", "clv", "churn_risk", "monetary", "churn_reason_data")
    )
    assert got == expected
    assert list_indexes() == set(scorestore.LIST_INDEXES)


@sqlite_only
def test_a_failure_while_the_list_indexes_are_dropped_restores_them(shop, settings, monkeypatch):
    settings.SIDOS_ANALYTICS_BATCH_SIZE = 10
    monkeypatch.setattr(scorestore, "REBUILD_INDEXES_ABOVE", 0)
    first = actions.recompute(as_of=AS_OF)
    real = scorestore.insert_chunk
    calls = []

    def failing(sql, rows):
        calls.append(1)
        assert not list_indexes()  # dropped while writing
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(sql, rows)

    with mock.patch.object(scorestore, "insert_chunk", side_effect=failing), pytest.raises(RuntimeError):
        actions.recompute(as_of=AS_OF + dt.timedelta(days=1))
    assert AnalyticsRun.objects.current() == first
    assert list_indexes() == set(scorestore.LIST_INDEXES)


@sqlite_only
def test_a_recompute_builds_list_indexes_a_killed_run_left_missing(shop):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "score_segment_list"')
    assert list_indexes() == {"score_at_risk_list"}
    actions.recompute(as_of=AS_OF)
    assert list_indexes() == set(scorestore.LIST_INDEXES)


def test_missing_values_are_stored_as_null(shop):
    run = actions.recompute(as_of=AS_OF)
    one_time = CustomerScore.objects.get(run=run, customer=shop[0])
    assert one_time.frequency == 0 and one_time.monetary is None
    assert CustomerScore.objects.filter(run=run, churn_reason_data__isnull=True).count() == (
        CustomerScore.objects.filter(run=run, flagged=False).count()
    )


def test_it_writes_one_audit_entry_naming_who_ran_it_and_how_many_customers(shop):
    from sidos.privacy.models import AuditEntry

    run = actions.recompute(as_of=AS_OF, actor="nightly task", channel="task")
    entry = AuditEntry.objects.get(target_type="analytics_run")
    assert entry.target_id == str(run.pk)
    assert entry.actor_label == "nightly task" and entry.channel == "task"
    assert entry.changes["customers"] == len(shop) == run.customers
    assert entry.changes["status"] == RunStatus.DONE
    assert f"{len(shop)} customers" in entry.summary


def test_the_recompute_command_audits_itself_as_the_command(shop):
    from sidos.privacy.models import AuditEntry

    run_json("analytics-recompute", "--as-of", AS_OF.isoformat())
    entry = AuditEntry.objects.get(target_type="analytics_run")
    assert entry.actor_label.startswith("analytics-recompute command") and entry.channel == "cli"


def test_a_failed_recompute_is_audited_as_failed(shop):
    from sidos.privacy.models import AuditEntry

    failing = mock.patch.object(actions, "write_scores", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        actions.recompute(as_of=AS_OF)
    entry = AuditEntry.objects.get(target_type="analytics_run")
    assert entry.changes["status"] == RunStatus.FAILED and "disk full" in entry.summary
