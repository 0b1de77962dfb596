"""Accounts in Django admin, with staffing: an IRO's FTE is set when their account is made, which
starts their staffing history, and after that changes only from a date under IRO staffing."""

from django.contrib import admin

from accounts.admin import UserAdmin
from accounts.models import Role, User

from .services import record_staffing_change


class StaffedUserAdmin(UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "fte") if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.role == Role.IRO:
            record_staffing_change(
                obj,
                starts_on=obj.date_joined.date(),
                fte=obj.fte,
                agency=False,
                by=request.user,
                expected_version=0,
                request=request,
            )


admin.site.unregister(User)
admin.site.register(User, StaffedUserAdmin)
