"""The REST API for child protection conferences' records (/api/v1/conferences/): the same draft,
rules, audit events and optimistic locking as the pages (reviews.conference_services).

A conference is addressed by its review's id. Its record is saved as a draft while the conference
is due or booked (PATCH for the record's own fields; POST .../attendees/ and .../core-group/ to add
a person, .../remove-attendee/ and .../remove-core-group-member/ to take one off), each change
sending the record's `version` as read (0 before the first save; a stale one is a 409). The
conference is then recorded as held through POST /reviews/{id}/record-held/, which refuses it
until the record meets the rules. After an ICPC that made a plan, POST .../first-core-group/
records the day of the first core group meeting."""

import django_filters
from django.db.models import Prefetch, Q
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from children.api import ChildRecordViewSet
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter

from . import conference_selectors, conference_services, selectors
from .api import ERROR_RESPONSES, BooleanFilter, StableOrderingFilter
from .models import (
    CONFERENCE_KINDS,
    ConferenceAgency,
    ConferenceAttendance,
    ConferenceAttendee,
    ConferenceParentsParticipation,
    ConferenceRecord,
    CoreGroupMember,
    PlanView,
    Review,
    ReviewStatus,
)


class ConferenceFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child__id", help_text="Id of a child.")
    kind = django_filters.ChoiceFilter(choices=[(kind.value, kind.label) for kind in CONFERENCE_KINDS])
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    held_from = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", help_text="Held on or after (YYYY-MM-DD)."
    )
    held_to = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", help_text="Held on or before (YYYY-MM-DD)."
    )
    quorate = BooleanFilter(
        method="filter_quorate",
        help_text="true: held and quorate; false: held without quorum. Either way, held conferences only.",
    )
    first_core_group_overdue = BooleanFilter(
        method="filter_first_core_group_overdue",
        help_text="true: ICPCs whose first core group meeting was due before today and is not recorded; "
        "false: every other conference.",
    )

    def filter_quorate(self, queryset, name, value: bool):
        return queryset.filter(status=ReviewStatus.HELD, conference_record__quorate=value)

    def filter_first_core_group_overdue(self, queryset, name, value: bool):
        overdue = conference_selectors.first_core_group_overdue(ConferenceRecord.objects.all(), timezone.localdate())
        condition = Q(conference_record__in=overdue)
        return queryset.filter(condition) if value else queryset.exclude(condition)


class AttendeeSerializer(serializers.ModelSerializer):
    agency_other = serializers.CharField(max_length=200, allow_blank=True, required=False)
    view_on_plan = serializers.ChoiceField(choices=PlanView.choices, allow_blank=True, required=False)
    dissent_reason = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    dissents = serializers.SerializerMethodField(help_text="Whether their view differs from the chair's decision.")

    class Meta:
        model = ConferenceAttendee
        fields = ["id", "name", "agency", "agency_other", "attendance", "view_on_plan", "dissent_reason", "dissents"]
        read_only_fields = ["id", "dissents"]

    def get_dissents(self, attendee) -> bool:
        outcome = self.context.get("outcome", "")
        return bool(conference_selectors.dissenting([attendee], outcome))


class CoreGroupMemberSerializer(serializers.ModelSerializer):
    agency_other = serializers.CharField(max_length=200, allow_blank=True, required=False)

    class Meta:
        model = CoreGroupMember
        fields = ["id", "name", "agency", "agency_other"]
        read_only_fields = ["id"]


class ConferenceRecordSerializer(serializers.ModelSerializer):
    attendees = AttendeeSerializer(many=True, read_only=True)
    core_group = CoreGroupMemberSerializer(many=True, read_only=True)
    first_core_group_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ConferenceRecord
        fields = [
            "parents_participation",
            "parents_participation_reason",
            "parents_saw_report",
            "parents_saw_report_on",
            "quorate",
            "not_quorate_reason",
            "outline_plan",
            "lead_social_worker",
            "attendees",
            "core_group",
            "first_core_group_due",
            "first_core_group_held",
            "first_core_group_overdue",
            "version",
        ]
        read_only_fields = fields

    def get_first_core_group_overdue(self, record) -> bool:
        due = record.first_core_group_due
        return due is not None and record.first_core_group_held is None and due < timezone.localdate()


class ConferenceSerializer(serializers.ModelSerializer):
    """A conference with its record (null until the first save of a draft)."""

    record = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["id", "child", "kind", "number", "status", "due_date", "held_on", "conference_outcome", "record"]
        read_only_fields = fields

    @extend_schema_field(ConferenceRecordSerializer(allow_null=True))
    def get_record(self, review):
        try:
            record = review.conference_record
        except ConferenceRecord.DoesNotExist:
            return None
        context = {**self.context, "outcome": review.conference_outcome}
        return ConferenceRecordSerializer(record, context=context).data


class DraftSerializer(serializers.Serializer):
    """The record's own fields; only those sent change."""

    parents_participation = serializers.ChoiceField(
        choices=ConferenceParentsParticipation.choices, allow_blank=True, required=False
    )
    parents_participation_reason = serializers.CharField(
        max_length=2000, allow_blank=True, required=False, help_text="Needed if not invited or did not take part."
    )
    parents_saw_report = serializers.BooleanField(
        allow_null=True, required=False, help_text="Whether the parents saw the social worker's report before."
    )
    parents_saw_report_on = serializers.DateField(allow_null=True, required=False)
    not_quorate_reason = serializers.CharField(
        max_length=2000, allow_blank=True, required=False, help_text="Needed to complete a conference not quorate."
    )
    outline_plan = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    lead_social_worker = serializers.CharField(max_length=200, allow_blank=True, required=False)
    version = version_field()

    def fields_to_save(self):
        return {key: value for key, value in self.validated_data.items() if key != "version"}


class NewAttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    agency = serializers.ChoiceField(choices=ConferenceAgency.choices)
    agency_other = serializers.CharField(
        max_length=200, allow_blank=True, required=False, help_text="Needed for another agency."
    )
    attendance = serializers.ChoiceField(choices=ConferenceAttendance.choices)
    view_on_plan = serializers.ChoiceField(
        choices=PlanView.choices, allow_blank=True, required=False, help_text="Blank: no view given."
    )
    dissent_reason = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    version = version_field()


class NewCoreGroupMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    agency = serializers.ChoiceField(choices=ConferenceAgency.choices)
    agency_other = serializers.CharField(
        max_length=200, allow_blank=True, required=False, help_text="Needed for another agency."
    )
    version = version_field()


class RemoveSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The person's `id` in the record.")
    version = version_field()


class FirstCoreGroupSerializer(serializers.Serializer):
    first_core_group_held = serializers.DateField()
    version = version_field()


def _person(data):
    return {key: value for key, value in data.items() if key != "version"}


CHANGE_RESPONSES = {200: ConferenceSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE}


@extend_schema_view(
    list=extend_schema(
        summary="List child protection conferences with their records",
        responses={200: ConferenceSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One conference with its record", responses={200: ConferenceSerializer, **ERROR_RESPONSES}
    ),
)
class ConferenceViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    """ICPCs and RCPCs of the children you may see, each with its record: attendance by agency,
    quorum, the parents, the agencies' views and dissent, the outline plan, the lead social worker,
    the core group and the first core group meeting."""

    serializer_class = ConferenceSerializer
    filterset_class = ConferenceFilter
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering_fields = ["due_date", "held_on"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        reviews = Review.objects.filter(kind__in=CONFERENCE_KINDS).select_related("conference_record")
        return selectors.reviews_visible_to(self.request.user, reviews).prefetch_related(
            Prefetch("conference_record__attendees", queryset=ConferenceAttendee.objects.order_by("id")),
            Prefetch("conference_record__core_group", queryset=CoreGroupMember.objects.order_by("id")),
        )

    def _changed(self, review):
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data)

    def _data(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer

    @extend_schema(
        summary="Save part of a conference's record as a draft", request=DraftSerializer, responses=CHANGE_RESPONSES
    )
    def partial_update(self, request, pk=None):
        review = self.get_object()
        serializer = self._data(DraftSerializer)
        conference_services.save_conference_record(
            review,
            by=request.user,
            fields=serializer.fields_to_save(),
            expected_version=serializer.validated_data["version"],
            request=request,
        )
        return self._changed(review)

    @extend_schema(
        summary="Add a person to a conference's attendance", request=NewAttendeeSerializer, responses=CHANGE_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def attendees(self, request, pk=None):
        review = self.get_object()
        data = self._data(NewAttendeeSerializer).validated_data
        conference_services.add_attendee(
            review, by=request.user, attendee=_person(data), expected_version=data["version"], request=request
        )
        return self._changed(review)

    @extend_schema(
        summary="Take a person off a conference's attendance", request=RemoveSerializer, responses=CHANGE_RESPONSES
    )
    @action(detail=True, methods=["post"], url_path="remove-attendee", url_name="remove-attendee")
    def remove_attendee(self, request, pk=None):
        review = self.get_object()
        data = self._data(RemoveSerializer).validated_data
        attendee = (
            ConferenceAttendee.objects.filter(record__review=review, pk=data["id"])
            .select_related("record__review")
            .first()
        )
        if attendee is None:
            raise serializers.ValidationError({"id": ["No such person in this conference's attendance."]})
        conference_services.remove_attendee(
            attendee, by=request.user, expected_version=data["version"], request=request
        )
        return self._changed(review)

    @extend_schema(
        summary="Add a member to a conference's core group",
        request=NewCoreGroupMemberSerializer,
        responses=CHANGE_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="core-group", url_name="core-group")
    def core_group(self, request, pk=None):
        review = self.get_object()
        data = self._data(NewCoreGroupMemberSerializer).validated_data
        conference_services.add_core_group_member(
            review, by=request.user, member=_person(data), expected_version=data["version"], request=request
        )
        return self._changed(review)

    @extend_schema(
        summary="Take a member off a conference's core group", request=RemoveSerializer, responses=CHANGE_RESPONSES
    )
    @action(detail=True, methods=["post"], url_path="remove-core-group-member", url_name="remove-core-group-member")
    def remove_core_group_member(self, request, pk=None):
        review = self.get_object()
        data = self._data(RemoveSerializer).validated_data
        member = (
            CoreGroupMember.objects.filter(record__review=review, pk=data["id"])
            .select_related("record__review")
            .first()
        )
        if member is None:
            raise serializers.ValidationError({"id": ["No such member in this conference's core group."]})
        conference_services.remove_core_group_member(
            member, by=request.user, expected_version=data["version"], request=request
        )
        return self._changed(review)

    @extend_schema(
        summary="Record the day of the first core group meeting after an ICPC",
        request=FirstCoreGroupSerializer,
        responses=CHANGE_RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="first-core-group", url_name="first-core-group")
    def first_core_group(self, request, pk=None):
        review = self.get_object()
        data = self._data(FirstCoreGroupSerializer).validated_data
        conference_services.record_first_core_group(
            review,
            by=request.user,
            held_on=data["first_core_group_held"],
            expected_version=data["version"],
            request=request,
        )
        return self._changed(review)
