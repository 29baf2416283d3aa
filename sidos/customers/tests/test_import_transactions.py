"""An import's transaction spans SIDOS_IMPORT_BATCH_SIZE rows, written a chunk (CHUNK_ROWS) at a time."""

import csv
import gc

import pytest
from django.core.management import call_command
from django.db import connection

from sidos.customers import importing, importjob
from sidos.customers.models import Consent, ContactPoint, Customer, ImportRun
from sidos.customers.tests.importhelpers import run_command

pytestmark = pytest.mark.django_db

HEADER = "customer_id,first_name,last_name,email,marketing_email_consent\n"


def _rows(count: int, bad_line: int | None = None) -> str:
    # Line numbers: the header is line 1, customer n is on line n + 2.
    return "".join(
        f"{n},P{n},Q,{'not-an-address' if n + 2 == bad_line else f'p{n}@example.fi'},yes\n"
        for n in range(count)
    )


@pytest.fixture
def small_chunks(settings, monkeypatch):
    settings.SIDOS_IMPORT_BATCH_SIZE = 4
    monkeypatch.setattr(importjob, "CHUNK_ROWS", 2)


def _crash_on_flush(monkeypatch, failing_call: int) -> None:
    real_flush = importing._BatchWriter._flush
    calls = {"n": 0}

    def flaky_flush(self):
        calls["n"] += 1
        real_flush(self)
        if calls["n"] == failing_call:
            raise RuntimeError("disk full")

    monkeypatch.setattr(importing._BatchWriter, "_flush", flaky_flush)


def test_a_crash_in_a_later_chunk_rolls_back_the_whole_transaction(csv_file, small_chunks, monkeypatch):
    path = csv_file(HEADER + _rows(10))
    _crash_on_flush(monkeypatch, failing_call=4)  # the second chunk of the second transaction
    with pytest.raises(RuntimeError):
        call_command("import-customers", str(path))
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["0", "1", "2", "3"]
    assert (ContactPoint.objects.count(), Consent.objects.count()) == (4, 4)
    run = ImportRun.objects.get()
    assert (run.status, run.rows, run.created) == ("failed", 4, 4)
    assert gc.get_freeze_count() == 0  # what the import froze for the collector is collectable again


def test_a_rerun_after_a_crash_finishes_without_duplicates(csv_file, small_chunks, monkeypatch):
    path = csv_file(HEADER + _rows(10))
    _crash_on_flush(monkeypatch, failing_call=3)
    with pytest.raises(RuntimeError):
        call_command("import-customers", str(path))
    monkeypatch.undo()
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["created"], summary["unchanged"]) == (0, 6, 4)
    assert Customer.objects.count() == 10 and Consent.objects.count() == 10


def test_rows_of_one_transaction_see_each_other_across_chunks(csv_file, small_chunks):
    # Row 3 (second chunk) repeats row 0's customer_id: it updates the customer the first chunk created.
    path = csv_file(HEADER + "0,A,B,a@example.fi,\n1,C,D,,\n2,E,F,,\n0,A,B,,no\n")
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["created"], summary["updated"]) == (0, 3, 1)
    assert Customer.objects.get(external_id="0").marketing_email_consent is False


def test_rejected_rows_are_reported_once_their_transaction_commits(csv_file, small_chunks, monkeypatch):
    path = csv_file(HEADER + _rows(10, bad_line=3) + "11,X,Y,x@example.fi,maybe\n")
    _crash_on_flush(monkeypatch, failing_call=4)
    with pytest.raises(RuntimeError):
        call_command("import-customers", str(path))
    run = ImportRun.objects.get()
    with open(run.errors_path, encoding="utf-8", newline="") as handle:
        report = list(csv.reader(handle))
    # Line 3 was rejected in the committed first transaction; line 13 (bad consent) was never reached.
    assert [row[:2] for row in report[1:]] == [["3", "email"]]
    assert (run.rows, run.rejected) == (4, 1)  # the first transaction: lines 2-5

    monkeypatch.undo()
    status, summary, _out = run_command("import-customers", str(path))
    assert (status, summary["rows"], summary["rejected"]) == (1, 11, 2)
    assert Customer.objects.count() == 9


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
@pytest.mark.parametrize("crash", [False, True])
def test_an_import_has_a_bigger_page_cache_and_gives_it_back(csv_file, settings, monkeypatch, crash):
    settings.SIDOS_IMPORT_SQLITE_CACHE_MIB = 256
    before = _cache_size()
    seen = []
    real_flush = importing._BatchWriter._flush

    def watching_flush(self):
        seen.append(_cache_size())
        real_flush(self)
        if crash:
            raise RuntimeError("disk full")

    monkeypatch.setattr(importing._BatchWriter, "_flush", watching_flush)
    path = csv_file(HEADER + _rows(3))
    if crash:
        with pytest.raises(RuntimeError):
            call_command("import-customers", str(path))
    else:
        call_command("import-customers", str(path))
    assert seen == [-256 * 1024]  # negative: KiB
    assert _cache_size() == before != -256 * 1024
