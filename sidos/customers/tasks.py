"""Background work for customer data, run by `sidos worker` (Django Tasks)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django_tasks import task

from sidos.customers.importing import CustomerImporter
from sidos.customers.importjob import run_import
from sidos.customers.models import ImportKind


@task(queue_name="imports")
def import_file(
    kind: str,
    path: str,
    filename: str,
    user_id: int | None = None,
    dry_run: bool = False,
    create_customers: bool = False,
) -> dict:
    """Import an uploaded file that is too large to import within a web request.

    Safe to run twice: imports are idempotent, so a worker that died mid-file is simply re-run.
    """
    from sidos.orders.importing import OrderImporter  # orders depends on customers, not the reverse

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if kind == ImportKind.CUSTOMERS:
        importer = CustomerImporter(filename, actor=user)
    else:
        importer = OrderImporter(filename, actor=user, create_customers=create_customers)
    with Path(path).open("rb") as stream:
        summary = run_import(importer, stream, filename, actor=user, dry_run=dry_run, channel="task")
    return summary.as_dict()
