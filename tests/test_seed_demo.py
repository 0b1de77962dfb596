"""seed_demo builds a synthetic authority that is valid by the project's own rules, plausible,
repeatable, and safe to run again."""

import re
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from children import services
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from children.selectors import age_on, caseload_sizes, is_looked_after_on, periods_of_care
from consultations.alerts import matched_phrases, reply_texts
from consultations.models import (
    AlertReason,
    ConsultationInvitation,
    ConsultationResponse,
    PersonType,
    Purpose,
    SafetyAlert,
    child_form_for_age,
)
from consultations.selectors import LinkState, link_state, review_day
from demo.children import NAMES, add_years
from demo.consultations import PAST_DAYS, UPCOMING_DAYS, demo_now
from demo.safety_alerts import STARTER_PHRASES
from escalations.models import Escalation, EscalationConcern, EscalationStep
from notifications.models import Notification, SubjectType
from oversight.models import InContactPlan, OversightRecord
from reviews.models import Review, ReviewAction, ReviewKind, ReviewStatus
from ssda903 import services as returns
from tests.conftest import kept_for_the_module
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 11, 25)
PLACEMENT_CHANGES = {"P", "T", "B", "U"}
CODES_DROPPED_BY_2025 = {"H5", "P2", "Z1"}


def seed(children=120, random_seed=7, *options):
    """Run the command with the reference date pinned, returning what it printed."""
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


def demo_children():
    return (
        Child.objects.filter(local_child_id__startswith="DEMO")
        .prefetch_related("episodes", "protection_plans", "strategy_discussions", "allocations__iro")
        .order_by("local_child_id")
    )


def canonical_dump():
    """Everything seeded, without database ids or timestamps."""
    by_child = "child__local_child_id"
    return {
        "children": list(
            Child.objects.filter(local_child_id__startswith="DEMO")
            .order_by("local_child_id")
            .values_list(
                "local_child_id",
                "given_name",
                "family_name",
                "date_of_birth",
                "sex",
                "ethnicity",
                "is_uasc",
                "has_disability",
                "is_mother",
                "first_child_date_of_birth",
            )
        ),
        "episodes": list(
            CareEpisode.objects.order_by(by_child, "start_date").values_list(
                by_child,
                "start_date",
                "reason_for_new_episode",
                "legal_status",
                "category_of_need",
                "placement_type",
                "placement_provider",
                "end_date",
                "reason_episode_ceased",
                "reason_for_placement_change",
            )
        ),
        "discussions": list(
            StrategyDiscussion.objects.order_by(by_child, "date").values_list(
                by_child, "date", "section_47_enquiry_started"
            )
        ),
        "plans": list(
            ChildProtectionPlan.objects.order_by(by_child, "start_date").values_list(
                by_child,
                "start_date",
                "initial_category_of_abuse",
                "latest_category_of_abuse",
                "end_date",
                "end_reason",
            )
        ),
        "reviews": list(
            Review.objects.order_by(by_child, "kind", "cycle_start", "number", "status").values_list(
                by_child,
                "kind",
                "number",
                "cycle_start",
                "due_date",
                "status",
                "held_on",
                "chair__username",
                "participation_code",
                "late_reason",
                "conference_outcome",
            )
        ),
        "review_actions": list(
            ReviewAction.objects.order_by(
                f"review__{by_child}", "review__kind", "review__number", "review__status", "due_date", "description"
            ).values_list("review__child__local_child_id", "description", "owner_name", "due_date", "completed_on")
        ),
        "allocations": list(
            Allocation.objects.order_by(by_child, "start_date").values_list(
                by_child, "iro__username", "start_date", "end_date"
            )
        ),
        # Ordered by every column dumped, so that rows alike in child and date still compare in order.
        "oversight": ordered(
            OversightRecord,
            by_child,
            "date",
            "kind",
            "rag",
            "tracking",
            "next_check_date",
            "iro__username",
            "review__kind",
            "review__cycle_start",
            "review__number",
        ),
        "in_contact_plans": ordered(
            InContactPlan, by_child, "agreed_on", "method", "every_weeks", "ended_on", "agreed_by__username"
        ),
        "escalations": ordered(
            Escalation,
            by_child,
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
            "reopened_on",
        ),
        "escalation_concerns": ordered(EscalationConcern, f"escalation__{by_child}", "escalation__raised_on", "area"),
        "escalation_steps": ordered(
            EscalationStep,
            f"escalation__{by_child}",
            "escalation__raised_on",
            "stage",
            "addressed_to_name",
            "addressed_to_role",
            "sent_on",
            "response_due",
            "responded_on",
            "response_summary",
        ),
        "consultation_links": ordered(
            ConsultationInvitation,
            f"review__{by_child}",
            "review__kind",
            "review__cycle_start",
            "review__number",
            "purpose",
            "person_type",
            "name",
            "email",
            "delivery",
            "form",
            "created_by__username",
            "created_at",
            "expires_at",
            "opened_at",
            "submitted_at",
            "revoked_at",
            "response__going_well",
            "response__worries",
            "response__feels_safe",
            "response__answers",
            "response__listened_score",
            "response__feedback_text",
        ),
        "safety_alerts": ordered(
            SafetyAlert,
            f"review__{by_child}",
            "reason",
            "matched_words",
            "raised_at",
            "responded_at",
            "responded_by__username",
            "action_taken",
            "escalated_at",
        ),
        "users": list(
            User.objects.order_by("username").values_list("username", "first_name", "last_name", "role", "fte", "team")
        ),
    }


