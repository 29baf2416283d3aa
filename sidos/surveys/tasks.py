"""Background work for surveys (Django Tasks, run by `sidos worker`)."""

from django_tasks import task

from sidos.surveys import actions


@task()
def send_due_invitations() -> dict:
    """Invitations after purchases and delayed ones after tickets; enqueued every SIDOS_SCHEDULE_SURVEYS."""
    return actions.send_due()
