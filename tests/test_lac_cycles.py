"""The LAC cycle core (reviews.cycles): pure functions of episodes and dates, which the
scheduler, the SSDA903 import and the demo all call."""

from collections import namedtuple
from datetime import date as D

import pytest

from reviews import cycles, services, timescales
from reviews.cycles import LacCycle, current_lac_cycle, cycle_on, lac_cycles, next_lac_review
from ssda903.importing import plan as import_plan

Episode = namedtuple(
    "Episode",
    "start_date end_date reason_for_new_episode legal_status reason_episode_ceased reason_for_placement_change",
    defaults=(None, "S", "C2", "", ""),
)


def short_break(start, end, *, ended="E4A"):
    return Episode(start, end, "S", "V3", ended)


class TestAReturnFromCare:
    EPISODES = [Episode(D(2023, 1, 10), D(2023, 6, 1), reason_episode_ceased="E4A"), Episode(D(2024, 2, 1))]

    def test_each_period_of_care_is_a_cycle_and_the_return_starts_a_new_one(self):
        first, second = lac_cycles(self.EPISODES)
        assert (first.start, first.end, first.short_breaks) == (D(2023, 1, 10), D(2023, 6, 1), False)
        assert (second.start, second.end) == (D(2024, 2, 1), None)
        assert current_lac_cycle(self.EPISODES, on=D(2024, 3, 1)) == second

    def test_the_child_is_not_looked_after_between_the_periods(self):
        assert current_lac_cycle(self.EPISODES[:1], on=D(2023, 7, 1)) is None

    def test_an_episode_ending_x1_leaves_the_child_looked_after(self):
        episodes = [Episode(D(2024, 2, 1), D(2024, 3, 1), reason_episode_ceased="X1")]
        assert current_lac_cycle(episodes, on=D(2024, 6, 1)).start == D(2024, 2, 1)

    def test_the_first_review_of_the_new_period_is_due_in_20_working_days_then_3_then_6_months(self):
        cycle = current_lac_cycle(self.EPISODES, on=D(2024, 3, 1))
        assert next_lac_review(cycle, [], count_moves=True) == cycles.NextLacReview(D(2024, 2, 29), 1, None)
        assert next_lac_review(cycle, [D(2024, 2, 20)], count_moves=True).due_date == D(2024, 5, 20)
        second = next_lac_review(cycle, [D(2024, 2, 20), D(2024, 5, 10)], count_moves=True)
        assert (second.due_date, second.number) == (D(2024, 11, 10), 3)

    def test_held_reviews_are_taken_in_date_order(self):
        cycle = current_lac_cycle(self.EPISODES, on=D(2024, 3, 1))
        assert next_lac_review(cycle, [D(2024, 5, 10), D(2024, 2, 20)], count_moves=False).due_date == D(2024, 11, 10)

    def test_a_review_falls_in_the_cycle_started_on_or_before_it(self):
        first, second = lac_cycles(self.EPISODES)
        assert cycle_on([first, second], D(2023, 12, 1)) == first
        assert cycle_on([first, second], D(2024, 2, 1)) == second
        assert cycle_on([first, second], D(2022, 12, 1)) is None


class TestAShortBreakSeries:
    BREAKS = [short_break(D(2024, 1, 5), D(2024, 1, 8)), short_break(D(2024, 3, 1), D(2024, 3, 4))]

    def test_the_breaks_of_a_series_are_one_cycle_from_the_first(self):
        (cycle,) = lac_cycles(self.BREAKS)
        assert (cycle.start, cycle.end, cycle.short_breaks, len(cycle.periods)) == (
            D(2024, 1, 5),
            D(2024, 3, 4),
            True,
            2,
        )
        assert len(cycle.episodes) == 2

    def test_the_series_runs_on_between_breaks_until_twelve_months_without_one(self):
        assert current_lac_cycle(self.BREAKS, on=D(2024, 6, 1)).start == D(2024, 1, 5)
        assert current_lac_cycle(self.BREAKS, on=D(2025, 3, 3)).start == D(2024, 1, 5)
        assert current_lac_cycle(self.BREAKS, on=D(2025, 3, 4)) is None

    def test_a_break_after_the_series_lapsed_starts_a_new_series(self):
        episodes = [*self.BREAKS, short_break(D(2025, 3, 10), D(2025, 3, 12))]
        old, new = lac_cycles(episodes)
        assert (old.start, new.start, new.short_breaks) == (D(2024, 1, 5), D(2025, 3, 10), True)

    def test_a_break_ending_for_good_ends_the_series(self):
        episodes = [short_break(D(2024, 1, 5), D(2024, 1, 8), ended="E11"), short_break(D(2024, 3, 1), D(2024, 3, 4))]
        assert [cycle.start for cycle in lac_cycles(episodes)] == [D(2024, 1, 5), D(2024, 3, 1)]
        assert current_lac_cycle(episodes[:1], on=D(2024, 2, 1)) is None

    def test_a_period_not_only_of_short_breaks_is_not_part_of_a_series(self):
        episodes = [*self.BREAKS, Episode(D(2024, 5, 1))]
        assert [(cycle.start, cycle.short_breaks) for cycle in lac_cycles(episodes)] == [
            (D(2024, 1, 5), True),
            (D(2024, 5, 1), False),
        ]

    def test_reviews_of_a_series_are_due_3_months_after_the_first_break_then_every_6(self):
        cycle = current_lac_cycle(self.BREAKS, on=D(2024, 6, 1))
        assert next_lac_review(cycle, [], count_moves=True).due_date == D(2024, 4, 5)
        assert next_lac_review(cycle, [D(2024, 4, 2)], count_moves=True).due_date == D(2024, 10, 2)


