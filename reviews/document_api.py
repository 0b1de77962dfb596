"""The REST API for the documents made from a held review's record (/api/v1/review-documents/):
the same services, rules, audit events and access as the pages (reviews.document_services).

POST a review's id and a `kind` to make a document (a LAC review: "review_record", and
"child_letter" once the letter's words are saved through /reviews/{id}/letter/; a conference:
"conference_record" and "parents_copy"); its PDF is made in the background, so poll the document
until `status` is "ready", then GET .../pdf/. POST .../circulations/ records that it was sent (the
day, and each recipient with how it went), sending the review's `version` as read; for any kind
but the letter to the child, that fills the review's record_circulated and decisions_circulated."""

import django_filters
from django.http import Http404, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from accounts.api_permissions import ChildRecords
from audit.models import AuditAction
from audit.services import record_event
from children.api import ChildRecordViewSet
from children.permissions import require_recording_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field
from iro_portal.filters import IdFilter

from . import document_selectors, document_services, selectors
from .api import ERROR_RESPONSES
from .models import (
    Circulation,
    CirculationMethod,
    CirculationRecipient,
    RecipientRole,
    Review,
    ReviewDocument,
    ReviewDocumentKind,
)


class ReadsReviewDocuments(ChildRecords):
    message = "Board members and business support cannot read the records of reviews and conferences."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and document_selectors.may_read_documents(request.user)


class ReviewDocumentFilter(django_filters.FilterSet):
    review = IdFilter(field_name="review__id", help_text="Id of a review or conference.")
    kind = django_filters.ChoiceFilter(choices=ReviewDocumentKind.choices)


class RecipientSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(max_length=200, allow_blank=True, required=False, help_text="Needed for an agency.")

    class Meta:
        model = CirculationRecipient
        fields = ["name", "role", "agency", "method"]


class CirculationSerializer(serializers.ModelSerializer):
    recipients = RecipientSerializer(many=True, read_only=True)

    class Meta:
        model = Circulation
        fields = ["id", "sent_on", "recipients", "recorded_at"]


class ReviewDocumentSerializer(serializers.ModelSerializer):
    circulations = CirculationSerializer(many=True, read_only=True)
    title = serializers.CharField(read_only=True)

    class Meta:
        model = ReviewDocument
        fields = [
            "id",
            "review",
            "kind",
            "title",
            "status",
            "review_version",
            "created_at",
            "finished_at",
            "circulations",
        ]
        read_only_fields = fields


class NewDocumentSerializer(serializers.Serializer):
    review = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="Id of a held review or conference.")
    kind = serializers.ChoiceField(
        choices=ReviewDocumentKind.choices,
        help_text="A LAC review: review_record or child_letter (after saving the letter); a conference: "
        "conference_record or parents_copy.",
    )


class NewRecipientSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=RecipientRole.choices)
    agency = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    method = serializers.ChoiceField(choices=CirculationMethod.choices)


class NewCirculationSerializer(serializers.Serializer):
    sent_on = serializers.DateField()
    recipients = serializers.ListField(
        child=NewRecipientSerializer(), allow_empty=False, max_length=document_services.MAX_RECIPIENTS
    )
    version = version_field()


@extend_schema_view(
    list=extend_schema(
        summary="List the documents made from reviews' records",
        responses={200: ReviewDocumentSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One review document, with its status and sendings",
        responses={200: ReviewDocumentSerializer, **ERROR_RESPONSES},
    ),
)
class ReviewDocumentViewSet(mixins.ListModelMixin, ChildRecordViewSet):
    """The records made from held LAC reviews and conferences of the children you may see (never
    for business support), with the letters to the children and the parents' copies, each with its
    status and when and to whom it was sent."""

    serializer_class = ReviewDocumentSerializer
    permission_classes = [ReadsReviewDocuments]
    filterset_class = ReviewDocumentFilter
    filter_backends = [DjangoFilterBackend]

    def child_id_of(self, row):
        return row.review.child_id

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewDocument.objects.none()
        reviews = selectors.reviews_visible_to(self.request.user, Review.objects.all())
        return (
            ReviewDocument.objects.filter(review__in=reviews)
            .select_related("review__child")
            .defer("html", "content")
            .prefetch_related("circulations__recipients")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Make a document from a held review's or conference's record",
        request=NewDocumentSerializer,
        responses={201: ReviewDocumentSerializer, **ERROR_RESPONSES},
    )
    def create(self, request):
        data = self._validated(NewDocumentSerializer)
        reviews = selectors.reviews_visible_to(request.user, Review.objects.all())
        review = reviews.filter(pk=data["review"]).first()
        if review is None:
            raise serializers.ValidationError({"review": ["No such review, or not one of your children."]})
        require_recording_rights(request.user, review.child_id)
        document = document_services.create_document(review, kind=data["kind"], by=request.user, request=request)
        return self._created(self.get_queryset().get(pk=document.pk))

    @extend_schema(
        summary="Download a document's PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The tagged PDF."),
            **ERROR_RESPONSES,
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        document = self.get_object()
        document = ReviewDocument.objects.select_related("review").get(pk=document.pk)
        if not document.is_ready:
            raise Http404('The PDF is not ready yet: its status is not "ready".')
        record_event(
            action=AuditAction.EXPORT,
            user=request.user,
            obj=document,
            child_id=document.review.child_id,
            request=request,
            detail={"format": "pdf"},
        )
        response = HttpResponse(bytes(document.content), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response

    @extend_schema(
        summary="Record that a document was sent",
        request=NewCirculationSerializer,
        responses={201: ReviewDocumentSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def circulations(self, request, pk=None):
        document = self.get_object()
        data = self._validated(NewCirculationSerializer)
        document_services.record_circulation(
            document,
            by=request.user,
            sent_on=data["sent_on"],
            recipients=[dict(recipient) for recipient in data["recipients"]],
            expected_version=data["version"],
            request=request,
        )
        return self._created(self.get_queryset().get(pk=document.pk))
