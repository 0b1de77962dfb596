"""/api/v1/missing-episodes/, adoption-decisions/, adoptions/ and previous-permanence/: the
services' rules and messages, filters, the version (409 when stale), and the pages' permissions
(IROs read their children's records, only data entry roles write)."""

import datetime

import pytest
from django.utils import timezone

from outcomes import missing_services
from outcomes.models import AdoptionDecision, MissingEpisode, PreviousPermanence
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import in_care
from tests.factories import AllocationFactory, ChildFactory

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def child(iro):
    child = ChildFactory(given_name="Robin", family_name="Example")
    in_care(child, days_ago(400))
    AllocationFactory(child=child, iro=iro, start_date=days_ago(400))
    return child


class TestMissingEpisodes:
    def test_business_support_records_an_episode_and_that_the_child_came_back(self, business_support, child):
        client = api_client(business_support)
        response = client.post(
            "/api/v1/missing-episodes/",
            {"child": child.pk, "kind": "M", "start_date": str(days_ago(10))},
            format="json",
        )
        assert response.status_code == 201, response.content
        episode = response.json()
        assert episode["end_date"] is None and episode["version"] == 1
        response = client.patch(
            f"/api/v1/missing-episodes/{episode['id']}/", {"end_date": str(days_ago(8)), "version": 1}, format="json"
        )
        assert response.status_code == 200 and response.json()["version"] == 2

    def test_the_services_rules_are_refused_with_their_message(self, manager, child):
        missing_services.record_missing_episode(child, kind="M", start_date=days_ago(10), by=manager, today=days_ago(0))
        body = assert_error_shape(
            api_client(manager).post(
                "/api/v1/missing-episodes/",
                {"child": child.pk, "kind": "A", "start_date": str(days_ago(5))},
                format="json",
            ),
            400,
            "non_field_errors",
        )
        assert "has not come back" in body["errors"]["non_field_errors"][0]
        assert MissingEpisode.objects.count() == 1

    def test_a_stale_change_or_deletion_is_a_409_and_nothing_changes(self, manager, child):
        episode = missing_services.record_missing_episode(
            child, kind="M", start_date=days_ago(10), by=manager, today=days_ago(0)
        )
        client = api_client(manager)
        assert (
            client.patch(
                f"/api/v1/missing-episodes/{episode.pk}/", {"kind": "A", "version": 1}, format="json"
            ).status_code
            == 200
        )
        assert_error_shape(
            client.patch(f"/api/v1/missing-episodes/{episode.pk}/", {"kind": "M", "version": 1}, format="json"), 409
        )
        assert_error_shape(client.delete(f"/api/v1/missing-episodes/{episode.pk}/?version=1"), 409)
        assert_error_shape(client.delete(f"/api/v1/missing-episodes/{episode.pk}/"), 400, "version")
        assert MissingEpisode.objects.get().kind == "A"
        assert client.delete(f"/api/v1/missing-episodes/{episode.pk}/?version=2").status_code == 204
        assert not MissingEpisode.objects.exists()

    def test_filters(self, manager, child):
        for start, end in ((30, 29), (20, 19), (5, None)):
            missing_services.record_missing_episode(
                child,
                kind="A" if start == 20 else "M",
                start_date=days_ago(start),
                end_date=end and days_ago(end),
                by=manager,
                today=days_ago(0),
            )
        client = api_client(manager)

        def starts(query):
            return sorted(row["start_date"] for row in client.get("/api/v1/missing-episodes/", query).json()["results"])

        assert starts({"open": "true"}) == [str(days_ago(5))]
        assert starts({"kind": "A"}) == [str(days_ago(20))]
        assert starts({"started_after": str(days_ago(25)), "started_before": str(days_ago(6))}) == [str(days_ago(20))]
        assert starts({"child": child.pk}) == sorted(str(days_ago(d)) for d in (30, 20, 5))

    def test_an_iro_reads_their_childs_episodes_but_cannot_write_and_others_see_nothing(
        self, iro, other_iro, manager, child
    ):
        episode = missing_services.record_missing_episode(
            child, kind="M", start_date=days_ago(10), by=manager, today=days_ago(0)
        )
        assert api_client(iro).get(f"/api/v1/missing-episodes/{episode.pk}/").status_code == 200
        assert api_client(other_iro).get(f"/api/v1/missing-episodes/{episode.pk}/").status_code == 404
        assert api_client(other_iro).get("/api/v1/missing-episodes/").json()["results"] == []
        denied = api_client(iro).post(
            "/api/v1/missing-episodes/", {"child": child.pk, "kind": "M", "start_date": str(days_ago(3))}
        )
        assert_error_shape(denied, 403)
        assert_error_shape(api_client(iro).patch(f"/api/v1/missing-episodes/{episode.pk}/", {"version": 1}), 403)

    def test_the_list_issues_as_many_queries_for_5_rows_as_for_50(self, manager, child):
        for week in range(1, 60):
            missing_services.record_missing_episode(
                child,
                kind="M",
                start_date=days_ago(6 * week + 1),
                end_date=days_ago(6 * week),
                by=manager,
                today=days_ago(0),
            )
        client = api_client(manager)
        client.get("/api/v1/missing-episodes/")
        assert queries_for(client, "/api/v1/missing-episodes/?page_size=5") == queries_for(
            client, "/api/v1/missing-episodes/?page_size=50"
        )


