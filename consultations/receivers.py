"""What consultations does when an app below it says something happened (reviews.signals)."""

import logging

from reviews.models import Review

from .staff_services import email_feedback_links

logger = logging.getLogger(__name__)


def send_feedback_links(sender, review: Review, **kwargs) -> None:
    """A review held: feedback links by email to those whose consultation links were emailed.
    The review is recorded already; a failure here is logged, not shown to the IRO recording it."""
    try:
        email_feedback_links(review)
    except Exception:
        logger.exception("Feedback links for review %s not made", review.pk)
