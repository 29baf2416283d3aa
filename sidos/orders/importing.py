"""Orders CSV import: idempotent on order_id, customers found by customer_id (or created on request)."""

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from sidos.customers.importjob import BatchOutcome, RowProblem, RowRejected
from sidos.customers.models import Customer, CustomerAlias, ImportKind, TimelineEvent, TimelineKind
from sidos.lib.bulkinsert import concrete_field_names, insert_objects, reserve_ids, unsaved
from sidos.lib.cells import InvalidCell, parse_datetime, parse_decimal
from sidos.lib.csvfiles import Record
from sidos.orders.columns import CHANNEL_BY_WORD, ORDER_ALIASES, STATUS_BY_WORD
from sidos.orders.models import Order, OrderStatus

CENT = Decimal("0.01")
STATUSES = frozenset(OrderStatus.values)  # OrderStatus.values builds a new list on every call
ORDER_COLUMNS_STORED = concrete_field_names(Order)
TIMELINE_FIELDS = concrete_field_names(TimelineEvent)
ORDER_FIELDS = ("ordered_at", "amount", "currency", "quantity", "channel", "store", "product", "status")


def _text(values: dict[str, str], column: str) -> str:
    return (values.get(column) or "").strip()


def parse_order_row(record: Record, tz: ZoneInfo, default_currency: str) -> dict:
    v = record.values
    order_id = _text(v, "order_id")
    if not order_id:
        raise RowRejected("order_id", "no order_id: every order needs its id in the source system")
    customer_id = _text(v, "customer_id")
    if not customer_id:
        raise RowRejected("customer_id", "no customer_id")
    text = _text(v, "ordered_at")
    if not text:
        raise RowRejected("ordered_at", "no ordered_at date")
    try:
        ordered_at = parse_datetime(text, tz)
    except InvalidCell as error:
        raise RowRejected("ordered_at", str(error))
    text = _text(v, "amount")
    if not text:
        raise RowRejected("amount", "no amount")
    try:
        amount = parse_decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidCell as error:
        raise RowRejected("amount", str(error))
    if abs(amount) >= Decimal("1e12"):
        raise RowRejected("amount", f"amount {text!r} is out of range")
    currency = _text(v, "currency").upper() or default_currency
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise RowRejected("currency", f"invalid currency {currency!r} (use an ISO 4217 code such as EUR)")
    quantity = 1
    text = _text(v, "quantity")
    if text:
        try:
            number = parse_decimal(text)
        except InvalidCell as error:
            raise RowRejected("quantity", str(error))
        if number != number.to_integral_value() or abs(number) > 1_000_000_000:
            raise RowRejected("quantity", f"quantity must be a whole number, not {text!r}")
        quantity = int(number)
    channel = _text(v, "channel").lower()
    status_text = _text(v, "status").lower()
    status = STATUS_BY_WORD.get(status_text, status_text) if status_text else OrderStatus.COMPLETED
    if status not in STATUSES:
        raise RowRejected(
            "status", f"unknown status {status_text!r} (one of {', '.join(OrderStatus.values)})"
        )
    return {
        "external_id": order_id[:100],
        "customer_external_id": customer_id[:100],
        "ordered_at": ordered_at,
        "amount": amount,
        "currency": currency,
        "quantity": quantity,
        "channel": CHANNEL_BY_WORD.get(channel, channel)[:50],
        "store": _text(v, "store")[:100],
        "product": _text(v, "product")[:200],
        "status": status,
    }


def order_title(order: Order) -> str:
    what = f" · {order.product}" if order.product else ""
    return f"Order {order.external_id or order.pk}: {order.amount} {order.currency}{what}"


class OrderImporter:
    kind = ImportKind.ORDERS
    aliases = ORDER_ALIASES
    identity_columns = {"order_id"}
    tables = (Order, TimelineEvent)

    def __init__(self, source: str, actor=None, create_customers: bool = False):
        self.source = source[:200]
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.create_customers = create_customers
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.currency = settings.SIDOS_DEFAULT_CURRENCY

    def import_batch(self, records: list[Record]) -> BatchOutcome:
        outcome = BatchOutcome()
        rows = []
        for record in records:
            try:
                rows.append((record, parse_order_row(record, self.tz, self.currency)))
            except RowRejected as error:
                outcome.problems.append(RowProblem(record.line, error.field, error.reason, record.values))
        customers = self._customers({row["customer_external_id"] for _record, row in rows})
        existing = Order.objects.in_bulk(
            [row["external_id"] for _record, row in rows], field_name="external_id"
        )
        now = timezone.now()
        new_orders: dict[str, Order] = {}
        changed: dict[str, Order] = {}
        for record, row in rows:
            customer_id = customers.get(row.pop("customer_external_id"))
            if customer_id is None:
                outcome.problems.append(
                    RowProblem(
                        record.line,
                        "customer_id",
                        f"unknown customer_id {record.values.get('customer_id', '')!r} "
                        "(import the customer first, or use --create-customers)",
                        record.values,
                    )
                )
                continue
            order = existing.get(row["external_id"]) or new_orders.get(row["external_id"])
            if order is None:
                new_orders[row["external_id"]] = unsaved(
                    Order, {"customer_id": customer_id, "created_at": now, **row}
                )
                outcome.created += 1
                continue
            fields = [name for name in ORDER_FIELDS if getattr(order, name) != row[name]]
            if order.customer_id != customer_id:
                fields.append("customer")
            if not fields:
                outcome.unchanged += 1
                continue
            for name in ORDER_FIELDS:
                setattr(order, name, row[name])
            order.customer_id = customer_id
            if order.pk:
                changed[order.external_id] = order
            outcome.updated += 1
        created = list(new_orders.values())
        for order, pk in zip(created, reserve_ids(Order, len(created)), strict=True):
            order.pk = pk
            order.updated_at = now
        insert_objects(Order, created, ORDER_COLUMNS_STORED)
        if changed:
            for order in changed.values():
                order.updated_at = now
            Order.objects.bulk_update(changed.values(), [*ORDER_FIELDS, "customer", "updated_at"])
            for order in changed.values():
                TimelineEvent.objects.filter(ref_type="order", ref_id=order.pk).update(
                    customer_id=order.customer_id, title=order_title(order), occurred_at=order.ordered_at
                )
        insert_objects(
            TimelineEvent,
            [
                SimpleNamespace(
                    customer_id=order.customer_id,
                    kind=TimelineKind.ORDER,
                    title=order_title(order),
                    occurred_at=order.ordered_at,
                    ref_type="order",
                    ref_id=order.pk,
                    detail={"status": order.status, "channel": order.channel, "store": order.store},
                    actor_id=None,
                )
                for order in created
            ],
            TIMELINE_FIELDS,
            with_pk=False,
        )
        return outcome

    def _customers(self, external_ids: set[str]) -> dict[str, int]:
        """The customers' ids by source id: only the ids, an order needs nothing else of its customer."""
        found = dict(Customer.objects.filter(external_id__in=external_ids).values_list("external_id", "pk"))
        missing = external_ids - found.keys()
        if missing:
            found.update(
                CustomerAlias.objects.filter(external_id__in=missing).values_list(
                    "external_id", "customer_id"
                )
            )
            missing -= found.keys()
        if missing and self.create_customers:
            now = timezone.now()
            new = [Customer(external_id=external_id, created_at=now) for external_id in sorted(missing)]
            for customer in new:
                customer.refresh_search_keys()
            for customer in Customer.objects.bulk_create(new):
                found[customer.external_id] = customer.pk
        return found
