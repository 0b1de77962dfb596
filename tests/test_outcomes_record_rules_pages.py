"""The DfE's rules on one outcome record that look at the child's episodes of care: the pages
refuse what the 903 return would refuse (the same rule, in outcomes.record_rules, decides both)
and save nothing. A care leaver who died in care or whose care another authority took over
(1000, 1011); a missing episode left open after its episode of care ended (575); an adoption
matched after the child's adoption placement began, decided after it (331, 521), or by foster
carers the placement says were not theirs (335); a decision that the child should be placed
for adoption made after they were placed (552), or made or reversed after they left care (117)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from outcomes import adoption_services
from outcomes.models import Adoption, AdoptionDecision, CareLeaverRecord, MissingEpisode
from outcomes.years import last_completed_year
from tests.conftest import in_care, sign_in
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
YEAR = last_completed_year(timezone.localdate())


def days_ago(days):
    return TODAY() - datetime.timedelta(days=days)


def date_fields(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def care_leaver(reason_ceased):
    """A young person of 19 at 31 March whose care ended, with `reason_ceased`, the year before."""
    child = ChildFactory(date_of_birth=datetime.date(YEAR - 20, 6, 1))
    in_care(child, datetime.date(YEAR - 4, 1, 10), datetime.date(YEAR - 1, 2, 1), reason_episode_ceased=reason_ceased)
    return child


class TestCareLeaverAgainstCare:
    @pytest.mark.parametrize(
        ("reason_ceased", "words"),
        [("E2", "died while looked after"), ("E3", "taken over by another authority")],
    )
    def test_no_status_for_a_young_person_who_died_in_care_or_whose_care_was_taken_over(
        self, client, manager, reason_ceased, words
    ):
        child = care_leaver(reason_ceased)
        sign_in(client, manager)
        url = reverse("health:record_care_leaver", args=[child.pk, YEAR])
        response = client.post(url, {"in_touch": "NO", "activity": "0", "accommodation_type": "0", "confirmed": "yes"})
        assert response.status_code == 400 and words in response.content.decode()
        assert not CareLeaverRecord.objects.exists()

    def test_a_young_person_who_went_home_has_a_status(self, client, manager):
        child = care_leaver("E4A")
        sign_in(client, manager)
        url = reverse("health:record_care_leaver", args=[child.pk, YEAR])
        response = client.post(url, {"in_touch": "NO", "activity": "0", "accommodation_type": "0", "confirmed": "yes"})
        assert response.status_code == 302
        assert CareLeaverRecord.objects.get(child=child).in_touch == "NO"


class TestMissingAgainstCare:
    def test_an_episode_from_a_placement_that_has_ended_needs_the_day_the_child_came_back(self, client, manager):
        child = ChildFactory(date_of_birth=datetime.date(2012, 6, 1))
        in_care(child, days_ago(400), days_ago(10))
        sign_in(client, manager)
        url = reverse("missing:add_episode", args=[child.pk])
        response = client.post(url, {"kind": "M", **date_fields("start_date", days_ago(20)), "confirmed": "yes"})
        assert response.status_code == 400
        assert f"ended on {days_ago(10).day} " in response.content.decode()
        assert "enter the date they came back" in response.content.decode()
        assert not MissingEpisode.objects.exists()
        answers = {
            "kind": "M",
            **date_fields("start_date", days_ago(20)),
            **date_fields("end_date", days_ago(15)),
            "confirmed": "yes",
        }
        assert client.post(url, answers).status_code == 302
        assert MissingEpisode.objects.get(child=child).end_date == days_ago(15)


@pytest.fixture
def adopted():
    """A child looked after from 400 days ago, placed for adoption (not with their foster carers)
    150 days ago, adopted 10 days ago."""
    child = ChildFactory(date_of_birth=datetime.date(2019, 6, 1))
    in_care(child, days_ago(400), days_ago(150), reason_episode_ceased="X1")
    in_care(
        child,
        days_ago(150),
        days_ago(10),
        reason_for_new_episode="P",
        placement_type="A4",
        reason_episode_ceased="E11",
    )
    return child


class TestAdoptionAgainstCare:
    def answers(self, **changes):
        return {
            **date_fields("decided_on", days_ago(300)),
            **date_fields("matched_on", days_ago(200)),
            "by_former_foster_carers": "no",
            "number_of_adopters": "2",
            "adopters_sex": "MF",
            "adopters_legal_status": "L11",
            "version": 0,
            **changes,
        }

    def test_the_match_and_foster_carers_agree_with_the_adoption_placement(self, client, business_support, adopted):
        sign_in(client, business_support)
        url = reverse("missing:add_adoption", args=[adopted.pk])
        late = client.post(url, self.answers(**date_fields("matched_on", days_ago(100))))
        assert late.status_code == 400 and "ended in their adoption began" in late.content.decode()
        foster_carers = client.post(url, self.answers(by_former_foster_carers="yes"))
        assert foster_carers.status_code == 400 and "make this answer agree" in foster_carers.content.decode()
        assert not Adoption.objects.exists()
        assert client.post(url, self.answers()).status_code == 302
        assert Adoption.objects.get(child=adopted).matched_on == days_ago(200)

    def test_the_decision_is_not_after_the_child_was_placed_for_adoption(self, manager, adopted):
        with pytest.raises(ValidationError, match="after the child was placed for adoption") as refused:
            adoption_services.record_adoption(
                adopted,
                by=manager,
                today=TODAY(),
                decided_on=days_ago(140),
                matched_on=days_ago(130),
                by_former_foster_carers=False,
                number_of_adopters=2,
                adopters_sex="MF",
                adopters_legal_status="L11",
            )
        assert "decided_on" in refused.value.message_dict
        assert not Adoption.objects.exists()


class TestDecisionsAgainstCare:
    def test_a_decision_is_not_made_after_the_child_was_placed_for_adoption(self, client, manager, adopted):
        sign_in(client, manager)
        url = reverse("missing:add_decision", args=[adopted.pk])
        response = client.post(url, date_fields("decided_on", days_ago(100)))
        assert response.status_code == 400 and "after the child was placed for adoption" in response.content.decode()
        assert not AdoptionDecision.objects.exists()
        assert client.post(url, date_fields("decided_on", days_ago(300))).status_code == 302

    def test_a_decision_and_its_reversal_are_not_dated_after_the_child_left_care(self, client, manager):
        child = ChildFactory(date_of_birth=datetime.date(2019, 6, 1))
        in_care(child, days_ago(400), days_ago(50))
        sign_in(client, manager)
        url = reverse("missing:add_decision", args=[child.pk])
        response = client.post(url, date_fields("decided_on", days_ago(30)))
        assert response.status_code == 400 and "after the child left care" in response.content.decode()
        assert not AdoptionDecision.objects.exists()
        assert client.post(url, date_fields("decided_on", days_ago(100))).status_code == 302
        decision = AdoptionDecision.objects.get(child=child)
        reverse_url = reverse("missing:reverse_decision", args=[decision.pk])
        answers = {"reason_ceased": "RD1", "version": 1, "confirmed": "yes"}
        late = client.post(reverse_url, {**answers, **date_fields("ceased_on", days_ago(20))})
        assert late.status_code == 400 and "after the child left care" in late.content.decode()
        assert AdoptionDecision.objects.get().ceased_on is None
        assert client.post(reverse_url, {**answers, **date_fields("ceased_on", days_ago(60))}).status_code == 302
        assert AdoptionDecision.objects.get().ceased_on == days_ago(60)
