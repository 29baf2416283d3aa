import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_tasks_db.models import DBTaskResult

from sidos.accounts.models import ScheduledRun
from sidos.accounts.scheduler import JOBS, Job, Scheduler, active_schedules
from sidos.lib.schedule import Daily, Every

SLA = Job("servicedesk-sla", "sidos.servicedesk.tasks.sla_sweep", "SIDOS_SCHEDULE_SLA")
ANALYTICS = Job("analytics-recompute", "sidos.analytics.tasks.recompute_scores", "SIDOS_SCHEDULE_ANALYTICS")
SLA_PATH = "sidos.servicedesk.tasks.sla_sweep"


def test_settings_choose_the_schedules(settings):
    settings.SIDOS_SCHEDULE_ANALYTICS = "03:15"
    settings.SIDOS_SCHEDULE_SLA = "2m"
    settings.SIDOS_SCHEDULE_OUTBOX = "off"
    settings.SIDOS_SCHEDULE_RETENTION = "off"
    settings.SIDOS_SCHEDULE_LISTENING = "off"
    settings.SIDOS_IMAP_URL = ""  # mail-poll stays off without a mailbox, whatever its schedule says
    schedules = dict((job.name, when) for job, when in active_schedules())
    assert set(schedules) == {"analytics-recompute", "servicedesk-sla", "surveys-send-due"}
    assert schedules["servicedesk-sla"] == Every(120)
    assert isinstance(schedules["analytics-recompute"], Daily)
    settings.SIDOS_IMAP_URL = "imaps://user:pw@127.0.0.1:993/INBOX"
    assert "mail-poll" in dict((job.name, when) for job, when in active_schedules())
    assert {job.name for job in JOBS} >= {"mail-poll", "mail-send-due"}


def test_a_bad_schedule_setting_is_named(settings):
    settings.SIDOS_SCHEDULE_SLA = "every now and then"
    with pytest.raises(ImproperlyConfigured, match="SIDOS_SCHEDULE_SLA"):
        active_schedules()


@pytest.mark.django_db
def test_each_slot_is_enqueued_once_and_the_next_slot_again():
    scheduler = Scheduler([(SLA, Every(300))])
    start = datetime(2026, 12, 2, 15, 0, 10, tzinfo=UTC)
    assert scheduler.run_pending(start) == ["servicedesk-sla"]
    assert scheduler.run_pending(start + timedelta(seconds=200)) == []
    assert scheduler.run_pending(start + timedelta(seconds=300)) == ["servicedesk-sla"]
    runs = list(ScheduledRun.objects.order_by("slot"))
    assert [run.slot for run in runs] == [
        datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 15, 5, tzinfo=UTC),
    ]
    tasks = DBTaskResult.objects.filter(task_path=SLA_PATH)
    assert sorted(str(pk) for pk in tasks.values_list("id", flat=True)) == sorted(run.task_id for run in runs)


@pytest.mark.django_db
def test_a_missed_nightly_slot_runs_once_on_start_up():
    from zoneinfo import ZoneInfo

    nightly = Daily(datetime(2000, 1, 1, 2, 30).time(), ZoneInfo("Europe/Helsinki"))
    # The last run was a week ago; the worker was down since.
    ScheduledRun.objects.create(job=ANALYTICS.name, slot=datetime(2026, 11, 25, 0, 30, tzinfo=UTC))
    restarted = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    first = Scheduler([(ANALYTICS, nightly)])
    assert first.run_pending(restarted) == ["analytics-recompute"]
    # A second worker starting minutes later, or the same one ticking on, finds the night taken.
    assert Scheduler([(ANALYTICS, nightly)]).run_pending(restarted + timedelta(minutes=5)) == []
    assert first.run_pending(restarted + timedelta(hours=15)) == []
    assert ScheduledRun.objects.filter(job=ANALYTICS.name).count() == 2
    assert DBTaskResult.objects.filter(task_path="sidos.analytics.tasks.recompute_scores").count() == 1
    # The next night is a new slot.
    assert first.run_pending(datetime(2026, 12, 3, 0, 30, tzinfo=UTC)) == ["analytics-recompute"]


