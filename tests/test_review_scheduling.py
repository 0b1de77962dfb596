"""Scheduling and recording through the services: what a user would see happen."""

from datetime import UTC, datetime
from datetime import date as D

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from children import services as children_services
from children.models import ChildProtectionPlan
from iro_portal.locking import ChangedByAnotherUser
from reviews import services
from reviews.models import Review, ReviewAction
from reviews.selectors import due_within, outstanding_reviews
from reviews.tasks import sweep_review_reminders
from tests.factories import ChildFactory, conference_record_ready, record_attendance_and_views

TODAY = D(2025, 11, 20)


def start_care(child, by, start=D(2024, 1, 10), **fields):
    values = dict(
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    values.update(fields)
    return children_services.record_care_episode(child, by=by, start_date=start, **values)


def outstanding(child, kind="LAC"):
    return Review.objects.get(child=child, kind=kind, status__in=["due", "booked"])


def lac_record(held, code="PN1", **extra):
    return {"held_on": held, "participation_code": code, **extra}


def hold(review, by, fields, **kwargs):
    if review.kind != "LAC":
        conference_record_ready(review)
    return services.record_review_held(record_attendance_and_views(review), by=by, fields=fields, today=TODAY, **kwargs)


@pytest.fixture
def child(db):
    return ChildFactory(date_of_birth=D(2012, 6, 1))


@pytest.mark.django_db
class TestLacSchedule:
    def test_starting_care_makes_the_first_review_due(self, child, manager):
        start_care(child, manager)
        review = outstanding(child)
        assert (review.number, review.due_date, review.status, review.cycle_start) == (
            1,
            D(2024, 2, 7),
            "due",
            D(2024, 1, 10),
        )

    def test_holding_reviews_makes_the_next_due_from_the_date_held(self, child, manager, iro):
        start_care(child, manager)
        hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        second = outstanding(child)
        assert (second.number, second.due_date) == (2, D(2024, 5, 1))
        hold(second, iro, lac_record(D(2024, 4, 30)))
        third = outstanding(child)
        assert (third.number, third.due_date) == (3, D(2024, 10, 30))
        assert Review.objects.filter(child=child, status="held").count() == 2

    def test_ceasing_care_cancels_the_outstanding_review(self, child, manager):
        episode = start_care(child, manager)
        children_services.update_care_episode(episode, by=manager, end_date=D(2024, 1, 30), reason_episode_ceased="E4A")
        review = Review.objects.get(child=child)
        assert review.status == "cancelled"
        assert review.cancelled_reason == "The child ceased to be looked after."

    def test_returning_to_care_restarts_the_cycle_at_first(self, child, manager, iro):
        episode = start_care(child, manager)
        hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        children_services.update_care_episode(episode, by=manager, end_date=D(2024, 3, 1), reason_episode_ceased="E4A")
        start_care(child, manager, start=D(2024, 9, 2))
        review = outstanding(child)
        assert (review.number, review.due_date, review.cycle_start) == (1, D(2024, 9, 30), D(2024, 9, 2))

    def test_changing_the_episode_start_recomputes_the_due_date(self, child, manager):
        episode = start_care(child, manager)
        children_services.update_care_episode(episode, by=manager, start_date=D(2024, 1, 3))
        assert outstanding(child).due_date == D(2024, 1, 31)

    def test_correcting_a_held_date_recomputes_the_next_review(self, child, manager, iro):
        start_care(child, manager)
        first = hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        services.update_held_review(
            first, by=iro, fields={"held_on": D(2024, 2, 6)}, expected_version=first.version, today=TODAY
        )
        assert outstanding(child).due_date == D(2024, 5, 6)

    def test_an_unplanned_move_brings_the_next_review_forward(self, child, manager, iro):
        episode = start_care(child, manager)
        hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        children_services.update_care_episode(
            episode, by=manager, end_date=D(2024, 3, 1), reason_episode_ceased="X1", reason_for_placement_change="CREQB"
        )
        start_care(
            child,
            manager,
            start=D(2024, 3, 1),
            reason_for_new_episode="P",
            placement_type="K2",
            placement_provider="PR4",
        )
        review = outstanding(child)
        assert (review.due_date, review.brought_forward_by_move) == (D(2024, 4, 2), D(2024, 3, 1)), (
            "20 working days, Easter skipped"
        )
        assert not Review.objects.filter(child=child, status="cancelled").exists()

    def test_a_planned_move_does_not(self, child, manager, iro):
        episode = start_care(child, manager)
        hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        children_services.update_care_episode(
            episode, by=manager, end_date=D(2024, 3, 1), reason_episode_ceased="X1", reason_for_placement_change="CARPL"
        )
        start_care(child, manager, start=D(2024, 3, 1), reason_for_new_episode="P", placement_type="U4")
        assert outstanding(child).due_date == D(2024, 5, 1)

    def test_the_unplanned_move_rule_can_be_switched_off(self, child, manager, iro, settings):
        settings.UNPLANNED_MOVE_TRIGGERS_REVIEW = False
        episode = start_care(child, manager)
        hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        children_services.update_care_episode(
            episode, by=manager, end_date=D(2024, 3, 1), reason_episode_ceased="X1", reason_for_placement_change="CREQB"
        )
        start_care(
            child,
            manager,
            start=D(2024, 3, 1),
            reason_for_new_episode="P",
            placement_type="K2",
            placement_provider="PR4",
        )
        assert outstanding(child).due_date == D(2024, 5, 1)

    def test_short_breaks_first_review_within_three_months(self, child, manager):
        start_care(child, manager, legal_status="V3", category_of_need="N2")
        assert outstanding(child).due_date == D(2024, 4, 10)

    def test_a_manager_recording_a_review_makes_the_allocated_iro_the_chair(self, child, manager, iro):
        from tests.factories import AllocationFactory

        start_care(child, manager)
        AllocationFactory(child=child, iro=iro, start_date=D(2024, 1, 10))
        assert hold(outstanding(child), manager, lac_record(D(2024, 2, 1))).chair == iro

    def test_the_action_is_audited_and_actions_saved(self, child, manager, iro):
        start_care(child, manager)
        review = hold(
            outstanding(child),
            iro,
            lac_record(D(2024, 2, 1)),
            actions=[
                {"description": "Arrange a health assessment", "owner_name": "Social worker", "due_date": D(2024, 3, 1)}
            ],
        )
        assert review.chair == iro
        assert ReviewAction.objects.get(review=review).owner_name == "Social worker"
        assert AuditEvent.objects.filter(object_type="reviews.review", action="update", user=iro).exists()


def short_break(child, by, start, end, reason="E4A"):
    return start_care(
        child,
        by,
        start=start,
        end_date=end,
        reason_episode_ceased=reason,
        legal_status="V3",
        category_of_need="N2",
        placement_type="K2",
    )


def lac_reviews(child):
    return list(
        Review.objects.filter(child=child, kind="LAC").order_by("id").values_list("status", "number", "due_date")
    )


@pytest.mark.django_db
class TestShortBreakSeries:
    """A series of short breaks (V3) is one period for reviews: between breaks the child goes
    home, and the review stays due (DESIGN.md section 3)."""

    def test_the_review_stays_due_between_breaks_and_falls_overdue(self, child, manager, clock):
        clock(D(2025, 3, 20))
        short_break(child, manager, D(2025, 1, 1), D(2025, 1, 3))
        short_break(child, manager, D(2025, 2, 1), D(2025, 2, 3), reason="E8")
        short_break(child, manager, D(2025, 3, 1), D(2025, 3, 3), reason="E13")
        review = outstanding(child)
        assert (review.number, review.due_date, review.cycle_start) == (1, D(2025, 4, 1), D(2025, 1, 1))
        assert lac_reviews(child) == [("due", 1, D(2025, 4, 1))], "never cancelled between breaks"
        clock(D(2025, 4, 20))
        services.reschedule(child)
        reviews = Review.objects.filter(child=child)
        assert list(due_within(reviews, D(2025, 4, 20), "overdue")) == [outstanding(child)]

    def test_a_review_held_between_breaks_makes_the_next_due_in_six_months(self, child, manager, iro, clock):
        clock(D(2025, 3, 20))
        short_break(child, manager, D(2025, 1, 1), D(2025, 1, 3))
        short_break(child, manager, D(2025, 3, 1), D(2025, 3, 3))
        hold(outstanding(child), iro, lac_record(D(2025, 3, 18)))
        clock(D(2025, 5, 10))
        short_break(child, manager, D(2025, 5, 2), D(2025, 5, 4))
        review = outstanding(child)
        assert (review.number, review.due_date, review.cycle_start) == (2, D(2025, 9, 18), D(2025, 1, 1))

    def test_a_break_ending_in_an_order_ends_the_series(self, child, manager, clock):
        clock(D(2025, 3, 20))
        last = start_care(
            child, manager, start=D(2025, 3, 1), legal_status="V3", category_of_need="N2", placement_type="K2"
        )
        assert outstanding(child).due_date == D(2025, 6, 1)
        children_services.update_care_episode(last, by=manager, end_date=D(2025, 3, 3), reason_episode_ceased="E47")
        review = Review.objects.get(child=child)
        assert (review.status, review.cancelled_reason) == ("cancelled", "The child ceased to be looked after.")

    def test_leaving_full_time_care_still_cancels(self, child, manager, clock):
        clock(D(2025, 3, 20))
        short_break(child, manager, D(2024, 11, 1), D(2024, 11, 3))
        start_care(child, manager, start=D(2025, 1, 1), end_date=D(2025, 2, 1), reason_episode_ceased="E4A")
        assert not Review.objects.filter(child=child, status__in=["due", "booked"]).exists()

    def test_a_year_without_a_break_ends_the_series_and_a_later_break_starts_a_new_one(self, child, manager, clock):
        clock(D(2025, 3, 20))
        short_break(child, manager, D(2025, 1, 1), D(2025, 1, 3))
        clock(D(2026, 1, 2))
        services.reschedule(child)
        assert outstanding(child).due_date == D(2025, 4, 1), "still the same series the day before it lapses"
        clock(D(2026, 1, 3))
        services.reschedule(child)
        assert lac_reviews(child) == [("cancelled", 1, D(2025, 4, 1))]
        clock(D(2026, 2, 10))
        short_break(child, manager, D(2026, 2, 1), D(2026, 2, 3))
        review = outstanding(child)
        assert (review.number, review.due_date, review.cycle_start) == (1, D(2026, 5, 1), D(2026, 2, 1))

    def test_the_daily_sweep_ends_a_lapsed_series_and_leaves_a_running_one_due(self, child, manager, clock):
        """Nothing in the record changes the day a series lapses: the nightly review sweep must notice."""
        running = ChildFactory(date_of_birth=D(2013, 1, 1))
        clock(D(2025, 3, 20))
        short_break(child, manager, D(2025, 1, 1), D(2025, 1, 3))
        clock(D(2025, 6, 1))
        short_break(running, manager, D(2025, 5, 1), D(2025, 5, 3))
        clock(D(2026, 1, 3))
        first, last = sorted((child.pk, running.pk))
        sweep_review_reminders("2026-01-03", first, last)
        assert lac_reviews(child) == [("cancelled", 1, D(2025, 4, 1))]
        assert lac_reviews(running) == [("due", 1, D(2025, 8, 1))]
        overdue = due_within(outstanding_reviews(manager, D(2026, 1, 3)), D(2026, 1, 3), "overdue")
        assert [(review.child_id, review.kind) for review in overdue] == [(running.pk, "LAC")]


@pytest.mark.django_db
class TestChildProtectionSchedule:
    def test_section_47_strategy_discussion_makes_an_icpc_due(self, child, manager):
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=True
        )
        review = outstanding(child, "ICPC")
        assert (review.due_date, review.cycle_start) == (D(2025, 3, 24), D(2025, 3, 3))

    def test_no_section_47_no_conference(self, child, manager):
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=False
        )
        assert not Review.objects.filter(child=child).exists()

    def test_icpc_making_a_plan_starts_it_and_the_first_rcpc_is_due(self, child, manager):
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=True
        )
        icpc = hold(
            outstanding(child, "ICPC"),
            manager,
            {"held_on": D(2025, 3, 20), "conference_outcome": "plan_made", "category_of_abuse": "NEG"},
        )
        plan = ChildProtectionPlan.objects.get(child=child)
        assert (plan.start_date, plan.initial_category_of_abuse, plan.end_date) == (D(2025, 3, 20), "NEG", None)
        assert icpc.protection_plan == plan
        rcpc = outstanding(child, "RCPC")
        assert (rcpc.number, rcpc.due_date, rcpc.protection_plan) == (1, D(2025, 6, 20), plan)

    def test_icpc_without_a_plan_ends_the_cycle(self, child, manager):
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=True
        )
        hold(outstanding(child, "ICPC"), manager, {"held_on": D(2025, 3, 20), "conference_outcome": "no_plan"})
        assert not Review.objects.filter(child=child, status__in=["due", "booked"]).exists()
        assert not ChildProtectionPlan.objects.exists()

    def test_rcpcs_continue_then_end_the_plan(self, child, manager):
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=True
        )
        hold(
            outstanding(child, "ICPC"),
            manager,
            {"held_on": D(2025, 3, 20), "conference_outcome": "plan_made", "category_of_abuse": "NEG"},
        )
        hold(
            outstanding(child, "RCPC"),
            manager,
            {"held_on": D(2025, 6, 18), "conference_outcome": "plan_continues", "category_of_abuse": "EMO"},
        )
        second = outstanding(child, "RCPC")
        assert (second.number, second.due_date) == (2, D(2025, 12, 18))
        assert ChildProtectionPlan.objects.get(child=child).latest_category_of_abuse == "EMO"
        hold(second, manager, {"held_on": D(2025, 11, 3), "conference_outcome": "plan_ended"})
        plan = ChildProtectionPlan.objects.get(child=child)
        assert (plan.end_date, plan.end_reason) == (D(2025, 11, 3), "no_longer_at_risk")
        assert not Review.objects.filter(child=child, status__in=["due", "booked"]).exists()


