from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run background tasks (imports, recomputes, mail) from the database queue. " + DatabaseWorkerCommand.help
