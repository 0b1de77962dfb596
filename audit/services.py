"""Writing audit events. Every service that changes data and every child page view calls
record_event, inside the same transaction as the change it records."""

from iro_portal.client_address import client_address

from .models import AuditEvent


def record_event(*, action, user=None, obj=None, object_type="", object_id="", child_id=None,
                 request=None, username="", detail=None):
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEvent.objects.create(
        action=action,
        user=user,
        username=username or (user.get_username() if user is not None else ""),
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        ip_address=client_address(request),
        detail=detail or {},
    )