def ordered(model, *columns):
    return list(model.objects.order_by(*columns).values_list(*columns))


def printed_logins(output):
    password = re.search(r"Password for every account: (\S+)", output).group(1)
    header = next(index for index, line in enumerate(output.splitlines()) if line.startswith("Username"))
    rows = [line.split()[0] for line in output.splitlines()[header + 1 :] if line.strip()]
    return password, rows


@pytest.fixture(scope="module")
def larger_authority(django_db_setup, django_db_blocker):
    """A larger authority, so that rarer histories (adoptions, babies, returns to care) occur;
    seeded once for the tests that only read it."""
    with kept_for_the_module(django_db_blocker):
        seed(600, 3)
        yield


@pytest.fixture
def authority(larger_authority, db):
    return list(demo_children())


def is_short_break_series(child):
    return all(episode.legal_status == "V3" for episode in child.episodes.all())


class TestRepeatable:
    def test_the_same_seed_gives_identical_data(self):
        seed(random_seed=7)
        first = canonical_dump()
        seed(random_seed=7)
        assert canonical_dump() == first
        assert len(first["children"]) == 120
        assert len(first["episodes"]) > 120
        assert len(first["reviews"]) > 500 and len(first["review_actions"]) > 1000
        assert len(first["oversight"]) > 1000 and first["in_contact_plans"]
        assert first["escalations"] and first["escalation_concerns"] and first["escalation_steps"]
        assert first["consultation_links"] and first["safety_alerts"]

    def test_a_different_seed_gives_different_data(self):
        seed(random_seed=7)
        first = canonical_dump()
        seed(random_seed=8)
        second = canonical_dump()
        assert second["children"] != first["children"]
        assert second["episodes"] != first["episodes"]
        assert second["oversight"] != first["oversight"] and second["escalations"] != first["escalations"]
        assert second["consultation_links"] != first["consultation_links"]

    def test_running_again_replaces_the_demo_data_and_leaves_other_children_alone(self):
        real_child = ChildFactory(local_child_id="A000001")
        seed()
        models = (
            Child,
            CareEpisode,
            Allocation,
            User,
            Review,
            ReviewAction,
            OversightRecord,
            InContactPlan,
            Escalation,
            EscalationStep,
        )
        counts = [model.objects.count() for model in models]
        seed()
        assert [model.objects.count() for model in models] == counts
        assert Child.objects.filter(pk=real_child.pk).exists()
        assert Child.objects.filter(local_child_id__startswith="DEMO").count() == 120

    def test_keep_existing_keeps_what_users_recorded(self):
        seed(random_seed=7)
        child = Child.objects.get(local_child_id="DEMO000001")
        child.given_name = "Recorded-by-a-user"
        child.save()
        before = canonical_dump()
        output = seed(50, 8, "--keep-existing")
        assert "kept as it is" in output
        assert canonical_dump() == before
        assert printed_logins(output)[1][:3] == ["admin", "manager", "board"]

    def test_keep_existing_seeds_when_there_is_no_demo_data(self):
        seed(30, 7, "--keep-existing")
        assert Child.objects.filter(local_child_id__startswith="DEMO").count() == 30

    def test_a_smaller_run_deactivates_the_demo_iros_it_no_longer_needs(self):
        seed(600)
        assert User.objects.filter(role=Role.IRO, is_active=True).count() > 3
        _, usernames = printed_logins(seed(120))
        active_iros = set(User.objects.filter(role=Role.IRO, is_active=True).values_list("username", flat=True))
        assert active_iros == {"iro1", "iro2", "iro3"}
        assert usernames == ["admin", "manager", "board", "support", "iro1", "iro2", "iro3"]

    def test_bad_options_are_refused(self):
        with pytest.raises(CommandError):
            seed(-1)
        with pytest.raises(CommandError):
            call_command("seed_demo", "--today", "25/11/2025", stdout=StringIO())


