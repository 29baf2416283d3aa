from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sidos.privacy.registry import LegalBasis, Purpose


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    MERGE = "merge", "Merged"
    EXPORT = "export", "Exported"
    IMPORT = "import", "Imported"
    CONSENT = "consent", "Consent recorded"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    ERASE = "erase", "Erased"
    REQUEST = "request", "Request recorded"
    DECIDE = "decide", "Request decided"


class AuditEntry(models.Model):
    """Who read or changed which personal data, and when. Rows are only ever appended.

    customer_id is a plain integer, not a foreign key, so the trail outlives the customer
    (merges and erasure keep that something happened).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=20, default="web")  # web, api, cli, task
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=64, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "created_at"], name="audit_actor_time")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_label} {self.action} {self.target_type} {self.target_id}"


class PortalLinkRequest(models.Model):
    """One request for a portal login link, whether or not the address is on file.

    Unknown addresses are kept only as a keyed hash (for the per-address rate limit), never in clear.
    A row with a customer is a link that was mailed: used_at makes it single-use, ended_at ends the
    portal session it opened (logout).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    address_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="portal_links"
    )
    nonce_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "created_at"], name="portal_link_address"),
            models.Index(fields=["ip", "created_at"], name="portal_link_ip"),
        ]

    def __str__(self) -> str:
        return f"portal link {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"


class ErasureReceipt(models.Model):
    """That a customer was erased: when, by whom, why and how many rows per app, never personal values.

    customer_id is the erased row's former id (a plain integer, as in the audit log), so a second
    request for the same id is answered "already erased"; stub is the anonymous customer the kept
    records (orders, tickets) now belong to.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    customer_id = models.BigIntegerField(db_index=True)
    stub = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    channel = models.CharField(max_length=20, default="web")
    reason = models.CharField(max_length=500)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"erasure of #{self.customer_id} ({self.created_at:%Y-%m-%d})"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access")
    ERASURE = "erasure", _("Erasure")
    CORRECTION = "correction", _("Correction")
    OBJECTION = "objection", _("Objection")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPROVED = "approved", _("Approved")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")


OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.APPROVED)


class SlaState(models.TextChoices):
    OK = "ok", _("On time")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    CLOSED = "closed", _("Closed")


class DataSubjectRequest(models.Model):
    """A customer's request under the GDPR (access, erasure, correction, objection), due in 30 days.

    customer is nulled when the customer is erased; customer_id keeps which one it was.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
    )
    customer_id_at_receipt = models.BigIntegerField(db_index=True)
    source = models.CharField(_("source"), max_length=20, default="staff")  # portal or staff
    received_at = models.DateTimeField(_("received"), db_index=True)
    due_at = models.DateTimeField(_("due"), db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    receipt = models.ForeignKey(ErasureReceipt, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["due_at", "id"]
        permissions = [
            ("approve_erasure", "Can approve data-subject requests and erase customers"),
            ("view_privacy_records", "Can read the audit log and the record of processing"),
        ]
        indexes = [models.Index(fields=["status", "due_at", "id"], name="dsr_queue")]

    def __str__(self) -> str:
        return f"{self.kind} request #{self.pk}"

    def sla_state(self, now=None) -> str:
        from sidos.privacy.requests import sla_state

        return sla_state(self, now)


class AttributeDeclaration(models.Model):
    """Why a custom attribute key (customers' JSON `attributes`) is held: it joins the record of processing.

    Keys found in the data without a declaration are listed there as needing a purpose.
    """

    key = models.CharField(_("attribute key"), max_length=100, unique=True)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    retention = models.CharField(_("retention"), max_length=200)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
