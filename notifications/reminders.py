"""The shape every app's reminder selector returns, so the sweep can store them all alike."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Reminder:
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
    """How emails and reminders name a child: never the full name."""
    return f"{child.given_name[:1]}.{child.family_name[:1]}. ({child.local_child_id})"


def overdue_step(due, on):
    """Overdue reminders repeat weekly: one per week since the due date."""
    return f"overdue-week-{(on - due).days // 7}"
