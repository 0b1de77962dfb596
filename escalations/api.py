"""/api/v1/escalations/ and /api/v1/escalation-steps/: the dispute resolution process for the
children the caller may open. Every write is one of escalations.services, the functions the
pages call (same validation, same response deadlines, same audit events); the list filters are
the pages' EscalationsFilter conditions; the flags come from selectors.escalation_row. Every
action sends the escalation's `version` as read: a stale one (someone acted since) is a 409."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords
from accounts.selectors import IRO_CHOICES
from audit.api import AuditedList
from audit.models import AuditAction
from audit.services import record_event
from children.models import Child
from children.permissions import children_visible_to, require_recording_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter, handled_in_filter_queryset

from . import selectors, services
from .codes import AreaOfConcern, Stage
from .filters import STATUS_CHOICES, EscalationsFilter
from .models import Escalation, EscalationConcern, EscalationStep

TEXT_MAX = 5000
NAME_MAX = 200


def _text(**kwargs):
    """Free text: blank is passed on, so the service's own message names what is missing."""
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX, trim_whitespace=False, **kwargs
    )


def _name(**kwargs):
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NAME_MAX, trim_whitespace=False, **kwargs
    )


def _date(required_message, **kwargs):
    return serializers.DateField(error_messages={"required": required_message, "null": required_message}, **kwargs)


def _stage(required_message, **kwargs):
    return serializers.ChoiceField(choices=Stage.choices, error_messages={"required": required_message}, **kwargs)


# Output


