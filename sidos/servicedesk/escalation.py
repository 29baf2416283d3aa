"""The SLA sweep: warn before a deadline, escalate once it has passed. Run by tasks.sla_sweep."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.servicedesk import notify
from sidos.servicedesk.models import PRIORITY_ORDER, EventKind, Ticket, TicketEvent

DEFAULT_WARN = dt.timedelta(hours=4)


def _warn_window(ticket: Ticket) -> dt.timedelta:
    if ticket.sla_policy:
        return dt.timedelta(minutes=ticket.sla_policy.warn_before_minutes)
    return DEFAULT_WARN


def _breaches(ticket: Ticket, now: dt.datetime) -> list[str]:
    found = []
    first_due = ticket.first_response_due
    if not ticket.first_responded_at and first_due and now > first_due and not ticket.first_response_breached:
        found.append("first_response")
    if ticket.resolution_due and now > ticket.resolution_due and not ticket.resolution_breached:
        found.append("resolution")
    return found


@transaction.atomic
def escalate(ticket: Ticket, what: list[str], now: dt.datetime) -> None:
    """Raise the priority one step, tell the queue lead by e-mail, and record it."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue__lead", "customer")
        .get(pk=ticket.pk)
    )
    old = ticket.priority
    position = PRIORITY_ORDER.index(old)
    ticket.priority = PRIORITY_ORDER[min(position + 1, len(PRIORITY_ORDER) - 1)]
    for target in what:
        setattr(ticket, f"{target}_breached", True)
    ticket.save(update_fields=["priority", "first_response_breached", "resolution_breached", "updated_at"])
    address = ticket.queue.escalation_address
    outbound = notify.escalation(ticket, address, " and ".join(what).replace("_", " ")) if address else None
    TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.SLA_BREACH,
        detail={
            "targets": what,
            "priority": [old, ticket.priority],
            "notified": address,
            "outbound": outbound.pk if outbound else None,
        },
        created_at=now,
    )
    audit.record(
        None,
        AuditAction.UPDATE,
        "ticket",
        ticket.pk,
        customer_id=ticket.customer_id,
        channel="task",
        summary=f"{ticket.reference}: SLA breached ({', '.join(what)}), escalated",
    )


@transaction.atomic
def warn(ticket: Ticket, now: dt.datetime) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(sla_warned_at=now)
    TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.SLA_WARNING, detail={"due": ticket.next_due.isoformat()}, created_at=now
    )


def sweep(now: dt.datetime | None = None) -> dict:
    """One pass over the open tickets whose next deadline is near or past (the list index serves it)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=2)
    warned = escalated = 0
    due_soon = Ticket.objects.open().filter(next_due__lte=horizon).select_related("sla_policy")
    for ticket in due_soon.order_by("next_due", "id").iterator(chunk_size=500):
        breached = _breaches(ticket, now)
        if breached:
            escalate(ticket, breached, now)
            escalated += 1
        elif ticket.sla_warned_at is None and ticket.next_due - now <= _warn_window(ticket):
            warn(ticket, now)
            warned += 1
    return {"warned": warned, "escalated": escalated}