class TestValidRecords:
    def test_every_record_passes_the_models_and_services_validation(self):
        seed()
        for episode in CareEpisode.objects.select_related("child"):
            episode.full_clean()
            services.validate_care_episode(episode, today=TODAY)
        for model in (ChildProtectionPlan, StrategyDiscussion, Allocation, Child):
            for record in model.objects.all():
                record.full_clean()

    def test_periods_of_care_follow_the_ssda903_episode_rules(self, authority):
        for child in authority:
            episodes = sorted(child.episodes.all(), key=lambda episode: episode.start_date)
            for episode, following in zip(episodes, episodes[1:] + [None]):
                starts_next_day = following is not None and following.start_date == episode.end_date
                assert (episode.reason_episode_ceased == "X1") == starts_next_day, episode
                assert episode.end_date is None or episode.end_date > episode.start_date, episode
                assert episode.start_date >= child.date_of_birth
                assert episode.start_date <= TODAY and (episode.end_date is None or episode.end_date <= TODAY)
                assert bool(episode.reason_for_placement_change) == (
                    starts_next_day and following.reason_for_new_episode in PLACEMENT_CHANGES
                ), episode
                if episode.placement_type in CODES_DROPPED_BY_2025:  # not in the 2025/26 list
                    assert episode.end_date is not None and episode.end_date < date(2025, 4, 1), episode
                if episode.reason_episode_ceased in ("E11", "E12"):
                    assert episode.placement_type in ("A3", "A4", "A5", "A6")
            for period in periods_of_care(episodes):
                first, *later = period.episodes
                assert first.reason_for_new_episode == "S", first
                assert age_on(child.date_of_birth, period.start_date) < 18
                assert {episode.category_of_need for episode in period.episodes} == {first.category_of_need}
                for previous, episode in zip(period.episodes, later):
                    assert_new_episode_reason_matches_what_changed(previous, episode)

    def test_protection_plans_follow_a_section_47_strategy_discussion_and_never_overlap(self, authority):
        for child in authority:
            plans = sorted(child.protection_plans.all(), key=lambda plan: plan.start_date)
            assert sum(plan.end_date is None for plan in plans) <= 1
            for plan, following in zip(plans, plans[1:]):
                assert plan.end_date is not None and plan.end_date <= following.start_date
            for discussion in child.strategy_discussions.all():
                assert child.date_of_birth <= discussion.date < TODAY
            for plan in plans:
                assert child.date_of_birth <= plan.start_date < TODAY
                assert bool(plan.end_reason) == (plan.end_date is not None)
                assert any(
                    discussion.section_47_enquiry_started
                    and plan.start_date - timedelta(days=30) <= discussion.date <= plan.start_date
                    for discussion in child.strategy_discussions.all()
                ), plan


