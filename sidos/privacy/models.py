from django.conf import settings
from django.db import models


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
