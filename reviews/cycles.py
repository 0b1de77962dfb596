"""LAC review cycles (DESIGN.md section 3), as pure functions of a child's episodes and dates.

A cycle is what a child's LAC reviews count from: a period of care, except that a series of
short breaks (V3/V4) is one cycle from its first break and runs on between breaks. The
scheduler, the SSDA903 import and the demo all ask this module for a child's cycles and for
the next review's due date, so the three give the same answer.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from children.codes import (
    CONTINUING_EPISODE_REASON,
    PLANNED_PLACEMENT_CHANGE_REASONS,
    SHORT_BREAK_GAP_REASONS,
    SHORT_BREAK_LEGAL_STATUSES,
)
from children.selectors import PeriodOfCare, periods_of_care

from . import timescales


@dataclass(frozen=True)
class LacCycle:
    """One LAC review cycle: its periods of care (several for a series of short breaks)."""

    start: date
    short_breaks: bool
    periods: tuple[PeriodOfCare, ...]

    @property
    def end(self) -> date | None:
        """The day the last period of care ended (None while it goes on)."""
        return self.periods[-1].end_date

    @property
    def episodes(self) -> tuple:
        return tuple(episode for period in self.periods for episode in period.episodes)

    @cached_property
    def unplanned_moves(self) -> tuple[date, ...]:
        """Dates of unplanned placement moves in the cycle (the reason sits on the episode that
        ended, as SSDA903 rule 225)."""
        return tuple(
            episode.end_date
            for episode in self.episodes
            if episode.end_date is not None
            and episode.reason_for_placement_change
            and episode.reason_for_placement_change not in PLANNED_PLACEMENT_CHANGE_REASONS
        )

    def reviews_assumed(self, recorded_from: date | None, held: Sequence[date]) -> list[date]:
        """The reviews of the cycle the portal has no record of (timescales.lac_reviews_assumed)."""
        return timescales.lac_reviews_assumed(self.start, recorded_from, list(held), short_breaks=self.short_breaks)


@dataclass(frozen=True)
class NextLacReview:
    due_date: date
    number: int  # in the cycle, counting the reviews held before it
    brought_forward_by_move: date | None  # the unplanned move that made it due sooner


def _short_breaks_only(period: PeriodOfCare) -> bool:
    return all(episode.legal_status in SHORT_BREAK_LEGAL_STATUSES for episode in period.episodes)


def _ceased(period: PeriodOfCare) -> bool:
    """An episode ending with X1 is followed by another the same day, even if that one is not
    recorded yet: the child is still looked after."""
    last = period.episodes[-1]
    return last.end_date is not None and last.reason_episode_ceased != CONTINUING_EPISODE_REASON


def _series_goes_on(period: PeriodOfCare, on: date) -> bool:
    """Whether a series of short breaks is still running on `on` after `period`, a break that
    has ended: the child went home until the next break and the series has not lapsed
    (timescales.short_break_series_lapses)."""
    return (
        _short_breaks_only(period)
        and period.episodes[-1].reason_episode_ceased in SHORT_BREAK_GAP_REASONS
        and period.end_date is not None
        and on < timescales.short_break_series_lapses(period.end_date)
    )


def _continues_short_break_series(previous: PeriodOfCare, period: PeriodOfCare) -> bool:
    """Whether `period` is the next break of the series `previous` (the period before it)
    belongs to: both short breaks only, and the series still running."""
    return _short_breaks_only(period) and _series_goes_on(previous, period.start_date)


def lac_cycles(episodes: Iterable) -> list[LacCycle]:
    """Every LAC review cycle in a child's history, oldest first."""
    groups: list[list[PeriodOfCare]] = []
    for period in periods_of_care(episodes):
        if groups and _continues_short_break_series(groups[-1][-1], period):
            groups[-1].append(period)
        else:
            groups.append([period])
    return [
        LacCycle(start=group[0].start_date, short_breaks=_short_breaks_only(group[0]), periods=tuple(group))
        for group in groups
    ]


def current_lac_cycle(episodes: Iterable, *, on: date) -> LacCycle | None:
    """The cycle the child's LAC reviews count from on `on`, or None when the child is not
    looked after: a series of short breaks stays current between breaks until it lapses."""
    cycles = lac_cycles(episodes)
    if not cycles:
        return None
    last = cycles[-1].periods[-1]
    if _ceased(last) and not _series_goes_on(last, on):
        return None
    return cycles[-1]


def cycle_on(cycles: Sequence[LacCycle], day: date) -> LacCycle | None:
    """The latest of `cycles` (oldest first) to have started on or before `day`."""
    found = None
    for cycle in cycles:
        if cycle.start <= day:
            found = cycle
    return found


def next_lac_review(
    cycle: LacCycle, held: Sequence[date], *, count_moves: bool, moves_before: date | None = None
) -> NextLacReview:
    """The LAC review of `cycle` that follows the reviews `held` in it (those assumed held
    included): due by timescales.lac_review_due, brought forward by an unplanned move since the
    last review when `count_moves` (the local standard, settings.UNPLANNED_MOVE_TRIGGERS_REVIEW).
    `moves_before`: for a review already held on that day, the moves after it are the next
    review's."""
    held = sorted(held)
    since = held[-1] if held else cycle.start
    moves = cycle.unplanned_moves if count_moves else ()
    move = min((m for m in moves if m > since and (moves_before is None or m < moves_before)), default=None)
    # The due date depends on the held reviews only through the last two, and on the start
    # only while none is held: so few distinct questions that an import of thousands of
    # children asks each once.
    tail = tuple(held[-2:])
    regular = _regular_due(tail[-1] if tail else cycle.start, tail, cycle.short_breaks)
    due = regular if move is None else min(regular, _additional_review_due(move))
    return NextLacReview(due_date=due, number=len(held) + 1, brought_forward_by_move=move if due < regular else None)


@lru_cache(maxsize=200_000)
def _regular_due(start: date, held_tail: tuple[date, ...], short_breaks: bool) -> date:
    return timescales.lac_review_due(start, list(held_tail), short_breaks=short_breaks)


@lru_cache(maxsize=50_000)
def _additional_review_due(move: date) -> date:
    return timescales.additional_review_due(move)
