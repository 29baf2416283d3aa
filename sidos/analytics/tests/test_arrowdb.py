"""The ADBC helper path (arrowdb.py) against Django's connection, on a real SQLite file."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from sidos.analytics import arrowdb

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the ADBC path is SQLite's")


@pytest.fixture(scope="module")
def both_paths(tmp_path_factory):
    path = tmp_path_factory.mktemp("arrowdb") / "sidos.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "sidos.analytics.tests.filedb", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_recompute_on_a_database_file_uses_the_helper(both_paths):
    assert both_paths["arrow_used"] is True


def test_the_helper_reads_the_same_orders_and_customers_as_djangos_connection(both_paths):
    assert both_paths["orders"] > 100
    assert both_paths["orders_equal"] is True
    assert both_paths["ids"] is True


def test_the_helper_writes_the_same_scores_as_djangos_connection(both_paths):
    arrow, python = both_paths["arrow_scores"], both_paths["python_scores"]
    assert len(arrow) == len(python) == 60
    assert arrow == python
    assert sum(1 for row in arrow if row["segment"] == "no_data") == 5
    assert any(row["churn_reason_data"] for row in arrow)


def test_the_database_is_intact_after_both_paths(both_paths):
    assert both_paths["integrity"] == "ok"


def test_it_is_not_used_inside_a_transaction_or_on_an_in_memory_database(db):
    # The test database is in memory and each test runs inside a transaction.
    assert arrowdb.usable() is False


def test_parameters_outside_the_expected_alphabet_are_refused():
    assert arrowdb.literal("2024-12-31 22:00:00") == "'2024-12-31 22:00:00'"
    with pytest.raises(ValueError, match="unexpected characters"):
        arrowdb.literal("EUR'; DROP TABLE orders_order; --")


def test_a_failing_helper_reports_the_databases_error(tmp_path):
    database = tmp_path / "empty.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", arrowdb.HELPER, "read", str(database), str(tmp_path / "out.arrow")],
        input="SELECT missing FROM nowhere",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    with pytest.raises(arrowdb.HelperError, match="nowhere"):
        arrowdb._check(done.returncode, done.stderr)


@pytest.fixture(scope="module")
def killed_writer(tmp_path_factory):
    path = tmp_path_factory.mktemp("killed") / "sidos.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "sidos.analytics.tests.killedhelper", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_writer_killed_mid_write_leaves_the_previous_scores_current(killed_writer):
    assert killed_writer["killed"] is True, killed_writer
    assert 0 < killed_writer["rows_committed_at_kill"] < killed_writer["customers"]
    after = killed_writer["after_kill"]
    assert after["status"] == killed_writer["failed_status"]
    assert after["error"]  # the recompute reported the dead writer instead of finishing
    assert after["current_is_first"] is True
    assert after["current_scores"] == killed_writer["customers"]
    assert after["current_runs"] == [killed_writer["first_run"]]


def test_the_next_recompute_after_a_killed_writer_has_one_score_per_customer(killed_writer):
    again = killed_writer["after_rerun"]
    assert again["current_is_third"] is True
    assert again["third_rows"] == killed_writer["customers"]
    assert again["all_rows"] == killed_writer["customers"]  # the killed run's rows and the first's are gone
    assert killed_writer["integrity"] == "ok"
