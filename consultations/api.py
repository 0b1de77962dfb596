"""/api/v1/consultation-invitations/: the consultation and feedback links of the reviews the
caller may open, who was sent one and whether they replied. Creating one is
staff_services.send_links, as the page (an emailed link is emailed once saved; one the mail
server refused comes back withdrawn), and the answer carries the code of a link to pass on, this
once: it is never stored. Withdrawing sends the link's `version` as read (a stale one is a 409).
A reply is read by the IRO and managers only, and every read is audited."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_permissions import ChildRecords
from audit.api import AuditedList
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter
from reviews.models import Review
from reviews.selectors import reviews_visible_to

from . import staff_selectors
from .emails import public_link
from .models import ConsultationInvitation, ConsultationResponse, Delivery, FormVersion, PersonType, Purpose
from .selectors import LinkState, link_state
from .services import revoke_invitation
from .staff_services import Person, send_links

SEND_REFUSED = "Only the child's IRO or business support can send or withdraw links."


class ConsultationInvitationSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    opened = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationInvitation
        fields = [
            "id",
            "review",
            "purpose",
            "person_type",
            "form",
            "name",
            "email",
            "delivery",
            "state",
            "opened",
            "created_at",
            "emailed_at",
            "opened_at",
            "submitted_at",
            "revoked_at",
            "expires_at",
            "follows",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=LinkState.choices, help_text="Whether the link opens now."))
    def get_state(self, invitation):
        return link_state(invitation)

    @extend_schema_field(serializers.BooleanField(help_text="Whether the person has opened the link."))
    def get_opened(self, invitation):
        return invitation.opened_at is not None


class IssuedInvitationSerializer(ConsultationInvitationSerializer):
    code = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta(ConsultationInvitationSerializer.Meta):
        fields = [*ConsultationInvitationSerializer.Meta.fields, "code", "link"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True, help_text="A link to pass on: its code, given this once (never stored). Null if emailed."
        )
    )
    def get_code(self, invitation):
        return self.context.get("code")

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A link to pass on: the address to give."))
    def get_link(self, invitation):
        code = self.context.get("code")
        return public_link(code) if code else None


class CreateInvitationSerializer(serializers.Serializer):
    review = serializers.IntegerField(help_text="The review's id: one the caller may open, or the answer is 404.")
    person_type = serializers.ChoiceField(choices=PersonType.choices)
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    form = serializers.ChoiceField(
        choices=FormVersion.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For the child only: a younger child's form than the one for their age.",
    )

    def validate(self, data):
        if data["delivery"] == Delivery.EMAIL and not data["email"]:
            raise serializers.ValidationError({"email": "Enter the email address to send the link to."})
        return data


class WithdrawLinkSerializer(serializers.Serializer):
    version = version_field()


class ConsultationResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationResponse
        fields = [
            "id",
            "invitation",
            "submitted_at",
            "going_well",
            "worries",
            "wishes",
            "feels_safe",
            "wants_to_attend",
            "wants_at_review",
            "wants_at_review_other",
            "where_and_when",
            "wants_to_chair",
            "wants_advocate",
            "not_to_share",
            "anything_else",
            "listened_score",
            "feedback_text",
            "answers",
        ]
        read_only_fields = fields
        extra_kwargs = {"not_to_share": {"help_text": "Not for sharing: the person does not want this passed on."}}


class InvitationFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review_id", label="Review id")
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices)
    state = django_filters.ChoiceFilter(
        choices=[(state, label) for state, label in LinkState.choices if state != LinkState.UNKNOWN],
        method="filter_state",
        label="Whether the link opens now, or why not",
    )

    class Meta:
        model = ConsultationInvitation
        fields = ["review", "purpose", "state"]

    def filter_state(self, queryset, name, value):
        return staff_selectors.in_state(queryset, value)


@extend_schema_view(
    list=extend_schema(summary="Consultation and feedback links of the reviews you may open"),
    retrieve=extend_schema(summary="One link: who it is for, how it was sent, and whether they replied"),
)
class ConsultationInvitationViewSet(
    AuditedList, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Links. Another IRO's child's are a 404; board members are refused (403); sending and
    withdrawing are for the child's IRO and business support, reading replies for IROs and managers."""

    permission_classes = [ChildRecords]
    serializer_class = ConsultationInvitationSerializer
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["review_id", "created_at", "id"]

    def get_queryset(self):
        return staff_selectors.invitations_visible_to(
            self.request.user, ConsultationInvitation.objects.select_related("review")
        )

    def child_id_of(self, invitation):
        return invitation.review.child_id

    def retrieve(self, request, *args, **kwargs):
        invitation = self.get_object()
        record_event(
            action=AuditAction.VIEW,
            user=request.user,
            obj=invitation,
            child_id=invitation.review.child_id,
            request=request,
        )
        return Response(self.get_serializer(invitation).data)

    @extend_schema(
        summary="Send one person a consultation link (by email, or to pass on: its code is in this answer only)",
        request=CreateInvitationSerializer,
        responses={201: IssuedInvitationSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = CreateInvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        review = get_object_or_404(
            reviews_visible_to(request.user, Review.objects.select_related("child")), pk=data.pop("review")
        )
        if not staff_selectors.may_send_links(request.user, review):
            raise exceptions.PermissionDenied(SEND_REFUSED)
        sent = send_links(review, [Person(**data)], by=request.user, request=request)
        (issued,) = sent.made
        code = issued.code if issued.invitation.delivery == Delivery.SHOWN else None
        invitation = self.get_queryset().get(pk=issued.invitation.pk)
        return Response(
            IssuedInvitationSerializer(invitation, context={"code": code}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Withdraw a link: it opens nothing from now on",
        request=WithdrawLinkSerializer,
        responses={200: ConsultationInvitationSerializer, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        invitation = self.get_object()
        if not staff_selectors.may_send_links(request.user, invitation.review):
            raise exceptions.PermissionDenied(SEND_REFUSED)
        serializer = WithdrawLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoke_invitation(
            invitation, by=request.user, expected_version=serializer.validated_data["version"], request=request
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)

    @extend_schema(
        summary="The reply sent through this link (IROs and managers; every read is audited)",
        request=None,
        responses={
            200: ConsultationResponseSerializer,
            404: OpenApiResponse(description="No such link for you, or no reply yet."),
        },
    )
    @action(detail=True, methods=["get"])
    def reply(self, request, pk=None):
        invitation = self.get_object()
        if not staff_selectors.may_read_replies(request.user):
            raise exceptions.PermissionDenied("Business support can see who has replied, but not what they said.")
        response = get_object_or_404(ConsultationResponse, invitation=invitation)
        record_event(
            action=AuditAction.VIEW,
            user=request.user,
            obj=response,
            child_id=invitation.review.child_id,
            request=request,
        )
        return Response(ConsultationResponseSerializer(response).data)
