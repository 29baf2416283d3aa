"""Segments, the suppression list, campaigns with their language variants, and the per-recipient send log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import Customer


class Segment(models.Model):
    """A saved audience: a filter definition (see segments.py) evaluated again at every send."""

    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def customers(self):
        """The customers the filters match now, as one lazy query (no consent or suppression applied)."""
        from sidos.campaigns.segments import customers_matching

        return customers_matching(self.definition)


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained")


class Suppression(models.Model):
    """An address that gets no marketing mail, whatever its consent says: this list always wins."""

    address = models.CharField(_("address"), max_length=320, unique=True)  # lower-cased
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # Sending was asked for; the background task has not drawn the audience yet.
    QUEUED = "queued", _("Preparing audience")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("segment")
    )
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    from_email = models.CharField(_("sender"), max_length=320, blank=True)
    # Share of the eligible audience held out as the control group, never mailed (0 = none).
    control_share = models.DecimalField(_("control group share"), max_digits=4, decimal_places=3, default=0)
    # Seeds the hold-out draw, so the same customer lands in the same group on every resume.
    seed = models.PositiveIntegerField(default=0)
    conversion_days = models.PositiveIntegerField(_("conversion window, days"), default=14)
    # Counts from the audience draw (eligible, control, excluded without consent / suppressed / no address).
    audience = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # One sender at a time: a run takes the lease and renews it every batch (see sending.py).
    lease = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("send_campaign", "Can send campaigns")]

    def __str__(self) -> str:
        return self.name


class Language(models.TextChoices):
    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    EN = "en", _("English")


class Variant(models.Model):
    """One language of a campaign; a customer gets their language's variant, else the first one there is."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=300)
    # A/B test: when set, half the mailed group (drawn at random) gets this subject instead.
    subject_b = models.CharField(_("subject B (A/B test)"), max_length=300, blank=True)
    html = models.TextField(_("HTML part"), blank=True)
    text = models.TextField(_("text part"))

    class Meta:
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="one_variant_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ({self.language})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Handed to SMTP")  # claimed: written before the hand-off
    SENT = "sent", _("Sent")
    CONTROL = "control", _("Control group (not mailed)")
    SKIPPED = "skipped", _("Skipped (consent withdrawn or suppressed before sending)")
    FAILED = "failed", _("Refused by the SMTP server")
    BOUNCED = "bounced", _("Bounced")
    IN_DOUBT = "in_doubt", _("Unknown (interrupted during the hand-off; not sent again)")


class Delivery(models.Model):
    """The send log: one row per campaign and customer, written before any mail is handed to SMTP."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="campaign_deliveries")
    address = models.CharField(max_length=320)
    language = models.CharField(max_length=2, blank=True)
    arm = models.CharField(max_length=1, blank=True)  # "a" or "b" in an A/B test of subjects, else ""
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="one_delivery_per_customer")
        ]
        indexes = [models.Index(fields=["campaign", "status", "id"], name="delivery_queue")]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.address} ({self.status})"


class TrackingKind(models.TextChoices):
    OPEN = "open", _("Opened")
    CLICK = "click", _("Clicked")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")


class TrackingEvent(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=TrackingKind.choices)
    url = models.CharField(max_length=2000, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.delivery_id}"


class SignupAttempt(models.Model):
    """A post of the public signup form, by a keyed hash of the client address: for the rate limit only."""

    client_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.client_hash[:8]