def assert_new_episode_reason_matches_what_changed(previous, episode):
    """SSDA903 rules 434-436: L means only the legal status changed, P and T only the placement
    (T with the same carers, so the placement type itself changes), B and U both."""
    legal_status_changed = previous.legal_status != episode.legal_status
    placement_unchanged = (previous.placement_type, previous.placement_provider) == (
        episode.placement_type,
        episode.placement_provider,
    )
    reason = episode.reason_for_new_episode
    assert reason in {"L", "P", "T", "B", "U"}, episode
    assert legal_status_changed == (reason in {"L", "B", "U"}), episode
    if reason == "L":
        assert placement_unchanged, episode
    if reason in {"T", "U"}:
        assert previous.placement_type != episode.placement_type, episode
    if episode.placement_type in {"A3", "A5"}:
        assert reason in {"T", "U"}, "rule 217: placed for adoption with the current foster carers"


class TestAllocations:
    def test_children_needing_an_iro_have_exactly_one_current_allocation(self):
        seed()
        current = Counter(Allocation.objects.current(TODAY).values_list("child__local_child_id", flat=True))
        needing_an_iro = [
            child
            for child in demo_children()
            if is_looked_after_on(child.episodes.all(), TODAY)
            or any(plan.end_date is None for plan in child.protection_plans.all())
        ]
        assert len(needing_an_iro) > 30
        for child in needing_an_iro:
            assert current[child.local_child_id] == 1, child
            assert sum(allocation.end_date is None for allocation in child.allocations.all()) == 1

    def test_allocations_never_overlap_and_reallocations_hand_over_on_one_day(self, authority):
        handovers = 0
        for child in authority:
            allocations = sorted(child.allocations.all(), key=lambda allocation: allocation.start_date)
            for allocation in allocations:
                assert allocation.iro.role == Role.IRO and allocation.iro.is_active
            for allocation, following in zip(allocations, allocations[1:]):
                assert allocation.end_date is not None and allocation.end_date <= following.start_date, child
                if allocation.end_date == following.start_date:
                    assert allocation.iro != following.iro
                    handovers += 1
        assert handovers > 0

    def test_when_involvement_has_ended_the_last_allocation_closes_with_it(self, authority):
        ended = 0
        for child in authority:
            episodes = list(child.episodes.all())
            plans = list(child.protection_plans.all())
            if not (episodes or plans) or is_short_break_series(child):
                continue
            if is_looked_after_on(episodes, TODAY) or any(plan.end_date is None for plan in plans):
                continue
            ends = [period.end_date for period in periods_of_care(episodes)] + [plan.end_date for plan in plans]
            last_end = max(ends)
            last_allocation = max(child.allocations.all(), key=lambda allocation: allocation.start_date)
            assert last_allocation.end_date == last_end, child
            ended += 1
        assert ended > 10


class TestDemoAccounts:
    def test_demo_users_sign_in_with_the_printed_password_and_have_their_roles(self):
        password, usernames = printed_logins(seed())
        assert usernames == ["admin", "manager", "board", "support", "iro1", "iro2", "iro3"]
        users = {username: authenticate(username=username, password=password) for username in usernames}
        assert all(users.values())
        admin = users["admin"]
        assert (admin.role, admin.is_staff, admin.is_superuser) == (Role.ADMINISTRATOR, True, True)
        assert users["manager"].role == Role.SERVICE_MANAGER and not users["manager"].is_staff
        assert users["board"].role == Role.BOARD_MEMBER and not users["board"].is_superuser
        assert users["support"].role == Role.BUSINESS_SUPPORT and not users["support"].is_staff
        for username in ("iro1", "iro2", "iro3"):
            assert users[username].role == Role.IRO
            assert str(users[username].fte) in {"1.00", "0.80", "0.60", "0.50"}

    def test_iro1_covers_for_iro2_once_however_often_the_demo_is_seeded(self):
        from accounts.models import CoverArrangement

        seed()
        seed()
        cover = CoverArrangement.objects.get()
        assert (cover.covering_iro.username, cover.covered_iro.username, cover.level) == (
            "iro1",
            "iro2",
            "read_and_record",
        )
        assert cover.starts_on <= TODAY <= cover.ends_on

    def test_seeding_is_recorded_in_the_audit_log(self):
        seed()
        event = AuditEvent.objects.filter(object_type="demo.seed").latest("id")
        assert event.action == "create"
        assert event.detail["seed"] == 7
        assert event.detail["children"] == 120
        assert event.detail["care_episodes"] == CareEpisode.objects.count()


