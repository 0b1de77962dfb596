"""seed_demo's oversight and escalations: RAG ratings after every held LAC review in the shares a
real service records, follow-ups inside the windows oversight.services allows, records only by
the IRO allocated on the day, a quarterly footprint that is high but not perfect; escalations
that escalations.services would have accepted step by step, at a realistic volume, with some
open today that the lists flag."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from audit.models import AuditEvent
from children.models import Allocation, Child
from children.selectors import age_on, allocation_on, is_looked_after_on, periods_of_care
from demo import escalations as escalations_demo
from demo.children import add_years
from escalations import services as escalation_services
from escalations import timescales as escalation_timescales
from escalations.codes import AreaOfConcern, EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from escalations.selectors import escalation_row
from oversight.models import RATED_KINDS, InContactPlan, OversightKind, OversightRecord
from oversight.selectors import contact_due, worklist_children, worklist_counts
from oversight.services import next_check_window
from reviews import timescales
from reviews.models import Review
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db

TODAY = date(2025, 11, 25)
WINDOW_START = add_years(TODAY, -3)


def seed(children=600, random_seed=3, *options):
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


def demo_children():
    return (
        Child.objects.filter(local_child_id__startswith="DEMO")
        .prefetch_related("episodes", "allocations__iro", "reviews", "oversight_records", "in_contact_plans")
        .order_by("local_child_id")
    )


def dump():
    """The seeded oversight and escalations, without ids or timestamps."""
    child = "child__local_child_id"
    fields = {
        "records": (
            OversightRecord,
            (
                child,
                "date",
                "kind",
                "rag",
                "tracking",
                "next_check_date",
                "iro__username",
                "review__cycle_start",
                "review__number",
            ),
        ),
        "plans": (InContactPlan, (child, "agreed_on", "method", "every_weeks", "ended_on", "agreed_by__username")),
        "escalations": (
            Escalation,
            (
                child,
                "raised_on",
                "raised_by__username",
                "what_is_wrong",
                "what_is_asked",
                "status",
                "resolved_on",
                "resolved_at_stage",
                "outcome",
                "withdrawn_on",
                "withdrawal_reason",
            ),
        ),
        "concerns": (EscalationConcern, (f"escalation__{child}", "escalation__raised_on", "area")),
        "steps": (
            EscalationStep,
            (
                f"escalation__{child}",
                "escalation__raised_on",
                "stage",
                "addressed_to_name",
                "addressed_to_role",
                "sent_on",
                "response_due",
                "responded_on",
                "response_summary",
            ),
        ),
    }
    return {
        name: list(model.objects.order_by(*columns).values_list(*columns)) for name, (model, columns) in fields.items()
    }


def share(part, whole):
    return len(part) / len(whole)


def sorted_steps(escalation):
    return sorted(escalation.steps.all(), key=lambda step: step.stage)


def involvement_spans(child):
    """Where the seeder lets an IRO act: the child's allocations (which cover exactly the spans
    of care, short breaks and protection plans)."""
    return sorted(child.allocations.all(), key=lambda allocation: allocation.start_date)


def next_lac_review(reviews, record):
    """The review outstanding when a rating was made: the first in the cycle not yet held then."""
    cycle = max((r.cycle_start for r in reviews if r.cycle_start <= record.date), default=None)
    following = [r for r in reviews if r.cycle_start == cycle and (r.held_on is None or r.held_on > record.date)]
    return min(following, key=lambda r: r.number, default=None)


class TestRagRatings:
    def test_every_held_lac_review_is_rated_once_on_the_day_by_its_chair(self, authority):
        held = Review.objects.filter(kind="LAC", status="held")
        ratings = OversightRecord.objects.filter(kind=OversightKind.POST_REVIEW).select_related("review")
        assert held.count() > 1000
        assert ratings.count() == held.count()
        assert set(ratings.values_list("review_id", flat=True)) == set(held.values_list("id", flat=True))
        for rating in ratings:
            review = rating.review
            assert (rating.child_id, rating.date, rating.iro_id) == (review.child_id, review.held_on, review.chair_id)
            assert rating.rag in ("green", "amber", "red")
        assert not OversightRecord.objects.exclude(kind=OversightKind.POST_REVIEW).exclude(review=None).exists()

    def test_the_shares_are_those_the_published_reports_show(self, authority):
        ratings = list(OversightRecord.objects.filter(kind=OversightKind.POST_REVIEW))
        rags = Counter(rating.rag for rating in ratings)
        assert 0.70 <= rags["green"] / len(ratings) <= 0.90
        assert 0.10 <= rags["amber"] / len(ratings) <= 0.28
        assert 0.005 <= rags["red"] / len(ratings) <= 0.05
        drift = [rating for rating in ratings if rating.rag != "green"]
        assert all(rating.tracking.strip() for rating in drift)
        assert len({rating.tracking for rating in drift}) >= 20, "tracking notes are varied"

    def test_every_next_check_is_inside_the_window_for_its_rating(self, authority):
        proposed = checked = 0
        for child in demo_children():
            reviews = sorted(
                (r for r in child.reviews.all() if r.kind == "LAC"), key=lambda r: (r.cycle_start, r.number)
            )
            for record in child.oversight_records.all():
                if record.kind not in RATED_KINDS:
                    continue
                following = next_lac_review(reviews, record)
                if record.kind == OversightKind.POST_REVIEW and following is not None:
                    # None only between the breaks of a series of short breaks: nothing is outstanding.
                    assert following.number == record.review.number + 1, record
                window = next_check_window(record.rag, record.date, following.due_date if following else None)
                assert record.next_check_date in window, (record, window)
                checked += 1
                proposed += record.next_check_date == window.proposed
        assert checked > 1500
        assert 0.5 < proposed / checked < 0.95, "mostly the proposed date, sometimes another in the window"

    def test_most_green_plans_get_a_midway_review_and_drift_a_follow_up(self, authority):
        green = []
        drift = []
        for child in demo_children():
            records = sorted(child.oversight_records.all(), key=lambda r: r.date)
            held = sorted(r.held_on for r in child.reviews.all() if r.kind == "LAC" and r.held_on)
            ends = [period.end_date for period in periods_of_care(child.episodes.all()) if period.end_date]
            for rating in (r for r in records if r.kind == OversightKind.POST_REVIEW):
                until = min([day for day in held + ends if day > rating.date] + [TODAY + timedelta(days=1)])
                # Only ratings whose next check came (with a few days' grace) before the next review.
                if rating.next_check_date + timedelta(days=7) >= until:
                    continue
                between = [r for r in records if rating.date < r.date < until]
                if rating.rag == "green":
                    green.append(any(r.kind == OversightKind.MIDWAY_REVIEW for r in between))
                else:
                    drift.append(
                        any(
                            r.kind in (OversightKind.CONTACT_WITH_SOCIAL_WORKER, OversightKind.CASE_FILE_CHECK)
                            and r.date >= rating.next_check_date - timedelta(days=7)
                            for r in between
                        )
                    )
        assert len(green) > 500 and len(drift) > 100
        assert 0.75 <= sum(green) / len(green) <= 0.97
        assert 0.8 <= sum(drift) / len(drift) <= 0.99
        midway = OversightRecord.objects.filter(kind=OversightKind.MIDWAY_REVIEW)
        assert midway.filter(rag="green").count() > 0.8 * midway.count() and midway.exclude(rag="green").exists()


class TestOversightRecords:
    def test_no_record_in_the_future_outside_involvement_or_by_an_iro_not_allocated_that_day(self, authority):
        kinds = Counter()
        for child in demo_children():
            allocations = involvement_spans(child)
            periods = periods_of_care(child.episodes.all())
            first_care = min((period.start_date for period in periods), default=None)
            for record in child.oversight_records.all():
                kinds[record.kind] += 1
                assert child.date_of_birth <= record.date <= TODAY, record
                allocation = allocation_on(allocations, record.date)
                assert allocation is not None and allocation.iro_id == record.iro_id, record
                assert record.next_check_date is None or record.next_check_date >= record.date
                assert bool(record.rag) == (record.kind in RATED_KINDS), record
                if record.kind in (*RATED_KINDS, OversightKind.CONTACT_WITH_CHILD, OversightKind.PRE_MEETING_CHECK):
                    assert first_care is not None and record.date >= first_care, record
        assert set(kinds) == set(OversightKind.values)
        assert kinds[OversightKind.CASE_FILE_CHECK] and kinds[OversightKind.CONTACT_WITH_SOCIAL_WORKER]

    def test_nearly_every_child_has_a_record_in_every_quarter_but_not_quite_all(self, authority):
        quarters = []
        start = timescales.quarter_start(WINDOW_START)
        while timescales.quarter_end(start) < timescales.quarter_start(TODAY):
            quarters.append((start, timescales.quarter_end(start)))
            start = timescales.quarter_end(start) + timedelta(days=1)
        footprint = []
        this_quarter = []
        for child in demo_children():
            allocations = involvement_spans(child)
            dates = [record.date for record in child.oversight_records.all()]
            for first, last in quarters:
                if any(a.start_date <= first and (a.end_date is None or a.end_date > last) for a in allocations):
                    footprint.append(any(first <= day <= last for day in dates))
            if allocation_on(allocations, TODAY) is not None:
                this_quarter.append(any(day >= timescales.quarter_start(TODAY) for day in dates))
        assert len(footprint) > 1800
        assert 0.93 <= sum(footprint) / len(footprint) <= 0.995
        assert 0.8 <= sum(this_quarter) / len(this_quarter) <= 0.99

    def test_the_worklist_has_something_to_show_but_not_everything(self, authority):
        children = worklist_children(User.objects.get(username="manager"), TODAY)
        counts = worklist_counts(children, TODAY)
        assert (
            counts["children"] > 200
            and 0.05 * counts["children"] < counts["needs_attention"] < 0.5 * counts["children"]
        )
        for flag in ("overdue", "due_soon", "no_record", "contact_behind"):
            assert 0 < counts[flag] < 0.25 * counts["children"], flag
        assert set(children.values_list("current_rag", flat=True)) >= {"green", "amber", "red"}


class TestInContactPlans:
    def test_plans_are_agreed_at_reviews_with_children_aged_8_and_over_and_end_when_care_ends(self, authority):
        looked_after_8_plus = with_open_plan = 0
        for child in demo_children():
            plans = sorted(child.in_contact_plans.all(), key=lambda plan: plan.agreed_on)
            held = {r.held_on: r for r in child.reviews.all() if r.kind == "LAC" and r.held_on}
            care_ends = {period.end_date for period in periods_of_care(child.episodes.all())}
            for plan, following in zip(plans, plans[1:] + [None]):
                review = held.get(plan.agreed_on)
                assert review is not None and plan.agreed_by_id == review.chair_id, plan
                assert age_on(child.date_of_birth, plan.agreed_on) >= 8 and WINDOW_START <= plan.agreed_on <= TODAY
                assert 1 <= plan.every_weeks <= 26
                if following is not None:
                    assert plan.ended_on is not None and plan.ended_on <= following.agreed_on, plan
                elif plan.ended_on is not None:
                    assert plan.ended_on in care_ends, plan
            looked_after = is_looked_after_on(child.episodes.all(), TODAY) or (
                child.episodes.all() and all(episode.legal_status == "V3" for episode in child.episodes.all())
            )
            open_plans = [plan for plan in plans if plan.ended_on is None]
            assert len(open_plans) <= 1 and (not open_plans or looked_after), child
            if looked_after and age_on(child.date_of_birth, TODAY) >= 9:
                looked_after_8_plus += 1
                with_open_plan += bool(open_plans)
        assert 0.4 <= with_open_plan / looked_after_8_plus <= 0.85

    def test_contact_is_mostly_on_time_and_some_children_are_behind(self, authority):
        behind = []
        for child in demo_children():
            plan = next((plan for plan in child.in_contact_plans.all() if plan.ended_on is None), None)
            if plan is None:
                continue
            contacts = [r.date for r in child.oversight_records.all() if r.kind == OversightKind.CONTACT_WITH_CHILD]
            behind.append(contact_due(plan.agreed_on, plan.every_weeks, max(contacts, default=None)) < TODAY)
            under_plan = sorted(day for day in contacts if day > plan.agreed_on)
            for earlier, later in zip([plan.agreed_on] + under_plan, under_plan):
                assert (later - earlier).days <= plan.every_weeks * 7 + 28, child
        assert len(behind) > 50
        assert 0.02 <= sum(behind) / len(behind) <= 0.25


class TestEscalationVolume:
    def test_about_one_a_year_for_every_20_to_40_children_in_care_over_three_years(self, authority):
        in_care = [child for child in demo_children() if is_looked_after_on(child.episodes.all(), TODAY)]
        escalations = list(Escalation.objects.all())
        assert all(WINDOW_START <= e.raised_on <= TODAY for e in escalations)
        per_year = len(escalations) / 3 / len(in_care)
        assert 1 / 50 <= per_year <= 1 / 15, per_year
        years = Counter((TODAY - e.raised_on).days // 366 for e in escalations)
        assert set(years) == {0, 1, 2}

    def test_raised_by_the_allocated_iro_while_the_child_was_looked_after_one_at_a_time(self, authority):
        escalations = Escalation.objects.prefetch_related("child__episodes", "child__allocations")
        by_child = defaultdict(list)
        for escalation in escalations:
            child = escalation.child
            allocation = allocation_on(list(child.allocations.all()), escalation.raised_on)
            assert allocation is not None and allocation.iro_id == escalation.raised_by_id, escalation
            episodes = list(child.episodes.all())
            series = all(episode.legal_status == "V3" for episode in episodes)
            assert series or is_looked_after_on(episodes, escalation.raised_on), escalation
            by_child[child.pk].append(escalation)
        for escalations_of_child in by_child.values():
            escalations_of_child.sort(key=lambda e: e.raised_on)
            for earlier, later in zip(escalations_of_child, escalations_of_child[1:]):
                closed = earlier.resolved_on or earlier.withdrawn_on
                assert closed is not None and closed < later.raised_on, (earlier, later)

    def test_one_to_three_areas_with_care_planning_and_placement_the_most_common(self):
        seed(1500, 4)  # enough escalations (about 70) for the two most common areas to stand out
        per_escalation = Counter(EscalationConcern.objects.values_list("escalation_id", flat=True))
        assert set(per_escalation.values()) == {1, 2, 3}
        assert len(per_escalation) == Escalation.objects.count()
        areas = Counter(EscalationConcern.objects.values_list("area", flat=True))
        assert {area for area, _ in areas.most_common(2)} == {"care_planning", "placement"}
        assert set(areas) <= set(AreaOfConcern.values) and len(areas) >= 8
        assert set(escalations_demo.AREAS) == set(AreaOfConcern.values)


class TestEscalationSteps:
    def test_steps_go_only_upwards_and_are_dated_as_the_services_require(self, settings):
        settings.ESCALATION_RESPONSE_WORKING_DAYS = {
            **django_settings.ESCALATION_RESPONSE_WORKING_DAYS,
            "informal": 7,
            "team_manager": 4,
        }
        seed()
        on_time = late = 0
        for escalation in Escalation.objects.prefetch_related("steps", "concerns"):
            escalation.full_clean()
            steps = sorted(escalation.steps.all(), key=lambda step: (step.sent_on, step.stage))
            assert [step.stage for step in steps] == sorted({step.stage for step in steps}), escalation
            assert steps[0].sent_on == escalation.raised_on
            for step, following in zip(steps, steps[1:] + [None]):
                step.full_clean()
                assert step.response_due == escalation_timescales.response_due(step.sent_on, step.stage), step
                assert step.sent_on <= TODAY
                if step.responded_on is not None:
                    assert step.sent_on <= step.responded_on <= TODAY and step.response_summary.strip()
                    on_time += step.responded_on <= step.response_due
                    late += step.responded_on > step.response_due
                    if following is not None:
                        assert step.responded_on <= following.sent_on, "answered before the next stage was sent"
                else:
                    assert step.response_summary == ""
            closed = escalation.resolved_on or escalation.withdrawn_on
            if escalation.status == EscalationStatus.RESOLVED:
                assert escalation.outcome.strip() and escalation.resolved_at_stage == steps[-1].stage
                assert steps[-1].sent_on <= escalation.resolved_on <= TODAY
            elif escalation.status == EscalationStatus.WITHDRAWN:
                assert escalation.withdrawal_reason.strip() and escalation.withdrawn_on <= TODAY
            else:
                assert (escalation.resolved_on, escalation.resolved_at_stage, escalation.outcome) == (None, None, "")
                assert escalation.withdrawn_on is None and not escalation.withdrawal_reason
            if closed is not None:
                assert all(step.responded_on is None or step.responded_on <= closed for step in steps)
        assert on_time > 2 * late > 0, "most responses on time, some late"

    def test_mostly_informal_mostly_settled_low_a_few_at_director(self):
        seed(1500, 4)  # enough escalations (about 70) for shares to mean something
        escalations = list(Escalation.objects.prefetch_related("steps"))
        first_stages = Counter(sorted_steps(e)[0].stage for e in escalations)
        assert 0.55 <= first_stages[Stage.INFORMAL] / len(escalations) <= 0.9
        assert set(first_stages) - {Stage.INFORMAL}, "some start at a formal stage"
        resolved = Counter(e.resolved_at_stage for e in escalations if e.status == EscalationStatus.RESOLVED)
        settled_low = resolved[Stage.INFORMAL] + resolved[Stage.TEAM_MANAGER]
        assert settled_low / sum(resolved.values()) >= 0.6
        assert resolved[Stage.SERVICE_MANAGER] + resolved[Stage.HEAD_OF_SERVICE] > 0
        assert resolved[Stage.DIRECTOR] <= 0.1 * sum(resolved.values()) and not resolved[Stage.CAFCASS]
        skipped = [
            e for e in escalations if any(b.stage - a.stage > 1 for a, b in zip(sorted_steps(e), sorted_steps(e)[1:]))
        ]
        assert skipped, "the IRO may bypass a stage"

    def test_some_are_open_today_with_a_response_overdue_and_a_formal_process_past_the_limit(self, authority):
        rows = [escalation_row(e, TODAY) for e in Escalation.objects.filter(status="open").prefetch_related("steps")]
        assert len(rows) >= 3
        assert any(row.response_overdue for row in rows)
        assert any(row.formal_too_long and row.formal_working_days > 20 for row in rows)
        assert any(not row.response_overdue for row in rows)

    def test_replaying_each_escalation_through_the_services_gives_the_same_rows(self):
        seed(250, 5)
        seeded = list(Escalation.objects.select_related("child", "raised_by").prefetch_related("steps", "concerns"))
        assert len(seeded) >= 5
        for original in seeded:
            replayed = replay(original)
            assert snapshot(replayed) == snapshot(original), original

    def test_a_large_authority_refers_one_to_cafcass_after_the_director(self, monkeypatch):
        monkeypatch.setattr(escalations_demo, "CAFCASS_REFERRAL_PER_CHILDREN", 600)
        seed()
        referred = list(Escalation.objects.filter(steps__stage=Stage.CAFCASS).prefetch_related("steps"))
        assert len(referred) == 1
        escalation = referred[0]
        stages = [step.stage for step in sorted_steps(escalation)]
        assert stages[-2:] == [Stage.DIRECTOR, Stage.CAFCASS] and stages[0] == Stage.INFORMAL
        assert escalation.status == EscalationStatus.RESOLVED and escalation.resolved_at_stage == Stage.CAFCASS
        assert escalation.resolved_on <= TODAY
        replayed = replay(escalation)
        assert snapshot(replayed) == snapshot(escalation)


def replay(escalation):
    """Record the escalation afresh through escalations.services, as its IRO would have, step by
    step, with the reference date as today (a withdrawal is dated the day it is made)."""
    steps = sorted_steps(escalation)
    iro = escalation.raised_by
    first = steps[0]
    replayed = escalation_services.raise_escalation(
        escalation.child,
        by=iro,
        areas=[concern.area for concern in escalation.concerns.all()],
        what_is_wrong=escalation.what_is_wrong,
        what_is_asked=escalation.what_is_asked,
        stage=first.stage,
        addressed_to_name=first.addressed_to_name,
        addressed_to_role=first.addressed_to_role,
        raised_on=escalation.raised_on,
        today=TODAY,
    )
    for step, following in zip(steps, steps[1:] + [None]):
        if step.responded_on is not None:
            escalation_services.record_response(
                replayed, by=iro, responded_on=step.responded_on, response_summary=step.response_summary, today=TODAY
            )
        if following is not None:
            escalation_services.escalate(
                replayed,
                by=iro,
                stage=following.stage,
                addressed_to_name=following.addressed_to_name,
                addressed_to_role=following.addressed_to_role,
                sent_on=following.sent_on,
                today=TODAY,
            )
    if escalation.status == EscalationStatus.RESOLVED:
        escalation_services.resolve(
            replayed,
            by=iro,
            outcome=escalation.outcome,
            resolved_on=escalation.resolved_on,
            resolved_at_stage=escalation.resolved_at_stage,
            today=TODAY,
        )
    elif escalation.status == EscalationStatus.WITHDRAWN:
        escalation_services.withdraw(
            replayed, by=iro, withdrawal_reason=escalation.withdrawal_reason, today=escalation.withdrawn_on
        )
    replayed.refresh_from_db()
    return replayed


def snapshot(escalation):
    fields = (
        "child_id",
        "raised_by_id",
        "raised_on",
        "what_is_wrong",
        "what_is_asked",
        "status",
        "resolved_on",
        "resolved_at_stage",
        "outcome",
        "withdrawn_on",
        "withdrawal_reason",
        "reopened_on",
        "reopen_reason",
    )
    return (
        {field: getattr(escalation, field) for field in fields},
        sorted(concern.area for concern in escalation.concerns.all()),
        [
            (
                step.stage,
                step.addressed_to_name,
                step.addressed_to_role,
                step.sent_on,
                step.response_due,
                step.responded_on,
                step.response_summary,
            )
            for step in escalation.steps.order_by("stage")
        ],
    )


class TestRepeatableAndCounted:
    def test_the_same_seed_gives_the_same_oversight_and_escalations_and_another_seed_different_ones(self):
        seed(250, 7)
        first = dump()
        assert all(first.values()), "every kind of row is seeded"
        seed(250, 7)
        assert dump() == first
        seed(250, 8)
        second = dump()
        assert second["records"] != first["records"] and second["escalations"] != first["escalations"]

    def test_the_summary_and_the_audit_event_count_them(self):
        output = seed(250, 7)
        detail = AuditEvent.objects.filter(object_type="demo.seed").latest("id").detail
        assert detail["oversight_records"] == OversightRecord.objects.count()
        assert detail["rag_ratings"] == OversightRecord.objects.exclude(rag="").count()
        assert detail["in_contact_plans"] == InContactPlan.objects.count()
        assert detail["escalations"] == Escalation.objects.count()
        assert detail["escalations_open"] == Escalation.objects.filter(status="open").count()
        assert detail["escalation_steps"] == EscalationStep.objects.count()
        assert f"{detail['oversight_records']} oversight records" in output
        assert f"{detail['escalations']} escalations ({detail['escalations_open']} open)" in output

    def test_running_again_replaces_them_and_only_demo_children_have_them(self):
        seed(120, 7)
        counts = (OversightRecord.objects.count(), InContactPlan.objects.count(), Escalation.objects.count())
        seed(120, 7)
        assert (OversightRecord.objects.count(), InContactPlan.objects.count(), Escalation.objects.count()) == counts
        for model in (OversightRecord, InContactPlan, Escalation):
            assert not model.objects.exclude(child__local_child_id__startswith="DEMO").exists()
        assert Allocation.objects.exists()