@pytest.mark.django_db(transaction=True)
def test_racing_schedulers_enqueue_a_slot_once():
    """Four schedulers, each on its own thread and database connection, hit the same slots at once."""
    now = datetime(2026, 12, 2, 15, 0, 10, tzinfo=UTC)
    barrier = threading.Barrier(4)
    enqueued: list[str] = []
    errors: list[BaseException] = []

    def race(worker: str):
        scheduler = Scheduler([(SLA, Every(60)), (ANALYTICS, Every(3600))], worker=worker)
        try:
            barrier.wait(timeout=30)
            # Tight ticks until both slots are taken. A locked database only postpones a slot to the next
            # tick (the in-memory SQLite test database reports locks at once instead of waiting), so the
            # race runs against a deadline, not a tick count: on a loaded machine four threads can keep
            # locking each other out for a while. The random pause grows so that they fall out of step.
            deadline = time.monotonic() + 45
            pause = 0.005
            while len(set(enqueued)) < 2 and time.monotonic() < deadline:
                enqueued.extend(scheduler.run_pending(now))
                time.sleep(random.random() * pause)
                pause = min(pause * 1.5, 0.25)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors
    assert sorted(enqueued) == ["analytics-recompute", "servicedesk-sla"]
    assert ScheduledRun.objects.count() == 2
    assert DBTaskResult.objects.filter(task_path=SLA_PATH).count() == 1
    assert DBTaskResult.objects.filter(task_path=ANALYTICS.task_path).count() == 1


def _database_url_for_worker(tmp_path: Path, env: dict) -> str:
    """The worker is a separate process: on SQLite a migrated file of its own (the test database lives in
    memory), on PostgreSQL the test database itself."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        subprocess.run(
            [sys.executable, "-m", "sidos.manage", "migrate", "-v", "0"],
            env={**env, "SIDOS_DATABASE_URL": url},
            check=True,
            timeout=300,
        )
        return url
    params = connection.settings_dict
    return (
        f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    )


def _sla_results(url: str) -> list[tuple[str, str]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(
                f"SELECT status, return_value FROM {DBTaskResult._meta.db_table} WHERE task_path = ?",  # noqa: S608
                (SLA_PATH,),
            ).fetchall()
    return [(r.status, json.dumps(r.return_value)) for r in DBTaskResult.objects.filter(task_path=SLA_PATH)]


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_runs_the_sla_sweep_on_schedule(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SIDOS_DATABASE_URL"}
    env.update(
        SIDOS_DEBUG="1",
        SIDOS_TASK_BACKEND="database",
        SIDOS_SCHEDULE_SLA="2s",
        SIDOS_SCHEDULE_ANALYTICS="off",
        SIDOS_SCHEDULE_OUTBOX="off",
        SIDOS_SCHEDULER_TICK="1",
    )
    url = _database_url_for_worker(tmp_path, env)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sidos.manage",
            "worker",
            "--no-reload",
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        env={**env, "SIDOS_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([r for r in _sla_results(url) if r[0] == "SUCCESSFUL"]) < 2:
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=30)[0]
    results = _sla_results(url)
    assert "Periodic jobs: servicedesk-sla (every 2 s)" in output
    successful = [json.loads(value) for status, value in results if status == "SUCCESSFUL"]
    assert len(successful) >= 2, output
    assert all(isinstance(value, dict) for value in successful)  # the sweep's own summary came back


def test_no_schedule_runs_tasks_only(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SIDOS_DATABASE_URL"}
    env.update(
        SIDOS_DEBUG="1", SIDOS_TASK_BACKEND="database", SIDOS_SCHEDULE_SLA="1s", SIDOS_SCHEDULER_TICK="1"
    )
    url = f"sqlite:///{tmp_path / 'batch.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "sidos.manage", "migrate", "-v", "0"],
        env={**env, "SIDOS_DATABASE_URL": url},
        check=True,
        timeout=300,
    )
    done = subprocess.run(
        [sys.executable, "-m", "sidos.manage", "worker", "--no-reload", "--no-schedule", "--batch"],
        env={**env, "SIDOS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Periodic jobs" not in done.stdout
    with sqlite3.connect(tmp_path / "batch.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM accounts_scheduledrun").fetchone() == (0,)
