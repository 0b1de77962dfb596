"""seed_demo's reviews and conferences: the schedule is the one the services compute, every held
review passes the services' validation, and timeliness, participation and child protection
conferences look like a real service's."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from children.codes import SHORT_BREAK_LEGAL_STATUSES
from children.models import Allocation, Child
from children.selectors import age_on, allocation_on, is_looked_after_on, periods_of_care
from reviews import services, timescales
from reviews.cycles import LacCycle
from reviews.models import Review, ReviewAction
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db

TODAY = date(2025, 11, 25)
REVIEW_FIELDS = (
    "child__local_child_id",
    "kind",
    "number",
    "cycle_start",
    "protection_plan__start_date",
    "due_date",
    "brought_forward_by_move",
    "status",
    "booked_for",
    "held_on",
    "cancelled_reason",
    "chair__username",
    "late_reason",
    "late_reason_other",
    "participation_code",
    "child_chaired",
    "advocate_present",
    "interpreter_used",
    "parents_participation",
    "child_consulted",
    "social_worker_report_received",
    "decisions_circulated",
    "record_circulated",
    "conference_outcome",
    "category_of_abuse",
    "version",
)


def seed(children=250, random_seed=5, *options):
    out = StringIO()
    call_command(
        "seed_demo",
        "--children",
        str(children),
        "--seed",
        str(random_seed),
        "--today",
        TODAY.isoformat(),
        *options,
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker):
    """The default authority, seeded once for the tests that only read it (or change it and
    are rolled back)."""
    with kept_for_the_module(django_db_blocker), override_settings(UNPLANNED_MOVE_TRIGGERS_REVIEW=True):
        seed()
        yield


def review_dump(with_ids=False):
    fields = (("id", "updated_at") if with_ids else ()) + REVIEW_FIELDS
    order = ("child__local_child_id", "kind", "cycle_start", "number", "status", "due_date")
    return {
        "reviews": list(Review.objects.order_by(*order, "id").values_list(*fields)),
        "actions": list(
            ReviewAction.objects.order_by(
                *(f"review__{field}" for field in order), "review_id", "due_date", "description"
            ).values_list(
                "review__child__local_child_id",
                "review__kind",
                "review__number",
                "review__status",
                "description",
                "owner_name",
                "owner__username",
                "due_date",
                "completed_on",
            )
        ),
    }


def demo_children():
    return (
        Child.objects.filter(local_child_id__startswith="DEMO")
        .prefetch_related("episodes", "protection_plans", "strategy_discussions", "allocations__iro", "reviews__chair")
        .order_by("local_child_id")
    )


def is_short_break_series(child):
    return all(episode.legal_status == "V3" for episode in child.episodes.all())


def short_breaks_only(period):
    return all(episode.legal_status in SHORT_BREAK_LEGAL_STATUSES for episode in period.episodes)


def held(child, kind):
    return sorted((r for r in child.reviews.all() if r.kind == kind and r.status == "held"), key=lambda r: r.held_on)


def outstanding(child, kind):
    return [r for r in child.reviews.all() if r.kind == kind and r.status in ("due", "booked")]


class TestTheScheduleIsTheServices:
    def test_rescheduling_every_child_changes_no_review(self, authority, settings):
        settings.UNPLANNED_MOVE_TRIGGERS_REVIEW = True
        before = review_dump(with_ids=True)
        for child in Child.objects.filter(local_child_id__startswith="DEMO"):
            services.reschedule(child, today=TODAY)
        assert review_dump(with_ids=True) == before
        statuses = Counter(Review.objects.values_list("kind", "status"))
        assert statuses[("LAC", "due")] and statuses[("LAC", "booked")] and statuses[("RCPC", "due")]
        assert statuses[("LAC", "cancelled")] and statuses[("RCPC", "cancelled")]
        assert Review.objects.filter(status__in=["due", "booked"], brought_forward_by_move__isnull=False).exists()

    def test_each_child_looked_after_has_exactly_one_outstanding_lac_review_and_no_one_else_has(self, authority):
        looked_after = 0
        for child in demo_children():
            count = len(outstanding(child, "LAC"))
            episodes = child.episodes.all()
            if is_looked_after_on(episodes, TODAY) or (episodes and is_short_break_series(child)):
                looked_after += 1
                assert count == 1, child
            else:
                assert count == 0, child
        assert looked_after > 50

    def test_without_the_unplanned_move_standard_no_review_is_brought_forward(self, settings):
        settings.UNPLANNED_MOVE_TRIGGERS_REVIEW = False
        seed()
        assert not Review.objects.filter(brought_forward_by_move__isnull=False).exists()
        before = review_dump(with_ids=True)
        for child in Child.objects.filter(local_child_id__startswith="DEMO"):
            services.reschedule(child, today=TODAY)
        assert review_dump(with_ids=True) == before

    def test_held_lac_reviews_fall_due_by_the_statutory_timescales_from_the_day_the_last_was_held(
        self, authority, settings
    ):
        settings.UNPLANNED_MOVE_TRIGGERS_REVIEW = True
        brought_forward = 0
        for child in demo_children():
            periods = periods_of_care(child.episodes.all())
            reviews = [r for r in child.reviews.all() if r.kind == "LAC" and r.status != "cancelled"]
            for cycle_start, cycle_reviews in group_by(reviews, lambda r: r.cycle_start).items():
                cycle_periods = [p for p in periods if p.start_date >= cycle_start]
                short_breaks = short_breaks_only(cycle_periods[0])
                if not short_breaks:
                    cycle_periods = cycle_periods[:1]
                assert cycle_periods[0].start_date == cycle_start, child
                moves = LacCycle(cycle_start, short_breaks, tuple(cycle_periods)).unplanned_moves
                end = None if is_short_break_series(child) else cycle_periods[-1].end_date
                cycle_reviews.sort(key=lambda r: (r.held_on is None, r.held_on))
                dates = []
                for number, review in enumerate(cycle_reviews, start=1):
                    assert review.number == number, review
                    due = timescales.lac_review_due(
                        cycle_start, dates, short_breaks=short_breaks, unplanned_moves=moves
                    )
                    assert review.due_date == due, review
                    brought_forward += review.brought_forward_by_move is not None
                    if review.held_on is not None:
                        assert max(cycle_start, child.date_of_birth) <= review.held_on <= TODAY, review
                        assert end is None or review.held_on < end, review
                        assert timescales.is_working_day(review.held_on), review
                        dates.append(review.held_on)
        assert brought_forward > 10

    def test_the_review_due_when_care_ended_was_cancelled_as_the_services_cancel_it(self, authority):
        cancelled = 0
        for child in demo_children():
            for review in child.reviews.all():
                if review.kind != "LAC" or review.status != "cancelled":
                    continue
                cancelled += 1
                assert review.cancelled_reason == "The child ceased to be looked after."
                period = next(p for p in periods_of_care(child.episodes.all()) if p.start_date == review.cycle_start)
                assert period.end_date is not None and not is_short_break_series(child)
                cycle = [r for r in held(child, "LAC") if r.cycle_start == review.cycle_start]
                assert len(cycle) == review.number - 1 and all(r.held_on < period.end_date for r in cycle)
        assert cancelled > 5


def group_by(items, key):
    groups = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


class TestHeldReviewsAreValid:
    def test_every_held_review_passes_the_services_validation(self, authority):
        reviews = Review.objects.filter(status="held").select_related("child").prefetch_related("actions")
        assert reviews.filter(kind="LAC").count() > 500 and reviews.exclude(kind="LAC").count() > 40
        for review in reviews:
            services._validate_record(review, list(review.actions.all()), today=TODAY)

    def test_every_late_review_has_a_reason_and_held_dates_are_never_in_the_future(self, authority):
        for review in Review.objects.filter(status="held").select_related("child"):
            assert review.held_on <= TODAY and review.held_on >= review.child.date_of_birth
            assert bool(review.late_reason) == (review.held_on > review.due_date), review
            if review.late_reason == "other":
                assert review.late_reason_other.strip()
        for review in Review.objects.exclude(status="held"):
            assert review.held_on is None and not review.late_reason and review.chair is None

    def test_lac_reviews_are_mostly_on_time_and_late_ones_by_days_to_weeks(self):
        seed(400)
        reviews = list(Review.objects.filter(kind="LAC", status="held"))
        on_time = [review for review in reviews if review.held_on <= review.due_date]
        assert 0.95 <= len(on_time) / len(reviews) <= 0.995, "published IRO reports: 96-99% in timescale"
        for review in on_time:
            assert timescales.working_days_between(review.held_on, review.due_date) <= 15, review
        late_by = [
            timescales.working_days_between(review.due_date, review.held_on)
            for review in reviews
            if review.held_on > review.due_date
        ]
        assert min(late_by) >= 1 and max(late_by) <= 45 and any(days > 10 for days in late_by)
        assert set(Counter(r.late_reason for r in reviews if r.late_reason)) == {
            "iro_unavailable",
            "awaiting_assessment",
            "child_unavailable",
            "family_unavailable",
            "other",
        }

    def test_the_chair_is_the_iro_allocated_to_the_child_on_the_day(self, authority):
        for child in demo_children():
            allocations = sorted(child.allocations.all(), key=lambda a: a.start_date)
            for review in child.reviews.all():
                if review.status != "held":
                    continue
                allocation = allocation_on(allocations, review.held_on) or next(
                    (a for a in allocations if a.end_date == review.held_on), None
                )
                if review.kind == "LAC" or allocation is not None:
                    assert allocation is not None and review.chair == allocation.iro, review
                assert review.chair.role == "iro"


class TestParticipation:
    def test_pn0_if_and_only_if_the_child_is_under_4_on_the_day(self, authority):
        reviews = Review.objects.filter(kind="LAC", status="held").select_related("child")
        codes = Counter()
        for review in reviews:
            under_four = age_on(review.child.date_of_birth, review.held_on) < 4
            assert (review.participation_code == "PN0") == under_four, review
            codes[review.participation_code] += 1
        assert set(codes) == {f"PN{n}" for n in range(8)}
        for review in Review.objects.exclude(kind="LAC"):
            assert review.participation_code == ""

    def test_participation_looks_like_a_real_service(self):
        seed(400)
        reviews = list(Review.objects.filter(kind="LAC", status="held").select_related("child"))
        by_age = defaultdict(Counter)
        for review in reviews:
            age = age_on(review.child.date_of_birth, review.held_on)
            by_age["teen" if age >= 13 else "child" if age >= 4 else "baby"][review.participation_code] += 1
        teen, child = by_age["teen"], by_age["child"]
        assert (teen["PN5"] + teen["PN7"]) / sum(teen.values()) > (child["PN5"] + child["PN7"]) / sum(child.values())
        assert max(teen, key=teen.get) in ("PN1", "PN5", "PN6") and max(child, key=child.get) in ("PN1", "PN5", "PN6")
        chaired = [r for r in reviews if r.child_chaired]
        assert chaired and all(age_on(r.child.date_of_birth, r.held_on) >= 13 for r in chaired)
        assert len(chaired) < 0.2 * sum(teen.values())
        interpreted = [r for r in reviews if r.interpreter_used]
        assert interpreted and sum(r.child.is_uasc for r in interpreted) > len(interpreted) / 2
        assert 0.03 < sum(r.advocate_present for r in reviews) / len(reviews) < 0.3
        over_four = [r for r in reviews if r.participation_code != "PN0"]
        assert sum(r.child_consulted for r in over_four) / len(over_four) > 0.75
        assert {r.parents_participation for r in reviews} == {
            "attended",
            "views_given",
            "did_not_participate",
            "not_appropriate",
        }

    def test_reports_are_mostly_in_before_and_records_circulated_after_the_review(self, authority):
        reviews = list(Review.objects.filter(status="held"))
        reports = [r.social_worker_report_received for r in reviews]
        assert 0.01 < reports.count(None) / len(reviews) < 0.12
        on_time = [
            timescales.at_least_working_days_before(r.social_worker_report_received, r.held_on, 3) for r in reviews
        ]
        assert 0.65 < sum(on_time) / len(reviews) < 0.95
        for review in reviews:
            report = review.social_worker_report_received
            assert report is None or report <= review.held_on
            for circulated in (review.decisions_circulated, review.record_circulated):
                assert circulated is None or review.held_on <= circulated <= TODAY
        decided = [r for r in reviews if r.decisions_circulated]
        recorded = [r for r in reviews if r.record_circulated]
        decisions_on_time = sum(timescales.within_working_days(r.decisions_circulated, r.held_on, 5) for r in decided)
        records_on_time = sum(timescales.within_working_days(r.record_circulated, r.held_on, 20) for r in recorded)
        assert decisions_on_time > 0.75 * len(decided) and records_on_time > 0.7 * len(recorded)
        assert any(r.record_circulated is None and r.held_on > TODAY - timedelta(days=28) for r in reviews)

    def test_each_held_review_has_one_to_five_agreed_actions_due_after_it(self, authority):
        actions = Counter()
        for review in Review.objects.filter(status="held").prefetch_related("actions__owner"):
            agreed = list(review.actions.all())
            assert 1 <= len(agreed) <= 5, review
            for action in agreed:
                assert action.due_date >= review.held_on and action.owner_name
                assert action.completed_on is None or review.held_on < action.completed_on <= TODAY
                if action.owner_name == "IRO":
                    assert action.owner == review.chair
                actions[action.completed_on is not None] += 1
        assert actions[True] > actions[False]
        assert not ReviewAction.objects.exclude(review__status="held").exists()


class TestChildProtectionConferences:
    def test_every_plan_starts_at_an_initial_conference_that_made_it(self, authority):
        plans = 0
        for child in demo_children():
            section_47 = sorted(d.date for d in child.strategy_discussions.all() if d.section_47_enquiry_started)
            for plan in child.protection_plans.all():
                plans += 1
                initial = [r for r in held(child, "ICPC") if r.held_on == plan.start_date]
                assert len(initial) == 1, plan
                conference = initial[0]
                assert conference.conference_outcome == "plan_made" and conference.protection_plan_id == plan.pk
                assert conference.category_of_abuse == plan.initial_category_of_abuse
                assert conference.cycle_start == max(day for day in section_47 if day <= plan.start_date)
                assert conference.due_date == timescales.icpc_due(conference.cycle_start)
        assert plans > 20

    def test_initial_conferences_are_mostly_on_time_and_some_find_no_plan_is_needed(self):
        seed(600, 3)
        conferences = list(Review.objects.filter(kind="ICPC", status="held"))
        on_time = sum(r.held_on <= r.due_date for r in conferences)
        assert 0.7 <= on_time / len(conferences) < 1
        no_plan = [r for r in conferences if r.conference_outcome == "no_plan"]
        assert no_plan and all(r.protection_plan is None and not r.category_of_abuse for r in no_plan)
        for review in conferences:
            discussions = review.child.strategy_discussions
            assert discussions.filter(date=review.cycle_start, section_47_enquiry_started=True).exists()

    def test_review_conferences_run_from_the_initial_one_until_the_plan_ends(self):
        seed(400)
        ended_at_conference = changed = 0
        for child in demo_children():
            for plan in child.protection_plans.all():
                reviews = sorted(
                    (r for r in child.reviews.all() if r.kind == "RCPC" and r.protection_plan_id == plan.pk),
                    key=lambda r: (r.number, r.status != "held"),
                )
                held_dates = []
                for review in reviews:
                    assert review.cycle_start == plan.start_date
                    assert review.number == len(held_dates) + 1
                    assert review.due_date == timescales.rcpc_due(plan.start_date, held_dates)
                    if review.held_on:
                        held_dates.append(review.held_on)
                held_reviews = [r for r in reviews if r.status == "held"]
                assert all(r.conference_outcome == "plan_continues" for r in held_reviews[:-1])
                if plan.end_date is None:
                    assert [r.status for r in reviews if r.status != "held"] in (["due"], ["booked"]), plan
                elif plan.end_reason == "no_longer_at_risk":
                    last = held_reviews[-1]
                    assert (last.held_on, last.conference_outcome) == (plan.end_date, "plan_ended"), plan
                    assert all(r.status == "held" for r in reviews)
                    ended_at_conference += 1
                else:
                    assert not any(r.conference_outcome == "plan_ended" for r in held_reviews)
                    assert [r.status for r in reviews if r.status != "held"] == ["cancelled"], plan
                categories = [r.category_of_abuse for r in held_reviews if r.category_of_abuse]
                if categories:
                    changed += 1
                    assert plan.latest_category_of_abuse == categories[-1]
                else:
                    assert plan.latest_category_of_abuse == ""
        assert ended_at_conference > 5 and changed > 0

    def test_no_outstanding_conference_is_left_over(self, authority):
        for child in demo_children():
            open_plan = any(plan.end_date is None for plan in child.protection_plans.all())
            assert len(outstanding(child, "RCPC")) == open_plan, child
            if open_plan:
                assert not outstanding(child, "ICPC")


class TestBookings:
    def test_booked_reviews_are_booked_within_their_due_window(self, authority):
        booked = Review.objects.filter(status="booked")
        assert booked.exists()
        for review in booked:
            day = timezone.localdate(review.booked_for)
            assert TODAY < day <= review.due_date, review
            assert timescales.working_days_between(day, review.due_date) <= 15, review


class TestRepeatableAndSafe:
    def test_the_same_seed_gives_the_same_reviews_and_another_seed_different_ones(self):
        seed(random_seed=7)
        first = review_dump()
        seed(random_seed=7)
        assert review_dump() == first
        seed(random_seed=8)
        assert review_dump()["reviews"] != first["reviews"]

    def test_running_again_replaces_the_reviews_and_keep_existing_keeps_them(self, authority):
        counts = (Review.objects.count(), ReviewAction.objects.count())
        seed()
        assert (Review.objects.count(), ReviewAction.objects.count()) == counts
        review = Review.objects.filter(status="held").first()
        review.late_reason_other = "Recorded by a user"
        review.save()
        before = review_dump()
        assert "kept as it is" in seed(50, 9, "--keep-existing")
        assert review_dump() == before

    def test_the_audit_event_and_the_summary_count_the_reviews(self):
        output = seed()
        event = AuditEvent.objects.filter(object_type="demo.seed").latest("id")
        assert event.detail["reviews"] == Review.objects.count()
        assert event.detail["lac_reviews_held"] == Review.objects.filter(kind="LAC", status="held").count()
        assert event.detail["review_actions"] == ReviewAction.objects.count()
        assert f"{event.detail['lac_reviews_held']} LAC reviews" in output
        assert "child protection conferences held" in output

    def test_only_demo_children_are_touched(self, authority):
        assert not Review.objects.exclude(child__local_child_id__startswith="DEMO").exists()
        assert not Allocation.objects.filter(~Q(child__local_child_id__startswith="DEMO")).exists()


class TestWorkingRecords:
    def test_recent_held_lac_reviews_carry_a_working_record_that_completing_would_accept(self, authority):
        from reviews.record_selectors import completion_problems

        recent = Review.objects.filter(kind="LAC", status="held", held_on__gte=TODAY - timedelta(days=150))
        assert recent.exists()
        for review in recent.select_related("child"):
            assert review.participants.filter(role="child").exists()
            assert completion_problems(review) == {}, review
        assert (
            not Review.objects.filter(kind="LAC", status="held", held_on__lt=TODAY - timedelta(days=200))
            .filter(participants__isnull=False)
            .exists()
        ), "older reviews keep no working record, as those held before it was recorded"
        numbers = ReviewAction.objects.values_list("review_id", "number")
        assert all(number for _, number in numbers)
