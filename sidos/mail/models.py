"""Mail in and out: every received message (raw bytes kept), delivery reports, IMAP cursors, the outbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CREATED = "created", _("Created")
    THREADED = "threaded", _("Threaded")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class InboundReason(models.TextChoices):
    NONE = "", _("None")
    AUTO_REPLY = "auto_reply", _("Auto-reply")
    BOUNCE = "bounce", _("Bounce (delivery report)")
    LOOP = "loop", _("Mail loop")
    DUPLICATE = "duplicate", _("Duplicate Message-ID")
    UNPARSEABLE = "unparseable", _("Cannot be parsed")
    HANDLER_ERROR = "handler_error", _("Handler error")
    DISCARDED = "discarded", _("Discarded by staff")


class InboundMessage(models.Model):
    """One received message. The raw bytes are kept whatever happened, so a failed one can be re-run."""

    message_id = models.CharField(max_length=998, db_index=True)
    sha256 = models.CharField(max_length=64)
    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=500, blank=True, help_text="file path, stdin or imap:mailbox:uid")
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    reason = models.CharField(max_length=20, choices=InboundReason.choices, blank=True, default="")
    detail = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"], name="mail_inbound_status_idx")]
        permissions = [("manage_quarantine", "Can review, re-process and discard quarantined mail")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class DeliveryReport(models.Model):
    """One recipient line of a DSN bounce (RFC 3464); campaigns read these for suppression."""

    inbound = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="delivery_reports")
    recipient = models.CharField(max_length=320, db_index=True, help_text="Final-Recipient address")
    original_recipient = models.CharField(max_length=320, blank=True)
    action = models.CharField(max_length=20, blank=True, help_text="failed, delayed, delivered, relayed…")
    status = models.CharField(max_length=20, blank=True, help_text="enhanced status code, e.g. 5.1.1")
    diagnostic = models.TextField(blank=True)
    remote_mta = models.CharField(max_length=255, blank=True)
    original_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.recipient}: {self.action} {self.status}"

    @property
    def is_permanent(self) -> bool:
        return self.action == "failed" and self.status.startswith("5")


class ImapCursor(models.Model):
    """The highest UID already taken from one IMAP mailbox, valid for one UIDVALIDITY."""

    mailbox = models.CharField(max_length=500, unique=True, help_text="user@host:port/folder")
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.mailbox} uid>{self.last_uid}"


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """A message in the outbox. Sent by a task; a failed attempt is retried with backoff."""

    message_id = models.CharField(max_length=998, unique=True)
    from_email = models.CharField(max_length=320, blank=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    text = models.TextField()
    html = models.TextField(null=True, blank=True)
    in_reply_to = models.CharField(max_length=998, null=True, blank=True)
    references = models.JSONField(default=list)
    headers = models.JSONField(default=dict, blank=True)
    purpose = models.CharField(max_length=30, default="service", db_index=True)
    related = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_outbound_due_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} → {', '.join(self.to)} ({self.status})"


class OutboundAttachment(models.Model):
    """A file sent with an outbox message, kept in the database so that every retry sends it again."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.filename
