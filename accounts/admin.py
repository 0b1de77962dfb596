from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from audit.models import AuditAction
from audit.services import record_event

from .api_tokens import create_api_token, revoke_api_token
from .models import ApiToken, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators create a token for a user (the key is shown once, in the confirmation
    message) and revoke it; tokens are never edited or deleted, so the audit trail holds."""

    list_display = ("name", "user", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    fields = ("user", "name")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, key = create_api_token(form.cleaned_data["user"], name=form.cleaned_data["name"], by=request.user,
                                      request=request)
        obj.pk = token.pk
        messages.warning(request, f"The key for “{token.name}” is {key} — copy it now: it will not be shown again.")

    def log_addition(self, request, obj, message):
        """The audit log has the event already (create_api_token)."""

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            revoke_api_token(token, by=request.user, request=request)
        self.message_user(request, f"{queryset.count()} tokens revoked.")
