"""Escalation deadlines (DESIGN.md section 3), as pure functions of dates.

Like reviews.timescales, which supplies the working-day arithmetic: no ORM and no reading of
"today", so the pages, the lists and the annual report all get the same answer.
"""

from datetime import date

from django.conf import settings

from reviews.timescales import add_working_days, working_days_between

from .codes import Stage


def response_due(sent_on: date, stage: int) -> date:
    """The working day by which a step must be answered: N working days after it was sent,
    N configured per stage."""
    return add_working_days(sent_on, settings.ESCALATION_RESPONSE_WORKING_DAYS[Stage(stage).setting_key])


def response_overdue(response_due_on: date, responded_on: date | None, on: date) -> bool:
    """A step is overdue once its due date has passed with no response."""
    return responded_on is None and response_due_on < on


def formal_process_limit() -> int:
    """Working days the whole formal process may take (DESIGN.md section 3: 20 by default), from
    the first formal step to resolution: the flags on the lists, the reminders and the annual
    report's standard all judge against this one number."""
    return settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS


def formal_process_working_days(formal_started_on: date | None, until: date) -> int | None:
    """Working days the formal process has taken, from the day the first formal step was sent
    to `until` (the resolution date, or today while it is open); None if it never went formal."""
    if formal_started_on is None:
        return None
    return working_days_between(formal_started_on, until)


def formal_process_too_long(formal_started_on: date | None, until: date) -> bool:
    """Whether the formal process has taken more than the limit (20 working days by default)."""
    taken = formal_process_working_days(formal_started_on, until)
    return taken is not None and taken > formal_process_limit()
