"""Escalation deadlines: response due dates and the length of the formal process, in working
days that skip weekends and bank holidays in England."""

from datetime import date as D

import pytest

from escalations import timescales
from escalations.codes import Stage
from escalations.models import EscalationStep
from escalations.selectors import formal_started_on
from reviews.timescales import reporting_year_start


class TestResponseDue:
    def test_five_working_days_in_an_ordinary_week(self):
        assert timescales.response_due(D(2025, 1, 6), Stage.INFORMAL) == D(2025, 1, 13)

    def test_a_weekend_is_skipped(self):
        assert timescales.response_due(D(2025, 1, 8), Stage.TEAM_MANAGER) == D(2025, 1, 15), "Thu, Fri, Mon, Tue, Wed"

    def test_sent_on_a_saturday_counts_from_monday(self):
        assert timescales.response_due(D(2025, 1, 11), Stage.TEAM_MANAGER) == D(2025, 1, 17)

    def test_easter_bank_holidays_are_skipped(self):
        # Good Friday 18 April and Easter Monday 21 April 2025 are not working days.
        assert timescales.response_due(D(2025, 4, 17), Stage.SERVICE_MANAGER) == D(2025, 4, 28)

    def test_christmas_and_new_year_are_skipped(self):
        # 25, 26 December 2025 and 1 January 2026 are bank holidays.
        assert timescales.response_due(D(2025, 12, 23), Stage.DIRECTOR) == D(2026, 1, 2)

    def test_each_stage_has_its_own_configured_deadline(self, settings):
        settings.ESCALATION_RESPONSE_WORKING_DAYS = {**settings.ESCALATION_RESPONSE_WORKING_DAYS, "cafcass": 10}
        assert timescales.response_due(D(2025, 1, 6), Stage.CAFCASS) == D(2025, 1, 20)
        assert timescales.response_due(D(2025, 1, 6), Stage.HEAD_OF_SERVICE) == D(2025, 1, 13)


class TestResponseOverdue:
    def test_due_today_is_not_yet_overdue(self):
        assert not timescales.response_overdue(D(2025, 1, 13), None, D(2025, 1, 13))

    def test_the_day_after_with_no_response_is_overdue(self):
        assert timescales.response_overdue(D(2025, 1, 13), None, D(2025, 1, 14))

    def test_a_response_even_a_late_one_ends_the_overdue_flag(self):
        assert not timescales.response_overdue(D(2025, 1, 13), D(2025, 1, 20), D(2025, 1, 21))


class TestFormalProcess:
    def test_counts_working_days_from_the_first_formal_step(self):
        # 4 March to 31 March 2025: 20 working days, no bank holidays.
        assert timescales.formal_process_working_days(D(2025, 3, 3), D(2025, 3, 31)) == 20
        assert not timescales.formal_process_too_long(D(2025, 3, 3), D(2025, 3, 31))

    def test_the_twenty_first_working_day_is_too_long(self):
        assert timescales.formal_process_working_days(D(2025, 3, 3), D(2025, 4, 1)) == 21
        assert timescales.formal_process_too_long(D(2025, 3, 3), D(2025, 4, 1))

    def test_bank_holidays_do_not_count(self):
        # 14 April to 12 May 2025 is four weeks, less Good Friday, Easter Monday and 5 May.
        assert timescales.formal_process_working_days(D(2025, 4, 14), D(2025, 5, 12)) == 17

    def test_an_escalation_that_never_went_formal_has_no_formal_process(self):
        assert timescales.formal_process_working_days(None, D(2025, 4, 1)) is None
        assert not timescales.formal_process_too_long(None, D(2025, 4, 1))

    def test_the_limit_is_configurable(self, settings):
        settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS = 10
        assert timescales.formal_process_too_long(D(2025, 3, 3), D(2025, 3, 18))
        assert not timescales.formal_process_too_long(D(2025, 3, 3), D(2025, 3, 17))

    def test_the_formal_process_starts_at_the_first_step_that_is_not_informal(self):
        steps = [
            EscalationStep(stage=Stage.INFORMAL, sent_on=D(2025, 2, 3)),
            EscalationStep(stage=Stage.SERVICE_MANAGER, sent_on=D(2025, 2, 17)),
            EscalationStep(stage=Stage.DIRECTOR, sent_on=D(2025, 3, 3)),
        ]
        assert formal_started_on(steps) == D(2025, 2, 17)
        assert formal_started_on(steps[:1]) is None


@pytest.mark.parametrize(
    "day, start",
    [
        (D(2025, 3, 31), D(2024, 4, 1)),
        (D(2025, 4, 1), D(2025, 4, 1)),
        (D(2026, 1, 15), D(2025, 4, 1)),
    ],
)
def test_reporting_year_runs_from_1_april(day, start):
    assert reporting_year_start(day) == start
