"""Statutory date rules (DESIGN.md section 3), as pure functions of dates.

No ORM and no reading of "today": callers pass every date in, so each rule can be tested
exhaustively and the same answer comes out of the pages, the reminders and the annual report.
Working days are iro_portal.working_days' (the one calendar, also behind the CalendarDay table),
and calendar months iro_portal.months', named here as well so that every date rule is read from
this module.
"""

from datetime import date, timedelta
from functools import lru_cache

from iro_portal.months import add_months as add_months
from iro_portal.months import latest_start_open_longer_than as latest_start_open_longer_than
from iro_portal.working_days import add_working_days as add_working_days
from iro_portal.working_days import is_working_day as is_working_day
from iro_portal.working_days import working_days_between as working_days_between

FIRST_LAC_REVIEW_WORKING_DAYS = 20
SECOND_LAC_REVIEW_MONTHS = 3
LATER_LAC_REVIEW_MONTHS = 6
FIRST_SHORT_BREAK_REVIEW_MONTHS = 3
SHORT_BREAK_SERIES_LAPSES_MONTHS = 12
ICPC_WORKING_DAYS = 15
FIRST_RCPC_MONTHS = 3
LATER_RCPC_MONTHS = 6
UNPLANNED_MOVE_REVIEW_WORKING_DAYS = 20
FIRST_CORE_GROUP_WORKING_DAYS = 10


def lac_review_due(
    period_start: date, held: list[date], *, short_breaks: bool = False, unplanned_moves: tuple[date, ...] = ()
) -> date:
    """Due date of the next LAC review in a period of care (reg. 33 of the Care Planning,
    Placement and Case Review (England) Regulations 2010).

    First review within 20 working days of the period's start; second within 3 months of the
    first; then every 6 months, always counted from the date the previous review was held.
    Short breaks (V3/V4): first within 3 months of the first break, then every 6 months.
    `unplanned_moves`: dates of unplanned placement moves; one after the last review (or the
    start of the period) brings the next review forward to within 20 working days of it.
    """
    held = sorted(held)
    if not held:
        if short_breaks:
            due = add_months(period_start, FIRST_SHORT_BREAK_REVIEW_MONTHS)
        else:
            due = add_working_days(period_start, FIRST_LAC_REVIEW_WORKING_DAYS)
    elif len(held) == 1 and not short_breaks:
        due = add_months(held[-1], SECOND_LAC_REVIEW_MONTHS)
    else:
        due = add_months(held[-1], LATER_LAC_REVIEW_MONTHS)
    since = held[-1] if held else period_start
    moves_since = [move for move in unplanned_moves if move > since]
    if moves_since:
        due = min(due, additional_review_due(min(moves_since)))
    return due


def lac_reviews_assumed(
    period_start: date, recorded_from: date | None, held: list[date], *, short_breaks: bool = False
) -> list[date]:
    """The LAC reviews of a cycle the portal has no record of, assumed held on their due dates:
    those due before `recorded_from` (Child.lac_reviews_recorded_from, set by an SSDA903 import,
    whose return has only the collection year's reviews, and none for short breaks: DfE rule
    399), when the cycle began earlier and no review before that date is recorded."""
    if recorded_from is None or period_start >= recorded_from or (held and min(held) < recorded_from):
        return []
    return list(_reviews_due_before(period_start, recorded_from, short_breaks))


@lru_cache(maxsize=200_000)
def _reviews_due_before(period_start: date, recorded_from: date, short_breaks: bool) -> tuple[date, ...]:
    """Memoised: an SSDA903 import asks it for thousands of children with the same dates."""
    assumed: list[date] = []
    due = lac_review_due(period_start, assumed, short_breaks=short_breaks)
    while due < recorded_from:
        assumed.append(due)
        # As lac_review_due(period_start, assumed), without its work for moves (none assumed).
        second = len(assumed) == 1 and not short_breaks
        due = add_months(due, SECOND_LAC_REVIEW_MONTHS if second else LATER_LAC_REVIEW_MONTHS)
    return tuple(assumed)