class TestPlausibleAuthority:
    def test_caseloads_per_fte_follow_the_iro_handbook_range(self, authority):
        iros = list(User.objects.filter(role=Role.IRO, is_active=True))
        assert len(iros) >= 3
        assert {str(iro.fte) for iro in iros} >= {"1.00", "0.80", "0.60", "0.50"}
        for sizes in caseload_sizes(iros, TODAY).values():
            assert 40 <= sizes["per_fte"] <= 80, sizes

    def test_staffing_changed_for_some_iros_in_the_last_two_years_with_one_agency_iro(self, authority):
        from reporting.models import OtherActivity
        from reporting.periods import year_to_date
        from staffing.models import StaffingPeriod
        from staffing.selectors import fte_on

        iros = list(User.objects.filter(role=Role.IRO, is_active=True))
        assert all(fte_on(iro, TODAY) == iro.fte for iro in iros)
        changes = StaffingPeriod.objects.filter(
            iro__in=iros, ends_on__isnull=True, starts_on__gt=TODAY - timedelta(days=730)
        )
        assert changes.count() >= 2
        for change in changes:
            assert fte_on(change.iro, change.starts_on - timedelta(days=1)) != change.fte
        assert StaffingPeriod.objects.filter(iro__in=iros, ends_on__isnull=True, agency=True).count() == 1
        last_complete_year = year_to_date(TODAY).start.year - 1
        entered = OtherActivity.objects.filter(year__in=[last_complete_year, last_complete_year - 1])
        assert sorted(entered.values_list("year", flat=True)) == [last_complete_year - 1, last_complete_year]
        assert all(activity.vacancies_fte is not None for activity in entered)

    def test_children_look_like_a_local_authority_in_england(self, authority):
        in_care = [child for child in authority if is_looked_after_on(child.episodes.all(), TODAY)]
        # A steady-state authority: as many periods of care ended in the three years as began,
        # so a little over a third of the children it has known are looked after today.
        assert 0.3 <= len(in_care) / len(authority) <= 0.45
        with_protection = [child for child in authority if child.strategy_discussions.all()]
        assert 0.1 <= len(with_protection) / len(authority) <= 0.25
        assert any(child.protection_plans.all() for child in in_care)
        assert 0.5 <= sum(child.sex == "M" for child in authority) / len(authority) <= 0.62
        assert 0.55 <= sum(child.ethnicity == "WBRI" for child in authority) / len(authority) <= 0.8
        ages = Counter(age_on(child.date_of_birth, TODAY) for child in in_care)
        assert sum(ages[age] for age in range(10, 18)) > sum(ages[age] for age in range(10))
        uasc = [child for child in in_care if child.is_uasc]
        assert uasc and all(age_on(child.date_of_birth, TODAY) >= 14 for child in uasc)
        assert sum(child.sex == "M" for child in uasc) / len(uasc) > 0.8
        current_placements = Counter(
            episode.placement_type for child in in_care for episode in child.episodes.all() if episode.end_date is None
        )
        assert sum(current_placements[code] for code in ("U1", "U2", "U3", "U4", "U5", "U6")) > len(in_care) / 2

    def test_histories_span_the_last_three_years_and_some_start_earlier(self, authority):
        window_start = add_years(TODAY, -3)
        periods = [period for child in authority for period in periods_of_care(child.episodes.all())]
        ended = [period for period in periods if period.end_date is not None]
        assert ended and all(window_start <= period.end_date < TODAY for period in ended)
        assert any(period.start_date < window_start for period in periods)
        assert any(
            len(periods_of_care(child.episodes.all())) > 1 and not is_short_break_series(child) for child in authority
        )

    def test_names_are_synthetic_and_demo_ids_are_recognisable(self, authority):
        given_names = {name for boys, girls, _ in NAMES.values() for name in boys + girls}
        family_names = {name for _, _, families in NAMES.values() for name in families}
        assert [child.local_child_id for child in authority] == [f"DEMO{number:06d}" for number in range(1, 601)]
        assert all(child.given_name in given_names and child.family_name in family_names for child in authority)


