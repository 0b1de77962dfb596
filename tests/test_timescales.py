"""The statutory date rules of DESIGN.md section 3, table by table."""

import random
from datetime import date as D
from datetime import timedelta

import pytest

from reviews import timescales
from reviews.timescales import (
    add_months,
    add_working_days,
    additional_review_due,
    at_least_working_days_before,
    icpc_due,
    lac_review_due,
    rcpc_due,
    within_working_days,
    working_days_between,
)


@pytest.mark.parametrize(
    "start, n, expected, why",
    [
        (D(2025, 3, 3), 1, D(2025, 3, 4), "Monday + 1 is Tuesday"),
        (D(2025, 3, 7), 1, D(2025, 3, 10), "Friday + 1 skips the weekend"),
        (D(2025, 3, 8), 1, D(2025, 3, 10), "from a Saturday, the next working day is Monday"),
        (D(2025, 3, 3), 5, D(2025, 3, 10), "a working week"),
        (D(2025, 3, 3), 0, D(2025, 3, 3), "zero days is the day itself"),
        (D(2024, 12, 20), 5, D(2024, 12, 31), "Christmas Day and Boxing Day skipped"),
        (D(2026, 12, 24), 1, D(2026, 12, 29), "Boxing Day 2026 falls on Saturday, observed Monday 28th"),
        (D(2022, 12, 23), 1, D(2022, 12, 28), "Christmas 2022 on a Sunday: observed Tuesday 27th"),
        (D(2025, 4, 17), 1, D(2025, 4, 22), "Good Friday and Easter Monday 2025 skipped"),
        (D(2024, 3, 28), 1, D(2024, 4, 2), "Easter 2024 spans March and April"),
        (D(2025, 5, 2), 1, D(2025, 5, 6), "early May bank holiday"),
        (D(2023, 5, 5), 1, D(2023, 5, 9), "the coronation bank holiday of 8 May 2023"),
        (D(2022, 9, 16), 1, D(2022, 9, 20), "the state funeral bank holiday of 19 September 2022"),
        (D(2025, 8, 22), 1, D(2025, 8, 26), "August bank holiday is England's, late August"),
        (D(2025, 12, 31), 1, D(2026, 1, 2), "New Year's Day"),
        (D(2025, 3, 10), -1, D(2025, 3, 7), "counting back over a weekend"),
        (D(2025, 1, 2), -3, D(2024, 12, 27), "counting back over New Year and Boxing Day"),
    ],
)
def test_add_working_days(start, n, expected, why):
    assert add_working_days(start, n) == expected, why