class TestAdoption:
    def test_a_decision_is_recorded_reversed_and_filtered(self, manager, child):
        client = api_client(manager)
        response = client.post(
            "/api/v1/adoption-decisions/", {"child": child.pk, "decided_on": str(days_ago(100))}, format="json"
        )
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        assert [row["id"] for row in client.get("/api/v1/adoption-decisions/", {"open": "true"}).json()["results"]] == [
            pk
        ]
        body = assert_error_shape(
            client.patch(
                f"/api/v1/adoption-decisions/{pk}/", {"ceased_on": str(days_ago(50)), "version": 1}, format="json"
            ),
            400,
            "reason_ceased",
        )
        assert "Choose why" in body["errors"]["reason_ceased"][0]
        response = client.patch(
            f"/api/v1/adoption-decisions/{pk}/",
            {"ceased_on": str(days_ago(50)), "reason_ceased": "RD2", "version": 1},
            format="json",
        )
        assert response.status_code == 200 and response.json()["reason_ceased"] == "RD2"
        assert client.get("/api/v1/adoption-decisions/", {"open": "true"}).json()["results"] == []
        assert AdoptionDecision.objects.get().version == 2

    def test_an_adoption_needs_every_detail_and_agreeing_adopters(self, business_support, child):
        client = api_client(business_support)
        details = {
            "child": child.pk,
            "decided_on": str(days_ago(200)),
            "matched_on": str(days_ago(100)),
            "by_former_foster_carers": True,
            "number_of_adopters": 2,
            "adopters_sex": "M1",
            "adopters_legal_status": "L2",
        }
        assert_error_shape(client.post("/api/v1/adoptions/", details, format="json"), 400, "adopters_sex")
        assert_error_shape(
            client.post("/api/v1/adoptions/", {"child": child.pk, "matched_on": details["matched_on"]}, format="json"),
            400,
            "decided_on",
        )
        response = client.post("/api/v1/adoptions/", {**details, "adopters_sex": "FF"}, format="json")
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        response = client.patch(
            f"/api/v1/adoptions/{pk}/", {"adopters_legal_status": "L4", "version": 1}, format="json"
        )
        assert response.status_code == 200 and response.json()["adopters_legal_status"] == "L4"

    def test_previous_permanence_one_per_child_changed_from_its_version(self, manager, child):
        client = api_client(manager)
        response = client.post(
            "/api/v1/previous-permanence/",
            {"child": child.pk, "order": "P3", "arranged_by": "999", "order_date": "ZZ/ZZ/2020"},
            format="json",
        )
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        assert_error_shape(
            client.post("/api/v1/previous-permanence/", {"child": child.pk, "order": "P1"}, format="json"), 409
        )
        assert_error_shape(
            client.patch(f"/api/v1/previous-permanence/{pk}/", {"arranged_by": "123", "version": 1}, format="json"),
            400,
            "arranged_by",
        )
        response = client.patch(f"/api/v1/previous-permanence/{pk}/", {"order": "P2", "version": 1}, format="json")
        assert response.status_code == 200
        assert (response.json()["order"], response.json()["order_date"], response.json()["version"]) == (
            "P2",
            "ZZ/ZZ/2020",
            2,
        )
        assert client.get("/api/v1/previous-permanence/", {"order": "P2"}).json()["results"][0]["id"] == pk
        assert client.delete(f"/api/v1/previous-permanence/{pk}/?version=2").status_code == 204
        assert not PreviousPermanence.objects.exists()

    def test_a_decision_before_care_is_refused_as_on_the_page(self, manager, child):
        body = assert_error_shape(
            api_client(manager).post(
                "/api/v1/adoption-decisions/", {"child": child.pk, "decided_on": str(days_ago(500))}, format="json"
            ),
            400,
            "decided_on",
        )
        assert "started to be looked after" in body["errors"]["decided_on"][0]
