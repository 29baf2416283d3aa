from django.contrib import admin

from sidos.lib.readonlyadmin import ReadOnlyAdmin
from sidos.mail.models import DeliveryReport, InboundMessage, OutboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "status", "reason", "from_address", "subject", "source", "attempts")
    list_filter = ("status", "reason")
    search_fields = ("message_id", "from_address", "subject")
    exclude = ("raw",)  # personal data in bulk; the parsed fields say enough to find a message
    date_hierarchy = "received_at"


@admin.register(DeliveryReport)
class DeliveryReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "action", "status", "original_message_id")
    list_filter = ("action",)
    search_fields = ("recipient", "original_message_id")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "status", "purpose", "subject", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "purpose")
    search_fields = ("message_id", "subject", "related")
    exclude = ("text", "html")