def test_scottish_only_holidays_are_working_days_in_england():
    assert add_working_days(D(2025, 1, 1), 1) == D(2025, 1, 2)
    assert add_working_days(D(2025, 11, 28), 1) == D(2025, 12, 1)


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 8, 31), 3, D(2024, 11, 30)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2024, 10, 15), 6, D(2025, 4, 15)),
        (D(2024, 3, 31), 6, D(2024, 9, 30)),
        (D(2024, 12, 31), 2, D(2025, 2, 28)),
        (D(2025, 5, 15), -3, D(2025, 2, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, n, expected):
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (D(2025, 3, 3), D(2025, 3, 3), 0),
        (D(2025, 3, 3), D(2025, 3, 4), 1),
        (D(2025, 3, 7), D(2025, 3, 10), 1),
        (D(2025, 3, 7), D(2025, 3, 9), 0),
        (D(2024, 12, 20), D(2025, 1, 2), 6),
        (D(2025, 1, 2), D(2024, 12, 20), -6),
        (D(2025, 4, 17), D(2025, 4, 22), 1),
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


@pytest.mark.parametrize("start", [D(2024, 12, 20), D(2025, 4, 17), D(2025, 6, 1), D(2024, 2, 29)])
@pytest.mark.parametrize("n", [0, 1, 3, 5, 15, 20, 40])
def test_working_days_between_inverts_add_working_days(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


class TestLacReviews:
    @pytest.mark.parametrize(
        "period_start, held, expected, why",
        [
            (D(2024, 1, 10), [], D(2024, 2, 7), "first review: 20 working days after the child became looked after"),
            (D(2024, 12, 2), [], D(2025, 1, 2), "first review over Christmas and New Year"),
            (D(2025, 3, 24), [], D(2025, 4, 23), "first review over Easter 2025"),
            (D(2024, 1, 10), [D(2024, 2, 7)], D(2024, 5, 7), "second review: 3 months after the first"),
            (
                D(2024, 1, 10),
                [D(2024, 2, 1)],
                D(2024, 5, 1),
                "first held early: the second counts from the actual date",
            ),
            (
                D(2024, 1, 10),
                [D(2024, 2, 20)],
                D(2024, 5, 20),
                "first held late: the second counts from the actual date",
            ),
            (D(2023, 10, 2), [D(2023, 10, 31)], D(2024, 1, 31), "31st of the month"),
            (
                D(2023, 10, 2),
                [D(2023, 11, 30)],
                D(2024, 2, 29),
                "three months from 30 November reaches 29 February in a leap year",
            ),
            (D(2022, 10, 3), [D(2022, 11, 30)], D(2023, 2, 28), "and 28 February in a common year"),
            (D(2024, 1, 10), [D(2024, 2, 7), D(2024, 5, 1)], D(2024, 11, 1), "third: 6 months after the second"),
            (D(2024, 1, 10), [D(2024, 5, 1), D(2024, 2, 7)], D(2024, 11, 1), "held dates in any order"),
            (D(2023, 6, 1), [D(2023, 6, 20), D(2023, 9, 20), D(2024, 2, 29)], D(2024, 8, 29), "held on 29 February"),
            (D(2023, 6, 1), [D(2023, 6, 20), D(2023, 9, 20), D(2024, 3, 31)], D(2024, 9, 30), "31 March + 6 months"),
        ],
    )
    def test_due_dates(self, period_start, held, expected, why):
        assert lac_review_due(period_start, held) == expected, why

    def test_a_child_returning_to_care_restarts_at_first(self):
        first_period = lac_review_due(D(2023, 1, 9), [D(2023, 2, 1), D(2023, 5, 1)])
        assert first_period == D(2023, 11, 1)
        assert lac_review_due(D(2024, 3, 4), []) == D(2024, 4, 3)

    @pytest.mark.parametrize(
        "start, held, expected",
        [
            (D(2024, 1, 10), [], D(2024, 4, 10)),
            (D(2024, 11, 30), [], D(2025, 2, 28)),
            (D(2024, 1, 10), [D(2024, 4, 2)], D(2024, 10, 2)),
            (D(2024, 1, 10), [D(2024, 4, 2), D(2024, 10, 1)], D(2025, 4, 1)),
        ],
    )
    def test_short_breaks(self, start, held, expected):
        assert lac_review_due(start, held, short_breaks=True) == expected

    @pytest.mark.parametrize("ended, lapses", [(D(2025, 1, 3), D(2026, 1, 3)), (D(2024, 2, 29), D(2025, 2, 28))])
    def test_a_series_of_short_breaks_lapses_a_year_after_the_last_break(self, ended, lapses):
        assert timescales.short_break_series_lapses(ended) == lapses

    def test_an_unplanned_move_brings_the_review_forward(self):
        regular = lac_review_due(D(2024, 1, 10), [D(2024, 2, 7), D(2024, 5, 1)])
        assert regular == D(2024, 11, 1)
        assert lac_review_due(D(2024, 1, 10), [D(2024, 2, 7), D(2024, 5, 1)], unplanned_moves=(D(2024, 7, 1),)) == D(
            2024, 7, 29
        )

    def test_a_move_before_the_last_review_changes_nothing(self):
        assert lac_review_due(D(2024, 1, 10), [D(2024, 2, 7), D(2024, 5, 1)], unplanned_moves=(D(2024, 4, 1),)) == D(
            2024, 11, 1
        )

    def test_a_move_never_pushes_a_review_later(self):
        assert lac_review_due(D(2024, 1, 10), [], unplanned_moves=(D(2024, 2, 1),)) == D(2024, 2, 7)

    def test_additional_review_over_christmas(self):
        assert additional_review_due(D(2024, 12, 16)) == D(2025, 1, 16)


class TestChildProtection:
    @pytest.mark.parametrize(
        "discussion, expected",
        [
            (D(2025, 3, 3), D(2025, 3, 24)),
            (D(2024, 12, 13), D(2025, 1, 8)),
            (D(2025, 4, 10), D(2025, 5, 6)),
        ],
    )
    def test_icpc_within_15_working_days(self, discussion, expected):
        assert icpc_due(discussion) == expected

    @pytest.mark.parametrize(
        "icpc, rcpcs, expected",
        [
            (D(2024, 11, 30), [], D(2025, 2, 28)),
            (D(2024, 1, 15), [], D(2024, 4, 15)),
            (D(2024, 1, 15), [D(2024, 4, 10)], D(2024, 10, 10)),
            (D(2024, 1, 15), [D(2024, 10, 31), D(2024, 4, 10)], D(2025, 4, 30)),
            (D(2023, 8, 29), [D(2023, 11, 29), D(2024, 5, 29)], D(2024, 11, 29)),
            (D(2023, 5, 31), [D(2023, 8, 31)], D(2024, 2, 29)),
        ],
    )
    def test_review_conferences(self, icpc, rcpcs, expected):
        assert rcpc_due(icpc, rcpcs) == expected


class TestQualityStandards:
    def test_decisions_within_five_working_days(self):
        held = D(2024, 12, 20)
        assert within_working_days(D(2024, 12, 31), held, 5)
        assert not within_working_days(D(2025, 1, 2), held, 5)
        assert not within_working_days(None, held, 5)

    def test_social_worker_report_three_working_days_before(self):
        review = D(2025, 3, 10)
        assert at_least_working_days_before(D(2025, 3, 5), review, 3)
        assert not at_least_working_days_before(D(2025, 3, 6), review, 3)
        assert not at_least_working_days_before(None, review, 3)


def test_assumed_reviews_are_each_held_on_the_due_date_the_one_before_gives():
    """lac_reviews_assumed: what lac_review_due gives, review after review, up to the date the
    portal's record begins; nothing when the cycle began later or a review before it is held."""
    rng = random.Random(3)
    recorded_from = D(2024, 4, 1)
    for _ in range(2000):
        start = D(2015, 1, 1) + timedelta(days=rng.randint(0, 3500))
        short_breaks = rng.random() < 0.3
        assumed = timescales.lac_reviews_assumed(start, recorded_from, [], short_breaks=short_breaks)
        held = []
        for day in assumed:
            assert day == timescales.lac_review_due(start, held, short_breaks=short_breaks)
            held.append(day)
        assert timescales.lac_review_due(start, held, short_breaks=short_breaks) >= recorded_from
    assert timescales.lac_reviews_assumed(D(2024, 5, 1), recorded_from, []) == []
    assert timescales.lac_reviews_assumed(D(2020, 5, 1), recorded_from, [D(2024, 3, 1)]) == []
    assert timescales.lac_reviews_assumed(D(2020, 5, 1), None, []) == []