class TestTheSsda903Return:
    def test_every_collection_year_exports_without_breaking_a_dfe_rule(self, authority):
        """From 2021/22 to the last completed year, in order, so that each year is also checked
        against the one before (rules 202-204, 502, 503, 562): placement codes of the year
        each episode is open in, MOTHER for every girl looked after, and the rest."""
        manager = User.objects.get(username="manager")
        last = returns.last_completed_collection_year(TODAY)
        for year in range(2022, last + 1):
            result, archive = returns.export_files(year, by=manager, queries_seen=True)
            assert result.problems == [], (year, [str(problem) for problem in result.problems[:20]])
            assert archive is not None and result.counts["header"] > 100
            assert result.checked_against_last_year == (year > 2022)

    def test_girls_looked_after_have_their_motherhood_recorded_and_nobody_else(self, authority):
        mothers = 0
        for child in authority:
            episodes = list(child.episodes.all())
            needs_it = child.sex == "F" and any(episode.legal_status not in ("V3", "V4") for episode in episodes)
            assert (child.is_mother is not None) == needs_it, child
            if child.is_mother:
                mothers += 1
                assert age_on(child.date_of_birth, TODAY) >= 15
                assert add_years(child.date_of_birth, 14) < child.first_child_date_of_birth <= TODAY
            else:
                assert child.first_child_date_of_birth is None
        assert 0 < mothers < 20

    def test_semi_independent_placements_became_supported_accommodation_on_28_april_2024(self, authority):
        registered = 0
        for child in authority:
            episodes = sorted(child.episodes.all(), key=lambda episode: episode.start_date)
            for episode, following in zip(episodes, episodes[1:] + [None]):
                if episode.placement_type == "H5":
                    assert episode.start_date < date(2024, 4, 1) and episode.end_date <= date(2024, 4, 28)
                if episode.placement_type == "K3":
                    assert episode.start_date >= date(2024, 4, 1)
                if episode.placement_type == "H5" and following and following.start_date == date(2024, 4, 28):
                    registered += 1
                    assert (following.placement_type, following.placement_provider) == (
                        "K3",
                        episode.placement_provider,
                    )
                    same_status = following.legal_status == episode.legal_status  # else both changed that day
                    assert (following.reason_for_new_episode, episode.reason_for_placement_change) == (
                        "T" if same_status else "U",
                        "PLACE",
                    )
        assert registered > 0


@pytest.mark.django_db
def test_a_tiny_authority_seeds_and_stops():
    """Three children cannot have every kind of open escalation the seed aims for; it gives up
    on the rest instead of looking for a free child for ever."""
    call_command("seed_demo", "--children", "3", "--seed", "1", "--today", "2026-11-11", stdout=StringIO())
    assert Child.objects.filter(local_child_id__startswith="DEMO").count() == 3


def replied_share(links):
    return sum(link.submitted_at is not None for link in links) / len(links)


