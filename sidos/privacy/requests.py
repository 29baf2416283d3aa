"""Data-subject request deadlines: due 30 days after receipt (GDPR 12(3)), and the SLA state shown."""

import datetime as dt

from django.utils import timezone

from sidos.privacy.models import OPEN_REQUEST_STATUSES, SlaState

RESPONSE_DAYS = 30
# The last week is "at risk", like a service-desk ticket inside its warning window.
AT_RISK_BEFORE = dt.timedelta(days=7)


def due_for(received_at: dt.datetime) -> dt.datetime:
    return received_at + dt.timedelta(days=RESPONSE_DAYS)


def sla_state(request, now: dt.datetime | None = None) -> str:
    if request.status not in OPEN_REQUEST_STATUSES:
        return SlaState.CLOSED
    now = now or timezone.now()
    if now >= request.due_at:
        return SlaState.BREACHED
    if now >= request.due_at - AT_RISK_BEFORE:
        return SlaState.AT_RISK
    return SlaState.OK
