"""bench/seed_scale.py builds a large demo authority chunk by chunk through seed_demo's generators:
the chunks join into one authority (children numbered on from chunk to chunk, one IRO team sized
for the caseload, each chunk's children allocated to its own slice of it), every chunk as valid as
the demo itself, and the same data for the same arguments. An authority seeded before the demo had
consultation links gets them added without being seeded again."""

from collections import Counter

import pytest
from django.db.models import Sum
from django.test import override_settings

from accounts.models import Role, User
from audit.models import AuditEvent
from bench.seed_scale import add_consultations, chunk_jobs, consultations_missing, seed_in_chunks, seeded_today
from children.models import Allocation, CareEpisode
from children.selectors import is_looked_after_on
from consultations.models import ConsultationInvitation, SafetyAlert
from demo.children import IRO_USERNAME
from demo.consultations import OPEN_ALERTS
from escalations.models import Escalation
from oversight.models import OversightRecord
from reviews.models import Review
from tests import test_seed_demo as demo_tests
from tests import test_seed_oversight_escalations as oversight_tests
from tests import test_seed_reviews as review_tests
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db

TODAY = demo_tests.TODAY
CHILDREN = 1200
# Chunks big enough for caseloads in the handbook's range: a chunk's slice has at least three IROs,
# and a little under four in ten of a chunk's children need one.
CHUNK = 400
SEED = 11


def seed(report=None):
    return seed_in_chunks(CHILDREN, seed=SEED, today=TODAY, chunk=CHUNK, report=report or (lambda line: None))


@pytest.fixture(scope="module")
def chunked(django_db_setup, django_db_blocker):
    """The authority seeded once in three chunks; the lines it reported."""
    lines = []
    with kept_for_the_module(django_db_blocker), override_settings(UNPLANNED_MOVE_TRIGGERS_REVIEW=True):
        seed(lines.append)
        yield lines


@pytest.fixture
def authority(chunked, db):
    """The demo children, as the seed_demo tests reused below take them."""
    return list(demo_tests.demo_children())


def chunk_of(child):
    return (int(child.local_child_id.removeprefix("DEMO")) - 1) // CHUNK


def iro_number(user):
    return int(IRO_USERNAME.match(user.username).group(1))


def planned_slices():
    """Each chunk's IRO numbers, as planned before any chunk is seeded."""
    firsts = [
        job.chunk.first_iro_number for job in chunk_jobs(CHILDREN, seed=SEED, today=TODAY, chunk=CHUNK, password="")
    ]
    team = User.objects.filter(role=Role.IRO, is_active=True).count()
    return [range(first, following) for first, following in zip(firsts, firsts[1:] + [team + 1])]


class TestOneAuthority:
    def test_children_are_numbered_on_from_chunk_to_chunk(self, chunked, authority):
        assert [child.local_child_id for child in authority] == [f"DEMO{n:06d}" for n in range(1, CHILDREN + 1)]
        assert [line.split(":")[0] for line in chunked] == ["chunk 1/3", "chunk 2/3", "chunk 3/3"]

    def test_one_iro_team_sized_for_60_children_per_full_time_iro_and_one_of_each_other_account(self, chunked):
        iros = User.objects.filter(role=Role.IRO, is_active=True)
        assert sorted(iro_number(iro) for iro in iros) == list(range(1, iros.count() + 1))
        caseload = Allocation.objects.current(TODAY).count()
        assert 50 <= caseload / float(iros.aggregate(fte=Sum("fte"))["fte"]) <= 70
        assert sorted(User.objects.exclude(role=Role.IRO).values_list("username", flat=True)) == [
            "admin",
            "board",
            "manager",
            "support",
        ]

    def test_each_chunk_has_its_own_slice_of_the_team_for_every_record_an_iro_makes(self, chunked):
        slices = planned_slices()
        assert len(slices) == 3 and all(len(numbers) >= 3 for numbers in slices)
        for model, iro in ((Allocation, "iro"), (Review, "chair"), (OversightRecord, "iro"), (Escalation, "raised_by")):
            records = model.objects.exclude(**{iro: None}).select_related("child", iro)
            assert records
            for record in records:
                assert iro_number(getattr(record, iro)) in slices[chunk_of(record.child)], record

    def test_every_chunk_has_the_demo_s_histories(self, chunked):
        for model, at_least in ((CareEpisode, 300), (Review, 1000), (OversightRecord, 2000), (Allocation, 200)):
            per_chunk = Counter(chunk_of(record.child) for record in model.objects.select_related("child"))
            assert sorted(per_chunk) == [0, 1, 2] and min(per_chunk.values()) >= at_least, (model, per_chunk)

    def test_the_children_needing_an_iro_today_have_exactly_one(self, authority):
        current = Counter(Allocation.objects.current(TODAY).values_list("child__local_child_id", flat=True))
        assert set(current.values()) == {1}
        for child in authority:
            if is_looked_after_on(child.episodes.all(), TODAY) or any(
                plan.end_date is None for plan in child.protection_plans.all()
            ):
                assert current[child.local_child_id] == 1, child

    def test_the_run_is_audited_once_with_what_it_saved(self, chunked):
        event = AuditEvent.objects.get(object_type="demo.seed")
        assert (event.detail["children"], event.detail["chunk"], event.detail["seed"]) == (CHILDREN, CHUNK, SEED)
        assert event.detail["reviews"] == Review.objects.count()
        assert event.detail["oversight_records"] == OversightRecord.objects.count()

    def test_the_same_arguments_give_the_same_data(self, chunked):
        before = demo_tests.canonical_dump()
        seed()
        assert demo_tests.canonical_dump() == before


