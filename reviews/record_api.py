"""The LAC review's working record through the API, under the review: GET and POST
/reviews/{id}/working-record/ (attendance, views, care plan checks, whether the plan meets the
child's needs, and the draft of the meeting, the participation and the decisions) and POST
/reviews/{id}/complete/ (record it held from the draft). The same services as the task pages:
the same rules, audit events and optimistic locking (send the record's `version`; a stale one is
a 409; a record not yet made is version 0)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from children.permissions import require_recording_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field

from . import record_selectors, record_services
from .models import LateReason, ParentsParticipation, ParticipationCode
from .record_models import (
    Attendance,
    CarePlanCheck,
    CarePlanCheckKind,
    CheckAnswer,
    ParticipantRole,
    ReviewParticipant,
    ReviewViews,
    ViewsGiven,
    ViewsOf,
)


class ParticipantSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Send a person's id to keep them; leave it out to add one.")
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    attendance = serializers.ChoiceField(choices=Attendance.choices)
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    invited = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = ReviewParticipant
        fields = ["id", "role", "name", "invited", "attendance", "version"]
        read_only_fields = ["version"]


class ViewsSerializer(serializers.ModelSerializer):
    of = serializers.ChoiceField(choices=ViewsOf.choices)
    given = serializers.ChoiceField(choices=ViewsGiven.choices)
    text = serializers.CharField(max_length=record_services.VIEWS_MAX_LENGTH, help_text="Plain text; shown escaped.")

    class Meta:
        model = ReviewViews
        fields = ["of", "text", "given", "version"]
        read_only_fields = ["version"]


class CheckSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CarePlanCheckKind.choices)
    answer = serializers.ChoiceField(choices=CheckAnswer.choices)
    note = serializers.CharField(
        max_length=record_services.NOTE_MAX_LENGTH, allow_blank=True, required=False, default=""
    )

    class Meta:
        model = CarePlanCheck
        fields = ["kind", "answer", "note", "version"]
        read_only_fields = ["version"]


class DraftDecisionSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000, allow_blank=True)
    owner_name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    due_date = serializers.DateField(allow_null=True, required=False, default=None)


class DraftFieldsSerializer(serializers.Serializer):
    """The meeting's and the participation's values, kept until the review is completed."""

    held_on = serializers.DateField(required=False, allow_null=True)
    late_reason = serializers.ChoiceField(choices=LateReason.choices, required=False, allow_blank=True)
    late_reason_other = serializers.CharField(required=False, allow_blank=True, max_length=500)
    participation_code = serializers.ChoiceField(choices=ParticipationCode.choices, required=False, allow_blank=True)
    child_chaired = serializers.BooleanField(required=False)
    advocate_present = serializers.BooleanField(required=False)
    interpreter_used = serializers.BooleanField(required=False)
    child_consulted = serializers.BooleanField(required=False)
    parents_participation = serializers.ChoiceField(
        choices=ParentsParticipation.choices, required=False, allow_blank=True
    )
    social_worker_report_received = serializers.DateField(required=False, allow_null=True)
    decisions_circulated = serializers.DateField(required=False, allow_null=True)
    record_circulated = serializers.DateField(required=False, allow_null=True)


class WorkingRecordSerializer(serializers.Serializer):
    participants = ParticipantSerializer(many=True, help_text="Who was invited and what happened.")
    views = ViewsSerializer(many=True)
    child_views_not_obtained = serializers.CharField(help_text="Why the child's views were not obtained, if so.")
    care_plan_checks = CheckSerializer(many=True)
    plan_meets_needs = serializers.BooleanField(allow_null=True)
    suggested_participation_code = serializers.ChoiceField(
        choices=ParticipationCode.choices, allow_null=True, help_text="From the child's attendance and views."
    )
    draft_fields = DraftFieldsSerializer(help_text="The meeting and participation, until the review is completed.")
    draft_decisions = DraftDecisionSerializer(many=True)
    version = serializers.IntegerField(help_text="The working record's version (0 before anything is saved).")

    @staticmethod
    def of(working: record_selectors.WorkingRecord) -> dict:
        draft = working.draft
        return {
            "participants": working.participants,
            "views": list(working.views.values()),
            "child_views_not_obtained": working.child_views_not_obtained,
            "care_plan_checks": list(working.checks.values()),
            "plan_meets_needs": working.plan_meets_needs,
            "suggested_participation_code": working.suggested_code,
            "draft_fields": draft.get("fields", {}),
            "draft_decisions": draft.get("decisions", []),
            "version": working.version,
        }


class WorkingRecordChangeSerializer(serializers.Serializer):
    """The parts to save; a part left out is unchanged. A list sent replaces the whole list."""

    participants = ParticipantSerializer(many=True, required=False, max_length=record_services.MAX_PARTICIPANTS)  # type: ignore[call-arg]
    views = ViewsSerializer(many=True, required=False)
    child_views_not_obtained = serializers.CharField(
        max_length=record_services.NOTE_MAX_LENGTH, allow_blank=True, required=False
    )
    care_plan_checks = CheckSerializer(many=True, required=False)
    plan_meets_needs = serializers.BooleanField(allow_null=True, required=False)
    draft_fields = DraftFieldsSerializer(required=False, help_text="Only while the review is due or booked.")
    draft_decisions = DraftDecisionSerializer(many=True, required=False, max_length=30)  # type: ignore[call-arg]  # passed on to the list serializer
    version = version_field()


class CompleteSerializer(serializers.Serializer):
    version = version_field()


class WorkingRecordActions:
    """The working-record endpoints, mixed into the reviews' viewset."""

    def _working(self, review):
        return Response(
            WorkingRecordSerializer(WorkingRecordSerializer.of(record_selectors.working_record(review))).data
        )

    @extend_schema(
        summary="A LAC review's working record",
        responses={200: WorkingRecordSerializer},
        methods=["GET"],
    )
    @extend_schema(
        summary="Save parts of a LAC review's working record",
        description="Attendance, views, care plan checks and the draft, by the task pages' rules. Refused whole "
        "(nothing saved) if any part is wrong or `version` is stale.",
        request=WorkingRecordChangeSerializer,
        responses={200: WorkingRecordSerializer, **CONFLICT_RESPONSE},
        methods=["POST"],
    )
    @action(detail=True, methods=["get", "post"], url_path="working-record", url_name="working-record")
    def working_record(self, request, pk=None):
        """The draft is for those who may record for the child: not under read-only cover (403)."""
        review = self.get_object()
        require_recording_rights(request.user, review.child_id)
        if request.method == "GET":
            return self._working(review)
        serializer = WorkingRecordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = data["version"]
        user = request.user
        with transaction.atomic():
            if "participants" in data:
                record_services.save_attendance(
                    review,
                    by=user,
                    participants=[dict(row) for row in data["participants"]],
                    expected_version=version,
                    request=request,
                )
                version += 1
            if "views" in data or "child_views_not_obtained" in data:
                working = record_selectors.working_record(review)
                views = (
                    {row["of"]: row for row in data["views"]}
                    if "views" in data
                    else {of: {"text": row.text, "given": row.given} for of, row in working.views.items()}
                )
                record_services.save_views(
                    review,
                    by=user,
                    views=views,
                    child_views_not_obtained=data.get("child_views_not_obtained", working.child_views_not_obtained),
                    expected_version=version,
                    request=request,
                )
                version += 1
            if "care_plan_checks" in data or "plan_meets_needs" in data:
                working = record_selectors.working_record(review)
                checks = (
                    {row["kind"]: row for row in data["care_plan_checks"]}
                    if "care_plan_checks" in data
                    else {kind: {"answer": row.answer, "note": row.note} for kind, row in working.checks.items()}
                )
                record_services.save_care_plan_checks(
                    review,
                    by=user,
                    answers=checks,
                    plan_meets_needs=data.get("plan_meets_needs", working.plan_meets_needs),
                    expected_version=version,
                    request=request,
                )
                version += 1
            if "draft_fields" in data or "draft_decisions" in data:
                record_services.save_draft(
                    review,
                    by=user,
                    fields=dict(data["draft_fields"]) if "draft_fields" in data else None,
                    decisions=[dict(row) for row in data["draft_decisions"]] if "draft_decisions" in data else None,
                    expected_version=version,
                    request=request,
                )
        review.refresh_from_db()
        return self._working(review)
