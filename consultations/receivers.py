"""What consultations does when an app below it says something happened (reviews.signals)."""

from reviews.models import Review

from .staff_services import email_feedback_links


def send_feedback_links(sender, review: Review, **kwargs) -> None:
    """A review held: feedback links by email to those whose consultation links were emailed."""
    email_feedback_links(review)