class TestEveryChunkIsAsValidAsTheDemo:
    """The seed_demo tests' checks of the rules, run on the chunked authority."""

    test_episodes = demo_tests.TestValidRecords.test_periods_of_care_follow_the_ssda903_episode_rules
    test_plans = (
        demo_tests.TestValidRecords.test_protection_plans_follow_a_section_47_strategy_discussion_and_never_overlap
    )
    test_allocations = demo_tests.TestAllocations.test_allocations_never_overlap_and_reallocations_hand_over_on_one_day
    test_allocations_end = demo_tests.TestAllocations.test_when_involvement_has_ended_the_last_allocation_closes_with_it
    test_caseloads = demo_tests.TestPlausibleAuthority.test_caseloads_per_fte_follow_the_iro_handbook_range
    test_children = demo_tests.TestPlausibleAuthority.test_children_look_like_a_local_authority_in_england
    test_reschedule = review_tests.TestTheScheduleIsTheServices.test_rescheduling_every_child_changes_no_review
    test_one_outstanding = review_tests.TestTheScheduleIsTheServices.test_each_child_looked_after_has_exactly_one_outstanding_lac_review_and_no_one_else_has
    test_held_reviews = review_tests.TestHeldReviewsAreValid.test_every_held_review_passes_the_services_validation
    test_chairs = review_tests.TestHeldReviewsAreValid.test_the_chair_is_the_iro_allocated_to_the_child_on_the_day
    test_actions = review_tests.TestParticipation.test_each_held_review_has_one_to_five_agreed_actions_due_after_it
    test_conferences = (
        review_tests.TestChildProtectionConferences.test_every_plan_starts_at_an_initial_conference_that_made_it
    )
    test_ratings = oversight_tests.TestRagRatings.test_every_held_lac_review_is_rated_once_on_the_day_by_its_chair
    test_oversight = oversight_tests.TestOversightRecords.test_no_record_in_the_future_outside_involvement_or_by_an_iro_not_allocated_that_day
    test_escalations = oversight_tests.TestEscalationVolume.test_raised_by_the_allocated_iro_while_the_child_was_looked_after_one_at_a_time
    test_open_escalations = oversight_tests.TestEscalationSteps.test_some_are_open_today_with_a_response_overdue_and_a_formal_process_past_the_limit


class TestConsultations:
    """The demo's checks of the consultation links, replies and alerts, on the chunked authority
    (whose alerts are written in bulk), and their adding to an authority seeded without them."""

    test_links = demo_tests.TestConsultations.test_most_recent_and_upcoming_reviews_have_links_and_children_reply_more_than_parents
    test_replies = demo_tests.TestConsultations.test_a_reply_marks_its_link_when_it_came_and_comes_before_the_review
    test_states = demo_tests.TestConsultations.test_links_are_open_answered_withdrawn_or_expired_as_their_review_stands
    test_feedback = demo_tests.TestConsultations.test_feedback_after_a_held_review_follows_the_same_person_with_how_well_they_were_listened_to
    test_alerts = demo_tests.TestConsultations.test_only_the_replies_that_need_one_raise_a_safety_alert

    def test_each_chunk_leaves_an_alert_or_two_open_and_the_rest_answered_within_hours(self, chunked):
        alerts = list(SafetyAlert.objects.select_related("review__child"))
        open_per_chunk = Counter(chunk_of(alert.review.child) for alert in alerts if alert.responded_at is None)
        assert open_per_chunk and max(open_per_chunk.values()) <= OPEN_ALERTS
        assert any(alert.escalated_at for alert in alerts if alert.responded_at is None)
        answered = [alert for alert in alerts if alert.responded_at is not None]
        assert len(answered) > len(alerts) / 2 and all(alert.action_taken for alert in answered)

    def test_an_authority_seeded_without_them_gets_them_added_once(self, authority):
        ConsultationInvitation.objects.all().delete()
        assert consultations_missing()
        lines = []
        totals = add_consultations(seed=SEED, today=seeded_today(), chunk=CHUNK, report=lines.append)
        assert not consultations_missing()
        assert len(lines) == 3 and totals["consultation_links"] == ConsultationInvitation.objects.count() > 1000
        assert totals["safety_alerts"] == SafetyAlert.objects.count() > 0
        self.test_replies(authority)
        self.test_alerts(authority)