@pytest.mark.django_db
class TestBadInputChangesNothing:
    """A held review that breaks a rule: each case gives a clear error and saves nothing."""

    @pytest.fixture
    def review(self, child, manager):
        start_care(child, manager)
        return outstanding(child)

    def refused(self, review, by, fields, field, message, actions=()):
        before = Review.objects.get(pk=review.pk)
        with pytest.raises(ValidationError) as error:
            hold(review, by, fields, actions=actions)
        assert any(message in text for text in error.value.message_dict[field]), error.value.message_dict
        after = Review.objects.get(pk=review.pk)
        assert (after.status, after.held_on, after.version) == (before.status, before.held_on, before.version)
        assert not ReviewAction.objects.exists()

    def test_held_in_the_future(self, review, iro):
        self.refused(review, iro, lac_record(D(2025, 12, 1)), "held_on", "cannot be in the future")

    def test_held_before_the_period_of_care(self, review, iro):
        self.refused(
            review, iro, lac_record(D(2024, 1, 5)), "held_on", "before the period of care started (10 January 2024)"
        )

    def test_held_before_birth(self, manager, iro):
        baby = ChildFactory(date_of_birth=D(2025, 6, 1))
        children_services.record_strategy_discussion(
            baby, by=manager, date=D(2025, 6, 2), section_47_enquiry_started=True
        )
        review = outstanding(baby, "ICPC")
        review.cycle_start = D(2025, 1, 1)
        review.save()
        self.refused(
            review,
            iro,
            {"held_on": D(2025, 5, 1), "conference_outcome": "no_plan"},
            "held_on",
            "before the child was born",
        )

    def test_pn0_for_a_child_aged_four_or_over(self, review, iro):
        self.refused(
            review,
            iro,
            lac_record(D(2024, 2, 1), code="PN0"),
            "participation_code",
            "PN0 is only for children under 4; the child was 11",
        )

    def test_other_code_for_a_child_under_four(self, manager, iro):
        toddler = ChildFactory(date_of_birth=D(2022, 6, 1))
        start_care(toddler, manager)
        self.refused(
            outstanding(toddler), iro, lac_record(D(2024, 2, 1), code="PN1"), "participation_code", "must be PN0"
        )

    def test_circulated_before_the_review(self, review, iro):
        self.refused(
            review,
            iro,
            lac_record(D(2024, 2, 1), decisions_circulated=D(2024, 1, 31)),
            "decisions_circulated",
            "before the review was held",
        )
        self.refused(
            review,
            iro,
            lac_record(D(2024, 2, 1), record_circulated=D(2024, 1, 30)),
            "record_circulated",
            "before the review was held",
        )

    def test_action_due_before_the_review(self, review, iro):
        self.refused(
            review,
            iro,
            lac_record(D(2024, 2, 1)),
            "actions",
            "Action 1: the date it is due by must be on or after 1 February 2024, when the review was held",
            actions=[{"description": "Visit", "owner_name": "Social worker", "due_date": D(2024, 1, 20)}],
        )

    def test_late_without_a_reason(self, review, iro):
        self.refused(review, iro, lac_record(D(2024, 2, 9)), "late_reason", "held after its due date (7 February 2024)")

    def test_rcpc_with_no_icpc(self, child, manager):
        rcpc = Review.objects.create(
            child=child, kind="RCPC", number=1, cycle_start=D(2025, 1, 1), due_date=D(2025, 4, 1)
        )
        self.refused(
            rcpc,
            manager,
            {"held_on": D(2025, 3, 1), "conference_outcome": "plan_continues"},
            "kind",
            "needs an initial child protection conference",
        )

    def test_booking_a_held_review(self, review, iro):
        held = hold(review, iro, lac_record(D(2024, 2, 1)))
        with pytest.raises(ValidationError) as error:
            services.book_review(held, by=iro, booked_for=datetime(2024, 3, 1, 10, tzinfo=UTC))
        assert "already been held" in error.value.messages[0]
        assert Review.objects.get(pk=held.pk).booked_for is None


