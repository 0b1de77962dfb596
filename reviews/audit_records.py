"""How the audit log names reviews and their agreed actions (audit.registry), registered by
ReviewsConfig.ready()."""

from audit.registry import RecordKind, day, register_record_kind

from .models import Review, ReviewDocumentKind


def _unsaved_review(kind: str, number: str) -> Review:
    """A review of this kind and number, for its title (Review.title)."""
    return Review(kind=kind, number=int(number))


register_record_kind(
    "reviews.review",
    RecordKind(
        "Review",
        "reviews",
        "reviews.Review",
        ("kind", "number"),
        lambda kind, number: _unsaved_review(kind, number).title,
    ),
)
register_record_kind(
    "reviews.reviewaction",
    RecordKind(
        "Agreed action",
        "agreed actions",
        "reviews.ReviewAction",
        ("review__kind", "review__number", "due_date"),
        lambda kind, number, due: f"Agreed at {_unsaved_review(kind, number).title_in_sentence}, due by {day(due)}",
    ),
)
register_record_kind(
    "reviews.conferencerecord",
    RecordKind(
        "Conference record",
        "conference records",
        "reviews.ConferenceRecord",
        ("review__kind", "review__number"),
        lambda kind, number: f"Record of the {_unsaved_review(kind, number).title_in_sentence}",
    ),
)
register_record_kind(
    "reviews.reviewrecord",
    RecordKind(
        "Review record",
        "review records",
        "reviews.ReviewRecord",
        ("review__kind", "review__number"),
        lambda kind, number: f"Record of {_unsaved_review(kind, number).title_in_sentence}",
    ),
)
register_record_kind(
    "reviews.reviewdocument",
    RecordKind(
        "Review document",
        "review documents",
        "reviews.ReviewDocument",
        ("kind", "review__kind", "review__number"),
        lambda kind, review_kind, number: (
            f"{ReviewDocumentKind(kind).label} of the {_unsaved_review(review_kind, number).title_in_sentence}"
        ),
    ),
)
register_record_kind(
    "reviews.circulation",
    RecordKind(
        "Record sent",
        "records sent",
        "reviews.Circulation",
        ("document__kind", "document__review__kind", "document__review__number"),
        lambda kind, review_kind, number: (
            f"{ReviewDocumentKind(kind).label} of the {_unsaved_review(review_kind, number).title_in_sentence}, sent"
        ),
    ),
)
register_record_kind(
    "reviews.childletter",
    RecordKind(
        "Letter to the child",
        "letters to children",
        "reviews.ChildLetter",
        ("review__kind", "review__number"),
        lambda kind, number: f"Letter to the child after {_unsaved_review(kind, number).title_in_sentence}",
    ),
)
