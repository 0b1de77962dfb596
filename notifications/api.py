"""/api/v1/notifications/: the caller's own reminders, as in the inbox (every signed-in user has
one, board members included); anyone else's is a 404. Marking read calls
notifications.services.mark_read, as the inbox does."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from audit.api import AuditedList

from . import services
from .models import Notification, NotificationKind
from .selectors import in_inbox_order


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "subject_type",
            "subject_id",
            "child",
            "due_date",
            "step",
            "message",
            "link",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)"
    )

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class InboxOrdering(OrderingFilter):
    """As in the inbox (unread safety alerts, other unread, read; newest first), unless the caller
    orders otherwise."""

    def get_default_ordering(self, view):
        return None

    def filter_queryset(self, request, queryset, view):
        if self.get_ordering(request, queryset, view):
            return super().filter_queryset(request, queryset, view)
        return in_inbox_order(queryset)


@extend_schema_view(
    list=extend_schema(summary="Your reminders (unread first)"),
    retrieve=extend_schema(summary="One of your reminders"),
)
class NotificationViewSet(AuditedList, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own reminders only: another user's is a 404."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    filter_backends = [DjangoFilterBackend, InboxOrdering]
    ordering_fields = ["created_at", "due_date", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is drawn with no user
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(summary="Mark one of your reminders read", request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(notification, request.user)
        return Response(NotificationSerializer(notification).data)
