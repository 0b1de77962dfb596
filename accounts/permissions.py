"""The one place that decides who may see which child and which pages."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from .models import CoverArrangement, CoverLevel, Role

READ_ONLY_COVER_MESSAGE = (
    "You are covering for this child's IRO with read-only access, so you cannot change their records. "
    "Ask a service manager for read and record cover."
)

ROLES_SEEING_EVERY_CHILD = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR}
ROLES_MANAGING_ALLOCATIONS = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR}
ROLES_ENTERING_CHILD_DATA = {Role.SERVICE_MANAGER, Role.ADMINISTRATOR, Role.BUSINESS_SUPPORT}


def may_see_child_records(user):
    """Board members see aggregates only: no child-level page at all."""
    return user.is_authenticated and user.is_active and user.role != Role.BOARD_MEMBER


def sees_every_child(user):
    return may_see_child_records(user) and user.role in ROLES_SEEING_EVERY_CHILD


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


def _covered_iros(user, on, *, recording):
    """The IROs whose children this IRO covers on the day (as a subquery): any cover to see,
    read and record cover to change records."""
    covers = CoverArrangement.objects.active(on).filter(covering_iro=user)
    if recording:
        covers = covers.filter(level=CoverLevel.READ_AND_RECORD)
    return covers.values("covered_iro_id")


def _children_of(user, children, on, *, cover, recording=False):
    if not may_see_child_records(user):
        return children.none()
    if sees_every_child(user):
        return children
    if user.role == Role.BUSINESS_SUPPORT:
        return children.none() if recording else children
    if user.role == Role.IRO:
        from children.models import Allocation

        on = on or timezone.localdate()
        iros = Q(iro=user)
        if cover:
            iros |= Q(iro__in=_covered_iros(user, on, recording=recording))
        current = Allocation.objects.current(on).filter(iros)
        return children.filter(pk__in=current.values("child_id"))
    return children.none()


def children_visible_to(user, children, on=None):
    """Narrow a Child queryset to what the user may open: an IRO sees the children currently
    allocated to them and, while a manager's cover is in force, those currently allocated to
    the IRO they cover for. One SQL condition, so lists keep their number of queries."""
    return _children_of(user, children, on, cover=True)


def children_recordable_by(user, children, on=None):
    """Narrow a Child queryset to the children whose reviews, oversight, escalations and
    record the user may change: an IRO's own children and those under read and record cover
    (read-only cover lets them look, not change)."""
    return _children_of(user, children, on, cover=True, recording=True)


def children_allocated_to(user, children, on=None):
    """The IRO's own children, leaving out any they cover for (their own dashboard's figures);
    every child for managers."""
    return _children_of(user, children, on, cover=False)


def may_record_for_child(user, child_id, on=None):
    from children.models import Child

    if sees_every_child(user):
        return True
    return children_recordable_by(user, Child.objects.filter(pk=child_id), on=on).exists()


def records_for_children_seen(user):
    """Whether seeing a child other than through cover lets the user record for them (reviews,
    oversight, escalations): yes for IROs, managers and administrators; business support sees
    every child to enter their data, and records nothing else. No query, for the child's page."""
    return may_see_child_records(user) and user.role != Role.BUSINESS_SUPPORT


def children_enterable_by(user, children, on=None):
    """Narrow a Child queryset to the children whose episodes of care, strategy discussions and
    protection plans the user may enter: every child for those who may_enter_child_data, the
    children an IRO may record for otherwise."""
    if may_enter_child_data(user):
        return children
    return children_recordable_by(user, children, on=on)


def require_entry_rights(user, child_id, on=None):
    """Refuse (403) a change to a child's episodes, strategy discussions or protection plans by
    someone who may see the child but not enter them."""
    if not may_enter_child_data(user):
        require_recording_rights(user, child_id, on=on)


def may_update_action(user, action, on=None):
    """An agreed action is recorded done, or given a new date, by whoever may record for the
    child, and by the action's owner where they sign in to the portal."""
    if not may_see_child_records(user):
        return False
    return action.owner_id == user.pk or may_record_for_child(user, action.review.child_id, on=on)


def require_recording_rights(user, child_id, on=None):
    """Refuse (403) a change to a child's records the user may see but not change."""
    if not may_record_for_child(user, child_id, on=on):
        raise PermissionDenied(READ_ONLY_COVER_MESSAGE)


def covers_for_children(user, child_ids, on=None):
    """For each of these children an IRO sees only through cover today, the cover arrangement
    they see it through (read and record cover wins over read-only cover); their own children,
    and everyone's for anyone but an IRO, are left out. Two queries however many children (one
    when the IRO covers for nobody), so a list page marks its children without a query each."""
    child_ids = [child_id for child_id in child_ids if child_id is not None]
    if not child_ids or not getattr(user, "is_authenticated", False) or user.role != Role.IRO:
        return {}
    from children.models import Allocation

    on = on or timezone.localdate()
    covers = list(
        CoverArrangement.objects.active(on)
        .filter(covering_iro=user)
        .select_related("covered_iro")
        .order_by(
            Case(When(level=CoverLevel.READ_AND_RECORD, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "pk",
        )
    )
    if not covers:
        return {}
    iros_of = {}
    for child_id, iro_id in (
        Allocation.objects.current(on).filter(child_id__in=child_ids).values_list("child_id", "iro_id")
    ):
        iros_of.setdefault(child_id, set()).add(iro_id)
    found = {}
    for child_id, iros in iros_of.items():
        if user.pk in iros:
            continue
        cover = next((cover for cover in covers if cover.covered_iro_id in iros), None)
        if cover is not None:
            found[child_id] = cover
    return found


def cover_for_child(user, child_id, on=None):
    """The cover arrangement through which an IRO sees this child today, or None when the child
    is their own (or they are not an IRO)."""
    return covers_for_children(user, [child_id], on=on).get(child_id)


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