class TestConsultations:
    def test_most_recent_and_upcoming_reviews_have_links_and_children_reply_more_than_parents(self, authority):
        links = list(ConsultationInvitation.objects.filter(purpose=Purpose.CONSULTATION).select_related("review"))
        for link in links:
            assert TODAY - timedelta(days=PAST_DAYS) <= review_day(link.review) <= TODAY + timedelta(days=UPCOMING_DAYS)
        reviews = {link.review_id for link in links}
        recent_lac = Review.objects.filter(
            kind=ReviewKind.LAC, status=ReviewStatus.HELD, held_on__gte=TODAY - timedelta(days=PAST_DAYS)
        )
        assert 0.55 <= recent_lac.filter(pk__in=reviews).count() / recent_lac.count() <= 0.85
        assert {link.review.kind for link in links} == {ReviewKind.LAC, ReviewKind.ICPC, ReviewKind.RCPC}
        by_type = {kind: [link for link in links if link.person_type == kind] for kind in PersonType.values}
        assert 0.55 <= replied_share(by_type[PersonType.CHILD]) <= 0.75
        assert 0.2 <= replied_share(by_type[PersonType.PARENT]) < replied_share(by_type[PersonType.CHILD])
        assert by_type[PersonType.CARER] and by_type[PersonType.SOCIAL_WORKER]
        assert {link.delivery for link in by_type[PersonType.CHILD]} == {"email", "shown"}

    def test_a_reply_marks_its_link_when_it_came_and_comes_before_the_review(self, authority):
        links = ConsultationInvitation.objects.select_related("review__child", "response")
        assert ConsultationResponse.objects.count() == links.filter(submitted_at__isnull=False).count()
        for link in links:
            response = getattr(link, "response", None)
            assert (response is None) == (link.submitted_at is None), link.pk
            assert link.created_at <= link.expires_at and link.token_hash
            if response is not None:
                assert response.submitted_at == link.submitted_at
                assert link.created_at < link.opened_at <= link.submitted_at <= link.expires_at
            if link.purpose == Purpose.CONSULTATION and link.review.held_on and response is not None:
                assert timezone.localdate(link.submitted_at) <= link.review.held_on
            if link.person_type == PersonType.CHILD:
                age = age_on(link.review.child.date_of_birth, review_day(link.review))
                assert link.form == child_form_for_age(age)

    def test_links_are_open_answered_withdrawn_or_expired_as_their_review_stands(self, authority):
        links = ConsultationInvitation.objects.select_related("review")
        states = Counter(link_state(link, now=demo_now(TODAY)) for link in links)
        assert {LinkState.OPEN, LinkState.ANSWERED, LinkState.REVOKED, LinkState.EXPIRED} <= states.keys()
        for link in links.filter(review__status=ReviewStatus.HELD, purpose=Purpose.CONSULTATION):
            assert link_state(link) != LinkState.OPEN

    def test_feedback_after_a_held_review_follows_the_same_person_with_how_well_they_were_listened_to(self, authority):
        feedback = list(
            ConsultationInvitation.objects.filter(purpose=Purpose.FEEDBACK).select_related("review", "follows")
        )
        assert feedback
        for link in feedback:
            assert link.review.status == ReviewStatus.HELD and link.follows.review_id == link.review_id
            assert link.follows.person_type == link.person_type
            assert timezone.localdate(link.created_at) > link.review.held_on
        scores = list(
            ConsultationResponse.objects.filter(invitation__purpose=Purpose.FEEDBACK).values_list(
                "listened_score", flat=True
            )
        )
        assert scores and set(scores) <= {1, 2, 3, 4, 5} and len(set(scores)) >= 3

    def test_only_the_replies_that_need_one_raise_a_safety_alert(self, authority):
        responses = ConsultationResponse.objects.select_related("invitation", "safety_alert")
        for response in responses:
            matched = matched_phrases((text for _, text in reply_texts(response)), STARTER_PHRASES)
            alert = getattr(response, "safety_alert", None)
            assert (alert is not None) == (response.feels_safe is False or bool(matched)), response.pk
            if alert is not None:
                assert alert.reason == (
                    AlertReason.FEELS_UNSAFE if response.feels_safe is False else AlertReason.WATCHED_WORDS
                )
                assert alert.raised_at == response.submitted_at
        assert SafetyAlert.objects.filter(reason=AlertReason.FEELS_UNSAFE).exists()

    def test_most_alerts_were_answered_within_hours_and_one_still_open_was_passed_to_the_managers(self, authority):
        alerts = list(SafetyAlert.objects.all())
        answered = [alert for alert in alerts if alert.responded_at is not None]
        open_alerts = [alert for alert in alerts if alert.responded_at is None]
        assert 1 <= len(open_alerts) <= 2 and len(answered) > len(open_alerts)
        assert all(alert.responded_at - alert.raised_at <= timedelta(hours=8) for alert in answered)
        assert all(alert.action_taken and alert.responded_by_id for alert in answered)
        assert [alert.escalated_at is not None for alert in open_alerts].count(True) == 1

    def test_alerts_were_raised_through_the_service_that_tells_people(self, authority):
        told = set(
            Notification.objects.filter(subject_type=SubjectType.SAFETY_ALERT).values_list("subject_id", flat=True)
        )
        assert told == set(SafetyAlert.objects.values_list("pk", flat=True))
