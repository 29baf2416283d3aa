import os

from django.conf import settings
from django.core.management import call_command
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from sidos.accounts.scheduler import Scheduler, active_schedules


class Command(DatabaseWorkerCommand):
    help = (
        "Run background tasks (imports, recomputes, mail). With the default database backend this is the "
        "embedded worker; with SIDOS_TASK_BACKEND=redis it runs an RQ worker on the same queues. "
        "Beside the tasks it enqueues the periodic jobs (SIDOS_SCHEDULE_*), once per slot across workers."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="run tasks only, enqueue no periodic jobs",
        )

    def handle(self, *args, **options):
        schedule = options.pop("schedule")
        # With --reload the parent process only watches files; the child (re-run with the env set) works.
        reloading_parent = (
            settings.TASK_BACKEND != "redis"
            and options.get("reload")
            and not options.get("batch")
            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        if schedule and not options.get("batch") and not reloading_parent:
            schedules = active_schedules()
            if options["verbosity"]:
                names = ", ".join(f"{job.name} ({when})" for job, when in schedules) or "none"
                self.stdout.write(f"Periodic jobs: {names}")
            Scheduler(schedules, worker=options["worker_id"], tick=settings.SIDOS_SCHEDULER_TICK).start()
        if settings.TASK_BACKEND == "redis":
            return call_command("rqworker", *settings.RQ_QUEUES, with_scheduler=False)
        return super().handle(*args, **options)
