"""Reads about child protection conferences' records: quorum, the decision and who dissents."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from .models import (
    CONFERENCE_KINDS,
    ConferenceAgency,
    ConferenceAttendance,
    ConferenceAttendee,
    ConferenceOutcome,
    ConferenceRecord,
    CoreGroupMember,
    PlanView,
    Review,
)

QUORUM_AGENCIES = 3

PLAN_DECISIONS = (ConferenceOutcome.PLAN_MADE, ConferenceOutcome.PLAN_CONTINUES)


@dataclass(frozen=True)
class Quorum:
    """Whether a conference was quorate, and the agencies counted."""

    agencies: tuple[str, ...]
    social_care_present: bool

    @property
    def quorate(self) -> bool:
        return self.social_care_present and len(self.agencies) >= QUORUM_AGENCIES

    @property
    def summary(self) -> str:
        """Who counted, as the record says it beside "Quorate" or "Not quorate"."""
        counted = f"{len(self.agencies)} agenc{'y' if len(self.agencies) == 1 else 'ies'} attended"
        if self.agencies:
            counted += f" ({', '.join(self.agencies)})"
        missing = "" if self.social_care_present else "; children's social care did not attend"
        return f"{counted}{missing}."


def quorum(attendees: Iterable[ConferenceAttendee]) -> Quorum:
    """A conference is quorate when at least three agencies attended, children's social care one
    of them (Working Together to Safeguard Children 2023, and the London Safeguarding Children
    Procedures' reading of it: the agencies that take part in the decision). Only professionals
    who attended count: a written report informs the conference but cannot weigh the risk with
    the others or give a view on the decision, and parents and family members are not an agency.
    Several people from one agency count once; each differently named "other" agency counts."""
    counted: dict[tuple[str, str], str] = {}
    for attendee in attendees:
        if attendee.attendance != ConferenceAttendance.ATTENDED or attendee.agency == ConferenceAgency.FAMILY:
            continue
        other = attendee.agency_other.strip().lower() if attendee.agency == ConferenceAgency.OTHER else ""
        counted.setdefault((attendee.agency, other), attendee.agency_display)
    return Quorum(
        agencies=tuple(counted.values()),
        social_care_present=any(agency == ConferenceAgency.SOCIAL_CARE for agency, _ in counted),
    )


def decision_view(outcome: str) -> str:
    """The chair's decision as a view on a plan: a plan made or continued is "plan"."""
    if not outcome:
        return ""
    return PlanView.PLAN if outcome in PLAN_DECISIONS else PlanView.NO_PLAN


def dissenting(attendees: Iterable[ConferenceAttendee], outcome: str) -> list[ConferenceAttendee]:
    """The attendees whose agency's view differs from the chair's decision."""
    decided = decision_view(outcome)
    return [a for a in attendees if decided and a.view_on_plan and a.view_on_plan != decided]


def conference_record(review: Review) -> ConferenceRecord | None:
    """The review's conference record with its attendees and core group, in three queries."""
    return (
        ConferenceRecord.objects.filter(review=review)
        .prefetch_related(
            Prefetch("attendees", queryset=ConferenceAttendee.objects.order_by("id")),
            Prefetch("core_group", queryset=CoreGroupMember.objects.order_by("id")),
        )
        .first()
    )


def quorate(value: bool, prefix: str = "conference_record__") -> Q:
    """Conferences whose record says they were (or were not) quorate; a conference with no
    record is neither, so the figures count quorum only where the chair recorded attendance."""
    return Q(**{f"{prefix}quorate": value})


FIRST_CORE_GROUP_OUTCOMES = [
    ("met", "Within 10 working days"),
    ("missed", "Later, or not yet held and overdue"),
    ("pending", "Not yet due"),
]


def _first_core_group_overdue(on: date, prefix: str) -> Q:
    return Q(**{f"{prefix}first_core_group_due__lt": on, f"{prefix}first_core_group_held__isnull": True})


def first_core_group(outcome: str, on: date, prefix: str = "conference_record__") -> Q:
    """ICPCs that made a plan, by whether the first core group meeting was held within 10
    working days (timescales.first_core_group_due): "met" when held by the due date, "missed"
    when held after it or still not held once it has passed, "pending" while not held and not
    yet overdue. Conferences that made no plan have no due date and are in none of these."""
    due, held = f"{prefix}first_core_group_due", f"{prefix}first_core_group_held"
    return {
        "met": Q(**{f"{held}__lte": F(due)}),
        "missed": Q(**{f"{held}__gt": F(due)}) | _first_core_group_overdue(on, prefix),
        "pending": Q(**{f"{due}__gte": on, f"{held}__isnull": True}),
    }[outcome]


def first_core_group_overdue(records: QuerySet[ConferenceRecord], on: date) -> QuerySet[ConferenceRecord]:
    """ICPCs' records whose first core group meeting was due before `on` and is not recorded."""
    return records.filter(_first_core_group_overdue(on, prefix=""))


def record_context(review: Review) -> dict[str, Any]:
    """What the review's page shows of a conference's record (nothing for a LAC review): the
    record, its attendees, core group and quorum, in a fixed number of queries."""
    if review.kind not in CONFERENCE_KINDS:
        return {}
    record = conference_record(review)
    attendees = list(record.attendees.all()) if record else []
    return {
        "conference_record": record,
        "attendees": attendees,
        "core_group": list(record.core_group.all()) if record else [],
        "quorum": quorum(attendees),
        "dissenting": dissenting(attendees, review.conference_outcome),
    }
