"""/api/v1/children/: the children the caller may see (children.permissions.children_visible_to,
so another IRO's child is a 404), each with today's status, current IRO and RAG rating, filtered
as the children list page is (caseloads.filters.ChildrenFilter); managers add children through
children.services.create_child. Every other endpoint about children's records is children.api's,
and this one shares their rules (children.api.ChildRecordViewSet)."""

import copy

import django_filters
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers

from accounts.api_permissions import DataEntryCreate
from children import services
from children.api import AllocatedIroSerializer, ChildRecordViewSet
from children.codes import LegalStatus, PlacementType
from children.models import Child, current_iro, prefetch_current_iro
from children.permissions import children_visible_to
from children.selectors import children_with_current_status
from iro_portal.filters import handled_in_filter_queryset
from oversight.models import Rag
from oversight.selectors import with_oversight_status

from .filters import ChildrenFilter


@extend_schema_field(serializers.ChoiceField(choices=Rag.choices), component_name="RagRating")
class RagRatingField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Rag.choices, **kwargs)


class ChildSerializer(serializers.ModelSerializer):
    """A child with today's status: current IRO, looked after, legal status, placement type,
    on a child protection plan, current RAG rating (all computed in SQL by the selectors)."""

    current_iro = serializers.SerializerMethodField()
    looked_after = serializers.BooleanField(source="is_looked_after", read_only=True, help_text="Looked after today.")
    legal_status = serializers.ChoiceField(
        source="current_legal_status",
        choices=LegalStatus.choices,
        read_only=True,
        allow_null=True,
        help_text="Legal status of today's care episode; null when not looked after.",
    )
    placement_type = serializers.ChoiceField(
        source="current_placement_type",
        choices=PlacementType.choices,
        read_only=True,
        allow_null=True,
        help_text="Placement type of today's care episode; null when not looked after.",
    )
    on_cp_plan = serializers.BooleanField(
        source="has_protection_plan", read_only=True, help_text="On a child protection plan today."
    )
    current_rag = RagRatingField(
        read_only=True, allow_null=True, help_text="The latest RAG rating; null when never rated."
    )

    class Meta:
        model = Child
        fields = [
            "id",
            "local_child_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "ethnicity",
            "upn",
            "is_uasc",
            "has_disability",
            "is_mother",
            "first_child_date_of_birth",
            "current_iro",
            "looked_after",
            "legal_status",
            "placement_type",
            "on_cp_plan",
            "current_rag",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(AllocatedIroSerializer(allow_null=True))
    def get_current_iro(self, child):
        iro = current_iro(child)
        return AllocatedIroSerializer(iro).data if iro is not None else None


class ChildCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Child
        fields = [
            "local_child_id",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "ethnicity",
            "upn",
            "is_uasc",
            "has_disability",
            "is_mother",
            "first_child_date_of_birth",
        ]
        # Uniqueness of the local child ID is the service's rule (case-insensitive).
        extra_kwargs: dict[str, dict[str, list]] = {"local_child_id": {"validators": []}}


class ChildApiFilter(ChildrenFilter):
    """The children list page's filters (the same conditions, one place), with ISO dates in
    place of the GOV.UK date inputs and plain booleans for looked after / on a plan."""

    iro = extend_schema_field(OpenApiTypes.INT)(copy.deepcopy(ChildrenFilter.base_filters["iro"]))
    looked_after = filters.BooleanFilter(field_name="is_looked_after", label="Looked after today")
    cp_plan = filters.BooleanFilter(field_name="has_protection_plan", label="On a child protection plan today")
    started_from = django_filters.DateFilter(
        method=handled_in_filter_queryset, label="Started to be looked after on or after (YYYY-MM-DD)"
    )
    started_to = django_filters.DateFilter(
        method=handled_in_filter_queryset, label="Started to be looked after on or before (YYYY-MM-DD)"
    )
    ceased_from = django_filters.DateFilter(
        method=handled_in_filter_queryset, label="Ceased to be looked after on or after (YYYY-MM-DD)"
    )
    ceased_to = django_filters.DateFilter(
        method=handled_in_filter_queryset, label="Ceased to be looked after on or before (YYYY-MM-DD)"
    )
    care_status = None  # looked_after and cp_plan say the same

    class Meta(ChildrenFilter.Meta):
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="Children you can see, with today's status",
        description="IROs see only the children currently allocated to them.",
    ),
    retrieve=extend_schema(summary="A child with today's status (audited as a view of their record)"),
    create=extend_schema(
        summary="Add a child (service managers, administrators and business support)",
        request=ChildCreateSerializer,
        responses={201: ChildSerializer},
    ),
)
class ChildViewSet(DataEntryCreate, mixins.ListModelMixin, ChildRecordViewSet):
    model = Child
    serializer_class = ChildSerializer
    filterset_class = ChildApiFilter
    ordering_fields = ["family_name", "date_of_birth", "local_child_id"]
    ordering = ["family_name", "given_name", "local_child_id"]
    http_method_names = ["get", "post", "head", "options"]

    def child_id_of(self, child):
        return child.pk

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Child.objects.none()
        today = timezone.localdate()
        children = children_with_current_status(children_visible_to(self.request.user, Child.objects.all()), today)
        return with_oversight_status(children, today).prefetch_related(prefetch_current_iro(today))

    def create(self, request, *args, **kwargs):
        fields = self._validated(ChildCreateSerializer)
        child = services.create_child(by=request.user, request=request, **fields)
        return self._created(self.get_queryset().get(pk=child.pk))
