"""Rules on children's records: each broken rule gives a clear message and saves nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from children import services
from children.models import Allocation, CareEpisode, Child
from tests.conftest import postgresql_only
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, IroFactory

D = datetime.date


def episode_fields(**overrides):
    fields = dict(
        start_date=D(2024, 1, 10),
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    fields.update(overrides)
    return fields


@pytest.mark.django_db
class TestChild:
    def test_duplicate_local_child_id_is_refused_with_a_message(self, manager):
        services.create_child(
            by=manager,
            local_child_id="A123",
            given_name="Jo",
            family_name="One",
            date_of_birth=D(2012, 1, 1),
            sex="F",
            ethnicity="WBRI",
        )
        with pytest.raises(ValidationError) as error:
            services.create_child(
                by=manager,
                local_child_id="a123",
                given_name="Al",
                family_name="Two",
                date_of_birth=D(2013, 1, 1),
                sex="M",
                ethnicity="WBRI",
            )
        assert "A child with local child ID a123 already exists." in error.value.messages
        assert Child.objects.count() == 1

    def test_database_refuses_a_duplicate_id_even_without_the_service(self):
        ChildFactory(local_child_id="B1")
        with pytest.raises(IntegrityError), transaction.atomic():
            ChildFactory(local_child_id="B1")

    def test_database_refuses_codes_outside_the_dfe_lists(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChildFactory(ethnicity="XXXX")
        with pytest.raises(IntegrityError), transaction.atomic():
            ChildFactory(sex="1")


@pytest.mark.django_db
class TestCareEpisodes:
    def test_an_episode_is_saved_and_audited(self, manager):
        child = ChildFactory()
        episode = services.record_care_episode(child, by=manager, **episode_fields())
        assert episode.pk
        event = AuditEvent.objects.get(object_type="children.careepisode")
        assert (event.action, event.user, event.child_id) == ("create", manager, child.pk)

    def test_overlapping_episodes_are_refused_and_nothing_is_saved(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 6, 1), reason_episode_ceased="E4A")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(start_date=D(2024, 3, 1)))
        assert "overlaps the episode from 10 January 2024 to 1 June 2024" in error.value.messages[0]
        assert CareEpisode.objects.filter(child=child).count() == 1
        assert AuditEvent.objects.filter(object_type="children.careepisode").count() == 1

    def test_a_new_episode_before_an_open_one_is_refused(self, manager):
        child = ChildFactory()
        services.record_care_episode(child, by=manager, **episode_fields(start_date=D(2024, 5, 1)))
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child,
                by=manager,
                **episode_fields(start_date=D(2024, 1, 1), end_date=D(2024, 6, 1), reason_episode_ceased="E8"),
            )
        assert "still open" in error.value.messages[0]

    def test_contiguous_episodes_are_allowed(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child,
            by=manager,
            **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="X1", reason_for_placement_change="CARPL"),
        )
        services.record_care_episode(
            child,
            by=manager,
            **episode_fields(start_date=D(2024, 3, 1), reason_for_new_episode="P", placement_type="U4"),
        )
        assert CareEpisode.objects.filter(child=child).count() == 2

    def test_a_period_of_care_starts_with_reason_s(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(reason_for_new_episode="L"))
        assert "begins a new period of care: the reason must be S" in error.value.messages[0]
        assert not CareEpisode.objects.exists()

    def test_a_continuing_episode_cannot_have_reason_s(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="X1")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(start_date=D(2024, 3, 1)))
        assert "continues that period of care" in error.value.messages[0]
        assert CareEpisode.objects.count() == 1

    def test_continuing_after_the_child_left_care_is_refused(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="E4A")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child,
                by=manager,
                **episode_fields(start_date=D(2024, 3, 1), reason_for_new_episode="L", legal_status="C1"),
            )
        assert "needs that one to end with X1" in error.value.messages[0]

    def test_category_of_need_stays_the_same_through_a_period(self, manager):
        child = ChildFactory()
        services.record_care_episode(
            child, by=manager, **episode_fields(end_date=D(2024, 3, 1), reason_episode_ceased="X1")
        )
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child,
                by=manager,
                **episode_fields(
                    start_date=D(2024, 3, 1), reason_for_new_episode="L", legal_status="C1", category_of_need="N4"
                ),
            )
        assert error.value.message_dict["category_of_need"] == [
            "The category of need stays the same for the whole period of care (Abuse or neglect)."
        ]

    def test_a_child_cannot_start_care_at_eighteen(self, manager):
        child = ChildFactory(date_of_birth=D(2006, 1, 10))
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields())
        assert error.value.message_dict["start_date"] == ["A child cannot start to be looked after at 18 or over."]

    def test_end_before_start_is_refused(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child, by=manager, **episode_fields(end_date=D(2024, 1, 1), reason_episode_ceased="E8")
            )
        assert error.value.message_dict["end_date"] == [
            "The date the episode ceased must be after the date it commenced (an episode lasts at least a day)."
        ]
        assert not CareEpisode.objects.exists()

    def test_an_episode_ending_the_day_it_starts_is_refused(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child, by=manager, **episode_fields(end_date=D(2024, 1, 10), reason_episode_ceased="E8")
            )
        assert "end_date" in error.value.message_dict
        assert not CareEpisode.objects.exists()

    def test_end_date_without_reason_is_refused(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(child, by=manager, **episode_fields(end_date=D(2024, 2, 1)))
        assert "reason_episode_ceased" in error.value.message_dict

    def test_provider_must_be_blank_for_temporary_placements(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            services.record_care_episode(
                child, by=manager, **episode_fields(placement_type="T1", placement_provider="PR1")
            )
        assert "placement_provider" in error.value.message_dict

    def test_database_refuses_bad_end_dates_without_the_service(self):
        child = ChildFactory()
        CareEpisodeFactory(child=child, end_date=D(2024, 6, 1), reason_episode_ceased="E8")
        with pytest.raises(IntegrityError), transaction.atomic():
            CareEpisodeFactory(
                child=child, start_date=D(2024, 7, 1), end_date=D(2024, 6, 30), reason_episode_ceased="E8"
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            CareEpisodeFactory(child=child, start_date=D(2024, 8, 1), end_date=D(2024, 9, 1), reason_episode_ceased="")

    @postgresql_only
    def test_postgresql_refuses_overlapping_episodes_written_directly(self):
        child = ChildFactory()
        CareEpisodeFactory(child=child, end_date=D(2024, 6, 1), reason_episode_ceased="E8")
        with pytest.raises(IntegrityError), transaction.atomic():
            CareEpisodeFactory(
                child=child, start_date=D(2024, 3, 1), end_date=D(2024, 4, 1), reason_episode_ceased="E8"
            )


@pytest.mark.django_db
class TestAllocations:
    def test_reallocation_closes_the_old_allocation_and_opens_the_new(
        self, manager, iro, other_iro, looked_after_child
    ):
        services.allocate_iro(looked_after_child, iro=other_iro, start_date=D(2025, 2, 3), by=manager)
        old, new = Allocation.objects.filter(child=looked_after_child).order_by("start_date")
        assert (old.iro, old.end_date) == (iro, D(2025, 2, 3))
        assert (new.iro, new.end_date) == (other_iro, None)
        assert AuditEvent.objects.filter(object_type="children.allocation").count() == 2

    def test_allocating_the_same_iro_again_is_refused(self, manager, iro, looked_after_child):
        with pytest.raises(ValidationError) as error:
            services.allocate_iro(looked_after_child, iro=iro, start_date=D(2025, 1, 1), by=manager)
        assert "already this child's IRO" in error.value.messages[0]
        assert Allocation.objects.filter(child=looked_after_child).count() == 1

    def test_reallocation_dated_before_the_current_one_changes_nothing(
        self, manager, iro, other_iro, looked_after_child
    ):
        with pytest.raises(ValidationError) as error:
            services.allocate_iro(looked_after_child, iro=other_iro, start_date=D(2023, 1, 1), by=manager)
        assert "must start on or after 10 January 2024" in error.value.messages[0]
        allocation = Allocation.objects.get(child=looked_after_child)
        assert (allocation.iro, allocation.end_date) == (iro, None)
        assert not AuditEvent.objects.filter(object_type="children.allocation").exists()

    def test_only_an_iro_can_be_allocated(self, manager, looked_after_child):
        with pytest.raises(ValidationError) as error:
            services.allocate_iro(looked_after_child, iro=manager, start_date=D(2025, 1, 1), by=manager)
        assert error.value.message_dict["iro"] == ["Choose an active Independent Reviewing Officer."]

    def test_database_refuses_two_open_allocations(self):
        child = ChildFactory()
        AllocationFactory(child=child)
        with pytest.raises(IntegrityError), transaction.atomic():
            AllocationFactory(child=child, iro=IroFactory(), start_date=D(2025, 1, 1))


@pytest.mark.django_db
class TestProtectionPlans:
    def test_second_open_plan_is_refused(self, manager):
        child = ChildFactory()
        services.start_protection_plan(child, by=manager, start_date=D(2024, 3, 1), initial_category_of_abuse="NEG")
        with pytest.raises(ValidationError) as error:
            services.start_protection_plan(child, by=manager, start_date=D(2024, 4, 1), initial_category_of_abuse="EMO")
        assert "already has an open child protection plan" in error.value.messages[0]
        assert child.protection_plans.count() == 1

    def test_plan_before_birth_is_refused(self, manager):
        child = ChildFactory(date_of_birth=D(2024, 5, 1))
        with pytest.raises(ValidationError):
            services.start_protection_plan(child, by=manager, start_date=D(2024, 4, 1), initial_category_of_abuse="NEG")
        assert not child.protection_plans.exists()

    def test_ending_a_plan_before_it_started_is_refused(self, manager):
        child = ChildFactory()
        plan = services.start_protection_plan(
            child, by=manager, start_date=D(2024, 3, 1), initial_category_of_abuse="NEG"
        )
        with pytest.raises(ValidationError):
            services.end_protection_plan(plan, by=manager, end_date=D(2024, 2, 1), end_reason="no_longer_at_risk")
        plan.refresh_from_db()
        assert plan.end_date is None

    def test_strategy_discussion_twice_on_one_day_is_refused(self, manager):
        child = ChildFactory()
        services.record_strategy_discussion(child, by=manager, date=D(2024, 2, 1), section_47_enquiry_started=True)
        with pytest.raises(ValidationError):
            services.record_strategy_discussion(child, by=manager, date=D(2024, 2, 1), section_47_enquiry_started=False)
        assert child.strategy_discussions.count() == 1
