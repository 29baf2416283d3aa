"""Background work for the service desk (Django Tasks, run by `sidos worker`)."""

from django_tasks import task

from sidos.servicedesk import escalation


@task()
def sla_sweep() -> dict:
    """Warn and escalate; `sidos worker` enqueues it every SIDOS_SCHEDULE_SLA (or cron: servicedesk-sla)."""
    return escalation.sweep()
