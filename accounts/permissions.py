"""Which pages each role may use. Which children a user may see, through their allocations and
cover, is decided in children.permissions."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

from .models import Role

ROLES_SEEING_EVERY_CHILD = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR}
ROLES_MANAGING_ALLOCATIONS = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR}
ROLES_ENTERING_CHILD_DATA = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR, Role.BUSINESS_SUPPORT}


def may_see_child_records(user):
    """Board members see aggregates only: no child-level page at all."""
    return user.is_authenticated and user.is_active and user.role != Role.BOARD_MEMBER


def sees_every_child(user):
    return may_see_child_records(user) and user.role in ROLES_SEEING_EVERY_CHILD


def lists_every_child(user):
    """The reviews due and held lists of the whole authority, with the IRO filter: managers and
    administrators, and business support, who arrange the meetings and see every child's pages."""
    return sees_every_child(user) or (may_see_child_records(user) and user.role == Role.BUSINESS_SUPPORT)


def may_use_worklists(user):
    """The oversight worklist and the escalations list are the work of IROs and managers, like
    the dashboards: business support enter records and do not see them."""
    return may_see_child_records(user) and user.role != Role.BUSINESS_SUPPORT


def may_enter_child_data(user):
    """Adding children and entering their episodes of care, strategy discussions and child
    protection plans (the facts the SSDA903 return and CIN census hold) for every child:
    managers, administrators and business support. Business support sees every child's pages
    for that, but records nothing an IRO or a manager decides (reviews, oversight, escalations)."""
    return may_see_child_records(user) and user.role in ROLES_ENTERING_CHILD_DATA


def may_manage_allocations(user):
    return user.is_authenticated and user.is_active and user.role in ROLES_MANAGING_ALLOCATIONS


def may_edit_annual_reports(user):
    """Service managers (and administrators) write, publish and see the unsuppressed report."""
    return user.is_authenticated and user.is_active and user.role in (Role.SERVICE_MANAGER, Role.ADMINISTRATOR)


def may_read_published_reports(user):
    """The Corporate Parenting Board reads the published reports, small numbers suppressed."""
    return may_edit_annual_reports(user) or (
        user.is_authenticated and user.is_active and user.role == Role.BOARD_MEMBER
    )


def may_read_audit_log(user):
    """Service managers and administrators search and export the audit log; nobody edits it."""
    return user.is_authenticated and user.is_active and user.role in (Role.SERVICE_MANAGER, Role.ADMINISTRATOR)


def may_create_api_tokens(user):
    """A token calls the API without a one-time code, so only a session that has given one (the
    person's authenticator app, django-otp) creates one; each person creates only their own."""
    return user.is_authenticated and user.is_active and user.is_verified()


class ChildRecordAccessMixin(AccessMixin):
    """For pages about individual children: board members are refused outright."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_see_child_records(request.user):
            raise PermissionDenied("Board members cannot see child-level records.")
        return super().dispatch(request, *args, **kwargs)


class AllocationManagerRequiredMixin(AccessMixin):
    """For pages that change who reviews a child or list every child."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_manage_allocations(request.user):
            raise PermissionDenied("Only service managers and administrators can use this page.")
        return super().dispatch(request, *args, **kwargs)


class ChildDataEntryRequiredMixin(AccessMixin):
    """For the pages that add children and enter their episodes, strategy discussions and
    protection plans: IROs see those records on the child's page, read-only."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_enter_child_data(request.user):
            raise PermissionDenied(
                "Only service managers, administrators and business support can enter these records."
            )
        return super().dispatch(request, *args, **kwargs)