class TestAnUnplannedMove:
    EPISODES = [
        Episode(D(2024, 1, 10), D(2024, 3, 4), reason_episode_ceased="X1", reason_for_placement_change="ALLEG"),
        Episode(D(2024, 3, 4), D(2024, 4, 2), "P", reason_episode_ceased="X1", reason_for_placement_change="CARPL"),
        Episode(D(2024, 4, 2), None, "P"),
    ]

    def cycle(self):
        return current_lac_cycle(self.EPISODES, on=D(2024, 5, 1))

    def test_only_moves_for_an_unplanned_reason_count(self):
        assert self.cycle().unplanned_moves == (D(2024, 3, 4),)

    def test_a_move_since_the_last_review_brings_the_next_forward(self):
        review = next_lac_review(self.cycle(), [D(2024, 2, 7)], count_moves=True)
        assert review.due_date == timescales.additional_review_due(D(2024, 3, 4)) == D(2024, 4, 3)
        assert review.brought_forward_by_move == D(2024, 3, 4)

    def test_without_the_local_standard_the_move_changes_nothing(self):
        assert next_lac_review(self.cycle(), [D(2024, 2, 7)], count_moves=False) == cycles.NextLacReview(
            D(2024, 5, 7), 2, None
        )

    def test_a_move_before_the_last_review_does_not(self):
        assert (
            next_lac_review(self.cycle(), [D(2024, 2, 7), D(2024, 3, 20)], count_moves=True).brought_forward_by_move
            is None
        )

    def test_a_move_after_a_review_was_held_was_not_counted_for_it(self):
        held = next_lac_review(self.cycle(), [D(2024, 2, 7)], count_moves=True, moves_before=D(2024, 3, 1))
        assert (held.due_date, held.brought_forward_by_move) == (D(2024, 5, 7), None)

    def test_a_move_counts_only_when_it_is_sooner_than_the_regular_due_date(self):
        late_move = [
            Episode(D(2024, 1, 10), D(2024, 5, 1), reason_episode_ceased="X1", reason_for_placement_change="CHILD"),
            Episode(D(2024, 5, 1), None, "P"),
        ]
        cycle = current_lac_cycle(late_move, on=D(2024, 5, 2))
        review = next_lac_review(cycle, [D(2024, 2, 7)], count_moves=True)
        assert (review.due_date, review.brought_forward_by_move) == (D(2024, 5, 7), None)


def test_reviews_assumed_before_the_portal_held_them_count_in_the_cycle():
    cycle = LacCycle(D(2020, 2, 1), False, ())
    assumed = cycle.reviews_assumed(D(2024, 4, 1), [])
    assert assumed == timescales.lac_reviews_assumed(D(2020, 2, 1), D(2024, 4, 1), [])
    assert cycle.reviews_assumed(D(2024, 4, 1), [D(2024, 3, 1)]) == []


@pytest.mark.parametrize("module", [services, import_plan])
def test_the_scheduler_and_the_import_share_the_one_core(module):
    assert module.current_lac_cycle is cycles.current_lac_cycle
    assert module.next_lac_review is cycles.next_lac_review


@pytest.mark.parametrize(
    "on, ended_by",
    [
        (D(2024, 12, 31), D(2023, 12, 31)),  # twelve months, not 365 days, in a leap year
        (D(2025, 2, 28), D(2024, 2, 29)),
        (D(2024, 3, 1), D(2023, 3, 1)),
    ],
)
def test_the_sweep_finds_series_lapsed_by_the_same_twelve_months_as_the_cycle(on, ended_by):
    """timescales.short_break_series_lapsed_by, the daily sweep's filter, agrees with the rule
    current_lac_cycle applies: a break that ended on `ended_by` has lapsed by `on`, a day
    later has not."""
    assert timescales.short_break_series_lapsed_by(on) == ended_by
    assert current_lac_cycle([short_break(D(2023, 6, 1), ended_by)], on=on) is None
    assert current_lac_cycle([short_break(D(2023, 6, 1), D.fromordinal(ended_by.toordinal() + 1))], on=on) is not None
