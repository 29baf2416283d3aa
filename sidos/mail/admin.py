from django.contrib import admin

from sidos.mail.models import DeliveryReport, InboundMessage, OutboundMessage


class ReadOnly(admin.ModelAdmin):
    """Mail rows change only through sidos.mail.actions (ingest, the send task): look, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnly):
    list_display = ("received_at", "status", "reason", "from_address", "subject", "source", "attempts")
    list_filter = ("status", "reason")
    search_fields = ("message_id", "from_address", "subject")
    exclude = ("raw",)  # personal data in bulk; the parsed fields say enough to find a message
    date_hierarchy = "received_at"


@admin.register(DeliveryReport)
class DeliveryReportAdmin(ReadOnly):
    list_display = ("created_at", "recipient", "action", "status", "original_message_id")
    list_filter = ("action",)
    search_fields = ("recipient", "original_message_id")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnly):
    list_display = ("created_at", "status", "purpose", "subject", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("message_id", "subject", "related")
    exclude = ("text", "html")
