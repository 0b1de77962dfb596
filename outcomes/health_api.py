"""/api/v1/health-records/ (OC2) and /api/v1/care-leaver-records/ (OC3): the same rules as the
pages, since every write calls outcomes.health_services. Everyone who may see a child reads
their records (board members never); only those who may enter children's data (managers,
administrators, business support) write them. A change sends the `version` it read; a delete
sends it in If-Match; a stale one is a 409 and nothing is saved."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords, EntersChildData
from children.api import ChildRecordViewSet, VisibleChildField
from children.permissions import require_entry_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter

from . import health_services as services
from .codes import CareLeaverActivity, InTouch
from .models import CareLeaverRecord, HealthRecord

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    required=True,
    description="The record's `version` as you read it: if it has changed since, nothing is deleted (409).",
)


class HealthRecordSerializer(serializers.ModelSerializer):
    """A child's OC2 for a collection year (named by the year it ends in: 2026 = 2025/26)."""

    child = VisibleChildField()

    class Meta:
        model = HealthRecord
        fields = ["id", "child", "year", *services.HEALTH_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list = []  # the rules are the service's (outcomes.health_services)


class HealthRecordUpdateSerializer(HealthRecordSerializer):
    """The answers to change, and the `version` they were read at (required even in a PATCH)."""

    child = serializers.PrimaryKeyRelatedField(read_only=True)
    version = version_field()

    class Meta(HealthRecordSerializer.Meta):
        read_only_fields = ["child", "year"]


class CareLeaverRecordSerializer(serializers.ModelSerializer):
    """A care leaver's OC3 for a collection year; `accommodation_suitable` is read from ACCOM's
    second character."""

    child = VisibleChildField()
    accommodation_suitable = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = CareLeaverRecord
        fields = ["id", "child", "year", *services.CARE_LEAVER_FIELDS, "accommodation_suitable", "version"]
        read_only_fields = ["version"]
        validators: list = []


class CareLeaverRecordUpdateSerializer(CareLeaverRecordSerializer):
    child = serializers.PrimaryKeyRelatedField(read_only=True)
    version = version_field()

    class Meta(CareLeaverRecordSerializer.Meta):
        read_only_fields = ["child", "year"]


class HealthRecordFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    year = filters.NumberFilter(label="Collection year (the year it ends in: 2026 = 2025/26)")

    class Meta:
        model = HealthRecord
        fields = ["health_assessment"]


class CareLeaverRecordFilter(filters.FilterSet):
    child = IdFilter(field_name="child_id", label="Child ID")
    year = filters.NumberFilter(label="Collection year (the year it ends in: 2026 = 2025/26)")
    in_touch = filters.ChoiceFilter(choices=InTouch.choices)
    activity = filters.ChoiceFilter(choices=CareLeaverActivity.choices)

    class Meta:
        model = CareLeaverRecord
        fields: list[str] = []


def _if_match(request) -> int:
    """The version a delete was read at, from If-Match (a number, quoted or not)."""
    header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not header.isdigit():
        raise ApiValidationError({"If-Match": ["Send the record's version as you read it in the If-Match header."]})
    return int(header)


class OutcomeRecordViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    """Read by everyone who may see the child; written by those who may enter children's data."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    require_change_rights = staticmethod(require_entry_rights)
    ordering_fields = ["year"]
    update_serializer_class: type[serializers.ModelSerializer] = HealthRecordUpdateSerializer

    def get_permissions(self):
        if self.request is not None and self.request.method not in SAFE_METHODS:
            return [ChildRecords(), EntersChildData()]
        return super().get_permissions()

    def get_queryset(self):
        return super().get_queryset().order_by("child_id", "year")

    def record(self, child, fields):
        raise NotImplementedError

    def change(self, record, expected_version, changes):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        fields = dict(self._validated(self.get_serializer_class()))
        child = fields.pop("child")
        return self._created(self.record(child, fields))

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        changes = dict(self._validated(self.update_serializer_class, record, partial=True))
        if "version" not in changes:
            raise ApiValidationError({"version": ["This field is required."]})
        expected_version = changes.pop("version")
        if not changes:
            raise ApiValidationError("Send at least one field to change.")
        record = self.change(record, expected_version, changes)
        return Response(self.get_serializer_class()(record, context=self.get_serializer_context()).data)

    def destroy(self, request, *args, **kwargs):
        record = self.get_object()
        services.delete_outcome_record(record, by=request.user, request=request, expected_version=_if_match(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _schema(plural, one, serializer, update_serializer, rules):
    return extend_schema_view(
        list=extend_schema(summary=f"{plural} of the children you can see"),
        retrieve=extend_schema(summary=f"A {one} (audited as a view of the child's record)"),
        create=extend_schema(summary=f"Record a {one} (managers, administrators, business support)", description=rules),
        partial_update=extend_schema(
            summary=f"Change a {one}",
            description="Send the `version` you read: a stale one is a 409 and nothing is saved.",
            request=update_serializer,
            responses={200: serializer, **CONFLICT_RESPONSE},
        ),
        destroy=extend_schema(
            summary=f"Delete a {one}",
            parameters=[IF_MATCH],
            responses={204: OpenApiResponse(description="Deleted."), **CONFLICT_RESPONSE},
        ),
    )


@_schema(
    "Health records (OC2)",
    "health record (OC2)",
    HealthRecordSerializer,
    HealthRecordUpdateSerializer,
    "One per child and collection year, once the year has ended; the DfE's rules for one child's OC2 apply "
    "(SDQ score 0 to 40 or a reason, health surveillance for under-5s, convictions for 10 and over).",
)
class HealthRecordViewSet(OutcomeRecordViewSet):
    model = HealthRecord
    serializer_class = HealthRecordSerializer
    update_serializer_class = HealthRecordUpdateSerializer
    filterset_class = HealthRecordFilter

    def record(self, child, fields):
        return services.record_health(child, by=self.request.user, request=self.request, **fields)

    def change(self, record, expected_version, changes):
        return services.change_health_record(
            record, by=self.request.user, request=self.request, expected_version=expected_version, **changes
        )


@_schema(
    "Care leaver records (OC3)",
    "care leaver record (OC3)",
    CareLeaverRecordSerializer,
    CareLeaverRecordUpdateSerializer,
    "For the years of the young person's 17th to 21st birthdays; the DfE's rules for one care leaver's OC3 "
    "apply (no activity or accommodation after DIED or RHOM, not with former foster carers around the 17th "
    "birthday).",
)
class CareLeaverRecordViewSet(OutcomeRecordViewSet):
    model = CareLeaverRecord
    serializer_class = CareLeaverRecordSerializer
    update_serializer_class = CareLeaverRecordUpdateSerializer
    filterset_class = CareLeaverRecordFilter

    def record(self, child, fields):
        return services.record_care_leaver_status(child, by=self.request.user, request=self.request, **fields)

    def change(self, record, expected_version, changes):
        return services.change_care_leaver_record(
            record, by=self.request.user, request=self.request, expected_version=expected_version, **changes
        )
