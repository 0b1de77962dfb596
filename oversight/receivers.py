"""How oversight follows a change to a child's care record (children.signals.care_record_changed)."""

from typing import Any

from children.models import Child

from .services import end_in_contact_plan_when_care_ends


def follow_care_record(sender: type[Child], child: Child, **kwargs: Any) -> None:
    """An In-Contact plan ends with the period of care it was agreed for."""
    end_in_contact_plan_when_care_ends(child)
