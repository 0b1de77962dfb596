from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.models import AuditAction
from audit.services import record_event

from .api_tokens import revoke_api_token
from .models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Administrators manage accounts here; every change is written to the audit log."""

    list_display = ("username", "first_name", "last_name", "role", "fte", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Role", {"fields": ("role", "fte", "team")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Role", {"fields": ("role", "fte", "team")}))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            user=request.user,
            obj=obj,
            request=request,
            detail={"changed": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        record_event(action=AuditAction.DELETE, user=request.user, obj=obj, request=request)
        super().delete_model(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see every token and revoke them. Nobody creates one here: each person
    creates their own under "Your account" after their one-time code, so no key is ever seen by
    anyone but its user. Tokens are never edited or deleted, so the audit trail holds."""

    list_display = (
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "expires_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("read_only", "revoked_at", "expires_at")
    search_fields = ("name", "user__username", "prefix")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_api_token(token, by=request.user, request=request)
        self.message_user(request, f"{queryset.count()} tokens revoked.")
