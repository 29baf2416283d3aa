from django.contrib import admin

from sidos.lib.readonlyadmin import ReadOnlyAdmin
from sidos.privacy.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is only ever appended to, by the actions."""

    list_display = ("created_at", "actor_label", "channel", "action", "target_type", "target_id", "summary")
    list_filter = ("action", "channel", "target_type")
    search_fields = ("actor_label", "target_id", "summary")
    date_hierarchy = "created_at"
