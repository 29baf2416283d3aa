"""Every change to a single order goes through these functions (the CSV import has its own bulk path).

Each one is atomic, keeps the order's timeline event in step and writes the audit log.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sidos.customers.models import Customer, TimelineEvent, TimelineKind
from sidos.customers.timeline import add_event
from sidos.orders.columns import CHANNEL_BY_WORD
from sidos.orders.importing import order_title
from sidos.orders.models import Order, OrderStatus
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

ORDER_FIELDS = (
    "external_id",
    "ordered_at",
    "amount",
    "currency",
    "quantity",
    "channel",
    "store",
    "product",
    "status",
)
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")  # amount is DecimalField(max_digits=14, decimal_places=2)
MAX_QUANTITY = 1_000_000_000


class OrderError(ValueError):
    """A change that cannot be made; the message says why and .field names the input field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_order(data: dict) -> dict:
    clean = {key: value for key, value in data.items() if key in ORDER_FIELDS}
    if "external_id" in clean:
        clean["external_id"] = (clean["external_id"] or "").strip() or None
    if "amount" in clean:
        if clean["amount"] is None:
            raise OrderError("an order needs an amount", "amount")
        amount = Decimal(clean["amount"])
        if amount != amount.quantize(CENT) or abs(amount) >= MAX_AMOUNT:
            raise OrderError(f"amount {amount} needs at most 12 digits and 2 decimals", "amount")
        clean["amount"] = amount.quantize(CENT)
    if "currency" in clean:
        clean["currency"] = (clean["currency"] or settings.SIDOS_DEFAULT_CURRENCY).strip().upper()
        currency = clean["currency"]
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            raise OrderError(f"invalid currency {currency!r} (use an ISO 4217 code such as EUR)", "currency")
    if "quantity" in clean and (
        not isinstance(clean["quantity"], int) or abs(clean["quantity"]) > MAX_QUANTITY
    ):
        raise OrderError(f"quantity must be a whole number up to {MAX_QUANTITY:,}", "quantity")
    if "channel" in clean:
        channel = (clean["channel"] or "").strip().lower()
        clean["channel"] = CHANNEL_BY_WORD.get(channel, channel)[:50]
    if "status" in clean and clean["status"] not in OrderStatus.values:
        raise OrderError(f"unknown status {clean['status']!r}", "status")
    for key in ("store", "product"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if "ordered_at" in clean and (
        not isinstance(clean["ordered_at"], dt.datetime) or timezone.is_naive(clean["ordered_at"])
    ):
        raise OrderError("ordered_at needs a date, a time and a time zone", "ordered_at")
    return clean


def _check_external_id(external_id: str | None, order: Order | None = None) -> None:
    if not external_id:
        return
    others = Order.objects.filter(external_id=external_id)
    if order is not None:
        others = others.exclude(pk=order.pk)
    if others.exists():
        raise OrderError(f"an order with order_id {external_id!r} already exists", "external_id")


def _event_detail(order: Order) -> dict:
    return {"status": order.status, "channel": order.channel, "store": order.store}


@transaction.atomic
def create_order(actor, customer: Customer, data: dict, *, channel: str = "web") -> Order:
    """`channel` says where the change came from (web, api, cli) for the audit log;
    data["channel"] is where the sale happened."""
    clean = normalise_order(data)
    if "amount" not in clean:
        raise OrderError("an order needs an amount", "amount")
    _check_external_id(clean.get("external_id"))
    clean.setdefault("ordered_at", timezone.now())
    clean.setdefault("currency", settings.SIDOS_DEFAULT_CURRENCY)
    order = Order.objects.create(customer=customer, **clean)
    add_event(
        customer,
        TimelineKind.ORDER,
        order_title(order),
        detail=_event_detail(order),
        ref_type="order",
        ref_id=order.pk,
        actor=actor,
        occurred_at=order.ordered_at,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        "order",
        order.pk,
        customer_id=customer.pk,
        channel=channel,
        summary=f"created {order_title(order)}",
    )
    return order


@transaction.atomic
def update_order(
    actor, order: Order, data: dict, *, customer: Customer | None = None, channel: str = "web"
) -> dict:
    """Apply changed fields (and move the order to `customer` if given); return {field: [old, new]}."""
    clean = normalise_order(data)
    if "external_id" in clean:
        _check_external_id(clean["external_id"], order)
    changes = {}
    for field, value in clean.items():
        old = getattr(order, field)
        if old != value:
            changes[field] = [_json_value(old), _json_value(value)]
            setattr(order, field, value)
    if customer is not None and customer.pk != order.customer_id:
        changes["customer"] = [order.customer_id, customer.pk]
        order.customer = customer
    if not changes:
        return {}
    order.save(update_fields=[*changes, "updated_at"])
    # The order's timeline entry follows the order: new title, time and, after a move, customer.
    TimelineEvent.objects.filter(ref_type="order", ref_id=order.pk).update(
        customer=order.customer,
        title=order_title(order)[:300],
        occurred_at=order.ordered_at,
        detail=_event_detail(order),
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        "order",
        order.pk,
        customer_id=order.customer_id,
        channel=channel,
        summary="changed " + ", ".join(sorted(changes)),
        changes=changes,
    )
    return changes


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
