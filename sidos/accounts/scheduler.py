"""The periodic jobs `sidos worker` enqueues, and the thread that enqueues them.

Why a thread beside the task loop rather than the loop's idle hook: the database worker's loop is busy for
the whole of a long task (a recompute or an import can take minutes) and the RQ worker has no such hook, so
a hook would delay the SLA sweep by however long the longest task runs. The thread only inserts a row and
enqueues a task each slot (the tasks themselves run in the worker's loop), so it costs next to nothing.

Exactly once per slot across any number of workers: see actions.enqueue_scheduled.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from sidos.accounts import actions
from sidos.lib.schedule import Daily, Every, parse_schedule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    setting: str
    needs_setting: str = ""  # the job is off while this setting is empty

    def schedule(self) -> Every | Daily | None:
        if self.needs_setting and not getattr(settings, self.needs_setting):
            return None
        try:
            return parse_schedule(getattr(settings, self.setting), ZoneInfo(settings.TIME_ZONE), self.setting)
        except ValueError as error:
            raise ImproperlyConfigured(str(error))


JOBS = [
    Job("analytics-recompute", "sidos.analytics.tasks.recompute_scores", "SIDOS_SCHEDULE_ANALYTICS"),
    Job("servicedesk-sla", "sidos.servicedesk.tasks.sla_sweep", "SIDOS_SCHEDULE_SLA"),
    Job("mail-send-due", "sidos.mail.tasks.send_due_outbound", "SIDOS_SCHEDULE_OUTBOX"),
    Job("surveys-send-due", "sidos.surveys.tasks.send_due_invitations", "SIDOS_SCHEDULE_SURVEYS"),
    Job("retention-run", "sidos.privacy.tasks.apply_retention", "SIDOS_SCHEDULE_RETENTION"),
    Job("mail-poll", "sidos.mail.tasks.poll_mailbox", "SIDOS_SCHEDULE_IMAP", needs_setting="SIDOS_IMAP_URL"),
    Job("listening-poll", "sidos.listening.tasks.poll_sources", "SIDOS_SCHEDULE_LISTENING"),
]


def active_schedules(jobs=None) -> list[tuple[Job, Every | Daily]]:
    """The jobs that are on, with their schedules; a bad setting raises ImproperlyConfigured naming it."""
    pairs = [(job, job.schedule()) for job in (JOBS if jobs is None else jobs)]
    return [(job, schedule) for job, schedule in pairs if schedule is not None]


class Scheduler:
    def __init__(self, schedules: list[tuple[Job, Every | Daily]], *, worker: str = "", tick: float = 15):
        self.schedules = schedules
        self.worker = worker
        self.tick = tick
        self.stopping = threading.Event()

    def run_pending(self, now: datetime | None = None) -> list[str]:
        """Enqueue every job whose current slot nobody has enqueued yet; the names this call enqueued."""
        now = now or timezone.now()
        enqueued = []
        for job, schedule in self.schedules:
            slot = schedule.slot(now)
            task = import_string(job.task_path)
            try:
                run = actions.enqueue_scheduled(job.name, task, slot, worker=self.worker)
            except DatabaseError as error:
                # A locked or unreachable database: the slot stays open and the next tick tries again.
                log.warning("scheduler: could not enqueue %s for %s: %s", job.name, slot, error)
                continue
            if run is not None:
                log.info("scheduler: enqueued %s for slot %s", job.name, slot)
                enqueued.append(job.name)
        return enqueued

    def loop(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    self.run_pending()
                except Exception:  # never let one bad tick end the schedule for the worker's lifetime
                    log.exception("scheduler: tick failed")
                self.stopping.wait(self.tick)
        finally:
            connection.close()

    def start(self) -> threading.Thread:
        # Daemon: the worker's own shutdown (SIGTERM, Ctrl+C) ends the process without waiting on us.
        thread = threading.Thread(target=self.loop, name="sidos-scheduler", daemon=True)
        thread.start()
        return thread
