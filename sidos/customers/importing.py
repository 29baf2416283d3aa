"""Customer CSV import: rows to customers, matched on customer_id, then e-mail, then phone.

Rules (issue #2): a changed value replaces the stored one, an empty cell never erases, earlier
e-mail addresses and phones stay as secondary contact points, and re-importing the same file
changes nothing. Writes are bulk per batch; importjob.py makes each batch atomic.
"""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from sidos.customers.actions import normalise_tags
from sidos.customers.columns import (
    COUNTRY_NAMES,
    CUSTOMER_ALIASES,
    CUSTOMER_COLUMNS,
    EXTRA_COLUMNS,
    LANGUAGE_NAMES,
    ORGANISATION_WORDS,
    PERSON_WORDS,
)
from sidos.customers.importjob import BatchOutcome, RowProblem, RowRejected
from sidos.customers.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    CustomerAlias,
    CustomerKind,
    ImportKind,
    Stage,
    TimelineEvent,
    TimelineKind,
)
from sidos.lib.bulkinsert import concrete_field_names, insert_objects, insert_rows, reserve_ids, unsaved
from sidos.lib.cells import InvalidCell, parse_date, parse_datetime, parse_yes_no
from sidos.lib.csvfiles import Record
from sidos.lib.emails import InvalidEmail, normalise_email
from sidos.lib.phones import InvalidPhone, to_e164
from sidos.privacy.models import AuditAction, AuditEntry

KNOWN_COLUMNS = set(CUSTOMER_COLUMNS) | set(EXTRA_COLUMNS)
CUSTOMER_FIELDS = concrete_field_names(Customer)
# The tuples _flush builds follow these orders.
CONSENT_FIELDS = ("customer", "channel", "purpose", "granted", "source", "recorded_at", "recorded_by", "note")
CONTACT_POINT_FIELDS = ("customer", "kind", "value", "is_primary", "source", "created_at")


@dataclass
class CustomerRow:
    line: int
    values: dict[str, object]
    consent: bool | None
    attributes: dict[str, str]
    raw: dict[str, str] = field(repr=False, default_factory=dict)


STAGES = frozenset(Stage.values)  # Stage.values builds a new list on every call
PLAIN_COLUMNS = ("first_name", "last_name", "name", "street", "postal_code", "city")


def parse_customer_row(record: Record, region: str, tz: ZoneInfo) -> CustomerRow:
    """Validate and normalise one CSV record; raise RowRejected naming the field."""
    v = record.values
    get = v.get
    parsed: dict[str, object] = {}
    external_id = (get("customer_id") or "").strip()
    if external_id:
        parsed["external_id"] = external_id[:100]
    email = (get("email") or "").strip()
    if email:
        try:
            parsed["email"] = normalise_email(email)
        except InvalidEmail as error:
            raise RowRejected("email", str(error))
    phone = (get("phone") or "").strip()
    if phone:
        try:
            parsed["phone"] = to_e164(phone, region)
        except InvalidPhone as error:
            raise RowRejected("phone", str(error))
    if not (external_id or email or phone):
        raise RowRejected("customer_id", "no identity: the row needs a customer_id, email or phone")
    kind = (get("type") or "").strip().lower()
    if kind:
        if kind in PERSON_WORDS:
            parsed["kind"] = CustomerKind.PERSON
        elif kind in ORGANISATION_WORDS:
            parsed["kind"] = CustomerKind.ORGANISATION
        else:
            raise RowRejected("type", f"unknown type {kind!r} (use person or organisation)")
    for column in PLAIN_COLUMNS:
        text = (get(column) or "").strip()
        if text:
            parsed[column] = text
    country = (get("country") or "").strip()
    if country:
        code = COUNTRY_NAMES.get(country.lower(), country.upper())
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise RowRejected("country", f"unknown country {country!r} (use an ISO code such as FI)")
        parsed["country"] = code
    language = (get("language") or "").strip()
    if language:
        code = LANGUAGE_NAMES.get(language.lower(), language.lower())
        if not (2 <= len(code) <= 8) or not code.replace("-", "").isalpha():
            raise RowRejected("language", f"unknown language {language!r} (use a code such as fi)")
        parsed["language"] = code
    stage = (get("stage") or "").strip().lower()
    if stage:
        if stage not in STAGES:
            raise RowRejected("stage", f"unknown stage {stage!r} (one of {', '.join(Stage.values)})")
        parsed["stage"] = stage
    text = (get("birth_date") or "").strip()
    if text:
        try:
            parsed["birth_date"] = parse_date(text)
        except InvalidCell as error:
            raise RowRejected("birth_date", str(error))
    text = (get("created_at") or "").strip()
    if text:
        try:
            parsed["created_at"] = parse_datetime(text, tz)
        except InvalidCell as error:
            raise RowRejected("created_at", str(error))
    tags = (get("tags") or "").strip()
    if tags:
        parsed["tags"] = normalise_tags(tags.replace("|", ","))
    consent = None
    consent_text = (get("marketing_email_consent") or "").strip()
    if consent_text:
        try:
            consent = parse_yes_no(consent_text)
        except InvalidCell as error:
            raise RowRejected("marketing_email_consent", str(error))
    if (
        "kind" not in parsed
        and parsed.get("name")
        and not (parsed.get("first_name") or parsed.get("last_name"))
    ):
        parsed["kind"] = CustomerKind.ORGANISATION
    attributes = {}
    if v.keys() - KNOWN_COLUMNS:  # most files have no columns of their own: skip the loop
        attributes = {
            key: value.strip() for key, value in v.items() if key not in KNOWN_COLUMNS and value.strip()
        }
    return CustomerRow(record.line, parsed, consent, attributes, v)


