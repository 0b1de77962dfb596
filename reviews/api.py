"""The REST API for reviews, conferences and their agreed actions (/api/v1/reviews/,
/api/v1/review-actions/).

Reviews are made by scheduling (reviews.services, from the child's record), never by a user, so
there is no create: POST /reviews/ is 405. A review is booked (POST .../book/), recorded as held
with its agreed actions (POST .../record-held/) and corrected once held (PATCH), all through
the same services as the pages: the same validation, scheduling, audit events and optimistic
locking (send the `version` you read; a stale one is a 409). Agreed actions are agreed when a
review is recorded as held or added when it is corrected; each is then recorded done
(POST /review-actions/{id}/complete/) or given a new date (POST .../change-due-date/), with its
history kept, by whoever may record for the child and by the action's owner.

Who sees what is the pages' rule: board members are refused (403); an IRO's lists hold only
their children and another child's review is a 404 (reviews.selectors.reviews_visible_to)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from accounts.selectors import IRO_CHOICES
from children.api import ChildRecordViewSet
from children.codes import CategoryOfAbuse
from children.permissions import READ_ONLY_COVER_MESSAGE, may_update_action
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter
from iro_portal.forms import row_message
from iro_portal.words import with_article

from . import record_services, selectors, services
from .filters import IroScopedFilter
from .forms import ACTION_MESSAGES
from .letter_api import LetterActions
from .models import (
    OUTSTANDING_STATUSES,
    ConferenceOutcome,
    LateReason,
    ParentsParticipation,
    ParticipationCode,
    Review,
    ReviewAction,
    ReviewActionUpdate,
    ReviewKind,
    ReviewStatus,
)
from .record_api import CompleteSerializer, WorkingRecordActions

# The error bodies every endpoint shares (iro_portal.api.exception_handler).
ERROR_RESPONSES = {
    400: OpenApiResponse(description='Invalid: {"detail": "...", "errors": {"field": ["message"]}}.'),
    401: OpenApiResponse(description="Not signed in: send `Authorization: Token <key>`."),
    403: OpenApiResponse(description="Board members cannot see child-level records."),
    404: OpenApiResponse(description="No such review, or not one of your children."),
}


# --- Filters ---------------------------------------------------------------------------------


class StrictBooleanField(forms.Field):
    """true/false (or 1/0) in a query string; anything else is an error, never silently ignored."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise DjangoValidationError("Enter true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ReviewFilter(IroScopedFilter):
    """The API's review filters. The IRO filter and the conditions for overdue and in timescale
    are the pages' (reviews.filters, reviews.selectors): one rule in one place."""

    iro = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=IRO_CHOICES,
            method="filter_iro",
            help_text="Id of an IRO: the reviews of the children allocated to them today.",
        )
    )
    child = IdFilter(field_name="child__id", help_text="Id of a child.")
    kind = django_filters.ChoiceFilter(choices=ReviewKind.choices)
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices)
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", help_text="Due on or after (YYYY-MM-DD)."
    )
    due_to = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", help_text="Due on or before (YYYY-MM-DD)."
    )
    overdue = BooleanFilter(
        method="filter_overdue", help_text="true: due or booked and past the due date today; false: everything else."
    )
    held_from = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", help_text="Held on or after (YYYY-MM-DD)."
    )
    held_to = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", help_text="Held on or before (YYYY-MM-DD)."
    )
    plan_meets_needs = BooleanFilter(
        field_name="record__plan_meets_needs",
        help_text="LAC reviews: true where the IRO said the care plan meets the child's needs, false where not.",
    )
    in_timescale = BooleanFilter(
        method="filter_in_timescale",
        help_text="true: held on or before the due date; false: held late. Either way, held reviews only.",
    )

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, on=timezone.localdate(), show_iro_filter=True)

    def filter_overdue(self, queryset, name, value: bool):
        overdue = selectors.due_in(self.on, "overdue") & Q(status__in=OUTSTANDING_STATUSES)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_in_timescale(self, queryset, name, value: bool):
        return queryset.filter(selectors.HELD_IN_TIMESCALE if value else selectors.HELD_LATE)


class ReviewActionFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review__id", help_text="Id of the review that agreed the action.")
    child = IdFilter(field_name="review__child__id", help_text="Id of a child.")
    owner = IdFilter(field_name="owner__id", help_text="Id of the user who owns the action.")
    completed = BooleanFilter(method="filter_completed", help_text="true: completed; false: still open.")

    def filter_completed(self, queryset, name, value: bool):
        return queryset.filter(completed_on__isnull=not value)


class StableOrderingFilter(OrderingFilter):
    """?ordering=due_date / -held_on ..., with the id as a tie-break so that pages never
    repeat or skip a row."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "id"] if ordering and "id" not in ordering and "-id" not in ordering else ordering


# --- Serializers -----------------------------------------------------------------------------


class ActionUpdateSerializer(serializers.ModelSerializer):
    """One entry of an action's history."""

    class Meta:
        model = ReviewActionUpdate
        fields = ["kind", "completed_on", "previous_due_date", "new_due_date", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class ReviewActionSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="review.child_id", read_only=True)
    completed = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "review",
            "child",
            "number",
            "description",
            "owner_name",
            "owner",
            "due_date",
            "completed_on",
            "completed",
            "version",
        ]
        read_only_fields = fields

    def get_completed(self, action) -> bool:
        return action.completed_on is not None


class ReviewActionDetailSerializer(ReviewActionSerializer):
    """One action with its history (the lists leave the history out)."""

    history = ActionUpdateSerializer(
        source="updates", many=True, read_only=True, help_text="Recorded done or given a new date, oldest first."
    )

    class Meta(ReviewActionSerializer.Meta):
        fields = [*ReviewActionSerializer.Meta.fields, "history"]
        read_only_fields = fields


class NestedActionSerializer(ReviewActionSerializer):
    class Meta(ReviewActionSerializer.Meta):
        fields = [
            "id",
            "number",
            "description",
            "owner_name",
            "owner",
            "due_date",
            "completed_on",
            "completed",
            "version",
        ]
        read_only_fields = fields


class CompleteActionSerializer(serializers.Serializer):
    completed_on = serializers.DateField(
        help_text="The day the action was done (YYYY-MM-DD).",
        error_messages={
            "required": "Enter the date the action was done.",
            "null": "Enter the date the action was done.",
        },
    )
    note = serializers.CharField(
        max_length=2000,
        help_text="What was done.",
        error_messages={"required": "Enter a note of what was done.", "blank": "Enter a note of what was done."},
    )
    version = version_field()


class ChangeActionDateSerializer(serializers.Serializer):
    due_date = serializers.DateField(
        help_text="The new date it is due by (YYYY-MM-DD).",
        error_messages={
            "required": "Enter the new date the action is due by.",
            "null": "Enter the new date the action is due by.",
        },
    )
    reason = serializers.CharField(
        max_length=2000,
        help_text="Why the date changed.",
        error_messages={
            "required": "Enter the reason the date changed.",
            "blank": "Enter the reason the date changed.",
        },
    )
    version = version_field()


class QualityStandardSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label: the serializer's metaclass takes it out of the class attributes
    date = serializers.DateField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=selectors.STANDARD_OUTCOMES,
        help_text="pending: not done yet, and its deadline (`due_by`) has not passed.",
    )
    met = serializers.BooleanField(allow_null=True, help_text="null while pending.")
    due_by = serializers.DateField(allow_null=True, help_text="The deadline of a pending standard; null otherwise.")


