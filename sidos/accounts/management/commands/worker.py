from django.conf import settings
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = (
        "Run background tasks (imports, recomputes, mail). With the default database backend this is the "
        "embedded worker; with SIDOS_TASK_BACKEND=redis it runs an RQ worker on the same queues."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")

    def handle(self, *args, **options):
        if settings.TASK_BACKEND == "redis":
            return call_command("rqworker", *settings.RQ_QUEUES, with_scheduler=False)
        return super().handle(*args, **options)
