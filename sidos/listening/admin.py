from django.contrib import admin

from sidos.listening.models import Post, PostCorrection, SocialHandle, Source, TrainedModel


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "enabled", "last_polled_at", "failures", "backoff_until"]
    list_filter = ["kind", "enabled"]
    readonly_fields = ["cursor", "last_polled_at", "last_error", "failures", "backoff_until"]


@admin.register(SocialHandle)
class SocialHandleAdmin(admin.ModelAdmin):
    list_display = ["handle", "network", "customer"]
    list_filter = ["network"]
    search_fields = ["handle"]
    raw_id_fields = ["customer"]


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "classifier", "created_at", "examples", "corrections", "is_active"]
    exclude = ["state"]
    readonly_fields = ["classifier", "created_at", "examples", "corrections", "evaluation", "note"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    # Posts change only through the webcare actions; the admin is for looking things up.
    list_display = ["author_handle", "source", "sentiment", "status", "posted_at"]
    list_filter = ["sentiment", "status", "source"]
    search_fields = ["external_id", "author_handle"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PostCorrection)
class PostCorrectionAdmin(admin.ModelAdmin):
    list_display = ["post", "label", "agent", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False