class ReviewSerializer(serializers.ModelSerializer):
    in_timescale = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Held on or before the due date; null until held."
    )
    iro = serializers.SerializerMethodField(help_text="Id of the IRO allocated to the child today.")
    iro_name = serializers.SerializerMethodField()
    status_today = serializers.SerializerMethodField(
        help_text=("The status the pages show today: overdue once a due or booked review is past its due date.")
    )
    working_days_left = serializers.SerializerMethodField(
        help_text=("Working days from today to the due date (0 on the day); null once overdue, held or cancelled.")
    )
    working_days_overdue = serializers.SerializerMethodField(
        help_text=("Working days the review is overdue (at least 1 once past its due date); null otherwise.")
    )
    quality_standards = serializers.SerializerMethodField()
    actions = NestedActionSerializer(many=True, read_only=True)
    # Blank until recorded, so "" is one of the values a client can read back.
    late_reason = serializers.ChoiceField(choices=LateReason.choices, allow_blank=True, read_only=True)
    participation_code = serializers.ChoiceField(choices=ParticipationCode.choices, allow_blank=True, read_only=True)
    parents_participation = serializers.ChoiceField(
        choices=ParentsParticipation.choices, allow_blank=True, read_only=True
    )
    conference_outcome = serializers.ChoiceField(choices=ConferenceOutcome.choices, allow_blank=True, read_only=True)
    category_of_abuse = serializers.ChoiceField(choices=CategoryOfAbuse.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "child",
            "kind",
            "number",
            "status",
            "cycle_start",
            "due_date",
            "brought_forward_by_move",
            "status_today",
            "working_days_left",
            "working_days_overdue",
            "booked_for",
            "held_on",
            "in_timescale",
            "cancelled_reason",
            "iro",
            "iro_name",
            "chair",
            "late_reason",
            "late_reason_other",
            "participation_code",
            "child_chaired",
            "advocate_present",
            "interpreter_used",
            "parents_participation",
            "child_consulted",
            "social_worker_report_received",
            "decisions_circulated",
            "record_circulated",
            "quality_standards",
            "conference_outcome",
            "category_of_abuse",
            "actions",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def _timing(self, review):
        return selectors.review_timing(review, timezone.localdate())

    @extend_schema_field(serializers.ChoiceField(choices=list(selectors.ReviewTiming.LABELS)))
    def get_status_today(self, review):
        return self._timing(review).status

    def get_working_days_left(self, review) -> int | None:
        return self._timing(review).working_days_left

    def get_working_days_overdue(self, review) -> int | None:
        return self._timing(review).working_days_overdue

    def get_iro(self, review) -> int | None:
        iro = selectors.current_iro(review)
        return iro.pk if iro else None

    def get_iro_name(self, review) -> str | None:
        iro = selectors.current_iro(review)
        return iro.get_full_name() if iro else None

    @extend_schema_field(QualityStandardSerializer(many=True))
    def get_quality_standards(self, review):
        return QualityStandardSerializer(selectors.quality_standards(review), many=True).data


class ReviewChangeResultSerializer(ReviewSerializer):
    """A review after a change, with the review scheduling has now made due after it."""

    next_review = serializers.SerializerMethodField(
        help_text="The review now due after this one (for a conference, the next review conference), or null."
    )

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "next_review"]
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_next_review(self, review):
        following_review = selectors.following_outstanding(review, _with_details(Review.objects.all())).first()
        return ReviewSerializer(following_review, context=self.context).data if following_review else None


class BookSerializer(serializers.Serializer):
    """A booking as the page takes it: a day after the due date or in the past is refused
    unless `confirmed`, and one after the due date needs `late_reason` (the reason the record
    of the review will need)."""

    booked_for = serializers.DateTimeField(
        help_text="When the review starts, e.g. 2026-03-02T10:30 (local time if no offset)."
    )
    late_reason = serializers.ChoiceField(
        choices=LateReason.choices,
        allow_blank=True,
        required=False,
        default="",
        help_text="Needed when `booked_for` is after the review's due date.",
    )
    late_reason_other = serializers.CharField(
        max_length=500, allow_blank=True, required=False, default="", help_text="Needed when `late_reason` is `other`."
    )
    confirmed = serializers.BooleanField(
        required=False, default=False, help_text="true to book a day after the due date or in the past."
    )
    version = serializers.IntegerField(help_text="The review's `version` as you read it.")


