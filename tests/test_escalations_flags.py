"""What the lists flag: responses overdue and formal processes running past the limit; and who
sees which escalation."""

from datetime import date as D
from datetime import timedelta

import pytest

from escalations import selectors, services
from escalations.codes import Stage
from escalations.models import Escalation
from tests.test_escalations_lifecycle import escalate, raise_escalation

TODAY = D(2025, 3, 20)


def row(escalation, on):
    return selectors.escalation_row(Escalation.objects.prefetch_related("steps", "concerns").get(pk=escalation.pk), on)


@pytest.mark.django_db
class TestResponseOverdue:
    def test_overdue_the_day_after_the_current_step_was_due(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro)
        assert not row(escalation, D(2025, 3, 10)).response_overdue, "due on 10 March"
        assert row(escalation, D(2025, 3, 11)).response_overdue

    def test_only_the_current_step_counts(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro)
        escalate(escalation, iro, Stage.TEAM_MANAGER, sent_on=D(2025, 3, 11))
        assert not row(escalation, D(2025, 3, 18)).response_overdue, (
            "the informal step went unanswered; TM due 18 March"
        )
        assert row(escalation, D(2025, 3, 19)).response_overdue

    def test_a_response_or_a_resolution_ends_it(self, looked_after_child, iro):
        answered = raise_escalation(looked_after_child, iro)
        services.record_response(answered, by=iro, responded_on=D(2025, 3, 12), response_summary="Late.", today=TODAY)
        assert not row(answered, TODAY).response_overdue
        resolved = raise_escalation(looked_after_child, iro)
        services.resolve(resolved, by=iro, outcome="Agreed.", resolved_on=D(2025, 3, 5), today=TODAY)
        assert not row(resolved, TODAY).response_overdue


@pytest.mark.django_db
class TestFormalProcessTooLong:
    def test_an_open_escalation_counts_to_today(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro)
        escalate(escalation, iro, Stage.TEAM_MANAGER, sent_on=D(2025, 3, 3))
        assert row(escalation, D(2025, 3, 31)).formal_working_days == 20
        assert not row(escalation, D(2025, 3, 31)).formal_too_long
        assert row(escalation, D(2025, 4, 1)).formal_too_long

    def test_the_informal_stage_does_not_count(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro, raised_on=D(2025, 2, 3))
        assert row(escalation, D(2025, 4, 1)).formal_working_days is None
        escalate(escalation, iro, Stage.SERVICE_MANAGER, sent_on=D(2025, 3, 3))
        assert row(escalation, D(2025, 3, 31)).formal_working_days == 20

    def test_a_resolved_escalation_counts_to_its_resolution(self, looked_after_child, iro):
        in_time = raise_escalation(looked_after_child, iro, stage=Stage.TEAM_MANAGER)
        services.resolve(in_time, by=iro, outcome="Agreed.", resolved_on=D(2025, 3, 31), today=D(2025, 4, 30))
        assert not row(in_time, D(2025, 4, 30)).formal_too_long
        too_long = raise_escalation(looked_after_child, iro, stage=Stage.TEAM_MANAGER)
        services.resolve(too_long, by=iro, outcome="Agreed.", resolved_on=D(2025, 4, 1), today=D(2025, 4, 30))
        assert row(too_long, D(2025, 4, 30)).formal_too_long

    def test_a_withdrawn_escalation_is_counted_to_withdrawal_but_not_flagged(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro, stage=Stage.DIRECTOR)
        services.withdraw(escalation, by=iro, withdrawal_reason="Child left care.", today=D(2025, 4, 30))
        withdrawn = row(escalation, D(2025, 5, 30))
        assert withdrawn.formal_working_days == 40, (
            "20 in March, 22 weekdays in April less Good Friday and Easter Monday"
        )
        assert not withdrawn.formal_too_long


@pytest.mark.django_db
class TestFormalProcessTooLongInSql:
    """selectors.formal_process_too_long, the managers' list's count, agrees with the row's flag
    day by day across the limit."""

    def test_agrees_with_the_rows_flag_on_every_day_around_the_limit(self, looked_after_child, iro):
        open_formal = raise_escalation(looked_after_child, iro)
        escalate(open_formal, iro, Stage.TEAM_MANAGER, sent_on=D(2025, 3, 3))
        informal = raise_escalation(looked_after_child, iro, raised_on=D(2025, 2, 3))
        resolved_in_time = raise_escalation(looked_after_child, iro, stage=Stage.TEAM_MANAGER)
        services.resolve(resolved_in_time, by=iro, outcome="Agreed.", resolved_on=D(2025, 3, 31), today=D(2025, 4, 30))
        resolved_late = raise_escalation(looked_after_child, iro, stage=Stage.TEAM_MANAGER)
        services.resolve(resolved_late, by=iro, outcome="Agreed.", resolved_on=D(2025, 4, 1), today=D(2025, 4, 30))
        withdrawn = raise_escalation(looked_after_child, iro, stage=Stage.DIRECTOR)
        services.withdraw(withdrawn, by=iro, withdrawal_reason="Child left care.", today=D(2025, 4, 30))
        everything = [open_formal, informal, resolved_in_time, resolved_late, withdrawn]
        seen = set()
        for offset in range(-3, 4):
            on = D(2025, 3, 31) + timedelta(days=offset)
            in_sql = set(
                selectors.with_formal_process(Escalation.objects.all(), on).filter(selectors.formal_process_too_long())
            )
            assert in_sql == {e for e in everything if row(e, on).formal_too_long}, on
            seen |= in_sql
        assert seen == {open_formal, resolved_late}, "the open one crosses the limit on 1 April"