class EscalationStepSerializer(serializers.ModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = EscalationStep
        fields = [
            "id",
            "escalation",
            "stage",
            "stage_display",
            "addressed_to_name",
            "addressed_to_role",
            "sent_on",
            "response_due",
            "responded_on",
            "response_summary",
            "created_at",
        ]
        read_only_fields = fields


class EscalationConcernSerializer(serializers.ModelSerializer):
    area_display = serializers.CharField(source="get_area_display", read_only=True)

    class Meta:
        model = EscalationConcern
        fields = ["area", "area_display"]
        read_only_fields = fields


class EscalationSerializer(serializers.ModelSerializer):
    """An escalation with its areas of concern, its steps up the stages and the flags the pages
    show (from selectors.escalation_row: the same rules)."""

    raised_by_name = serializers.CharField(source="raised_by.get_full_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    concerns = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    current_stage = serializers.SerializerMethodField()
    current_stage_display = serializers.SerializerMethodField()
    current_response_due = serializers.SerializerMethodField()
    response_overdue = serializers.SerializerMethodField()
    formal_working_days = serializers.SerializerMethodField()
    formal_too_long = serializers.SerializerMethodField()
    iro = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = [
            "id",
            "child",
            "raised_by",
            "raised_by_name",
            "iro",
            "raised_on",
            "status",
            "status_display",
            "what_is_wrong",
            "what_is_asked",
            "concerns",
            "current_stage",
            "current_stage_display",
            "current_response_due",
            "response_overdue",
            "formal_working_days",
            "formal_too_long",
            "steps",
            "resolved_on",
            "resolved_at_stage",
            "outcome",
            "withdrawn_on",
            "withdrawal_reason",
            "reopened_on",
            "reopen_reason",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def _row(self, escalation):
        row = getattr(escalation, "_api_row", None)
        if row is None:
            row = escalation._api_row = selectors.escalation_row(
                escalation, self.context.get("on") or timezone.localdate()
            )
        return row

    @extend_schema_field(EscalationConcernSerializer(many=True))
    def get_concerns(self, escalation):
        concerns = sorted(escalation.concerns.all(), key=lambda concern: AreaOfConcern.values.index(concern.area))
        return EscalationConcernSerializer(concerns, many=True).data

    @extend_schema_field(EscalationStepSerializer(many=True))
    def get_steps(self, escalation):
        return EscalationStepSerializer(self._row(escalation).steps, many=True).data

    @extend_schema_field(serializers.ChoiceField(choices=Stage.choices))
    def get_current_stage(self, escalation):
        return int(self._row(escalation).current_stage)

    @extend_schema_field(OpenApiTypes.STR)
    def get_current_stage_display(self, escalation):
        return self._row(escalation).current_stage.label

    @extend_schema_field(OpenApiTypes.DATE)
    def get_current_response_due(self, escalation):
        return self._row(escalation).current_step.response_due

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_response_overdue(self, escalation):
        return bool(self._row(escalation).response_overdue)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_formal_working_days(self, escalation):
        return self._row(escalation).formal_working_days

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_formal_too_long(self, escalation):
        return bool(self._row(escalation).formal_too_long)

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="The IRO allocated to the child now."))
    def get_iro(self, escalation):
        iro = self._row(escalation).iro
        return iro.pk if iro is not None else None


# Input: each parses what the service takes; the rules and their messages are the service's.


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": AreaOfConcern.values}})
class AreasField(serializers.ListField):
    child = serializers.CharField()


class RaiseEscalationSerializer(serializers.Serializer):
    child = serializers.IntegerField(help_text="The child's id: one the caller may open, or the answer is 404.")
    areas = AreasField(required=False, default=list, help_text="One or more areas of concern.")
    what_is_wrong = _text()
    what_is_asked = _text()
    stage = _stage("Choose the stage at which you are raising it")
    addressed_to_name = _name()
    addressed_to_role = _name()
    raised_on = _date("Enter the date you raised it")


class EscalateSerializer(serializers.Serializer):
    stage = _stage(
        "Choose the stage you are escalating to", help_text="A stage above the current one (any may be bypassed)."
    )
    addressed_to_name = _name()
    addressed_to_role = _name()
    sent_on = _date("Enter the date you sent it")
    version = version_field()


class RecordResponseSerializer(serializers.Serializer):
    responded_on = _date("Enter the date of the response")
    response_summary = _text()
    version = version_field()


class ResolveSerializer(serializers.Serializer):
    resolved_on = _date("Enter the date it was resolved")
    outcome = _text()
    resolved_at_stage = _stage(
        "",
        required=False,
        allow_null=True,
        default=None,
        help_text="A stage the escalation reached; the current stage when left out.",
    )
    version = version_field()


class WithdrawSerializer(serializers.Serializer):
    withdrawal_reason = _text()
    version = version_field()


class ReopenSerializer(serializers.Serializer):
    reopen_reason = _text()
    version = version_field()


# Filters


@extend_schema_field(OpenApiTypes.INT)
class IroFilter(django_filters.ModelChoiceFilter):
    """An IRO by user id."""


class EscalationApiFilter(EscalationsFilter):
    """The pages' EscalationsFilter (same conditions), with plain ISO dates for the API, the
    response-overdue flag both ways, and the child."""

    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label="Status (all when left out)"
    )
    response_overdue = django_filters.BooleanFilter(
        method="filter_response_overdue", label="Open with the current stage's response overdue"
    )
    raised_from = django_filters.DateFilter(field_name="raised_on", lookup_expr="gte", label="Raised on or after")
    raised_to = django_filters.DateFilter(field_name="raised_on", lookup_expr="lte", label="Raised on or before")
    resolved_from = django_filters.DateFilter(method=handled_in_filter_queryset, label="Resolved on or after")
    resolved_to = django_filters.DateFilter(method=handled_in_filter_queryset, label="Resolved on or before")
    child = IdFilter(field_name="child_id", label="Child id")
    iro = IroFilter(queryset=IRO_CHOICES, method="filter_iro", label="IRO (user id) the child is allocated to now")

    class Meta:
        model = Escalation
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, on=timezone.localdate())

    def filter_response_overdue(self, queryset, name, value):
        overdue = selectors.response_overdue(self.on)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class EscalationStepFilter(django_filters.FilterSet):
    escalation = IdFilter(field_name="escalation_id", label="Escalation id")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)

    class Meta:
        model = EscalationStep
        fields = ["escalation", "stage"]


# Views


