from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Stage(models.TextChoices):
    """Relationship stages from the customer-management seed, in order, plus a way out."""

    AWARENESS = "awareness", _("Awareness")
    KNOWLEDGE = "knowledge", _("Knowledge")
    INTEREST = "interest", _("Interest")
    PREFERENCE = "preference", _("Preference")
    TRIAL = "trial", _("Trial")
    SATISFACTION = "satisfaction", _("Satisfaction")
    FAVOURING = "favouring", _("Favouring")
    COMMITMENT = "commitment", _("Commitment")
    FORMER = "former", _("Former customer")


# The customer list's filters besides tags and search.
LIST_FILTERS = ["kind", "country", "stage", "marketing_email_consent"]


def list_index(name: str, *order: str, carry: tuple[str, ...] = ()) -> models.Index:
    """An index for one list order (a sort, or a filter or search that fixes its first column).

    It ends the order with the id, so ties page stably, and carries the list filters after it: a
    filtered page or count reads and tests index entries only, and fetches just the rows it shows.
    """
    rest = [column for column in [*LIST_FILTERS, *carry] if column not in order]
    return models.Index(fields=[*order, "id", *rest], name=name)


class CustomerQuerySet(models.QuerySet):
    def consenting(self, channel: str, purpose: str):
        """Customers whose latest consent-ledger entry for this channel and purpose grants it.

        The ledger is the truth (not the marketing_email_consent cache): one correlated subquery on
        the consent_latest index, so it stays a single query inside a campaign's or survey's audience.
        """
        latest = (
            Consent.objects.filter(customer=models.OuterRef("pk"), channel=channel, purpose=purpose)
            .order_by("-recorded_at", "-id")
            .values("granted")[:1]
        )
        name = f"consent_{channel}_{purpose}"
        return self.annotate(**{name: models.Subquery(latest)}).filter(**{name: True})

    def search(self, query: str):
        from sidos.customers.search import matching

        return matching(self, query)

    def with_contact(self, kind: str, value: str):
        """The customer a normalised e-mail address or phone number (kind "email" or "phone") belongs to:
        the one it is the primary of, else the one holding it as a contact point, or None. One query
        when the primary matches, two otherwise."""
        found = self.filter(**{kind: value}).order_by("pk").first()
        if found is None:
            found = (
                self.filter(contact_points__kind=kind, contact_points__value=value)
                .order_by("-contact_points__is_primary", "pk")
                .first()
            )
        return found


class Customer(models.Model):
    external_id = models.CharField(_("customer id"), max_length=100, null=True, blank=True, unique=True)
    kind = models.CharField(
        _("type"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    name = models.CharField(_("organisation name"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    stage = models.CharField(
        _("relationship stage"), max_length=20, choices=Stage.choices, blank=True
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    # Current state of the consent ledger for the one consent the CSV carries; the ledger is the truth.
    marketing_email_consent = models.BooleanField(_("marketing e-mail consent"), null=True, blank=True)
    # Lower-cased keys that make prefix search use an index (see customers/search.py). On PostgreSQL
    # both have the "C" collation (migration 0006), as SQLite compares them; an AlterField of either
    # would reset it, so such a migration must set it again.
    search_name = models.CharField(max_length=300, blank=True, editable=False)
    search_surname = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["search_name", "id"]
        permissions = [
            ("merge_customer", "Can merge duplicate customers"),
            ("import_customer", "Can import customers and orders"),
            ("export_customer", "Can export customer data"),
        ]
        indexes = [
            # With the surname: a common surname's first page in name order (a walk of this index that
            # meets one match in a hundred) tests index entries, not table rows.
            list_index("customer_list_order", "search_name", carry=("search_surname",)),
            list_index("customer_country_list", "country", "search_name"),
            list_index("customer_stage_list", "stage", "search_name"),
            list_index("customer_surname_list", "search_surname", "search_name"),
            list_index("customer_created_list", "created_at"),
            list_index("customer_updated_list", "updated_at"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION and self.name:
            return self.name
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.name or self.email or self.phone or self.external_id or f"#{self.pk}"

    def refresh_search_keys(self) -> None:
        self.search_name = search_name_for(self.kind, self.first_name, self.last_name, self.name)
        self.search_surname = (
            self.name if self.kind == CustomerKind.ORGANISATION else self.last_name
        ).lower()


def search_name_for(kind: str, first_name: str, last_name: str, name: str) -> str:
    if kind == CustomerKind.ORGANISATION and name:
        return name.lower()
    return f"{first_name} {last_name}".strip().lower() or name.lower()


class CustomerTagIndex(models.Model):
    """One tag of one customer, with the list filters: read-only, written by the database itself.

    Triggers on the customer table keep it (migration 0007), so the tag filter and a tag list's
    count are indexed on SQLite, which cannot index inside a JSON list, and on PostgreSQL.
    """

    pk = models.CompositePrimaryKey("tag", "customer")
    tag = models.TextField()
    customer = models.ForeignKey(Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    kind = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    stage = models.CharField(max_length=20)
    marketing_email_consent = models.BooleanField(null=True)

    class Meta:
        managed = False
        db_table = "customer_tag_index"

    def __str__(self) -> str:
        return f"{self.tag} #{self.customer_id}"


class ContactKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")


class ContactPoint(models.Model):
    """Every e-mail address and phone number a customer has used; the primary one is on Customer too."""

    # No index of its own: contact_point_once_per_customer starts with the customer, so it serves every
    # lookup by customer (the 360 page, merge, erasure) and an import writes one index entry less a row.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    value = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)
    source = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "kind", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="contact_point_once_per_customer"
            )
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contact_point_lookup")]

    def __str__(self) -> str:
        return self.value


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    POST = "post", _("Post")


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service messages")
    SURVEYS = "surveys", _("Surveys")
    PROFILING = "profiling", _("Profiling and analytics")


class Consent(models.Model):
    """One entry of the append-only consent ledger: the latest entry per channel and purpose wins."""

    # No index of its own: consent_latest starts with the customer (see ContactPoint.customer).
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents", db_index=False)
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "channel", "purpose", "recorded_at"], name="consent_latest")
        ]

    def __str__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"{self.channel}/{self.purpose} {state} ({self.source})"


class TimelineKind(models.TextChoices):
    CREATED = "created", _("Customer created")
    UPDATED = "updated", _("Details changed")
    CONSENT = "consent", _("Consent")
    MERGED = "merged", _("Merged")
    ORDER = "order", _("Order")
    NOTE = "note", _("Note")


class TimelineEvent(models.Model):
    """One customer's history. Every capability appends here: orders now; tickets, posts, campaigns later."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30)
    occurred_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)
    ref_type = models.CharField(max_length=30, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="timeline_per_customer"),
            models.Index(fields=["ref_type", "ref_id"], name="timeline_ref"),
        ]

    def __str__(self) -> str:
        return self.title


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    DONE_WITH_ERRORS = "done_with_errors", _("Done, some rows rejected")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """The history of imports: who imported which file, what it did, and the rejected rows."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    filename = models.CharField(max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # Rejected rows as CSV (line, field, reason, then the row as read), downloadable from the import page.
    errors_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.filename}"


class CustomerAlias(models.Model):
    """A source-system id that now points at another customer: kept after a merge so re-imports match."""

    external_id = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.external_id
