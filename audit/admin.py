from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log can be searched but never edited or pruned here."""

    list_display = ("occurred_at", "username", "action", "object_type", "object_id", "child_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