def short_break_series_lapses(break_ended: date) -> date:
    """The day a series of short breaks ends when no break follows the one that ended on
    `break_ended`. The Regulations treat a series of pre-planned short breaks as one placement
    (reg. 48), so between breaks the series, and its review cycle, goes on; they bound a series
    over any period of 12 months (no break over 17 days, 75 days at most: DfE rules 365 and 367),
    so twelve months without a break end it, and a later break starts a new series."""
    return add_months(break_ended, SHORT_BREAK_SERIES_LAPSES_MONTHS)


def short_break_series_lapsed_by(on: date) -> date:
    """The latest day a break can have ended for its series to have lapsed by `on`: a break
    ending on it or before has short_break_series_lapses(break_ended) <= on."""
    return latest_start_open_longer_than(on, SHORT_BREAK_SERIES_LAPSES_MONTHS, or_exactly=True)


def additional_review_due(unplanned_move: date) -> date:
    """Local standard: an unplanned placement move calls for a review within 20 working days."""
    return add_working_days(unplanned_move, UNPLANNED_MOVE_REVIEW_WORKING_DAYS)


def icpc_due(strategy_discussion: date) -> date:
    """Initial child protection conference: within 15 working days of the strategy discussion
    at which section 47 enquiries started."""
    return add_working_days(strategy_discussion, ICPC_WORKING_DAYS)


def rcpc_due(icpc_held: date, rcpcs_held: list[date]) -> date:
    """Review child protection conference: the first within 3 months of the ICPC, later ones
    not more than 6 months after the previous."""
    if not rcpcs_held:
        return add_months(icpc_held, FIRST_RCPC_MONTHS)
    return add_months(max(rcpcs_held), LATER_RCPC_MONTHS)


def first_core_group_due(icpc_held: date) -> date:
    """The first core group meeting after an ICPC that makes a plan: within 10 working days of
    the ICPC (Working Together to Safeguard Children 2023)."""
    return add_working_days(icpc_held, FIRST_CORE_GROUP_WORKING_DAYS)


def working_days_left(due: date, on: date) -> int:
    """Working days from `on` to a deadline not yet passed: 0 on the day itself."""
    return working_days_between(on, due)


def working_days_overdue(due: date, on: date) -> int:
    """Working days a deadline that passed before `on` is overdue: the working days after `due`
    up to `on`, and at least 1, so that a review due on a Friday is not "0" days overdue over
    the weekend (nor one due before a bank holiday on the holiday)."""
    return max(1, working_days_between(due, on))


def in_timescale(held_on: date, due: date) -> bool:
    """Whether a review held (or booked) on `held_on` is held by its due date; after it, it is
    late and its record needs the reason."""
    return held_on <= due


def working_days_deadline(after: date, limit: int) -> date:
    """The last day something due within `limit` working days of `after` is still in time (the
    quality standards for circulating decisions and records)."""
    return add_working_days(after, limit)


def within_working_days(event: date | None, after: date, limit: int) -> bool:
    """Whether `event` happened no more than `limit` working days after `after`: on or before
    working_days_deadline(after, limit)."""
    return event is not None and event <= working_days_deadline(after, limit)


def at_least_working_days_before(event: date | None, before: date, lead: int) -> bool:
    """Whether `event` came at least `lead` working days before `before` (the social worker's
    report before a review)."""
    return event is not None and event <= add_working_days(before, -lead)


def quarter_start(day: date) -> date:
    """First day of the calendar quarter holding `day` (the reporting year's quarters start on
    1 April, 1 July, 1 October and 1 January, so they coincide)."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    return add_months(start, 3) - timedelta(days=1)


def reporting_year_start(day: date) -> date:
    """1 April of the reporting year (1 April to 31 March, DESIGN.md section 4) holding `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


PERMANENCE_PLAN_BY_REVIEW = 2
"""The permanence plan is expected to be agreed by the child's second LAC review (IRO Handbook 3.71)."""
SCHOOL_AGE_FROM = 5
SCHOOL_AGE_UNTIL = 16
"""Compulsory school age, in whole years on the day of the review: the personal education plan applies."""
PATHWAY_PLAN_FROM_AGE = 16
"""A pathway plan is expected for an eligible child of 16 and over (Care Leavers Regulations 2010)."""
