"""The one timeline per customer. Every app appends events through add_event()."""

from django.utils import timezone

from sidos.customers.models import Customer, TimelineEvent


def add_event(
    customer: Customer,
    kind: str,
    title: str,
    *,
    detail: dict | None = None,
    ref_type: str = "",
    ref_id: int | None = None,
    actor=None,
    occurred_at=None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        customer=customer,
        kind=kind,
        title=title[:300],
        detail=detail or {},
        ref_type=ref_type,
        ref_id=ref_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        occurred_at=occurred_at or timezone.now(),
    )


def events_for(customer: Customer, limit: int = 100):
    return customer.timeline.select_related("actor").order_by("-occurred_at", "-id")[:limit]
