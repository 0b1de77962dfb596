"""Keeping the IRO's letter to the child after a held LAC review: the words the document is
made from (reviews.document_services), locked by version and audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.locking import check_version

from .letter_models import ChildLetter
from .models import Review, ReviewKind, ReviewStatus
from .record_services import plain_text

LETTER_MAX_LENGTH = 10000
LETTER_CHANGED_MESSAGE = (
    "Someone else saved this letter while you were writing it. Nothing you wrote here has been saved: "
    "open the letter again to see their changes, then make yours."
)


@transaction.atomic
def save_letter(
    review: Review, *, by: User, text: str, expected_version: int | None, request: HttpRequest | None = None
) -> ChildLetter:
    """Keep the letter's words (plain text, shown escaped) for a held LAC review. A letter not
    saved yet is version 0; a save from an older version is refused whole."""
    review = Review.objects.select_for_update(of=("self",)).select_related("child").get(pk=review.pk)
    if review.kind != ReviewKind.LAC:
        raise ValidationError("Only a LAC review has a letter to the child.")
    if review.status != ReviewStatus.HELD:
        raise ValidationError(f"{review.title} is not recorded as held yet, so there is nothing to write about.")
    letter = ChildLetter.objects.select_for_update().filter(review=review).first()
    check_version(letter, expected_version, LETTER_CHANGED_MESSAGE)
    text = plain_text(text)
    if not text:
        raise ValidationError({"text": f"Write the letter to {review.child.given_name}."})
    if len(text) > LETTER_MAX_LENGTH:
        raise ValidationError({"text": f"The letter must be {LETTER_MAX_LENGTH:,} characters or fewer."})
    created = letter is None
    if letter is None:
        letter = ChildLetter(review=review, version=0)
    letter.text, letter.updated_by = text, by
    letter.version += 1
    letter.save()
    record_event(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        user=by,
        obj=letter,
        child_id=review.child_id,
        request=request,
        detail={"characters": len(text), "version": letter.version},
    )
    return letter
