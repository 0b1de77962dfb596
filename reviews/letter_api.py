"""The letter to the child after a held LAC review through the API, under the review: GET
/reviews/{id}/letter/ reads the letter as last saved, or the draft built from the decisions
(version 0) before anyone saved it; PUT keeps the edited words, sending the `version` read (a
stale one is a 409). Make the letter's document with POST /review-documents/ and kind
"child_letter". The same services, rules and audit events as the page."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from children.permissions import require_recording_rights
from iro_portal.api import CONFLICT_RESPONSE, version_field

from . import document_selectors, letter_selectors, letter_services
from .models import ReviewKind, ReviewStatus

ERROR_RESPONSES = {
    400: OpenApiResponse(description='Invalid: {"detail": "...", "errors": {"field": ["message"]}}.'),
    401: OpenApiResponse(description="Not signed in: send `Authorization: Token <key>`."),
    403: OpenApiResponse(description="Read-only cover, business support and board members cannot write to children."),
    404: OpenApiResponse(description="No such held LAC review, or not one of your children."),
}


class LetterSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="Plain text. A paragraph that is one of the headings alone is a heading.")
    saved = serializers.BooleanField(help_text="False while the text is the draft built from the decisions.")
    version = serializers.IntegerField(help_text="The letter's version (0 before anyone saved it).")


class LetterChangeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=letter_services.LETTER_MAX_LENGTH, help_text="Plain text; shown escaped.")
    version = version_field()


class LetterActions:
    """The letter endpoint, mixed into the reviews' viewset (which allows PUT for it alone)."""

    @staticmethod
    def _letter(review):
        text, version = letter_selectors.letter_text(review)
        return Response(LetterSerializer({"text": text, "saved": version > 0, "version": version}).data)

    @extend_schema(
        summary="The letter to the child after a held LAC review",
        responses={200: LetterSerializer, **ERROR_RESPONSES},
        methods=["GET"],
    )
    @extend_schema(
        summary="Save the letter to the child",
        description="Keeps the edited words; refused whole (nothing saved) if `version` is stale.",
        request=LetterChangeSerializer,
        responses={200: LetterSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
        methods=["PUT"],
    )
    @action(detail=True, methods=["get", "put"], url_path="letter", url_name="letter")
    def letter(self, request, pk=None):
        """For those who may record for the child (not read-only cover, nor business support)."""
        review = self.get_object()
        if not document_selectors.may_read_documents(request.user):
            raise PermissionDenied("Business support cannot read the records of reviews, nor write to children.")
        require_recording_rights(request.user, review.child_id)
        if review.kind != ReviewKind.LAC or review.status != ReviewStatus.HELD:
            raise NotFound("Only a held LAC review has a letter to the child.")
        if request.method == "PUT":
            serializer = LetterChangeSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            letter_services.save_letter(
                review,
                by=request.user,
                text=serializer.validated_data["text"],
                expected_version=serializer.validated_data["version"],
                request=request,
            )
        return self._letter(review)
