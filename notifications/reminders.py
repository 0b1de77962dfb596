"""The shape every app's reminder selector returns, so the sweep can store them all alike."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Reminder:
    """One reminder. The message names no child: the inbox shows the child's name beside it and
    an email their initials and ID (notifications.services), so it reads whole in both. Its
    fields are those of the Notification row it is stored as."""

    recipient_id: int
    kind: str
    subject_type: str
    subject_id: int
    child_id: int | None
    due_date: date
    step: str
    message: str
    link: str


def initials_and_id(child):
    """How emails name a child: never the full name."""
    return f"{child.given_name[:1]}.{child.family_name[:1]}. ({child.local_child_id})"


def as_sentence(text):
    """Text someone typed, whole, on one line and ending as a sentence ends (one full stop)."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…" else f"{text}."


def overdue_step(due, on):
    """Overdue reminders repeat weekly: one per week since the due date."""
    return f"overdue-week-{(on - due).days // 7}"
