"""Customer data out: the CSV/JSONL export that re-imports losslessly, and one customer's whole record."""

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from sidos.customers.actions import consent_state
from sidos.customers.columns import CUSTOMER_COLUMNS, EXTRA_COLUMNS
from sidos.customers.models import Customer

EXPORT_CHUNK = 5000


def attribute_columns(queryset) -> list[str]:
    keys: set[str] = set()
    for attributes in (
        queryset.exclude(attributes={}).values_list("attributes", flat=True).iterator(EXPORT_CHUNK)
    ):
        keys.update(attributes)
    known = set(CUSTOMER_COLUMNS) | set(EXTRA_COLUMNS)
    return sorted(key for key in keys if key not in known)


def export_columns(queryset) -> list[str]:
    return [*CUSTOMER_COLUMNS, *EXTRA_COLUMNS, *attribute_columns(queryset)]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_row(customer: Customer) -> dict[str, str]:
    row = {
        "customer_id": customer.external_id or "",
        "type": customer.kind,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "street": customer.street,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": customer.country,
        "language": customer.language,
        "birth_date": _cell(customer.birth_date),
        "marketing_email_consent": _cell(customer.marketing_email_consent),
        "tags": ",".join(customer.tags),
        "created_at": _cell(customer.created_at),
        "stage": customer.stage,
    }
    for key, value in customer.attributes.items():
        row.setdefault(key, _cell(value))
    return row


def export_rows(queryset) -> Iterator[dict[str, str]]:
    for customer in queryset.order_by("pk").iterator(EXPORT_CHUNK):
        yield export_row(customer)


def _json_default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(document) -> str:
    return json.dumps(document, default=_json_default, ensure_ascii=False)


def customer_document(customer: Customer) -> dict:
    """Everything held about one customer, as plain data (used by export-customer and the staff export)."""
    profile = {
        "id": customer.pk,
        **export_row(customer),
        "attributes": customer.attributes,
        "tags": customer.tags,
        "updated_at": customer.updated_at,
    }
    return {
        "profile": profile,
        "contact_points": list(
            customer.contact_points.values("kind", "value", "is_primary", "source", "created_at")
        ),
        "consents": {
            "current": consent_state(customer),
            "history": list(
                customer.consents.order_by("recorded_at", "id").values(
                    "channel", "purpose", "granted", "source", "recorded_at", "note"
                )
            ),
        },
        "orders": list(
            customer.orders.order_by("ordered_at", "id").values(
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
        ),
        "timeline": list(
            customer.timeline.order_by("occurred_at", "id").values(
                "kind", "occurred_at", "title", "detail", "ref_type", "ref_id"
            )
        ),
        "aliases": list(customer.aliases.values_list("external_id", flat=True)),
        "exported_at": timezone.now(),
    }


def find_customer(key: str) -> Customer | None:
    """A customer by internal id (#12 or 12), source customer_id or e-mail address."""
    text = key.strip()
    if text.startswith("#") and text[1:].isdigit():
        return Customer.objects.filter(pk=int(text[1:])).first()
    found = Customer.objects.filter(external_id=text).first()
    if found:
        return found
    if "@" in text:
        found = Customer.objects.filter(email=text.lower()).order_by("pk").first()
        if found:
            return found
        from sidos.customers.models import ContactPoint

        point = ContactPoint.objects.filter(kind="email", value=text.lower()).order_by("-is_primary").first()
        return point.customer if point else None
    if text.isdigit():
        return Customer.objects.filter(pk=int(text)).first()
    return None