@pytest.mark.django_db
class TestEditConflicts:
    def test_an_edit_that_races_another_save_is_refused(self, child, manager, iro):
        start_care(child, manager)
        review = hold(outstanding(child), iro, lac_record(D(2024, 2, 1)))
        opened_version = review.version
        services.update_held_review(
            review, by=manager, fields={"advocate_present": True}, expected_version=opened_version, today=TODAY
        )
        with pytest.raises(ChangedByAnotherUser) as error:
            services.update_held_review(
                review, by=iro, fields={"child_chaired": True}, expected_version=opened_version, today=TODAY
            )
        assert "Someone else changed this review" in error.value.messages[0]
        saved = Review.objects.get(pk=review.pk)
        assert saved.advocate_present and not saved.child_chaired

    def test_booking_moves_the_review_to_booked(self, child, manager, iro):
        start_care(child, manager)
        review = outstanding(child)
        booked = services.book_review(
            review,
            by=iro,
            booked_for=datetime(2024, 2, 5, 10, 30, tzinfo=UTC),
            expected_version=review.version,
            today=D(2024, 2, 1),
        )
        assert (booked.status, booked.version) == ("booked", review.version + 1)
        hold(booked, iro, lac_record(D(2024, 2, 5)))
        assert outstanding(child).number == 2


