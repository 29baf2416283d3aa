"""Customer CSV import: rows to customers, matched on customer_id, then e-mail, then phone.

Rules (issue #2): a changed value replaces the stored one, an empty cell never erases, earlier
e-mail addresses and phones stay as secondary contact points, and re-importing the same file
changes nothing. Writes are bulk per batch; importjob.py makes each batch atomic.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
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
from sidos.lib.bulkinsert import concrete_field_names, insert_objects, reserve_ids
from sidos.lib.cells import InvalidCell, parse_date, parse_datetime, parse_yes_no
from sidos.lib.csvfiles import Record
from sidos.lib.emails import InvalidEmail, normalise_email
from sidos.lib.phones import InvalidPhone, to_e164
from sidos.privacy.models import AuditAction, AuditEntry

KNOWN_COLUMNS = set(CUSTOMER_COLUMNS) | set(EXTRA_COLUMNS)
CUSTOMER_FIELDS = concrete_field_names(Customer)
CONSENT_FIELDS = concrete_field_names(Consent)
CONTACT_POINT_FIELDS = concrete_field_names(ContactPoint)


@dataclass
class CustomerRow:
    line: int
    values: dict[str, object]
    consent: bool | None
    attributes: dict[str, str]
    raw: dict[str, str] = field(repr=False, default_factory=dict)


def _text(values: dict[str, str], column: str) -> str:
    return (values.get(column) or "").strip()


def parse_customer_row(record: Record, region: str, tz: ZoneInfo) -> CustomerRow:
    """Validate and normalise one CSV record; raise RowRejected naming the field."""
    v = record.values
    parsed: dict[str, object] = {}
    external_id = _text(v, "customer_id")
    if external_id:
        parsed["external_id"] = external_id[:100]
    email = _text(v, "email")
    if email:
        try:
            parsed["email"] = normalise_email(email)
        except InvalidEmail as error:
            raise RowRejected("email", str(error))
    phone = _text(v, "phone")
    if phone:
        try:
            parsed["phone"] = to_e164(phone, region)
        except InvalidPhone as error:
            raise RowRejected("phone", str(error))
    if not (external_id or email or phone):
        raise RowRejected("customer_id", "no identity: the row needs a customer_id, email or phone")
    kind = _text(v, "type").lower()
    if kind:
        if kind in PERSON_WORDS:
            parsed["kind"] = CustomerKind.PERSON
        elif kind in ORGANISATION_WORDS:
            parsed["kind"] = CustomerKind.ORGANISATION
        else:
            raise RowRejected("type", f"unknown type {kind!r} (use person or organisation)")
    for column in ("first_name", "last_name", "name", "street", "postal_code", "city"):
        text = _text(v, column)
        if text:
            parsed[column] = text
    country = _text(v, "country")
    if country:
        code = COUNTRY_NAMES.get(country.lower(), country.upper())
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise RowRejected("country", f"unknown country {country!r} (use an ISO code such as FI)")
        parsed["country"] = code
    language = _text(v, "language")
    if language:
        code = LANGUAGE_NAMES.get(language.lower(), language.lower())
        if not (2 <= len(code) <= 8) or not code.replace("-", "").isalpha():
            raise RowRejected("language", f"unknown language {language!r} (use a code such as fi)")
        parsed["language"] = code
    stage = _text(v, "stage").lower()
    if stage:
        if stage not in Stage.values:
            raise RowRejected("stage", f"unknown stage {stage!r} (one of {', '.join(Stage.values)})")
        parsed["stage"] = stage
    for column, parser in (("birth_date", parse_date), ("created_at", lambda text: parse_datetime(text, tz))):
        text = _text(v, column)
        if text:
            try:
                parsed[column] = parser(text)
            except InvalidCell as error:
                raise RowRejected(column, str(error))
    tags = _text(v, "tags")
    if tags:
        parsed["tags"] = normalise_tags(tags.replace("|", ","))
    consent = None
    consent_text = _text(v, "marketing_email_consent")
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
        self.by_external_id: dict[str, Customer] = {}
        customer_ids: dict[tuple[str, str], int] = {}
        if external_ids:
            for customer in Customer.objects.filter(external_id__in=external_ids):
                self.by_external_id[customer.external_id] = customer
            for alias in CustomerAlias.objects.filter(
                external_id__in=external_ids - self.by_external_id.keys()
            ):
                customer_ids[("alias", alias.external_id)] = alias.customer_id
        for kind, values in ((ContactKind.EMAIL, emails), (ContactKind.PHONE, phones)):
            if not values:
                continue
            # Prefer the customer for whom the address is primary, then the oldest record.
            points = ContactPoint.objects.filter(kind=kind, value__in=values).order_by(
                "-is_primary", "customer_id"
            )
            for value, customer_id in points.values_list("value", "customer_id"):
                customer_ids.setdefault((kind, value), customer_id)
        wanted = set(customer_ids.values()) - {c.pk for c in self.by_external_id.values()}
        loaded = {c.pk: c for c in self.by_external_id.values()}
        loaded.update(Customer.objects.in_bulk(wanted))
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
        values = dict(row.values)
        values.setdefault("created_at", self.now)
        customer = Customer(**values, attributes=row.attributes, marketing_email_consent=row.consent)
        customer.refresh_search_keys()
        self.new.append(customer)
        for kind in (ContactKind.EMAIL, ContactKind.PHONE):
            if getattr(customer, kind):
                self.contact_points.append((customer, kind, getattr(customer, kind)))
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
                customer.pk = pk
                customer.updated_at = self.now
            insert_objects(Customer, self.new, CUSTOMER_FIELDS)
        if self.changed:
            all_fields = set().union(*self.changed.values()) | {"search_name", "search_surname"}
            for customer in self.touched.values():
                customer.updated_at = self.now
            Customer.objects.bulk_update(list(self.touched.values()), [*sorted(all_fields), "updated_at"])
        self._flush_contact_points()
        source = f"import:{self.importer.source}"
        actor_id = self.importer.actor.pk if self.importer.actor else None
        insert_objects(
            Consent,
            [
                SimpleNamespace(
                    customer_id=c.pk,
                    channel=ConsentChannel.EMAIL,
                    purpose=ConsentPurpose.MARKETING,
                    granted=granted,
                    source=source,
                    note=f"line {line}",
                    recorded_at=self.now,
                    recorded_by_id=actor_id,
                )
                for c, granted, line in self.consents
            ],
            CONSENT_FIELDS,
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
            points[(customer.pk, kind, value)] = customer
        fresh = [
            SimpleNamespace(
                customer_id=customer.pk,
                kind=kind,
                value=value,
                is_primary=getattr(customer, kind) == value,
                source=self.importer.source,
                created_at=self.now,
            )
            for (pk, kind, value), customer in points.items()
            if pk not in self.existing_ids
        ]
        insert_objects(ContactPoint, fresh, CONTACT_POINT_FIELDS, with_pk=False)
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