def _action_schema(request_serializer, summary):
    return extend_schema(
        summary=summary, request=request_serializer, responses={200: EscalationSerializer, **CONFLICT_RESPONSE}
    )


@extend_schema_view(
    list=extend_schema(summary="Escalations about the children you may open (open ones first)"),
    retrieve=extend_schema(summary="One escalation with its areas of concern and steps (the view is audited)"),
    create=extend_schema(
        summary="Raise an escalation", request=RaiseEscalationSerializer, responses={201: EscalationSerializer}
    ),
)
class EscalationViewSet(
    AuditedList, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Escalations. IROs see and act only on their allocated children's (another child's is a
    404); board members are refused (403); reopening is for service managers (403 for IROs)."""

    permission_classes = [ChildRecords]
    serializer_class = EscalationSerializer
    filterset_class = EscalationApiFilter
    ordering_fields = ["raised_on", "id"]

    def get_queryset(self):
        today = timezone.localdate()
        escalations = selectors.escalations_visible_to(self.request.user, on=today)
        return selectors.in_list_order(selectors.for_listing(escalations, today).select_related("child", "raised_by"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "on": timezone.localdate()}

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        escalation = self.get_queryset().get(pk=pk)
        return Response(
            EscalationSerializer(escalation, context=self.get_serializer_context()).data, status=status_code
        )

    def _visible_escalation(self):
        """The escalation in the URL if the caller may open its child, else 404 (no filters)."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        escalation = self._visible_escalation()
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=escalation, child_id=escalation.child_id, request=request
        )
        return Response(EscalationSerializer(escalation, context=self.get_serializer_context()).data)

    def create(self, request, *args, **kwargs):
        serializer = RaiseEscalationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=data.pop("child"))
        require_recording_rights(request.user, child.pk)
        escalation = services.raise_escalation(
            child, by=request.user, request=request, today=timezone.localdate(), **data
        )
        return self._detail(escalation.pk, status.HTTP_201_CREATED)

    def _act(self, request, serializer_class, service):
        escalation = self._visible_escalation()
        require_recording_rights(request.user, escalation.child_id)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        service(
            escalation,
            by=request.user,
            request=request,
            today=timezone.localdate(),
            expected_version=fields.pop("version"),
            **fields,
        )
        return self._detail(escalation.pk)

    @_action_schema(EscalateSerializer, "Escalate to a higher stage")
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        return self._act(request, EscalateSerializer, services.escalate)

    @_action_schema(RecordResponseSerializer, "Record the response to the current stage")
    @action(detail=True, methods=["post"], url_path="record-response")
    def record_response(self, request, pk=None):
        return self._act(request, RecordResponseSerializer, services.record_response)

    @_action_schema(ResolveSerializer, "Resolve the escalation")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, ResolveSerializer, services.resolve)

    @_action_schema(WithdrawSerializer, "Withdraw the escalation")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, WithdrawSerializer, services.withdraw)

    @_action_schema(ReopenSerializer, "Reopen a resolved or withdrawn escalation (service managers only)")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        if not services.may_reopen(request.user):
            # As the page: refused before the escalation is even looked up.
            raise exceptions.PermissionDenied("Only a service manager can reopen an escalation.")
        return self._act(request, ReopenSerializer, services.reopen)


@extend_schema_view(
    list=extend_schema(summary="Escalation steps of the children you may open"),
    retrieve=extend_schema(summary="One escalation step"),
)
class EscalationStepViewSet(AuditedList, viewsets.ReadOnlyModelViewSet):
    """Steps, read only: they are written by the escalation actions."""

    permission_classes = [ChildRecords]
    serializer_class = EscalationStepSerializer
    filterset_class = EscalationStepFilter
    ordering_fields = ["sent_on", "stage", "response_due", "id"]
    ordering = ["escalation_id", "stage"]

    def get_queryset(self):
        visible = selectors.escalations_visible_to(self.request.user, on=timezone.localdate())
        return EscalationStep.objects.filter(escalation__in=visible.values("pk")).select_related("escalation")

    def child_id_of(self, step):
        return step.escalation.child_id
