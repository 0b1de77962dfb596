"""/api/v1/oversight-records/: what IROs did or found between reviews, for the children the
caller may open (children.permissions), recorded through oversight.services.record_oversight,
the service the pages call (same validation, same next-check scheduling, same audit event)."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords
from accounts.models import Role, User
from audit.api import AuditedRecords
from children.models import Child
from children.permissions import children_visible_to, require_recording_rights
from iro_portal.filters import IdFilter
from reviews.models import Review, ReviewKind
from reviews.selectors import reviews_visible_to

from . import services
from .models import OversightKind, OversightRecord, Rag


def oversight_visible_to(user, records=None):
    """Oversight records about the children the user may open."""
    records = OversightRecord.objects.all() if records is None else records
    return records.filter(child__in=children_visible_to(user, Child.objects.all()))


class OversightRecordSerializer(serializers.ModelSerializer):
    iro_name = serializers.CharField(source="iro.get_full_name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    rag_display = serializers.CharField(source="get_rag_display", read_only=True)

    class Meta:
        model = OversightRecord
        fields = [
            "id",
            "child",
            "iro",
            "iro_name",
            "date",
            "kind",
            "kind_display",
            "rag",
            "rag_display",
            "tracking",
            "next_check_date",
            "review",
            "created_at",
        ]
        read_only_fields = fields


class OversightRecordCreateSerializer(serializers.Serializer):
    """What record_oversight takes. The rules (RAG needed for a rating, the next-check window,
    one rating per held review, dates) are the service's; this only parses the request."""

    child = serializers.IntegerField(help_text="The child's id: one the caller may open, or the answer is 404.")
    kind = serializers.ChoiceField(
        choices=OversightKind.choices, error_messages={"required": "Choose what kind of oversight this was"}
    )
    date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Required, except for a post-review rating: that is dated the day the review was held.",
    )
    rag = serializers.ChoiceField(choices=Rag.choices, required=False, allow_blank=True, default="")
    tracking = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    next_check_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Leave out to use the date the rating proposes."
    )
    review = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a post-review rating: the held LAC review it follows.",
    )


class OversightRecordFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child id")
    iro = django_filters.ModelChoiceFilter(queryset=User.objects.filter(role=Role.IRO), label="IRO (user id)")
    kind = django_filters.ChoiceFilter(choices=OversightKind.choices)
    rag = django_filters.ChoiceFilter(
        choices=[*Rag.choices, ("none", "Not rated")], method="filter_rag", label="RAG rating (none: not rated)"
    )
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Dated on or after")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="Dated on or before")

    class Meta:
        model = OversightRecord
        fields = ["child", "iro", "kind", "rag", "date_from", "date_to"]

    def filter_rag(self, queryset, name, value):
        return queryset.filter(rag="" if value == "none" else value)


@extend_schema_view(
    list=extend_schema(summary="Oversight records of the children you may open"),
    retrieve=extend_schema(summary="One oversight record (the view is audited)"),
    create=extend_schema(
        summary="Record oversight", request=OversightRecordCreateSerializer, responses={201: OversightRecordSerializer}
    ),
)
class OversightRecordViewSet(
    AuditedRecords, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Oversight records. IROs see and record only for their allocated children; another
    child's record is a 404; board members are refused (403)."""

    permission_classes = [ChildRecords]
    serializer_class = OversightRecordSerializer
    filterset_class = OversightRecordFilter
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        return oversight_visible_to(self.request.user, OversightRecord.objects.select_related("iro"))

    def get_serializer_class(self):
        return OversightRecordCreateSerializer if self.action == "create" else OversightRecordSerializer

    def create(self, request, *args, **kwargs):
        serializer = OversightRecordCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=data.pop("child"))
        require_recording_rights(request.user, child.pk)
        review_id = data.pop("review")
        review = None
        if review_id is not None:
            # As on the rating page: a LAC review of this child, one the caller may open.
            review = (
                reviews_visible_to(request.user, Review.objects.filter(child=child, kind=ReviewKind.LAC))
                .filter(pk=review_id)
                .first()
            )
            if review is None:
                raise serializers.ValidationError({"review": ["Choose a LAC review of this child."]})
        if data.get("date") is None:
            if data["kind"] == OversightKind.POST_REVIEW and review is not None and review.held_on is not None:
                data["date"] = review.held_on
            else:
                raise serializers.ValidationError({"date": ["Enter the date"]})
        elif (
            data["kind"] == OversightKind.POST_REVIEW
            and review is not None
            and review.held_on is not None
            and data["date"] != review.held_on
        ):
            raise serializers.ValidationError({"date": ["A post-review rating is dated the day the review was held."]})
        record = services.record_oversight(
            child, by=request.user, review=review, request=request, today=timezone.localdate(), **data
        )
        return Response(OversightRecordSerializer(record).data, status=status.HTTP_201_CREATED)
