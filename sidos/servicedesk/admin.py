"""Configuration in the Django admin: queues and who works them, SLA policies and calendars, the FAQ.

Tickets themselves are not editable here: every ticket change goes through actions.py.
"""

from django.contrib import admin

from sidos.servicedesk.models import BusinessCalendar, FaqArticle, FaqCategory, Queue, SlaPolicy


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "lead", "lead_email")
    filter_horizontal = ("groups",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "holiday_country")


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "priority",
        "ticket_type",
        "tier",
        "first_response_minutes",
        "resolution_minutes",
        "calendar",
    )


class FaqArticleInline(admin.StackedInline):
    model = FaqArticle
    extra = 1


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [FaqArticleInline]


@admin.register(FaqArticle)
class FaqArticleAdmin(admin.ModelAdmin):
    list_display = ("question", "category", "is_published", "updated_at")
    list_filter = ("category", "is_published")
    search_fields = ("question", "answer")