class NewActionSerializer(serializers.Serializer):
    """An agreed action: what the pages' ActionForm accepts (all three parts)."""

    description = serializers.CharField(
        max_length=2000,
        error_messages={"required": ACTION_MESSAGES["description"], "blank": ACTION_MESSAGES["description"]},
    )
    owner_name = serializers.CharField(
        max_length=200,
        help_text="Who will do it, e.g. social worker.",
        error_messages={"required": ACTION_MESSAGES["owner_name"], "blank": ACTION_MESSAGES["owner_name"]},
    )
    due_date = serializers.DateField(
        error_messages={"required": ACTION_MESSAGES["due_date"], "null": ACTION_MESSAGES["due_date"]}
    )


class ActionsField(serializers.ListField):
    """A list of agreed actions whose errors read as the service's do ("Action 2: ..."), so the
    error body keeps its one shape: {"actions": ["message", ...]}."""

    def __init__(self, **kwargs):
        super().__init__(child=NewActionSerializer(), required=False, max_length=30, **kwargs)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if not isinstance(detail, dict):
                raise
            raise serializers.ValidationError(
                [
                    row_message("Action", index + 1, message)
                    for index, errors in sorted(detail.items())
                    for message in _flat_messages(errors)
                ]
            ) from None


def _flat_messages(errors):
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _flat_messages(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in _flat_messages(value)]
    return [str(errors)]


class RecordSerializer(serializers.Serializer):
    """The record of a held review: the fields of the pages' RecordReviewForm. LAC reviews take
    the participation and quality fields, conferences the outcome fields; a field of the other
    kind is refused. Whether the record may be saved is decided by reviews.services."""

    held_on = serializers.DateField()
    late_reason = serializers.ChoiceField(
        choices=LateReason.choices,
        allow_blank=True,
        required=False,
        help_text="Needed when held after the due date; left out, the reason given when the review was booked.",
    )
    late_reason_other = serializers.CharField(max_length=500, allow_blank=True, required=False)
    participation_code = serializers.ChoiceField(
        choices=ParticipationCode.choices,
        allow_blank=True,
        required=False,
        help_text="LAC only. SSDA903 code; PN0 only for a child under 4.",
    )
    child_chaired = serializers.BooleanField(required=False, help_text="LAC only.")
    advocate_present = serializers.BooleanField(required=False, help_text="LAC only.")
    interpreter_used = serializers.BooleanField(required=False, help_text="LAC only.")
    child_consulted = serializers.BooleanField(required=False, help_text="LAC only.")
    parents_participation = serializers.ChoiceField(
        choices=ParentsParticipation.choices, allow_blank=True, required=False, help_text="LAC only."
    )
    social_worker_report_received = serializers.DateField(allow_null=True, required=False, help_text="LAC only.")
    decisions_circulated = serializers.DateField(allow_null=True, required=False)
    record_circulated = serializers.DateField(allow_null=True, required=False)
    conference_outcome = serializers.ChoiceField(
        choices=ConferenceOutcome.choices, allow_blank=True, required=False, help_text="Conferences only."
    )
    category_of_abuse = serializers.ChoiceField(
        choices=CategoryOfAbuse.choices, allow_blank=True, required=False, help_text="Conferences only."
    )
    actions = ActionsField(help_text="Actions agreed at the review (at most 30).")
    version = serializers.IntegerField(help_text="The review's `version` as you read it.")

    EMPTY = {
        "late_reason": "",
        "late_reason_other": "",
        "participation_code": "",
        "parents_participation": "",
        "conference_outcome": "",
        "category_of_abuse": "",
        "child_chaired": False,
        "advocate_present": False,
        "interpreter_used": False,
        "child_consulted": False,
        "social_worker_report_received": None,
        "decisions_circulated": None,
        "record_circulated": None,
    }

    def kind_fields(self):
        return services.record_fields(self.context["review"].kind)

    def validate(self, data):
        allowed = self.kind_fields()
        review = self.context["review"]
        wrong = {
            name: [f"Not recorded for {with_article(review.get_kind_display().lower())}."]
            for name in data
            if name not in allowed and name not in ("actions", "version")
        }
        if wrong:
            raise serializers.ValidationError(wrong)
        return data

    def record_fields(self):
        """Every field of the record, as the page's form gives them: left out means empty, except
        the reason for lateness, which starts from the one given when the review was booked."""
        data = self.validated_data
        review = self.context["review"]
        booked = {"late_reason": review.late_reason, "late_reason_other": review.late_reason_other}
        return {name: data.get(name, booked.get(name, self.EMPTY.get(name))) for name in self.kind_fields()}


