"""The endpoints of the REST API for children's records (/api/v1/care-episodes/, protection-plans/,
strategy-discussions/, allocations/; /api/v1/children/ itself, with each child's RAG rating, is
caseloads.api's and shares ChildRecordViewSet). The same rules as the pages: every write calls
children.services (validation, audit, rescheduling of reviews); which children a user may see is
children.permissions.children_visible_to, so another IRO's child is a 404; board members are
refused every endpoint here (ChildRecords). A service's ValidationError propagates and becomes a
400 in the one error shape (iro_portal.api.exception_handler). Every record carries its `version`:
a change sends back the one it read, and a stale one is a 409 (iro_portal.locking)."""

from django.db import models
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords, ManagersCreate
from accounts.models import User
from audit.api import AuditedRecords
from children.permissions import (
    children_enterable_by,
    children_visible_to,
    require_entry_rights,
    require_recording_rights,
)
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter

from . import services
from .codes import CategoryOfAbuse, PlanEndReason
from .models import (
    Allocation,
    CareEpisode,
    Child,
    ChildProtectionPlan,
    StrategyDiscussion,
)
from .selectors import EPISODE_FIELDS, PLACEMENT_LOCATION_FIELDS


def _visible_children(request):
    return children_visible_to(request.user, Child.objects.all())


# Serializers ------------------------------------------------------------------------------------


@extend_schema_field(serializers.ChoiceField(choices=CategoryOfAbuse.choices), component_name="CategoryOfAbuse")
class CategoryOfAbuseField(serializers.ChoiceField):
    """A category of abuse (CIN census code). One named schema component for every field that
    holds one, whatever the field is called."""

    def __init__(self, **kwargs):
        super().__init__(choices=CategoryOfAbuse.choices, **kwargs)


class AllocatedIroSerializer(serializers.Serializer):
    """An IRO as the children endpoints show them."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="__str__")


@extend_schema_field(OpenApiTypes.INT)
class VisibleChildField(serializers.PrimaryKeyRelatedField):
    """The child a new record is about: one the requesting user may enter records for (every child
    for managers and business support). Another IRO's child "does not exist", as its record would
    be a 404; so does one seen only under read-only cover."""

    default_error_messages = {
        "does_not_exist": "There is no child {pk_value} among the children whose records you can change.",
    }

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Child.objects.none()
        return children_enterable_by(request.user, Child.objects.all())


class CareEpisodeSerializer(serializers.ModelSerializer):
    child: "serializers.PrimaryKeyRelatedField[Child]" = VisibleChildField()

    class Meta:
        model = CareEpisode
        fields = ["id", "child", *EPISODE_FIELDS, *PLACEMENT_LOCATION_FIELDS, "version"]
        read_only_fields = ["version", *PLACEMENT_LOCATION_FIELDS]
        validators: list = []  # the episode rules are the service's (children.services.validate_care_episode)


class CareEpisodeUpdateSerializer(CareEpisodeSerializer):
    """The fields to change, and the `version` they were read at (required even in a PATCH)."""

    child: "serializers.PrimaryKeyRelatedField[Child]" = serializers.PrimaryKeyRelatedField(read_only=True)
    version = version_field()

    class Meta(CareEpisodeSerializer.Meta):
        read_only_fields = ["child", *PLACEMENT_LOCATION_FIELDS]

    def validate(self, data):
        if "version" not in data:
            raise ApiValidationError({"version": ["This field is required."]})
        return data


class StrategyDiscussionSerializer(serializers.ModelSerializer):
    child = VisibleChildField()

    class Meta:
        model = StrategyDiscussion
        fields = ["id", "child", "date", "section_47_enquiry_started"]
        validators: list = []


class ProtectionPlanSerializer(serializers.ModelSerializer):
    """A child protection plan. Created (started) with child, start_date and
    initial_category_of_abuse; ended or re-categorised with PATCH."""

    child = VisibleChildField()
    initial_category_of_abuse = CategoryOfAbuseField(help_text="The category of abuse when the plan started.")
    current_category_of_abuse = CategoryOfAbuseField(
        read_only=True, help_text="The latest category a review conference recorded, else the initial one."
    )

    class Meta:
        model = ChildProtectionPlan
        fields = [
            "id",
            "child",
            "start_date",
            "initial_category_of_abuse",
            "current_category_of_abuse",
            "end_date",
            "end_reason",
            "version",
        ]
        read_only_fields = ["end_date", "end_reason", "version"]
        validators: list = []


class ProtectionPlanChangeSerializer(serializers.Serializer):
    """End the plan (end_date and end_reason together) and/or change its category of abuse
    (as a review conference does); which go together is the rule of
    children.services.change_protection_plan, which the pages call too."""

    end_date = serializers.DateField(required=False)
    end_reason = serializers.ChoiceField(choices=PlanEndReason.choices, required=False)
    category_of_abuse = CategoryOfAbuseField(required=False, help_text="The plan's new category of abuse.")
    version = version_field()


class AllocationSerializer(serializers.ModelSerializer):
    iro = AllocatedIroSerializer(read_only=True)
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = ["id", "child", "iro", "start_date", "end_date", "is_current", "version"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_current(self, allocation):
        today = self.context["today"]
        return allocation.start_date <= today and (allocation.end_date is None or today < allocation.end_date)


class AllocationCreateSerializer(serializers.Serializer):
    """Allocate (or reallocate) a child's IRO from start_date; the open allocation closes that day."""

    child = VisibleChildField()
    iro = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text="The IRO's user ID.")
    start_date = serializers.DateField()
    current_version = serializers.IntegerField(
        min_value=0,
        help_text="The `version` of the child's current allocation as you read it (0 if it had none): if another "
        "allocation has been made since, nothing is saved and the answer is a 409.",
    )