def at_ten(day):
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


@pytest.mark.django_db
class TestBookingLateOrInThePast:
    """The first review after care starts on 10 January 2024 is due by 7 February 2024."""

    @pytest.fixture
    def review(self, child, manager):
        start_care(child, manager)
        return outstanding(child)

    def refused(self, review, by, **kwargs):
        with pytest.raises(ValidationError) as error:
            services.book_review(review, by=by, expected_version=review.version, **kwargs)
        saved = Review.objects.get(pk=review.pk)
        assert (saved.status, saved.booked_for, saved.version) == ("due", None, review.version)
        return error.value.message_dict

    def test_a_day_by_the_due_date_is_booked_at_once(self, review, iro):
        booked = services.book_review(review, by=iro, booked_for=at_ten(D(2024, 2, 7)), today=D(2024, 2, 1))
        assert (booked.status, booked.late_reason) == ("booked", "")

    def test_a_day_after_the_due_date_needs_confirming_and_the_reason(self, review, iro):
        errors = self.refused(review, iro, booked_for=at_ten(D(2024, 2, 8)), today=D(2024, 2, 1))
        assert errors == {
            "booked_for": [
                "8 February 2024 is after the due date (7 February 2024), so the review will be late: "
                "change the date, or confirm it and choose why."
            ],
            "late_reason": ["Choose why the review will be held late."],
        }
        assert self.refused(
            review, iro, booked_for=at_ten(D(2024, 2, 8)), today=D(2024, 2, 1), late_reason="child_unavailable"
        ).keys() == {"booked_for"}
        assert self.refused(
            review, iro, booked_for=at_ten(D(2024, 2, 8)), today=D(2024, 2, 1), confirmed=True
        ).keys() == {"late_reason"}
        assert self.refused(
            review,
            iro,
            booked_for=at_ten(D(2024, 2, 8)),
            today=D(2024, 2, 1),
            confirmed=True,
            late_reason="other",
            late_reason_other="  ",
        ).keys() == {"late_reason_other"}
        booked = services.book_review(
            review,
            by=iro,
            booked_for=at_ten(D(2024, 2, 8)),
            today=D(2024, 2, 1),
            confirmed=True,
            late_reason="child_unavailable",
            expected_version=review.version,
        )
        assert (booked.status, booked.late_reason) == ("booked", "child_unavailable")
        event = AuditEvent.objects.filter(object_type="reviews.review", object_id=str(review.pk)).latest("id")
        assert event.detail["late_reason"] == "child_unavailable"

    def test_a_day_in_the_past_needs_confirming_but_no_reason(self, review, iro):
        errors = self.refused(review, iro, booked_for=at_ten(D(2024, 2, 5)), today=D(2024, 2, 6))
        assert errors == {"booked_for": ["5 February 2024 is in the past: change the date, or confirm it."]}
        booked = services.book_review(
            review, by=iro, booked_for=at_ten(D(2024, 2, 5)), today=D(2024, 2, 6), confirmed=True
        )
        assert (booked.status, booked.late_reason) == ("booked", "")

    def test_the_reason_given_when_booking_is_the_records_and_dropped_if_held_in_time(self, child, review, iro):
        late = services.book_review(
            review,
            by=iro,
            booked_for=at_ten(D(2024, 2, 9)),
            today=D(2024, 2, 1),
            confirmed=True,
            late_reason="other",
            late_reason_other="  Snow  ",
        )
        assert (late.late_reason, late.late_reason_other) == ("other", "Snow")
        rebooked = services.book_review(late, by=iro, booked_for=at_ten(D(2024, 2, 6)), today=D(2024, 2, 1))
        assert (rebooked.late_reason, rebooked.late_reason_other) == ("", "")
        late = services.book_review(
            rebooked,
            by=iro,
            booked_for=at_ten(D(2024, 2, 9)),
            today=D(2024, 2, 1),
            confirmed=True,
            late_reason="iro_unavailable",
        )
        held = hold(late, iro, lac_record(D(2024, 2, 7), late_reason=late.late_reason))
        assert (held.in_timescale, held.late_reason) == (True, "")
