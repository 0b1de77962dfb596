"""The pages recording missing and away episodes, adoption decisions, adoptions and previous
permanence, and the child page's sections showing them: business support and managers enter,
IROs read, a stale change is refused clearly and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from iro_portal.locking import RECORD_CHANGED_MESSAGE
from outcomes import adoption_services, missing_services
from outcomes.models import Adoption, AdoptionDecision, MissingEpisode, PreviousPermanence
from tests.api_helpers import queries_for
from tests.conftest import in_care, sign_in
from tests.factories import AllocationFactory, ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def date_fields(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def days_ago(days):
    return TODAY() - datetime.timedelta(days=days)


@pytest.fixture
def child(iro):
    child = ChildFactory(given_name="Robin", family_name="Example", date_of_birth=datetime.date(2015, 6, 1))
    in_care(child, days_ago(400))
    AllocationFactory(child=child, iro=iro, start_date=days_ago(400))
    return child


def child_page(client, child):
    return client.get(reverse("children:detail", args=[child.pk])).content.decode()


class TestMissingEpisodePages:
    def test_business_support_records_an_episode_then_that_the_child_came_back(self, client, business_support, child):
        sign_in(client, business_support)
        response = client.post(
            reverse("missing:add_episode", args=[child.pk]), {"kind": "M", **date_fields("start_date", days_ago(3))}
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#missing")
        episode = MissingEpisode.objects.get(child=child)
        page = child_page(client, child)
        assert "Not back yet" in page and "1 episode started since" in page

        url = reverse("missing:came_back", args=[episode.pk])
        answers = {**date_fields("end_date", days_ago(1)), "version": 1}
        check = client.post(url, answers)
        assert check.status_code == 200 and "Check before you record that the child came back" in check.content.decode()
        assert MissingEpisode.objects.get().end_date is None
        response = client.post(url, {**answers, "confirmed": "yes"})
        assert response.status_code == 302
        assert MissingEpisode.objects.get().end_date == days_ago(1)
        assert "Not back yet" not in child_page(client, child)

    def test_a_refused_episode_shows_the_error_summary_and_saves_nothing(self, client, manager, child):
        sign_in(client, manager)
        response = client.post(
            reverse("missing:add_episode", args=[child.pk]), {"kind": "A", **date_fields("start_date", days_ago(500))}
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in content and "govuk-error-summary" in content
        assert "was not looked after on" in content
        assert not MissingEpisode.objects.exists()

    def test_a_stale_change_is_refused_with_a_409_and_changes_nothing(self, client, manager, business_support, child):
        episode = missing_services.record_missing_episode(
            child, kind="M", start_date=days_ago(5), by=manager, today=TODAY()
        )
        missing_services.change_missing_episode(episode, by=manager, expected_version=1, today=TODAY(), kind="A")
        sign_in(client, business_support)
        response = client.post(
            reverse("missing:came_back", args=[episode.pk]),
            {**date_fields("end_date", days_ago(1)), "version": 1, "confirmed": "yes"},
        )
        assert response.status_code == 409
        assert RECORD_CHANGED_MESSAGE in response.content.decode().replace("&#x27;", "'")
        assert MissingEpisode.objects.get().end_date is None

    def test_an_episode_is_deleted_from_its_page(self, client, manager, child):
        episode = missing_services.record_missing_episode(
            child, kind="M", start_date=days_ago(5), by=manager, today=TODAY()
        )
        sign_in(client, manager)
        url = reverse("missing:delete_episode", args=[episode.pk])
        assert "Delete the episode from" in client.get(url).content.decode()
        assert client.post(url, {"version": 1}).status_code == 302
        assert not MissingEpisode.objects.exists()

    def test_an_iro_sees_the_sections_without_change_links_and_cannot_open_the_forms(self, client, iro, manager, child):
        missing_services.record_missing_episode(child, kind="M", start_date=days_ago(5), by=manager, today=TODAY())
        sign_in(client, iro)
        page = child_page(client, child)
        assert "Missing from placement" in page and "Adoption" in page and "Before care" in page
        assert reverse("missing:add_episode", args=[child.pk]) not in page
        assert "Record that the child came back" not in page
        assert client.get(reverse("missing:add_episode", args=[child.pk])).status_code == 403


class TestAdoptionPages:
    def test_a_manager_records_a_decision_and_reverses_it(self, client, manager, child):
        sign_in(client, manager)
        response = client.post(
            reverse("missing:add_decision", args=[child.pk]), date_fields("decided_on", days_ago(100))
        )
        assert response.status_code == 302
        decision = AdoptionDecision.objects.get(child=child)
        assert "Stands" in child_page(client, child)
        url = reverse("missing:reverse_decision", args=[decision.pk])
        answers = {**date_fields("ceased_on", days_ago(10)), "reason_ceased": "RD3", "version": 1}
        assert client.post(url, answers).status_code == 200
        assert client.post(url, {**answers, "confirmed": "yes"}).status_code == 302
        decision.refresh_from_db()
        assert decision.reason_ceased == "RD3"
        assert "Prospective adopters could not be found" in child_page(client, child)

    def test_adoption_details_are_recorded_and_their_disagreement_refused(self, client, business_support, child):
        sign_in(client, business_support)
        answers = {
            **date_fields("decided_on", days_ago(200)),
            **date_fields("matched_on", days_ago(100)),
            "by_former_foster_carers": "no",
            "number_of_adopters": "2",
            "adopters_sex": "MM",
            "adopters_legal_status": "L11",
            "version": 0,
        }
        url = reverse("missing:add_adoption", args=[child.pk])
        response = client.post(url, answers)
        assert response.status_code == 400 and "make their sex and legal status agree" in response.content.decode()
        assert client.post(url, {**answers, "adopters_sex": "MF"}).status_code == 302
        adoption = Adoption.objects.get(child=child)
        assert "Adopting couple, male and female" in child_page(client, child)
        change = client.get(reverse("missing:change_adoption", args=[adoption.pk])).content.decode()
        assert "Change the adoption details" in change and 'value="MF" checked' in change

    def test_previous_permanence_is_recorded_then_changed_from_its_version(self, client, manager, child):
        sign_in(client, manager)
        url = reverse("missing:previous_permanence", args=[child.pk])
        answers = {"order": "P2", "arranged_by": "822", "order_date": "ZZ/ZZ/2019", "version": 0}
        assert client.post(url, answers).status_code == 302
        assert "Special guardianship order (P2), order dated ZZ/ZZ/2019" in child_page(client, child)
        stale = client.post(url, {**answers, "order": "P1"})
        assert stale.status_code == 409
        assert PreviousPermanence.objects.get().order == "P2"
        assert client.post(url, {**answers, "order": "P1", "version": 1}).status_code == 302
        assert AuditEvent.objects.filter(object_type="outcomes.previouspermanence").count() == 2


def test_the_child_page_issues_as_many_queries_however_many_of_these_records(client, manager, child):
    sign_in(client, manager)
    url = reverse("children:detail", args=[child.pk])
    few = queries_for(client, url)
    for week in range(1, 6):
        missing_services.record_missing_episode(
            child, kind="M", start_date=days_ago(7 * week + 2), end_date=days_ago(7 * week), by=manager, today=TODAY()
        )
    decision = adoption_services.record_adoption_decision(child, decided_on=days_ago(300), by=manager, today=TODAY())
    adoption_services.reverse_adoption_decision(
        decision, ceased_on=days_ago(250), reason_ceased="RD1", by=manager, expected_version=1, today=TODAY()
    )
    adoption_services.record_adoption_decision(child, decided_on=days_ago(200), by=manager, today=TODAY())
    adoption_services.record_previous_permanence(child, order="Z1", by=manager, expected_version=0, today=TODAY())
    assert queries_for(client, url) == few
