from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.models import AuditAction
from audit.services import record_event

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Administrators manage accounts here; every change is written to the audit log."""

    list_display = ("username", "first_name", "last_name", "role", "fte", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (("Role", {"fields": ("role", "fte", "team")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Role", {"fields": ("role", "fte", "team")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            user=request.user, obj=obj, request=request,
            detail={"changed": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        record_event(action=AuditAction.DELETE, user=request.user, obj=obj, request=request)
        super().delete_model(request, obj)