# Filters -----------------------------------------------------------------------------------------


class CareEpisodeFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    open = filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label="Not yet ceased")

    class Meta:
        model = CareEpisode
        fields = ["legal_status", "placement_type"]


class ProtectionPlanFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    open = filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label="Not yet ended")

    class Meta:
        model = ChildProtectionPlan
        fields: list[str] = []


class StrategyDiscussionFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")

    class Meta:
        model = StrategyDiscussion
        fields = ["section_47_enquiry_started"]


class AllocationFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    iro = IdFilter(field_name="iro_id", label="IRO's user ID")
    current = filters.BooleanFilter(method="filter_current", label="Current today")

    class Meta:
        model = Allocation
        fields: list[str] = []

    def filter_current(self, queryset, name, value):
        current = Allocation.objects.current(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


# Views -------------------------------------------------------------------------------------------


class ChildRecordViewSet(AuditedRecords, viewsets.GenericViewSet):
    """What every endpoint here shares: board members refused, records narrowed to the
    children the user may see, every retrieve audited as a view of the child's record (as the
    child page is) and every page of a list as a view of the children on it."""

    permission_classes = [ChildRecords]
    http_method_names = ["get", "post", "patch", "head", "options"]
    model: type[models.Model] | None = None
    require_change_rights = staticmethod(require_recording_rights)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(child__in=_visible_children(self.request))

    def get_object(self):
        """For a change, the caller must also be allowed to record for the child (not read-only cover)."""
        instance = super().get_object()
        if self.request.method not in SAFE_METHODS:
            self.require_change_rights(self.request.user, self.child_id_of(instance))
        return instance

    def _created(self, instance, serializer_class=None):
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(
            serializer_class(instance, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    def _validated(self, serializer_class, instance=None, partial=False):
        serializer = serializer_class(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="Care episodes (SSDA903) of the children you can see"),
    retrieve=extend_schema(summary="A care episode (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Record a care episode",
        description="The SSDA903 episode rules apply; the child's reviews are rescheduled.",
    ),
    partial_update=extend_schema(
        summary="Correct or end a care episode",
        description="Send the `version` you read: a stale one is a 409 and nothing is saved.",
        request=CareEpisodeUpdateSerializer,
        responses={200: CareEpisodeSerializer, **CONFLICT_RESPONSE},
    ),
)
class CareEpisodeViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    model = CareEpisode
    require_change_rights = staticmethod(require_entry_rights)
    serializer_class = CareEpisodeSerializer
    filterset_class = CareEpisodeFilter
    ordering_fields = ["start_date", "end_date"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(CareEpisodeSerializer)
        child = fields.pop("child")
        episode = services.record_care_episode(child, by=request.user, request=request, **fields)
        return self._created(episode)

    def partial_update(self, request, *args, **kwargs):
        episode = self.get_object()
        changes = dict(self._validated(CareEpisodeUpdateSerializer, episode, partial=True))
        expected_version = changes.pop("version")
        if not changes:
            raise ApiValidationError("Send at least one field to change.")
        episode = services.update_care_episode(
            episode, by=request.user, expected_version=expected_version, request=request, **changes
        )
        return Response(CareEpisodeSerializer(episode, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Child protection plans of the children you can see"),
    retrieve=extend_schema(summary="A child protection plan (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Start a child protection plan", description="The child's review conferences are rescheduled."
    ),
    partial_update=extend_schema(
        summary="End a child protection plan, or change its category of abuse",
        description="Send the `version` you read: a stale one is a 409 and nothing is saved.",
        request=ProtectionPlanChangeSerializer,
        responses={200: ProtectionPlanSerializer, **CONFLICT_RESPONSE},
    ),
)
class ProtectionPlanViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    model = ChildProtectionPlan
    require_change_rights = staticmethod(require_entry_rights)
    serializer_class = ProtectionPlanSerializer
    filterset_class = ProtectionPlanFilter
    ordering_fields = ["start_date", "end_date"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(ProtectionPlanSerializer)
        plan = services.start_protection_plan(
            fields["child"],
            by=request.user,
            request=request,
            start_date=fields["start_date"],
            initial_category_of_abuse=fields["initial_category_of_abuse"],
        )
        return self._created(plan)

    def partial_update(self, request, *args, **kwargs):
        plan = self.get_object()
        change = self._validated(ProtectionPlanChangeSerializer)
        plan = services.change_protection_plan(
            plan,
            by=request.user,
            request=request,
            expected_version=change["version"],
            category=change.get("category_of_abuse"),
            end_date=change.get("end_date"),
            end_reason=change.get("end_reason"),
        )
        return Response(ProtectionPlanSerializer(plan, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Strategy discussions about the children you can see"),
    retrieve=extend_schema(summary="A strategy discussion (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Record a strategy discussion",
        description="One where section 47 enquiries started makes an initial conference due.",
    ),
)
class StrategyDiscussionViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    model = StrategyDiscussion
    serializer_class = StrategyDiscussionSerializer
    filterset_class = StrategyDiscussionFilter
    ordering_fields = ["date"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(StrategyDiscussionSerializer)
        discussion = services.record_strategy_discussion(
            fields["child"],
            by=request.user,
            request=request,
            date=fields["date"],
            section_47_enquiry_started=fields.get("section_47_enquiry_started", False),
        )
        return self._created(discussion)


@extend_schema_view(
    list=extend_schema(summary="IRO allocations of the children you can see"),
    retrieve=extend_schema(summary="An IRO allocation (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Allocate or reallocate a child's IRO (service managers and administrators)",
        request=AllocationCreateSerializer,
        responses={201: AllocationSerializer, **CONFLICT_RESPONSE},
    ),
)
class AllocationViewSet(ManagersCreate, mixins.ListModelMixin, ChildRecordViewSet):
    model = Allocation
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilter
    ordering_fields = ["start_date", "end_date"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("iro")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def create(self, request, *args, **kwargs):
        fields = self._validated(AllocationCreateSerializer)
        allocation = services.allocate_iro(
            fields["child"],
            iro=fields["iro"],
            start_date=fields["start_date"],
            expected_version=fields["current_version"],
            by=request.user,
            request=request,
        )
        return self._created(allocation)
