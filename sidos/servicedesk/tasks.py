"""Background work for the service desk (Django Tasks, run by `sidos worker`)."""

from django_tasks import task

from sidos.servicedesk import escalation


@task()
def sla_sweep() -> dict:
    """Warn and escalate; scheduled every few minutes by `sidos servicedesk-sla --every N` or cron."""
    return escalation.sweep()
