"""Background work of the privacy app (Django Tasks, run by `sidos worker`)."""

from django_tasks import task

from sidos.privacy.retention import run_retention


@task()
def apply_retention() -> list[dict]:
    """The daily retention run; `sidos worker` enqueues it at SIDOS_SCHEDULE_RETENTION."""
    return run_retention(dry_run=False)
