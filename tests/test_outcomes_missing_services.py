"""The services that record a child's missing and away episodes, decisions that they should be
placed for adoption, adoptions and previous permanence: the DfE's rules for one child refuse
with a message and save nothing; stale changes are refused; every write is in the audit log."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from iro_portal.locking import ChangedByAnotherUser
from outcomes import adoption_services, missing_services, record_rules
from outcomes.models import Adoption, AdoptionDecision, MissingEpisode, PreviousPermanence
from tests.conftest import in_care
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 1, 15)
D = datetime.date


@pytest.fixture
def child():
    child = ChildFactory(given_name="Robin", family_name="Example", date_of_birth=D(2015, 6, 1))
    in_care(child, D(2024, 1, 10))
    return child


def refused(call, *args, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return " ".join(error.value.messages)


def missing(child, manager, start, end=None, kind="M"):
    return missing_services.record_missing_episode(
        child, kind=kind, start_date=start, end_date=end, by=manager, today=TODAY
    )


class TestMissingEpisodes:
    def test_an_episode_is_recorded_ended_when_the_child_comes_back_and_audited(self, child, manager):
        episode = missing(child, manager, D(2025, 3, 1))
        assert episode.end_date is None
        episode = missing_services.record_came_back(
            episode, end_date=D(2025, 3, 2), by=manager, expected_version=1, today=TODAY
        )
        assert (episode.end_date, episode.version) == (D(2025, 3, 2), 2)
        actions = AuditEvent.objects.filter(object_type="outcomes.missingepisode", child_id=child.pk)
        assert sorted(actions.values_list("action", flat=True)) == ["create", "update"]

    def test_a_second_open_episode_is_refused_574(self, child, manager):
        missing(child, manager, D(2025, 3, 1))
        message = refused(missing, child, manager, D(2025, 4, 1))
        assert "has not come back" in message
        assert MissingEpisode.objects.filter(child=child).count() == 1

    def test_overlapping_episodes_are_refused_but_one_may_start_the_day_another_ended_574(self, child, manager):
        missing(child, manager, D(2025, 3, 1), D(2025, 3, 5))
        assert "overlaps the one from 1 March 2025" in refused(missing, child, manager, D(2025, 3, 4), D(2025, 3, 6))
        assert "overlaps" in refused(missing, child, manager, D(2025, 2, 1), D(2025, 3, 9))
        missing(child, manager, D(2025, 3, 5), D(2025, 3, 6), kind="A")
        assert MissingEpisode.objects.filter(child=child).count() == 2

    def test_an_open_episode_cannot_start_before_a_later_one_ended_574(self, child, manager):
        missing(child, manager, D(2025, 3, 1), D(2025, 3, 5))
        assert "would still be open" in refused(missing, child, manager, D(2025, 2, 1))

    def test_before_birth_outside_care_backwards_or_in_the_future_is_refused(self, child, manager):
        assert "after their date of birth" in refused(missing, child, manager, D(2015, 6, 1))
        assert "was not looked after on 9 January 2024" in refused(missing, child, manager, D(2024, 1, 9))
        assert "same as or after the date they went missing" in refused(
            missing, child, manager, D(2025, 3, 2), D(2025, 3, 1)
        )
        assert "today or in the past" in refused(missing, child, manager, TODAY + datetime.timedelta(days=1))
        assert not MissingEpisode.objects.exists()

    def test_a_stale_change_is_refused_and_nothing_changes(self, child, manager, business_support):
        episode = missing(child, manager, D(2025, 3, 1))
        missing_services.change_missing_episode(episode, by=business_support, expected_version=1, today=TODAY, kind="A")
        with pytest.raises(ChangedByAnotherUser):
            missing_services.record_came_back(
                episode, end_date=D(2025, 3, 3), by=manager, expected_version=1, today=TODAY
            )
        episode.refresh_from_db()
        assert (episode.kind, episode.end_date, episode.version) == ("A", None, 2)

    def test_an_episode_recorded_in_error_is_deleted_and_the_log_keeps_it(self, child, manager):
        episode = missing(child, manager, D(2025, 3, 1))
        missing_services.delete_missing_episode(episode, by=manager, expected_version=1)
        assert not MissingEpisode.objects.exists()
        assert AuditEvent.objects.filter(action="delete", object_type="outcomes.missingepisode").exists()


def decide(child, manager, on):
    return adoption_services.record_adoption_decision(child, decided_on=on, by=manager, today=TODAY)


class TestAdoptionDecisions:
    def test_a_decision_is_recorded_and_reversed_with_a_date_and_reason(self, child, manager):
        decision = decide(child, manager, D(2024, 6, 1))
        decision = adoption_services.reverse_adoption_decision(
            decision, ceased_on=D(2024, 9, 1), reason_ceased="RD3", by=manager, expected_version=1, today=TODAY
        )
        assert (decision.ceased_on, decision.reason_ceased, decision.version) == (D(2024, 9, 1), "RD3", 2)
        assert AuditEvent.objects.filter(object_type="outcomes.adoptiondecision").count() == 2

    def test_before_birth_or_before_care_is_refused_184_1003(self, manager):
        child = ChildFactory(date_of_birth=D(2020, 1, 1))
        assert "record their care episode first" in refused(decide, child, manager, D(2024, 1, 1))
        in_care(child, D(2024, 1, 10))
        assert "before the child's date of birth" in refused(decide, child, manager, D(2019, 1, 1))
        assert "started to be looked after (10 January 2024)" in refused(decide, child, manager, D(2024, 1, 9))
        assert not AdoptionDecision.objects.exists()

    def test_no_new_decision_while_an_earlier_one_stands_or_before_it_was_reversed_579_583(self, child, manager):
        first = decide(child, manager, D(2024, 6, 1))
        assert "still stands" in refused(decide, child, manager, D(2024, 10, 1))
        adoption_services.reverse_adoption_decision(
            first, ceased_on=D(2024, 9, 1), reason_ceased="RD1", by=manager, expected_version=1, today=TODAY
        )
        assert "was reversed on 1 September 2024" in refused(decide, child, manager, D(2024, 8, 1))
        decide(child, manager, D(2024, 9, 1))
        assert AdoptionDecision.objects.filter(child=child).count() == 2

    def test_reversing_needs_a_reason_and_a_date_not_before_the_decision(self, child, manager):
        decision = decide(child, manager, D(2024, 6, 1))
        reverse = adoption_services.reverse_adoption_decision
        assert "Choose why" in refused(
            reverse, decision, ceased_on=D(2024, 9, 1), reason_ceased="", by=manager, expected_version=1, today=TODAY
        )
        assert "before it was made" in refused(
            reverse, decision, ceased_on=D(2024, 5, 1), reason_ceased="RD4", by=manager, expected_version=1, today=TODAY
        )
        decision.refresh_from_db()
        assert (decision.ceased_on, decision.version) == (None, 1)


def adoption_details(**changes):
    return {
        "decided_on": D(2024, 6, 1),
        "matched_on": D(2024, 11, 1),
        "by_former_foster_carers": False,
        "number_of_adopters": 2,
        "adopters_sex": "MF",
        "adopters_legal_status": "L11",
        **changes,
    }


def adopt(child, manager, **changes):
    return adoption_services.record_adoption(child, by=manager, today=TODAY, **adoption_details(**changes))


class TestAdoptions:
    def test_an_adoption_is_recorded_and_changed(self, child, manager):
        adoption = adopt(child, manager)
        adoption = adoption_services.change_adoption(
            adoption, by=manager, expected_version=1, today=TODAY, by_former_foster_carers=True
        )
        assert adoption.by_former_foster_carers is True and adoption.version == 2

    @pytest.mark.parametrize(
        ("number", "sex", "status", "rule"),
        [
            (2, "M1", "L2", "511"),
            (1, "MF", "L0", "one adopter"),
            (1, "F1", "L11", "520"),
            (2, "MM", "L3", "517"),
            (2, "FF", "L11", "520"),
            (2, "MF", "L12", "524"),
            (2, "MF", "L4", "518"),
        ],
    )
    def test_adopters_sex_and_legal_status_must_agree(self, child, manager, number, sex, status, rule):
        message = refused(
            adopt, child, manager, number_of_adopters=number, adopters_sex=sex, adopters_legal_status=status
        )
        assert "adopter" in message
        assert not Adoption.objects.exists()

    def test_every_detail_is_needed_151_and_the_match_follows_the_decision_333(self, child, manager):
        assert "the DfE needs every adoption detail" in refused(adopt, child, manager, by_former_foster_carers=None)
        assert "on or after the decision" in refused(adopt, child, manager, matched_on=D(2024, 5, 1))

    def test_the_decision_is_not_before_the_latest_period_of_care_334(self, manager):
        child = ChildFactory(date_of_birth=D(2020, 1, 1))
        in_care(child, D(2021, 1, 10), D(2022, 1, 10))
        in_care(child, D(2024, 1, 10))
        assert "latest period of care (10 January 2024)" in refused(adopt, child, manager, decided_on=D(2023, 6, 1))


def permanence(child, manager, version=0, **fields):
    return adoption_services.record_previous_permanence(
        child, by=manager, expected_version=version, today=TODAY, **fields
    )


class TestPreviousPermanence:
    def test_recorded_then_changed_with_zz_for_unknown_parts(self, child, manager):
        permanence(child, manager, order="P2", arranged_by="822", order_date="ZZ/ZZ/2019")
        record = permanence(child, manager, version=1, order="P1", arranged_by="sco", order_date="ZZ/03/2018")
        assert (record.order, record.arranged_by, record.order_date, record.version) == ("P1", "SCO", "ZZ/03/2018", 2)

    def test_the_order_must_be_before_care_632_with_unknown_parts_read_as_their_latest(self, child, manager):
        assert "before the child first started" in refused(
            permanence, child, manager, order="P1", order_date="ZZ/01/2024"
        )
        assert "DD/MM/YYYY" in refused(permanence, child, manager, order="P1", order_date="31/02/2019")
        assert not PreviousPermanence.objects.exists()

    def test_la_code_633_and_order_rules_634_635(self, child, manager):
        assert "three-digit DfE number" in refused(permanence, child, manager, order="P1", arranged_by="123")
        assert "Choose the order" in refused(permanence, child, manager, order="", arranged_by="822")
        assert "no previous permanence" in refused(permanence, child, manager, order="Z1", arranged_by="822")

    def test_a_stale_version_is_refused(self, child, manager):
        permanence(child, manager, order="Z1")
        with pytest.raises(ChangedByAnotherUser):
            permanence(child, manager, version=0, order="P1")
        assert PreviousPermanence.objects.get().order == "Z1"

    def test_the_order_date_reads_zz_as_the_dfe_validator_does(self):
        read = record_rules.read_permanence_date
        assert read("ZZ/02/2024") == D(2024, 2, 29)
        assert read("ZZ/ZZ/2019") == D(2019, 12, 31)
        assert read("05/ZZ/2015") == D(2016, 1, 4)
        assert read("2019-01-01") is None
