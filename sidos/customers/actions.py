"""Every change to customer records goes through these functions.

Each one is atomic, writes the audit log and, where the customer would care, the timeline.
Views, the API and the commands validate input and call these; nothing else writes customers.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from sidos.customers.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerAlias,
    TimelineKind,
)
from sidos.customers.timeline import add_event
from sidos.lib.emails import normalise_email
from sidos.lib.phones import to_e164
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

# The fields staff, the API and imports may set directly; contact points and consents have their own paths.
PROFILE_FIELDS = (
    "external_id",
    "kind",
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "birth_date",
    "stage",
    "tags",
    "attributes",
)


class CustomerError(ValueError):
    """A change that cannot be made; the message names the field and says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_profile(data: dict) -> dict:
    """Normalise contact points and codes in profile fields; raise CustomerError naming the field."""
    clean = dict(data)
    if clean.get("email"):
        try:
            clean["email"] = normalise_email(clean["email"])
        except ValueError as error:
            raise CustomerError(str(error), "email")
    if clean.get("phone"):
        try:
            clean["phone"] = to_e164(clean["phone"], settings.SIDOS_DEFAULT_PHONE_REGION)
        except ValueError as error:
            raise CustomerError(str(error), "phone")
    if clean.get("country"):
        clean["country"] = clean["country"].strip().upper()
        if len(clean["country"]) != 2 or not clean["country"].isalpha():
            raise CustomerError(f"country must be a two-letter ISO code, not {data['country']!r}", "country")
    if clean.get("language"):
        clean["language"] = clean["language"].strip().lower()
    if "external_id" in clean:
        clean["external_id"] = (clean["external_id"] or "").strip() or None
    if "tags" in clean:
        clean["tags"] = normalise_tags(clean["tags"] or [])
    for key in ("first_name", "last_name", "name", "street", "postal_code", "city"):
        if isinstance(clean.get(key), str):
            clean[key] = clean[key].strip()
    return clean


def normalise_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace(";", ",").split(",")
    seen: dict[str, None] = {}
    for tag in tags:
        text = str(tag).strip().lower()
        if text:
            seen.setdefault(text, None)
    return sorted(seen)


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def create_customer(actor, data: dict, *, source: str = "staff", channel: str = "web") -> Customer:
    clean = normalise_profile({key: value for key, value in data.items() if key in PROFILE_FIELDS})
    if clean.get("external_id") and Customer.objects.filter(external_id=clean["external_id"]).exists():
        raise CustomerError(
            f"a customer with customer_id {clean['external_id']!r} already exists", "external_id"
        )
    customer = Customer(**clean)
    customer.refresh_search_keys()
    customer.save()
    # A new customer has no contact points to demote or find: insert them (one statement).
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(customer=customer, kind=kind, value=value, is_primary=True, source=source)
            for kind, value in ((ContactKind.EMAIL, customer.email), (ContactKind.PHONE, customer.phone))
            if value
        ]
    )
    add_event(customer, TimelineKind.CREATED, f"Customer created ({source})", actor=actor)
    audit.record(
        actor,
        AuditAction.CREATE,
        "customer",
        customer.pk,
        customer_id=customer.pk,
        channel=channel,
        summary=f"created {customer.display_name}",
    )
    return customer


def _add_contact_points(customer: Customer, source: str) -> None:
    for kind, value in ((ContactKind.EMAIL, customer.email), (ContactKind.PHONE, customer.phone)):
        if not value:
            continue
        ContactPoint.objects.filter(customer=customer, kind=kind).exclude(value=value).update(
            is_primary=False
        )
        point, created = ContactPoint.objects.get_or_create(
            customer=customer, kind=kind, value=value, defaults={"is_primary": True, "source": source}
        )
        if not created and not point.is_primary:
            point.is_primary = True
            point.save(update_fields=["is_primary"])


@transaction.atomic
def update_customer(
    actor, customer: Customer, data: dict, *, source: str = "staff", channel: str = "web"
) -> dict:
    """Apply changed fields; return {field: [old, new]} for what changed (empty when nothing did)."""
    clean = normalise_profile({key: value for key, value in data.items() if key in PROFILE_FIELDS})
    new_external_id = clean.get("external_id")
    if (
        new_external_id
        and new_external_id != customer.external_id
        and Customer.objects.filter(external_id=new_external_id).exclude(pk=customer.pk).exists()
    ):
        raise CustomerError(f"customer_id {new_external_id!r} belongs to another customer", "external_id")
    changes = {}
    for field, value in clean.items():
        old = getattr(customer, field)
        if value is None and field not in ("external_id", "birth_date"):
            value = ""
        if old != value:
            changes[field] = [_json_value(old), _json_value(value)]
            setattr(customer, field, value)
    if not changes:
        return {}
    customer.refresh_search_keys()
    customer.save(update_fields=[*changes, "search_name", "search_surname", "updated_at"])
    if "email" in changes or "phone" in changes:
        _add_contact_points(customer, source)
    add_event(
        customer,
        TimelineKind.UPDATED,
        "Details changed: " + ", ".join(sorted(changes)),
        detail={"fields": sorted(changes), "source": source},
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        "customer",
        customer.pk,
        customer_id=customer.pk,
        channel=channel,
        summary="changed " + ", ".join(sorted(changes)),
        changes=changes,
    )
    return changes


