import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from sidos.customers.models import Customer, ImportRun
from sidos.customers.tasks import import_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_enqueued_import_runs_in_the_worker(csv_file, settings, admin_user):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}
    }
    path = csv_file("customer_id,email\n1,a@example.fi\n2,b@example.fi\n")
    result = import_file.enqueue("customers", str(path), "upload.csv", admin_user.pk)
    assert Customer.objects.count() == 0
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["created"] == 2
    assert ImportRun.objects.get().user == admin_user


def test_running_the_same_import_task_twice_creates_no_duplicates(csv_file, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}
    }
    path = csv_file("customer_id,email\n1,a@example.fi\n")
    import_file.enqueue("customers", str(path), "upload.csv")
    second = import_file.enqueue("customers", str(path), "upload.csv")
    assert second.return_value["unchanged"] == 1
    assert Customer.objects.count() == 1
