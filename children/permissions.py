"""The one place that decides which children a user may see and change: an IRO's own, from their
allocations, and those of the IRO they cover for while a manager's cover is in force
(accounts.models.CoverArrangement). Which pages each role may use is in accounts.permissions."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from accounts.models import CoverArrangement, CoverLevel, Role
from accounts.permissions import may_enter_child_data, may_see_child_records, sees_every_child

from .models import Allocation, Child

READ_ONLY_COVER_MESSAGE = (
    "You are covering for this child's IRO with read-only access, so you cannot change their records. "
    "Ask a service manager for read and record cover."
)


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
        on = on or timezone.localdate()
        current = Allocation.objects.current(on).order_by()
        allocated = current.filter(iro=user).values("child_id")
        if cover:
            # Their own children and those they cover, as a union rather than "theirs or covered":
            # PostgreSQL then estimates each part from the IRO's own allocations, and a list of
            # a large authority's reviews starts from the IRO's few children instead of walking
            # every review to find theirs.
            covered = current.filter(iro__in=_covered_iros(user, on, recording=recording)).values("child_id")
            allocated = allocated.union(covered, all=True)
        return children.filter(pk__in=allocated)
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
