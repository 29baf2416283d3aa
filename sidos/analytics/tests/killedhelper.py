"""Run by test_arrowdb.py in its own process: a recompute whose ADBC writer is killed (SIGKILL) after it
has committed some of its transactions and before the last, then the recovery.

    python -m sidos.analytics.tests.killedhelper DATABASE_FILE   → one line of JSON on stdout

The writer is a child process (arrowdb.append → `python -m sidos.analytics.arrowhelper append …`). To
kill it part-way through on any machine, however loaded, it is stopped (SIGSTOP) as soon as it appears,
then let run a few milliseconds at a time until the database shows some of its rows committed, and only
then killed: what is tested is the state a real kill mid-write leaves, not a lucky moment.
"""

import datetime as dt
import json
import os
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

CUSTOMERS = 2000
BATCH = 50  # 40 transactions to kill the writer in the middle of


def _writer_pid() -> int | None:
    me = os.getpid()
    for task in Path(f"/proc/{me}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"sidos.analytics.arrowhelper" in command and b"append" in command:
                return int(child)
    return None


def _committed(path: str, run_id: int) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        sql = "SELECT COUNT(*) FROM analytics_customerscore WHERE run_id = ?"
        return db.execute(sql, (run_id,)).fetchone()[0]


def _kill_part_way(path: str, deadline: float) -> dict:
    """Wait for the writer, then kill it once some but not all of its rows are committed."""
    while (pid := _writer_pid()) is None:
        if time.monotonic() > deadline:
            return {"killed": False, "why": "no writer appeared"}
        time.sleep(0.001)
    os.kill(pid, signal.SIGSTOP)
    with sqlite3.connect(path, timeout=30) as db:
        run_id = db.execute("SELECT MAX(id) FROM analytics_analyticsrun").fetchone()[0]
    while time.monotonic() < deadline:
        written = _committed(path, run_id)
        if 0 < written < CUSTOMERS:
            os.kill(pid, signal.SIGKILL)
            return {"killed": True, "rows_committed_at_kill": written}
        if written >= CUSTOMERS:
            return {"killed": False, "why": "the writer finished before it could be caught"}
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.002)
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            return {"killed": False, "why": "the writer exited"}
    return {"killed": False, "why": "deadline"}


def main(path: str) -> None:
    os.environ.update(
        {
            "SIDOS_DATABASE_URL": f"sqlite:///{path}",
            "SIDOS_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "sidos.settings",
            "SIDOS_ANALYTICS_ARROW": "1",
            "SIDOS_ANALYTICS_BATCH_SIZE": str(BATCH),
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sidos.analytics import actions, arrowdb, queries
    from sidos.analytics.models import AnalyticsRun, CustomerScore, RunStatus
    from sidos.analytics.tests import factories
    from sidos.orders.models import Order

    people = factories.customers(CUSTOMERS)
    start = dt.date(2023, 1, 1)
    Order.objects.bulk_create(
        factories.order(person, start + dt.timedelta(days=(i * 7 + k * 40) % 500), 10 + k)
        for i, person in enumerate(people)
        for k in range(i % 4 + 1)
    )
    as_of = dt.date(2024, 6, 30)
    assert arrowdb.usable()
    first = actions.recompute(as_of=as_of)

    outcome: dict = {}
    failure: list[str] = []

    def second_recompute():
        try:
            actions.recompute(as_of=as_of + dt.timedelta(days=1))
        except Exception as error:  # the killed writer surfaces here
            failure.append(f"{type(error).__name__}: {error}")

    thread = threading.Thread(target=second_recompute)
    thread.start()
    outcome = _kill_part_way(path, time.monotonic() + 120)
    thread.join(timeout=300)
    killed_run = AnalyticsRun.objects.exclude(pk=first.pk).get()
    after_kill = {
        "status": killed_run.status,
        "current_is_first": AnalyticsRun.objects.current() == first,
        "current_scores": queries.current_scores().count(),
        "current_runs": sorted(set(queries.current_scores().values_list("run_id", flat=True))),
        "killed_run_rows": CustomerScore.objects.filter(run=killed_run).count(),
        "error": failure[0] if failure else "",
    }
    third = actions.recompute(as_of=as_of + dt.timedelta(days=1))
    with sqlite3.connect(path) as db:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    print(
        json.dumps(
            {
                **outcome,
                "customers": CUSTOMERS,
                "first_run": first.pk,
                "failed_status": RunStatus.FAILED,
                "after_kill": after_kill,
                "after_rerun": {
                    "current_is_third": AnalyticsRun.objects.current() == third,
                    "third_rows": CustomerScore.objects.filter(run=third).count(),
                    "all_rows": CustomerScore.objects.count(),
                },
                "integrity": integrity,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
