"""Which episode can follow which (children.selectors.follow_on_breaks): the one rule the
episode pages, the SSDA903 import's checks and its merge with the portal's later episodes use."""

import datetime
from collections import namedtuple

import pytest
from django.core.exceptions import ValidationError

from children import services
from children.selectors import follow_on_breaks
from tests.factories import ChildFactory
from tests.test_children_rules import episode_fields

D = datetime.date
Episode = namedtuple(
    "Episode", "start_date end_date reason_for_new_episode reason_episode_ceased", defaults=(None, "S", "")
)


@pytest.mark.parametrize(
    "previous, episode, breaks",
    [
        (Episode(D(2024, 1, 1)), Episode(D(2024, 3, 1)), ("142",)),
        (
            Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="X1"),
            Episode(D(2024, 2, 1), None, "P"),
            ("501",),
        ),
        (Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="X1"), Episode(D(2024, 3, 1), None, "P"), ()),
        (Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="X1"), Episode(D(2024, 3, 1)), ("431",)),
        (
            Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="E4A"),
            Episode(D(2024, 3, 1), None, "L"),
            ("388",),
        ),
        (Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="E4A"), Episode(D(2024, 5, 1)), ()),
        (Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="X1"), Episode(D(2024, 5, 1)), ("388",)),
        (Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="E2"), Episode(D(2024, 5, 1)), ("437",)),
        (
            Episode(D(2024, 1, 1), D(2024, 3, 1), reason_episode_ceased="E15"),
            Episode(D(2024, 5, 1), None, "P"),
            ("437", "433"),
        ),
    ],
)
def test_the_ssda903_rules_an_episode_breaks_by_following_another(previous, episode, breaks):
    assert follow_on_breaks(previous, episode) == breaks


@pytest.mark.django_db
class TestThePagesApplyTheSameRule:
    def test_no_episode_follows_one_that_ended_care_for_good(self, manager):
        child = ChildFactory(date_of_birth=D(2008, 1, 1))
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="E15")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(start_date=D(2024, 5, 1)))
        assert "which ends care for good: no later episode can follow it" in error.value.message_dict["start_date"][0]

    def test_after_an_episode_ending_x1_the_next_starts_that_day(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="X1")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(start_date=D(2024, 5, 1)))
        assert "ceased on 1 March 2024 with X1" in error.value.message_dict["start_date"][0]