@pytest.mark.django_db
class TestLists:
    def test_an_iro_sees_only_escalations_for_children_allocated_to_them(
        self, looked_after_child, other_child, iro, other_iro, manager
    ):
        mine = raise_escalation(looked_after_child, iro)
        theirs = raise_escalation(other_child, other_iro)
        assert list(selectors.escalations_visible_to(iro)) == [mine]
        assert set(selectors.escalations_visible_to(manager)) == {mine, theirs}

    def test_my_escalations_puts_open_ones_first(self, looked_after_child, iro):
        closed = raise_escalation(looked_after_child, iro, raised_on=D(2025, 3, 10))
        services.withdraw(closed, by=iro, withdrawal_reason="Sorted.", today=TODAY)
        older_open = raise_escalation(looked_after_child, iro, raised_on=D(2025, 2, 3))
        assert list(selectors.in_list_order(selectors.escalations_visible_to(iro, on=TODAY))) == [older_open, closed]

    def test_open_escalations_grouped_up_the_stages_with_overdue_first(
        self, looked_after_child, other_child, iro, other_iro, manager
    ):
        answered = raise_escalation(looked_after_child, iro, stage=Stage.TEAM_MANAGER, raised_on=D(2025, 3, 3))
        services.record_response(answered, by=iro, responded_on=D(2025, 3, 4), response_summary="Will do.", today=TODAY)
        overdue = raise_escalation(other_child, other_iro, stage=Stage.TEAM_MANAGER, raised_on=D(2025, 3, 5))
        director = raise_escalation(other_child, other_iro, stage=Stage.DIRECTOR, raised_on=D(2025, 3, 18))
        resolved = raise_escalation(other_child, other_iro, stage=Stage.INFORMAL)
        services.resolve(resolved, by=other_iro, outcome="Agreed.", resolved_on=D(2025, 3, 5), today=TODAY)
        escalations = selectors.with_current_step(selectors.escalations_visible_to(manager).filter(status="open"))
        listed = selectors.in_stage_order(selectors.for_listing(escalations, TODAY), TODAY)
        assert list(listed) == [overdue, answered, director]
        counts = selectors.stage_list_counts(escalations, TODAY)
        assert (counts["count"], counts["overdue"], counts["too_long"]) == (3, 1, 0)
        groups = selectors.by_stage([selectors.escalation_row(e, TODAY) for e in listed[:2]], counts["by_stage"])
        assert [(group["stage"], [r.escalation for r in group["rows"]], group["count"]) for group in groups] == [
            (Stage.TEAM_MANAGER, [overdue, answered], 2),
        ], "one page of two rows: the director's group is on the next page"
        groups = selectors.by_stage([selectors.escalation_row(e, TODAY) for e in listed[2:]], counts["by_stage"])
        assert [(group["stage"], [r.escalation for r in group["rows"]], group["count"]) for group in groups] == [
            (Stage.DIRECTOR, [director], 1),
        ]
        assert selectors.escalation_row(listed[0], TODAY).iro == other_iro

    def test_filtered_to_the_childs_current_iro(self, looked_after_child, other_child, iro, other_iro, manager):
        mine = raise_escalation(looked_after_child, iro)
        raise_escalation(other_child, other_iro)
        assert list(selectors.with_iro(selectors.escalations_visible_to(manager), iro, TODAY)) == [mine]

    def test_counts_by_area_open_and_this_reporting_year(self, looked_after_child, iro):
        raise_escalation(looked_after_child, iro, areas=["health", "education"], raised_on=D(2025, 3, 3))
        last_year = raise_escalation(looked_after_child, iro, areas=["health"], raised_on=D(2024, 3, 28))
        services.resolve(last_year, by=iro, outcome="Agreed.", resolved_on=D(2024, 4, 2), today=TODAY)
        closed = raise_escalation(looked_after_child, iro, areas=["health", "placement"], raised_on=D(2025, 1, 6))
        services.withdraw(closed, by=iro, withdrawal_reason="Sorted.", today=TODAY)
        counts = selectors.counts_by_area(Escalation.objects.all(), TODAY)
        assert counts["year_start"] == D(2024, 4, 1)
        table = {area["label"]: (area["open"], area["this_year"]) for area in counts["areas"]}
        assert table["Health"] == (1, 2)
        assert table["Education"] == (1, 1)
        assert table["Placement"] == (0, 1)
        assert table["Safeguarding"] == (0, 0)
        assert len(table) == 14

    def test_the_childs_escalations_newest_first_with_stage_and_flags(self, looked_after_child, iro):
        first = raise_escalation(looked_after_child, iro, raised_on=D(2025, 2, 3))
        second = raise_escalation(looked_after_child, iro, stage=Stage.SERVICE_MANAGER)
        rows = selectors.escalations_for_child(looked_after_child, on=TODAY)
        assert [(r.escalation, r.current_stage, r.response_overdue) for r in rows] == [
            (second, Stage.SERVICE_MANAGER, True),
            (first, Stage.INFORMAL, True),
        ]
        assert rows[0].areas == ["Placement", "Health"], "in the order of the list of areas"
