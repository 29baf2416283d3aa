"""Tickets, their messages and history, SLA policies and calendars, FAQ, canned responses and CSAT."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Customer
from sidos.orders.models import Order

REFERENCE_PREFIX = "SD-"
# Open tickets with no running clock (paused, or no target) sort after every real deadline. A sentinel,
# not NULL, because SQLite and PostgreSQL put NULLs at opposite ends and the list index needs one order.
NO_DEADLINE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class TicketType(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")
    CONTACT_REQUEST = "contact_request", _("Contact request")
    INFORMATION_REQUEST = "information_request", _("Information request")
    FEEDBACK = "feedback", _("Feedback")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEB_FORM = "web_form", _("Web form")
    PHONE = "phone", _("Phone note")
    SOCIAL = "social", _("Social post")
    API = "api", _("API")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


class Tier(models.TextChoices):
    """The customer's value class from analytics: top = the two most valuable deciles."""

    TOP = "top", _("Top customers")
    STANDARD = "standard", _("Other customers")


class Queue(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # Roles whose agents work this queue; admins (view_all_queues) see every queue.
    groups = models.ManyToManyField(Group, blank=True, related_name="ticket_queues", verbose_name=_("roles"))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_email = models.EmailField(_("queue lead e-mail"), blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_queue"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def escalation_address(self) -> str:
        return self.lead_email or (self.lead.email if self.lead else "")


def default_hours() -> dict:
    return {str(day): [[8 * 60, 16 * 60]] for day in range(5)}


class BusinessCalendar(models.Model):
    """Opening hours per weekday (minutes of the day, "0" = Monday) in a time zone, plus holidays."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/Helsinki")
    hours = models.JSONField(default=default_hours)
    holiday_country = models.CharField(
        max_length=2, default="FI", blank=True, help_text="public holidays of this country (holidays package)"
    )
    closed_dates = models.JSONField(default=list, blank=True, help_text="extra closed days, ISO dates")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        try:
            self.calendar()
        except (ValueError, TypeError, KeyError, LookupError, NotImplementedError) as error:
            # Bad hours, an unknown time zone (ZoneInfoNotFoundError is a KeyError), an unknown holiday
            # country (the holidays package raises NotImplementedError).
            raise ValidationError(f"{self.name or 'calendar'}: {error}")

    def calendar(self):
        from sidos.servicedesk.sla import calendar_for

        return calendar_for(self)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class SlaPolicy(models.Model):
    """Targets for the tickets it matches; the most specific matching policy wins (blank = any)."""

    name = models.CharField(max_length=100)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    ticket_type = models.CharField(max_length=30, choices=TicketType.choices, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    # No calendar: the clock runs around the clock (real elapsed time).
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT)
    warn_before_minutes = models.PositiveIntegerField(default=240)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_open=True)

    def visible_to(self, user):
        """Tickets in the queues the user's roles work (admins: all).

        Said so that the list keeps reading the (is_open, next_due, id) index in order: one visible
        queue is an equality (its own index is in order too), otherwise the few hidden queues are
        excluded. An IN over several visible queues would make the database sort every open ticket.
        """
        if user.has_perm("servicedesk.view_all_queues"):
            return self
        visible = set(Queue.objects.filter(groups__in=user.groups.all()).values_list("pk", flat=True))
        if not visible:
            return self.none()
        if len(visible) == 1:
            return self.filter(queue_id=visible.pop())
        hidden = list(Queue.objects.exclude(pk__in=visible).values_list("pk", flat=True))
        return self.exclude(queue_id__in=hidden) if hidden else self


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=300)
    ticket_type = models.CharField(
        _("type"), max_length=30, choices=TicketType.choices, default=TicketType.INQUIRY
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    # Derived from status; indexed with next_due it serves the default queue view without a sort.
    is_open = models.BooleanField(default=True, editable=False)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    contact_email = models.CharField(max_length=254, blank=True)
    tags = models.JSONField(default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    # SLA clocks. Dues are instants; while waiting on the customer both clocks are paused.
    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    next_due = models.DateTimeField(default=NO_DEADLINE, editable=False)
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_queues", "Can see tickets in every queue"),
            ("merge_ticket", "Can merge tickets"),
            ("view_servicedesk_reports", "Can see SLA and CSAT reports"),
        ]
        indexes = [
            # The default queue view: open tickets, most urgent deadline first. Partial indexes, because
            # Django writes is_open=True as a bare `WHERE is_open`, which SQLite matches only against an
            # index with that same condition (a plain index on is_open would not be used), and because
            # the open tickets are the few that the list reads.
            # queue comes last in two of them so that an agent's queue filter and the capped count are
            # read from the index alone, without visiting the table for every open ticket.
            models.Index(
                fields=["next_due", "id", "queue"],
                name="ticket_open_by_due",
                condition=models.Q(is_open=True),
            ),
            models.Index(
                fields=["queue", "next_due", "id"],
                name="ticket_queue_open_by_due",
                condition=models.Q(is_open=True),
            ),
            models.Index(
                fields=["assignee", "next_due", "id", "queue"],
                name="ticket_assignee_open",
                condition=models.Q(is_open=True),
            ),
            # "All" and the closed statuses list newest first.
            models.Index(fields=["-created_at", "-id"], name="ticket_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_newest"),
            models.Index(fields=["customer", "-created_at"], name="ticket_per_customer"),
            models.Index(fields=["queue", "created_at"], name="ticket_queue_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("servicedesk:ticket", args=[self.pk])

    @property
    def reference(self) -> str:
        return reference_for(self.pk)

    @property
    def is_paused(self) -> bool:
        return self.sla_paused_at is not None

    @property
    def has_deadline(self) -> bool:
        return self.next_due < NO_DEADLINE


def reference_for(pk: int) -> str:
    return f"{REFERENCE_PREFIX}{pk:06d}"


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_address = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Untrusted HTML from a customer's mail, kept for the record and never rendered unescaped.
    html = models.TextField(null=True, blank=True)
    # Message-ID in or out (without <>): a customer's reply references it and joins this ticket.
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    outbound = models.ForeignKey(
        "mail.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inbound_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One ticket message per Message-ID: two ingests of one mail at the same instant both pass
            # the duplicate check (it sees committed rows only); this stops the second one.
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~models.Q(message_id=""),
                name="servicedesk_message_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE


def attachment_path(instance, filename: str) -> str:
    return f"servicedesk/{instance.ticket_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    MESSAGE = "message", _("Customer wrote")
    REPLIED = "replied", _("Replied")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY = "priority", _("Priority changed")
    QUEUE = "queue", _("Queue changed")
    TYPE = "type", _("Type changed")
    TAGS = "tags", _("Tags changed")
    MERGED = "merged", _("Merged")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached, escalated")
    CSAT = "csat", _("Satisfaction rating")
    ACKNOWLEDGED = "acknowledged", _("Acknowledgement sent")


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="ticket_event_kind_time")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"


class CannedResponse(models.Model):
    """A reply template; {first_name}, {name} and {reference} are filled in for the ticket."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("queue"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class FaqCategory(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(unique=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "FAQ categories"

    def __str__(self) -> str:
        return self.name


class FaqArticle(models.Model):
    category = models.ForeignKey(FaqCategory, on_delete=models.CASCADE, related_name="articles")
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"))
    is_published = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "position", "question"]

    def __str__(self) -> str:
        return self.question


class CsatRating(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="csat")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="csat_score_1_to_5")
        ]

    def __str__(self) -> str:
        return f"{self.score} for {self.ticket_id}"


class ContactAttempt(models.Model):
    """Public contact-form posts per client address (hashed), for the rate limit."""

    client_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client_hash", "created_at"], name="contact_attempt_recent")]

    def __str__(self) -> str:
        return f"{self.client_hash[:8]} at {self.created_at}"
