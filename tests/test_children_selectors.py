import datetime
from types import SimpleNamespace

import pytest

from children.models import Child
from children.selectors import (
    age_on,
    dfe_looked_after,
    episode_on,
    is_looked_after_on,
    period_of_care_on,
    periods_of_care,
)
from reporting.selectors import dfe_looked_after_on_each
from tests.conftest import in_care
from tests.factories import ChildFactory

D = datetime.date


def episode(start, end=None):
    return SimpleNamespace(start_date=start, end_date=end)


@pytest.mark.parametrize(
    "born, on, expected",
    [
        (D(2010, 5, 20), D(2026, 5, 19), 15),
        (D(2010, 5, 20), D(2026, 5, 20), 16),
        (D(2012, 2, 29), D(2016, 2, 28), 3),
        (D(2012, 2, 29), D(2016, 2, 29), 4),
        (D(2012, 2, 29), D(2017, 2, 28), 4),
        (D(2012, 2, 29), D(2017, 3, 1), 5),
        (D(2026, 1, 1), D(2026, 1, 1), 0),
    ],
)
def test_age_on(born, on, expected):
    assert age_on(born, on) == expected


class TestPeriodsOfCare:
    def test_contiguous_episodes_form_one_period(self):
        episodes = [
            episode(D(2024, 3, 1), D(2024, 6, 1)),
            episode(D(2024, 1, 10), D(2024, 3, 1)),
            episode(D(2024, 6, 1)),
        ]
        (period,) = periods_of_care(episodes)
        assert (period.start_date, period.end_date, len(period.episodes)) == (D(2024, 1, 10), None, 3)

    def test_a_gap_starts_a_new_period(self):
        episodes = [
            episode(D(2023, 1, 1), D(2023, 5, 1)),
            episode(D(2023, 9, 1), D(2024, 1, 1)),
            episode(D(2024, 1, 1)),
        ]
        periods = periods_of_care(episodes)
        assert [(p.start_date, p.end_date) for p in periods] == [(D(2023, 1, 1), D(2023, 5, 1)), (D(2023, 9, 1), None)]

    def test_period_on_a_date(self):
        episodes = [episode(D(2023, 1, 1), D(2023, 5, 1)), episode(D(2023, 9, 1))]
        assert period_of_care_on(episodes, D(2023, 4, 30)).start_date == D(2023, 1, 1)
        assert period_of_care_on(episodes, D(2023, 5, 1)) is None
        assert period_of_care_on(episodes, D(2023, 9, 1)).start_date == D(2023, 9, 1)

    def test_no_episodes_no_periods(self):
        assert periods_of_care([]) == []


class TestLookedAfterOn:
    episodes = [episode(D(2023, 1, 1), D(2023, 5, 1)), episode(D(2023, 9, 1))]

    @pytest.mark.parametrize(
        "on, expected",
        [
            (D(2022, 12, 31), False),
            (D(2023, 1, 1), True),
            (D(2023, 4, 30), True),
            (D(2023, 5, 1), False),
            (D(2023, 8, 31), False),
            (D(2023, 9, 1), True),
            (D(2030, 1, 1), True),
        ],
    )
    def test_looked_after_from_the_start_day_until_the_day_before_ceasing(self, on, expected):
        assert is_looked_after_on(self.episodes, on) is expected
        assert (episode_on(self.episodes, on) is not None) is expected


@pytest.mark.django_db
def test_children_looked_after_on_each_day_counted_over_the_episodes_are_those_judged_child_by_child():
    """dfe_looked_after_on_each counts from the episodes what dfe_looked_after judges child by
    child: a move between episodes on one day counted once, short breaks left out until care
    under another legal status starts, the day care ends not counted."""
    moved = ChildFactory()
    in_care(moved, D(2025, 1, 1), D(2025, 3, 1))
    in_care(moved, D(2025, 3, 1))
    short_breaks_then_care = ChildFactory()
    in_care(short_breaks_then_care, D(2025, 1, 1), D(2025, 2, 10), legal_status="V3", placement_type="P1")
    in_care(short_breaks_then_care, D(2025, 2, 10), D(2025, 4, 1), legal_status="C2")
    only_short_breaks = ChildFactory()
    in_care(only_short_breaks, D(2025, 1, 1), legal_status="V4", placement_type="P1")
    days = [D(2024, 12, 31), D(2025, 1, 1), D(2025, 2, 9), D(2025, 2, 10), D(2025, 3, 1), D(2025, 3, 31), D(2025, 4, 1)]
    judged = [Child.objects.filter(dfe_looked_after(day)).count() for day in days]
    assert dfe_looked_after_on_each(days) == judged == [0, 1, 1, 2, 2, 2, 1]
    assert dfe_looked_after_on_each([]) == []
