"""How reviews follow a change to a child's care record (children.signals.care_record_changed)."""

from typing import Any

from children.models import Child

from .services import reschedule


def follow_care_record(sender: type[Child], child: Child, **kwargs: Any) -> None:
    """The outstanding reviews and conferences move to the due dates the new record gives."""
    reschedule(child)
