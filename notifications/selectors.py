"""Reading the inbox: the order it is shown in, one rule for the page and the API."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from .models import Notification, NotificationKind

URGENT_KINDS = (NotificationKind.SAFETY_ALERT,)


def in_inbox_order(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """Unread urgent notifications (safety alerts) first, then the other unread ones, then those
    read; the newest first within each."""
    return notifications.order_by(
        Case(
            When(read_at__isnull=True, kind__in=URGENT_KINDS, then=Value(0)),
            When(read_at__isnull=True, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "-created_at",
        "-id",
    )