@transaction.atomic
def record_consent(
    actor,
    customer: Customer,
    *,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    note: str = "",
    recorded_at=None,
    audit_channel: str = "web",
) -> Consent | None:
    """Append to the consent ledger when the state changes; a repeat of the current state is a no-op."""
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values:
        raise CustomerError(f"unknown consent {channel}/{purpose}", "consent")
    if current_consent(customer, channel, purpose) is granted:
        return None
    consent = Consent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        **({"recorded_at": recorded_at} if recorded_at else {}),
    )
    if (channel, purpose) == (ConsentChannel.EMAIL, ConsentPurpose.MARKETING):
        customer.marketing_email_consent = granted
        customer.save(update_fields=["marketing_email_consent", "updated_at"])
    state = "granted" if granted else "withdrawn"
    add_event(
        customer,
        TimelineKind.CONSENT,
        f"Consent {state}: {channel} {purpose}",
        detail={"channel": channel, "purpose": purpose, "granted": granted, "source": source},
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.CONSENT,
        "consent",
        consent.pk,
        customer_id=customer.pk,
        channel=audit_channel,
        summary=f"{channel}/{purpose} {state} via {source}",
    )
    return consent


def current_consent(customer: Customer, channel: str, purpose: str) -> bool | None:
    latest = (
        customer.consents.filter(channel=channel, purpose=purpose).order_by("-recorded_at", "-id").first()
    )
    return latest.granted if latest else None


def consent_state(customer: Customer) -> list[dict]:
    """The current state per channel and purpose, from the ledger (one query)."""
    latest: dict[tuple[str, str], Consent] = {}
    for consent in customer.consents.order_by("recorded_at", "id"):
        latest[(consent.channel, consent.purpose)] = consent
    return [
        {
            "channel": c.channel,
            "purpose": c.purpose,
            "granted": c.granted,
            "source": c.source,
            "recorded_at": c.recorded_at,
        }
        for c in latest.values()
    ]


def find_duplicates(customer: Customer) -> list[Customer]:
    """Other customers sharing this one's source id (by alias), an e-mail address or a phone number."""
    points = list(customer.contact_points.values_list("kind", "value"))
    condition = Q(pk__in=[])
    for kind, value in points:
        condition |= Q(contact_points__kind=kind, contact_points__value=value)
    if customer.external_id:
        condition |= Q(aliases__external_id=customer.external_id)
    return list(Customer.objects.filter(condition).exclude(pk=customer.pk).distinct()[:50])


# Fields a merge fills on the kept customer when it has none of its own.
MERGE_FILL_FIELDS = (
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "birth_date",
    "stage",
    "marketing_email_consent",
)


@transaction.atomic
def merge_customers(actor, keep: Customer, duplicate: Customer, *, channel: str = "web") -> Customer:
    """Fold `duplicate` into `keep`: every related record moves, empty fields are filled, the duplicate goes.

    The duplicate's source id stays as an alias so a re-import of the old system matches the kept record.
    """
    if keep.pk == duplicate.pk:
        raise CustomerError("a customer cannot be merged with itself", "duplicate")
    keep = Customer.objects.select_for_update().get(pk=keep.pk)
    duplicate = Customer.objects.select_for_update().get(pk=duplicate.pk)
    filled = {}
    for field in MERGE_FILL_FIELDS:
        if getattr(keep, field) in ("", None) and getattr(duplicate, field) not in ("", None):
            filled[field] = _json_value(getattr(duplicate, field))
            setattr(keep, field, getattr(duplicate, field))
    keep.tags = normalise_tags([*keep.tags, *duplicate.tags])
    keep.attributes = {**duplicate.attributes, **keep.attributes}
    if duplicate.created_at < keep.created_at:
        keep.created_at = duplicate.created_at

    # Contact points are unique per customer: move the new ones, drop those the kept customer has.
    existing = set(keep.contact_points.values_list("kind", "value"))
    for point in duplicate.contact_points.all():
        if (point.kind, point.value) in existing:
            point.delete()
        else:
            point.customer = keep
            point.is_primary = False
            point.save(update_fields=["customer", "is_primary"])

    moved = _move_related_records(duplicate, keep)
    aliases = [duplicate.external_id] if duplicate.external_id else []
    CustomerAlias.objects.filter(customer=duplicate).update(customer=keep)
    snapshot = {"id": duplicate.pk, "external_id": duplicate.external_id, "name": duplicate.display_name}
    duplicate_pk = duplicate.pk
    duplicate.delete()
    for external_id in aliases:
        CustomerAlias.objects.get_or_create(external_id=external_id, defaults={"customer": keep})
    keep.refresh_search_keys()
    keep.save()
    _add_contact_points(keep, "merge")
    add_event(
        keep,
        TimelineKind.MERGED,
        f"Merged with duplicate {snapshot['name']} (#{duplicate_pk})",
        detail={"duplicate": snapshot, "filled": filled, "moved": moved},
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.MERGE,
        "customer",
        keep.pk,
        customer_id=keep.pk,
        channel=channel,
        summary=f"merged #{duplicate_pk} into #{keep.pk}",
        changes={"duplicate": snapshot, "filled": filled, "moved": moved},
    )
    audit.record(
        actor,
        AuditAction.MERGE,
        "customer",
        duplicate_pk,
        customer_id=duplicate_pk,
        channel=channel,
        summary=f"merged into #{keep.pk}",
    )
    return keep


def _move_related_records(source: Customer, target: Customer) -> dict[str, int]:
    """Re-point every row referencing `source`: orders, consents, timeline and whatever later apps add."""
    moved = {}
    for relation in Customer._meta.related_objects:
        if relation.related_model in (ContactPoint, CustomerAlias) or not relation.one_to_many:
            continue
        manager = relation.related_model._base_manager
        count = manager.filter(**{relation.field.name: source}).update(**{relation.field.name: target})
        if count:
            moved[relation.related_model._meta.label_lower] = count
    return moved
