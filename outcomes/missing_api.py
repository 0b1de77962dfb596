"""The REST API for missing and away episodes (/api/v1/missing-episodes/), decisions that a child
should be placed for adoption (/api/v1/adoption-decisions/), adoptions (/api/v1/adoptions/) and
previous permanence (/api/v1/previous-permanence/). Read as the child page is (the children the
user may see, board members refused, lists and records audited); written, as on the pages, only
by those who may enter children's data, through the same services. Every record carries its
`version`: a change or a deletion sends back the one it read, and a stale one is a 409."""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords, EntersChildData
from children.api import ChildRecordViewSet, VisibleChildField
from children.permissions import require_entry_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter

from . import adoption_services, missing_services
from .models import Adoption, AdoptionDecision, MissingEpisode, PreviousPermanence

VERSION_PARAMETER = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    OpenApiParameter.QUERY,
    required=True,
    description="The record's `version` as you read it; a stale one is a 409 and nothing is deleted.",
)


class _VersionSerializer(serializers.Serializer):
    version = version_field()


class EnteredRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ChildRecordViewSet
):
    """Read by whoever may see the child; created, changed and deleted only by those who may
    enter children's data (the pages' rule)."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    require_change_rights = staticmethod(require_entry_rights)
    update_serializer_class: type[serializers.Serializer] = serializers.Serializer

    def get_permissions(self):
        if self.request.method not in SAFE_METHODS:
            return [ChildRecords(), EntersChildData()]
        return super().get_permissions()

    def get_queryset(self):
        return super().get_queryset().order_by("child_id", "pk")

    def _answer(self, record, status_code=status.HTTP_200_OK):
        return Response(
            self.get_serializer_class()(record, context=self.get_serializer_context()).data, status=status_code
        )

    def _changes(self, record):
        changes = dict(self._validated(self.update_serializer_class, record, partial=True))
        version = changes.pop("version")
        if not changes:
            raise ApiValidationError("Send at least one field to change.")
        return version, changes

    def destroy(self, request, *args, **kwargs):
        record = self.get_object()
        version = _VersionSerializer(data=request.query_params)
        version.is_valid(raise_exception=True)
        self.remove(record, version.validated_data["version"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    def remove(self, record, version):
        raise NotImplementedError


def _updating(serializer_class):
    """The serializer for a change: the same fields but the child, none required, and the
    `version` read (required even in a PATCH)."""

    class Update(serializer_class):
        child = serializers.PrimaryKeyRelatedField(read_only=True)
        version = version_field()

        class Meta(serializer_class.Meta):
            read_only_fields = ["child"]

    return Update


# Missing and away episodes -----------------------------------------------------------------------


class MissingEpisodeSerializer(serializers.ModelSerializer):
    child = VisibleChildField()

    class Meta:
        model = MissingEpisode
        fields = ["id", "child", "kind", "start_date", "end_date", "version"]
        read_only_fields = ["version"]
        validators: list = []


class MissingEpisodeUpdateSerializer(_updating(MissingEpisodeSerializer)):  # type: ignore[misc]
    pass


class MissingEpisodeFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    open = filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label="Not back yet")
    started_after = filters.DateFilter(field_name="start_date", lookup_expr="gte", label="Started on or after")
    started_before = filters.DateFilter(field_name="start_date", lookup_expr="lte", label="Started on or before")

    class Meta:
        model = MissingEpisode
        fields = ["kind"]


@extend_schema_view(
    list=extend_schema(summary="Missing and away episodes of the children you can see"),
    retrieve=extend_schema(summary="A missing or away episode (audited as a view of the child's record)"),
    create=extend_schema(summary="Record a missing or away episode", description="The DfE's Missing rules apply."),
    partial_update=extend_schema(
        summary="Correct an episode, or record that the child came back (end_date)",
        request=MissingEpisodeUpdateSerializer,
        responses={200: MissingEpisodeSerializer, **CONFLICT_RESPONSE},
    ),
    destroy=extend_schema(
        summary="Delete an episode recorded in error",
        parameters=[VERSION_PARAMETER],
        responses={204: None, **CONFLICT_RESPONSE},
    ),
)
class MissingEpisodeViewSet(EnteredRecordViewSet):
    model = MissingEpisode
    serializer_class = MissingEpisodeSerializer
    update_serializer_class = MissingEpisodeUpdateSerializer
    filterset_class = MissingEpisodeFilter
    ordering_fields = ["start_date", "end_date"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(MissingEpisodeSerializer)
        child = fields.pop("child")
        episode = missing_services.record_missing_episode(
            child, by=request.user, request=request, today=timezone.localdate(), **fields
        )
        return self._answer(episode, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        episode = self.get_object()
        version, changes = self._changes(episode)
        episode = missing_services.change_missing_episode(
            episode, by=request.user, request=request, expected_version=version, today=timezone.localdate(), **changes
        )
        return self._answer(episode)

    def remove(self, record, version):
        missing_services.delete_missing_episode(
            record, by=self.request.user, request=self.request, expected_version=version
        )


# Decisions that the child should be placed for adoption ------------------------------------------


class AdoptionDecisionSerializer(serializers.ModelSerializer):
    child = VisibleChildField()

    class Meta:
        model = AdoptionDecision
        fields = ["id", "child", "decided_on", "ceased_on", "reason_ceased", "version"]
        read_only_fields = ["ceased_on", "reason_ceased", "version"]
        validators: list = []


class AdoptionDecisionUpdateSerializer(_updating(AdoptionDecisionSerializer)):  # type: ignore[misc]
    class Meta(AdoptionDecisionSerializer.Meta):
        read_only_fields = ["child"]


class AdoptionDecisionFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    open = filters.BooleanFilter(field_name="ceased_on", lookup_expr="isnull", label="Not reversed")
    decided_after = filters.DateFilter(field_name="decided_on", lookup_expr="gte", label="Decided on or after")
    decided_before = filters.DateFilter(field_name="decided_on", lookup_expr="lte", label="Decided on or before")

    class Meta:
        model = AdoptionDecision
        fields = ["reason_ceased"]


@extend_schema_view(
    list=extend_schema(summary="Decisions that children you can see should be placed for adoption"),
    retrieve=extend_schema(summary="A decision to place for adoption (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Record a decision that the child should be placed for adoption",
        description="The DfE's PlacedAdoption rules apply; reverse it afterwards with a PATCH.",
    ),
    partial_update=extend_schema(
        summary="Correct a decision, or reverse it (ceased_on and reason_ceased)",
        request=AdoptionDecisionUpdateSerializer,
        responses={200: AdoptionDecisionSerializer, **CONFLICT_RESPONSE},
    ),
    destroy=extend_schema(
        summary="Delete a decision recorded in error",
        parameters=[VERSION_PARAMETER],
        responses={204: None, **CONFLICT_RESPONSE},
    ),
)
class AdoptionDecisionViewSet(EnteredRecordViewSet):
    model = AdoptionDecision
    serializer_class = AdoptionDecisionSerializer
    update_serializer_class = AdoptionDecisionUpdateSerializer
    filterset_class = AdoptionDecisionFilter
    ordering_fields = ["decided_on", "ceased_on"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(AdoptionDecisionSerializer)
        decision = adoption_services.record_adoption_decision(
            fields["child"],
            decided_on=fields["decided_on"],
            by=request.user,
            request=request,
            today=timezone.localdate(),
        )
        return self._answer(decision, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        decision = self.get_object()
        version, changes = self._changes(decision)
        decision = adoption_services.change_adoption_decision(
            decision, by=request.user, request=request, expected_version=version, today=timezone.localdate(), **changes
        )
        return self._answer(decision)

    def remove(self, record, version):
        adoption_services.delete_adoption_decision(
            record, by=self.request.user, request=self.request, expected_version=version
        )


# Adoptions (AD1) ---------------------------------------------------------------------------------


class AdoptionSerializer(serializers.ModelSerializer):
    child = VisibleChildField()

    class Meta:
        model = Adoption
        fields = ["id", "child", *adoption_services.AD1_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list = []


class AdoptionUpdateSerializer(_updating(AdoptionSerializer)):  # type: ignore[misc]
    pass


class AdoptionFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    matched_after = filters.DateFilter(field_name="matched_on", lookup_expr="gte", label="Matched on or after")
    matched_before = filters.DateFilter(field_name="matched_on", lookup_expr="lte", label="Matched on or before")
    decided_after = filters.DateFilter(field_name="decided_on", lookup_expr="gte", label="Decided on or after")
    decided_before = filters.DateFilter(field_name="decided_on", lookup_expr="lte", label="Decided on or before")

    class Meta:
        model = Adoption
        fields = ["adopters_legal_status", "by_former_foster_carers"]


@extend_schema_view(
    list=extend_schema(summary="Adoptions (AD1) of the children you can see"),
    retrieve=extend_schema(summary="An adoption (audited as a view of the child's record)"),
    create=extend_schema(summary="Record an adoption", description="Every AD1 detail is needed (DfE rule 151)."),
    partial_update=extend_schema(
        summary="Correct an adoption's details",
        request=AdoptionUpdateSerializer,
        responses={200: AdoptionSerializer, **CONFLICT_RESPONSE},
    ),
    destroy=extend_schema(
        summary="Delete an adoption recorded in error",
        parameters=[VERSION_PARAMETER],
        responses={204: None, **CONFLICT_RESPONSE},
    ),
)
class AdoptionViewSet(EnteredRecordViewSet):
    model = Adoption
    serializer_class = AdoptionSerializer
    update_serializer_class = AdoptionUpdateSerializer
    filterset_class = AdoptionFilter
    ordering_fields = ["decided_on", "matched_on"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(AdoptionSerializer)
        child = fields.pop("child")
        adoption = adoption_services.record_adoption(
            child, by=request.user, request=request, today=timezone.localdate(), **fields
        )
        return self._answer(adoption, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        adoption = self.get_object()
        version, changes = self._changes(adoption)
        adoption = adoption_services.change_adoption(
            adoption, by=request.user, request=request, expected_version=version, today=timezone.localdate(), **changes
        )
        return self._answer(adoption)

    def remove(self, record, version):
        adoption_services.delete_adoption(record, by=self.request.user, request=self.request, expected_version=version)


# Permanence before care (PrevPerm) ---------------------------------------------------------------


class PreviousPermanenceSerializer(serializers.ModelSerializer):
    child = VisibleChildField()

    class Meta:
        model = PreviousPermanence
        fields = ["id", "child", "order", "arranged_by", "order_date", "version"]
        read_only_fields = ["version"]
        validators: list = []


class PreviousPermanenceUpdateSerializer(_updating(PreviousPermanenceSerializer)):  # type: ignore[misc]
    pass


class PreviousPermanenceFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")

    class Meta:
        model = PreviousPermanence
        fields = ["order"]


@extend_schema_view(
    list=extend_schema(summary="Previous permanence of the children you can see"),
    retrieve=extend_schema(summary="A child's previous permanence (audited as a view of the child's record)"),
    create=extend_schema(
        summary="Record a child's previous permanence (one per child)",
        description="order_date is DD/MM/YYYY with ZZ for a day or month not known.",
    ),
    partial_update=extend_schema(
        summary="Change a child's previous permanence",
        request=PreviousPermanenceUpdateSerializer,
        responses={200: PreviousPermanenceSerializer, **CONFLICT_RESPONSE},
    ),
    destroy=extend_schema(
        summary="Delete previous permanence recorded in error",
        parameters=[VERSION_PARAMETER],
        responses={204: None, **CONFLICT_RESPONSE},
    ),
)
class PreviousPermanenceViewSet(EnteredRecordViewSet):
    model = PreviousPermanence
    serializer_class = PreviousPermanenceSerializer
    update_serializer_class = PreviousPermanenceUpdateSerializer
    filterset_class = PreviousPermanenceFilter
    ordering_fields = ["order"]

    def create(self, request, *args, **kwargs):
        fields = self._validated(PreviousPermanenceSerializer)
        permanence = adoption_services.record_previous_permanence(
            fields["child"],
            order=fields.get("order", ""),
            arranged_by=fields.get("arranged_by", ""),
            order_date=fields.get("order_date", ""),
            by=request.user,
            request=request,
            expected_version=0,
            today=timezone.localdate(),
        )
        return self._answer(permanence, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        permanence = self.get_object()
        version, changes = self._changes(permanence)
        fields = {name: changes.get(name, getattr(permanence, name)) for name in ("order", "arranged_by", "order_date")}
        permanence = adoption_services.record_previous_permanence(
            permanence.child,
            by=request.user,
            request=request,
            expected_version=version,
            today=timezone.localdate(),
            **fields,
        )
        return self._answer(permanence)

    def remove(self, record, version):
        adoption_services.delete_previous_permanence(
            record, by=self.request.user, request=self.request, expected_version=version
        )
