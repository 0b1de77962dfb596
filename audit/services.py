"""Writing audit events. Every service that changes data and every child page view calls
record_event, inside the same transaction as the change it records. A view or change an IRO
makes of a child they see only because they cover for its IRO is marked as such here, in one
place, whichever page or endpoint made it."""

from accounts.permissions import cover_for_child

from .models import AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(*, action, user=None, obj=None, object_type="", object_id="", child_id=None,
                 request=None, username="", detail=None):
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if user is not None and not user.is_authenticated:
        user = None
    detail = detail or {}
    if user is not None and child_id is not None and (cover := cover_for_child(user, child_id)) is not None:
        detail = {**detail, "under_cover": cover.pk, "covering_for": cover.covered_iro.get_username(),
                  "cover_level": cover.level}
    return AuditEvent.objects.create(
        action=action,
        user=user,
        username=username or (user.get_username() if user is not None else ""),
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        ip_address=client_ip(request),
        detail=detail,
    )
