"""The API's permission classes: the same functions as the pages (accounts.permissions). Which
children an IRO may see is decided by each endpoint's queryset (children_visible_to), so
another IRO's child is a 404, as on the pages."""

from rest_framework.permissions import BasePermission

from .permissions import may_enter_child_data, may_manage_allocations, may_see_child_records


class ActiveUser(BasePermission):
    """Signed in (by session or token) with an active account."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ChildRecords(ActiveUser):
    """Child-level endpoints: never for board members (the same rule as the pages)."""

    message = "Board members cannot see child-level records."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and may_see_child_records(request.user)


class ManagesAllocations(ActiveUser):
    message = "Only service managers and administrators can do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and may_manage_allocations(request.user)


class ManagersCreate:
    """A viewset mixin: creating is a manager's task (adding a child, allocating an IRO), since
    only they would see the new, unallocated child afterwards; reading stays as the viewset says."""

    def get_permissions(self):
        if self.action == "create":
            return [ChildRecords(), ManagesAllocations()]
        return super().get_permissions()


class EntersChildData(ActiveUser):
    message = "Only service managers, administrators and business support can do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and may_enter_child_data(request.user)


class DataEntryCreate:
    """A viewset mixin: adding a child is data entry (managers, administrators, business
    support), since only they would see the new, unallocated child afterwards; reading stays as
    the viewset says."""

    def get_permissions(self):
        if self.action == "create":
            return [ChildRecords(), EntersChildData()]
        return super().get_permissions()
