"""Customer data out: the CSV/JSONL export that re-imports losslessly, and one customer's whole record."""

import csv
import datetime as dt
import io
import json
import zipfile
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
    """Everything held about one customer, as plain data.

    The one source of the staff export, the export-customer command, the API and the customer portal's
    download (customer_archive), so what a customer is given can never differ from what staff export.
    Ticket messages leave out staff-internal notes.
    """
    from sidos.analytics.queries import scores_for
    from sidos.campaigns.models import TrackingEvent
    from sidos.privacy.models import DataSubjectRequest
    from sidos.servicedesk.models import MessageKind, TicketAttachment, TicketMessage
    from sidos.surveys.models import Answer

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
        "tickets": list(
            customer.tickets.order_by("created_at", "id").values(
                "id", "subject", "ticket_type", "channel", "status", "created_at", "resolved_at"
            )
        ),
        "ticket_messages": list(
            TicketMessage.objects.filter(ticket__customer=customer)
            .exclude(kind=MessageKind.NOTE)
            .order_by("created_at", "id")
            .values("ticket_id", "kind", "from_address", "from_name", "body", "created_at")
        ),
        # Files the customer sent or was sent; those of internal notes stay out, as the notes do.
        "ticket_attachments": list(
            TicketAttachment.objects.filter(ticket__customer=customer)
            .exclude(message__kind=MessageKind.NOTE)
            .order_by("created_at", "id")
            .values("id", "ticket_id", "filename", "content_type", "size", "created_at")
        ),
        "privacy_requests": list(
            DataSubjectRequest.objects.filter(customer=customer)
            .order_by("received_at", "id")
            .values("kind", "status", "source", "received_at", "due_at", "completed_at")
        ),
        "survey_answers": list(
            Answer.objects.filter(response__customer=customer)
            .order_by("response__submitted_at", "response_id", "question__position", "id")
            .values(
                "response_id",
                "response__survey__name",
                "response__submitted_at",
                "response__channel",
                "question__kind",
                "question__text",
                "number",
                "choice",
                "choices",
                "text",
            )
        ),
        "social_handles": list(
            customer.social_handles.order_by("network", "handle").values("network", "handle")
        ),
        "social_posts": list(
            customer.social_posts.order_by("posted_at", "id").values(
                "source__name", "author_handle", "author_name", "text", "lang", "posted_at", "url",
                "sentiment", "topics", "status", "first_answered_at",
            )
        ),
        "campaign_deliveries": list(
            customer.campaign_deliveries.order_by("created_at", "id").values(
                "campaign__name", "address", "language", "status", "sent_at", "opened_at", "clicked_at",
                "opens", "clicks",
            )
        ),
        "campaign_events": list(
            TrackingEvent.objects.filter(delivery__customer=customer)
            .order_by("occurred_at", "id")
            .values("delivery__campaign__name", "kind", "url", "occurred_at")
        ),
        "analytics": _analytics(scores_for(customer)),
        "aliases": list(customer.aliases.values_list("external_id", flat=True)),
        "exported_at": timezone.now(),
    }


ANALYTICS_FIELDS = (
    "as_of",
    "segment",
    "purchases",
    "first_purchase",
    "last_purchase",
    "days_since_last",
    "usual_gap_days",
    "revenue",
    "expected_90",
    "p_alive",
    "churn_risk",
)


def _analytics(score) -> dict | None:
    if score is None:
        return None
    return {name: getattr(score, name) for name in ANALYTICS_FIELDS}


def _csv_text(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                key: dumps(value) if isinstance(value, dict | list) else _cell(value)
                for key, value in row.items()
            }
        )
    return out.getvalue()


def _tables(document: dict) -> dict[str, list[dict]]:
    """One flat table per part of the document, for people who open the download in a spreadsheet."""
    return {
        "profile": [document["profile"]],
        "contact_points": document["contact_points"],
        "consents_current": document["consents"]["current"],
        "consent_history": document["consents"]["history"],
        "orders": document["orders"],
        "tickets": document["tickets"],
        "ticket_messages": document["ticket_messages"],
        "timeline": document["timeline"],
        "ticket_attachments": document["ticket_attachments"],
        "privacy_requests": document["privacy_requests"],
        "survey_answers": document["survey_answers"],
        "social_handles": document["social_handles"],
        "social_posts": document["social_posts"],
        "campaign_deliveries": document["campaign_deliveries"],
        "campaign_events": document["campaign_events"],
        "analytics": [document["analytics"]] if document["analytics"] else [],
        "aliases": [{"customer_id": alias} for alias in document["aliases"]],
    }


def customer_archive(document: dict) -> bytes:
    """The download: customer.json (the export-customer output, byte for byte), one CSV per table, and
    the ticket attachments the document lists, as attachments/<ticket id>/<attachment id>-<file name>."""
    from sidos.servicedesk.models import TicketAttachment

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", dumps(document))
        for name, rows in _tables(document).items():
            # utf-8-sig: Excel opens a BOM-marked CSV with the right characters.
            archive.writestr(f"{name}.csv", _csv_text(rows).encode("utf-8-sig"))
        ids = [row["id"] for row in document.get("ticket_attachments", [])]
        for attachment in TicketAttachment.objects.filter(pk__in=ids).order_by("pk"):
            try:
                with attachment.file.open("rb") as stored:
                    content = stored.read()
            except OSError:  # a file removed from disk by hand: the CSV still lists it
                continue
            archive.writestr(
                f"attachments/{attachment.ticket_id}/{attachment.pk}-{attachment.filename}", content
            )
    return buffer.getvalue()


def find_customer(key: str) -> Customer | None:
    """A customer by internal id (#12 or 12), source customer_id or e-mail address."""
    text = key.strip()
    if text.startswith("#") and text[1:].isdigit():
        return Customer.objects.filter(pk=int(text[1:])).first()
    found = Customer.objects.filter(external_id=text).first()
    if found:
        return found
    if "@" in text:
        return Customer.objects.with_contact("email", text.lower())
    if text.isdigit():
        return Customer.objects.filter(pk=int(text)).first()
    return None