class CustomerImporter:
    kind = ImportKind.CUSTOMERS
    aliases = CUSTOMER_ALIASES
    identity_columns = {"customer_id", "email", "phone"}
    tables = (Customer, ContactPoint, Consent)

    def __init__(self, source: str, actor=None):
        self.source = source[:200]
        self.actor = actor if getattr(actor, "is_authenticated", False) else None
        self.region = settings.SIDOS_DEFAULT_PHONE_REGION
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def import_batch(self, records: list[Record]) -> BatchOutcome:
        outcome = BatchOutcome()
        rows = []
        for record in records:
            try:
                rows.append(parse_customer_row(record, self.region, self.tz))
            except RowRejected as error:
                outcome.problems.append(RowProblem(record.line, error.field, error.reason, record.values))
        _BatchWriter(self, rows, outcome).write()
        return outcome


class _BatchWriter:
    """Matches one batch of parsed rows against the database and itself, then writes in bulk."""

    def __init__(self, importer: CustomerImporter, rows: list[CustomerRow], outcome: BatchOutcome):
        self.importer = importer
        self.rows = rows
        self.outcome = outcome
        self.now = timezone.now()
        self.new: list[Customer] = []
        self.changed: dict[int, set[str]] = {}  # id(customer) -> fields
        self.touched: dict[int, Customer] = {}
        self.contact_points: list[tuple[Customer, str, str]] = []
        self.consents: list[tuple[Customer, bool, int]] = []
        self.events: list[tuple[Customer, list[str]]] = []

    def write(self) -> None:
        self._load_matches()
        self.existing_ids = {c.pk for c in self.by_external_id.values()} | {
            c.pk for c in self.by_key.values()
        }
        for row in self.rows:
            customer = self._match(row)
            if customer is None:
                self._create(row)
            else:
                self._apply(customer, row)
        self._flush()

    def _load_matches(self) -> None:
        external_ids = {row.values["external_id"] for row in self.rows if "external_id" in row.values}
        emails = {row.values["email"] for row in self.rows if "email" in row.values}
        phones = {row.values["phone"] for row in self.rows if "phone" in row.values}
        # Plain SQL for the lookups: compiling an IN list of thousands of values through the ORM costs
        # more than the index probes themselves, and a fresh import finds nothing with them anyway.
        by_external_id = dict(_pairs(Customer, "external_id", "id", external_ids))
        customer_ids: dict[tuple[str, str], int] = {}
        for external_id, customer_id in _pairs(
            CustomerAlias, "external_id", "customer_id", external_ids - by_external_id.keys()
        ):
            customer_ids[("alias", external_id)] = customer_id
        for kind, values in ((ContactKind.EMAIL, emails), (ContactKind.PHONE, phones)):
            # Prefer the customer for whom the address is primary, then the oldest record.
            for value, customer_id in _pairs(
                ContactPoint, "value", "customer_id", values, kind=kind, order="is_primary DESC, customer_id"
            ):
                customer_ids.setdefault((kind, value), customer_id)
        wanted = {*customer_ids.values(), *by_external_id.values()}
        loaded = Customer.objects.in_bulk(wanted) if wanted else {}
        self.by_external_id: dict[str, Customer] = {
            external_id: loaded[customer_id]
            for external_id, customer_id in by_external_id.items()
            if customer_id in loaded
        }
        self.by_key: dict[tuple[str, str], Customer] = {
            key: loaded[customer_id] for key, customer_id in customer_ids.items() if customer_id in loaded
        }

    def _match(self, row: CustomerRow) -> Customer | None:
        external_id = row.values.get("external_id")
        email, phone = row.values.get("email"), row.values.get("phone")
        if external_id:
            found = self.by_external_id.get(external_id) or self.by_key.get(("alias", external_id))
            if found:
                return found
            # A record without a source id yet that shares a contact point takes this id.
            for key in ((ContactKind.EMAIL, email), (ContactKind.PHONE, phone)):
                candidate = self.by_key.get(key) if key[1] else None
                if candidate is not None and not candidate.external_id:
                    return candidate
            return None
        for key in ((ContactKind.EMAIL, email), (ContactKind.PHONE, phone)):
            if key[1] and key in self.by_key:
                return self.by_key[key]
        return None

    def _remember(self, customer: Customer) -> None:
        if customer.external_id:
            self.by_external_id[customer.external_id] = customer
        if customer.email:
            self.by_key.setdefault((ContactKind.EMAIL, customer.email), customer)
        if customer.phone:
            self.by_key.setdefault((ContactKind.PHONE, customer.phone), customer)

    def _create(self, row: CustomerRow) -> None:
        customer = _new_customer(row.values, row.attributes, row.consent, self.now)
        self.new.append(customer)
        if customer.email:
            self.contact_points.append((customer, ContactKind.EMAIL, customer.email))
        if customer.phone:
            self.contact_points.append((customer, ContactKind.PHONE, customer.phone))
        if row.consent is not None:
            self.consents.append((customer, row.consent, row.line))
        self._remember(customer)
        self.outcome.created += 1

    def _apply(self, customer: Customer, row: CustomerRow) -> None:
        fields = []
        for name, value in row.values.items():
            if getattr(customer, name) != value:
                setattr(customer, name, value)
                fields.append(name)
                if name in (ContactKind.EMAIL, ContactKind.PHONE):
                    self.contact_points.append((customer, name, value))
        if row.attributes:
            merged = {**customer.attributes, **row.attributes}
            if merged != customer.attributes:
                customer.attributes = merged
                fields.append("attributes")
        if row.consent is not None and row.consent != customer.marketing_email_consent:
            customer.marketing_email_consent = row.consent
            fields.append("marketing_email_consent")
            self.consents.append((customer, row.consent, row.line))
        if not fields:
            self.outcome.unchanged += 1
            return
        customer.refresh_search_keys()
        self._remember(customer)
        if (
            customer.pk is not None
        ):  # an earlier row of this batch may have created it: then it is all one insert
            self.changed.setdefault(id(customer), set()).update(fields)
            self.touched[id(customer)] = customer
            self.events.append((customer, fields))
        self.outcome.updated += 1

    def _flush(self) -> None:
        if self.new:
            for customer, pk in zip(self.new, reserve_ids(Customer, len(self.new)), strict=True):
                customer.id = pk  # updated_at is the batch's "now" already (_new_customer)
            insert_objects(Customer, self.new, CUSTOMER_FIELDS)
        if self.changed:
            all_fields = set().union(*self.changed.values()) | {"search_name", "search_surname"}
            for customer in self.touched.values():
                customer.updated_at = self.now
            Customer.objects.bulk_update(list(self.touched.values()), [*sorted(all_fields), "updated_at"])
        self._flush_contact_points()
        source = f"import:{self.importer.source}"
        actor_id = self.importer.actor.pk if self.importer.actor else None
        insert_rows(
            Consent,
            CONSENT_FIELDS,
            [
                (
                    c.pk,
                    ConsentChannel.EMAIL,
                    ConsentPurpose.MARKETING,
                    granted,
                    source,
                    self.now,
                    actor_id,
                    f"line {line}",
                )
                for c, granted, line in self.consents
            ],
            with_pk=False,
        )
        # The timeline tells a stored customer's story; a customer this import created has none yet
        # beyond its creation, and its first consent is in the ledger.
        timeline = [
            TimelineEvent(
                customer=c,
                kind=TimelineKind.UPDATED,
                title="Details changed by import: " + ", ".join(f),
                detail={"fields": f, "source": source},
                occurred_at=self.now,
                actor=self.importer.actor,
            )
            for c, f in self.events
        ]
        timeline += [
            TimelineEvent(
                customer=c,
                kind=TimelineKind.CONSENT,
                title=f"Consent {'granted' if granted else 'withdrawn'}: email marketing",
                detail={"channel": "email", "purpose": "marketing", "granted": granted, "source": source},
                occurred_at=self.now,
                actor=self.importer.actor,
            )
            for c, granted, _line in self.consents
            if c.pk in self.existing_ids
        ]
        TimelineEvent.objects.bulk_create(timeline)
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=self.importer.actor,
                actor_label=self.importer.actor.get_username() if self.importer.actor else "system",
                channel="import",
                action=AuditAction.UPDATE,
                target_type="customer",
                target_id=str(c.pk),
                customer_id=c.pk,
                summary=f"import {self.importer.source}: changed {', '.join(f)}",
            )
            for c, f in self.events
        )

    def _flush_contact_points(self) -> None:
        if not self.contact_points:
            return
        points = {}  # one per customer, kind and value, in order: a value may come back within a batch
        for customer, kind, value in self.contact_points:
            points[(customer.id, kind, value)] = customer
        fresh = [
            (pk, kind, value, getattr(customer, kind) == value, self.importer.source, self.now)
            for (pk, kind, value), customer in points.items()
            if pk not in self.existing_ids
        ]
        insert_rows(ContactPoint, CONTACT_POINT_FIELDS, fresh, with_pk=False)
        stored = [
            (customer, kind, value)
            for (pk, kind, value), customer in points.items()
            if pk in self.existing_ids
        ]
        for customer_id, kind in {(customer.pk, kind) for customer, kind, _value in stored}:
            # The stored primary steps down to secondary: earlier addresses are kept, never erased.
            ContactPoint.objects.filter(customer_id=customer_id, kind=kind, is_primary=True).update(
                is_primary=False
            )
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(
                    customer=c,
                    kind=kind,
                    value=value,
                    is_primary=getattr(c, kind) == value,
                    source=self.importer.source,
                    created_at=self.now,
                )
                for c, kind, value in stored
            ],
            ignore_conflicts=True,
        )
        for customer, kind, value in stored:
            if getattr(customer, kind) == value:
                # The value may have been a secondary contact point already (ignored above): promote it.
                ContactPoint.objects.filter(customer_id=customer.pk, kind=kind, value=value).update(
                    is_primary=True
                )


def _pairs(model, key: str, value: str, keys: set, *, kind: str | None = None, order: str = "") -> list:
    """(key, value) column pairs of the model's rows whose `key` is in `keys` (and of this kind)."""
    if not keys:
        return []
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote(key)}, {quote(value)} FROM {quote(model._meta.db_table)} "  # noqa: S608 names from metadata
        f"WHERE {quote(key)} IN ({', '.join(['%s'] * len(keys))})"
    )
    params = list(keys)
    if kind is not None:
        sql += " AND kind = %s"
        params.append(kind)
    if order:
        sql += f" ORDER BY {order}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _new_customer(values: dict, attributes: dict, consent: bool | None, now) -> Customer:
    customer = unsaved(
        Customer,
        {
            "tags": [],
            "created_at": now,
            "updated_at": now,
            **values,
            "attributes": attributes,
            "marketing_email_consent": consent,
        },
    )
    customer.refresh_search_keys()
    return customer