class UpdateHeldSerializer(RecordSerializer):
    """A correction of a held review: only the fields sent change; `actions` are added."""

    held_on = serializers.DateField(required=False)
    actions = ActionsField(help_text="Further agreed actions to add (at most 30).")

    def changed_fields(self):
        return {name: value for name, value in self.validated_data.items() if name not in ("actions", "version")}


# --- Views -----------------------------------------------------------------------------------


def _with_details(reviews):
    """What a review's representation reads, in a fixed number of queries for any number."""
    return selectors.with_current_iro(reviews, timezone.localdate()).prefetch_related(
        Prefetch("actions", queryset=ReviewAction.objects.order_by("due_date", "id"))
    )


class ReviewRecordViewSet(ChildRecordViewSet):
    """As the children's records' endpoints, with ties in the ordering broken by id, so that
    pages of a long list neither repeat nor skip a review."""

    filter_backends = [DjangoFilterBackend, StableOrderingFilter]


@extend_schema_view(
    list=extend_schema(
        summary="List reviews and conferences", responses={200: ReviewSerializer(many=True), **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(summary="One review or conference", responses={200: ReviewSerializer, **ERROR_RESPONSES}),
)
class ReviewViewSet(WorkingRecordActions, LetterActions, mixins.ListModelMixin, ReviewRecordViewSet):
    """LAC reviews and child protection conferences of the children you may see. Reviews are
    created by scheduling from the child's record, never through the API: POST to this list is
    405 Method Not Allowed, as are PUT and DELETE."""

    serializer_class = ReviewSerializer
    # PUT for the letter to the child alone: the viewset has no update, so PUT on a review stays 405.
    http_method_names = [*ReviewRecordViewSet.http_method_names, "put"]
    filterset_class = ReviewFilter
    ordering_fields = ["due_date", "held_on"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return _with_details(selectors.reviews_visible_to(self.request.user, Review.objects.all()))

    def _changed(self, review, serializer_class=ReviewChangeResultSerializer):
        """The review as it now reads."""
        return Response(
            serializer_class(
                _with_details(Review.objects.filter(pk=review.pk)).get(), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Book a review",
        request=BookSerializer,
        responses={200: ReviewSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        review = self.get_object()
        serializer = BookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.book_review(
            review,
            by=request.user,
            booked_for=data["booked_for"],
            late_reason=data["late_reason"],
            late_reason_other=data["late_reason_other"],
            confirmed=data["confirmed"],
            expected_version=data["version"],
            request=request,
        )
        return self._changed(review, ReviewSerializer)

    @extend_schema(
        summary="Record a review as held",
        description="Records a due or booked review as held, with the actions agreed at it (the same rules as the "
        "page). The next review becomes due from the date it was held: it is in `next_review`.",
        request=RecordSerializer,
        responses={200: ReviewChangeResultSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="record-held", url_name="record-held")
    def record_held(self, request, pk=None):
        review = self.get_object()
        serializer = RecordSerializer(data=request.data, context={"review": review})
        serializer.is_valid(raise_exception=True)
        services.record_review_held(
            review,
            by=request.user,
            fields=serializer.record_fields(),
            actions=serializer.validated_data.get("actions", []),
            expected_version=serializer.validated_data["version"],
            request=request,
        )
        return self._changed(review)

    @extend_schema(
        summary="Complete a LAC review from its draft",
        description="Records the review held from its working record's draft (GET/POST .../working-record/), as "
        "Complete the review does on the page. Refused (400, nothing saved, the draft kept) without attendance, "
        "without the child's views or the reason they were not obtained, with a decision lacking an owner or a date, "
        "or with a participation code contradicting the child's attendance. Send the working record's `version`.",
        request=CompleteSerializer,
        responses={200: ReviewChangeResultSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        review = self.get_object()
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record_services.complete_review(
            review, by=request.user, expected_version=serializer.validated_data["version"], request=request
        )
        return self._changed(review)

    @extend_schema(
        summary="Correct a held review",
        description="Changes only the fields sent and adds any `actions` sent. A conference's date, outcome and "
        "category cannot change once recorded. Refused whole (409) if `version` is stale.",
        request=UpdateHeldSerializer,
        responses={200: ReviewChangeResultSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    def partial_update(self, request, pk=None):
        review = self.get_object()
        serializer = UpdateHeldSerializer(data=request.data, context={"review": review})
        serializer.is_valid(raise_exception=True)
        services.update_held_review(
            review,
            by=request.user,
            fields=serializer.changed_fields(),
            new_actions=serializer.validated_data.get("actions", []),
            expected_version=serializer.validated_data["version"],
            request=request,
        )
        return self._changed(review)


@extend_schema_view(
    list=extend_schema(
        summary="List agreed actions", responses={200: ReviewActionSerializer(many=True), **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(
        summary="One agreed action, with its history", responses={200: ReviewActionDetailSerializer, **ERROR_RESPONSES}
    ),
)
class ReviewActionViewSet(mixins.ListModelMixin, ReviewRecordViewSet):
    """Actions agreed at reviews of the children you may see, and actions you own. Actions are
    agreed when a review is recorded as held (POST /reviews/{id}/record-held/) or added when it
    is corrected (PATCH /reviews/{id}/); each is then recorded done or given a new date, with
    its history kept (the same rules as the action's page)."""

    serializer_class = ReviewActionSerializer
    filterset_class = ReviewActionFilter
    ordering_fields = ["due_date"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewAction.objects.none()
        return selectors.actions_visible_to(self.request.user, ReviewAction.objects.all()).select_related("review")

    def get_serializer_class(self):
        return ReviewActionSerializer if self.action == "list" else ReviewActionDetailSerializer

    def get_object(self):
        """A change is for whoever may record for the child, and for the action's owner."""
        instance = super(ChildRecordViewSet, self).get_object()
        if self.request.method not in SAFE_METHODS and not may_update_action(self.request.user, instance):
            raise PermissionDenied(READ_ONLY_COVER_MESSAGE)
        return instance

    def child_id_of(self, action):
        return action.review.child_id

    def _changed(self, action):
        return Response(
            ReviewActionDetailSerializer(
                self.get_queryset().get(pk=action.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Record an agreed action done",
        request=CompleteActionSerializer,
        responses={200: ReviewActionDetailSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        agreed = self.get_object()
        serializer = CompleteActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.complete_action(
            agreed,
            by=request.user,
            completed_on=data["completed_on"],
            note=data["note"],
            expected_version=data["version"],
            request=request,
        )
        return self._changed(agreed)

    @extend_schema(
        summary="Give an agreed action a new date",
        request=ChangeActionDateSerializer,
        responses={200: ReviewActionDetailSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"], url_path="change-due-date", url_name="change-due-date")
    def change_due_date(self, request, pk=None):
        agreed = self.get_object()
        serializer = ChangeActionDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.change_action_due_date(
            agreed,
            by=request.user,
            due_date=data["due_date"],
            reason=data["reason"],
            expected_version=data["version"],
            request=request,
        )
        return self._changed(agreed)
