from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only an app's actions may write (the audit log, mail records): look, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
