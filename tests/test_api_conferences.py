"""The conference record through the API: the same draft, rules and locking as the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from children import services as children_services
from reviews.models import ConferenceAttendee, ConferenceRecord, Review
from reviews.timescales import first_core_group_due
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.factories import AllocationFactory, ChildFactory, conference_record_ready

CONFERENCES = "/api/v1/conferences/"


@pytest.fixture
def today():
    return timezone.localdate()


def conference_for(iro, manager, today, name="Robin"):
    child = ChildFactory(given_name=name, family_name="Testcase")
    AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=400))
    children_services.record_strategy_discussion(
        child, by=manager, date=today - timedelta(days=10), section_47_enquiry_started=True
    )
    return Review.objects.get(child=child, kind="ICPC", status="due")


@pytest.fixture
def icpc(iro, manager, today):
    return conference_for(iro, manager, today)


def url(review, suffix=""):
    return f"{CONFERENCES}{review.pk}/{suffix}"


def version(response):
    assert response.status_code == 200, response.content
    return response.json()["record"]["version"]


@pytest.mark.django_db
class TestRecordingThroughTheApi:
    def test_a_quorate_icpc_with_a_plan_then_its_first_core_group(self, iro, icpc, today):
        client = api_client(iro)
        response = client.get(url(icpc))
        assert response.status_code == 200 and response.json()["record"] is None
        current = 0
        for name, agency in (("Sam", "social_care"), ("Pat", "police"), ("Hana", "health")):
            body = {"name": name, "agency": agency, "attendance": "attended", "view_on_plan": "plan"}
            current = version(client.post(url(icpc, "attendees/"), {**body, "version": current}, format="json"))
        response = client.patch(
            url(icpc),
            {
                "parents_participation": "attended",
                "parents_saw_report": False,
                "lead_social_worker": "Sam",
                "outline_plan": "Weekly visits.",
                "version": current,
            },
            format="json",
        )
        current = version(response)
        response = client.post(
            url(icpc, "core-group/"), {"name": "Sam", "agency": "social_care", "version": current}, format="json"
        )
        record = response.json()["record"]
        assert record["quorate"] and [a["name"] for a in record["attendees"]] == ["Sam", "Pat", "Hana"]
        assert record["core_group"] == [
            {"id": record["core_group"][0]["id"], "name": "Sam", "agency": "social_care", "agency_other": ""}
        ]
        held = today - timedelta(days=1)
        response = client.post(
            f"/api/v1/reviews/{icpc.pk}/record-held/",
            {
                "held_on": held.isoformat(),
                "conference_outcome": "plan_made",
                "category_of_abuse": "NEG",
                "version": Review.objects.get(pk=icpc.pk).version,
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        response = client.get(url(icpc))
        record = response.json()["record"]
        assert record["first_core_group_due"] == first_core_group_due(held).isoformat()
        response = client.post(
            url(icpc, "first-core-group/"),
            {"first_core_group_held": held.isoformat(), "version": record["version"]},
            format="json",
        )
        assert response.json()["record"]["first_core_group_held"] == held.isoformat()

    def test_completing_without_attendance_is_refused(self, iro, icpc, today):
        response = api_client(iro).post(
            f"/api/v1/reviews/{icpc.pk}/record-held/",
            {
                "held_on": (today - timedelta(days=1)).isoformat(),
                "conference_outcome": "no_plan",
                "version": icpc.version,
            },
            format="json",
        )
        assert_error_shape(response, 400, "attendance")
        assert Review.objects.get(pk=icpc.pk).status == "due"

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"name": "X", "agency": "other", "attendance": "attended"}, "agency_other"),
            ({"name": "X", "agency": "police", "attendance": "late"}, "attendance"),
            ({"name": "X", "agency": "family", "attendance": "attended", "view_on_plan": "plan"}, "view_on_plan"),
            ({"agency": "police", "attendance": "attended"}, "name"),
        ],
    )
    def test_bad_attendees_are_400_and_nothing_saved(self, iro, icpc, body, field):
        assert_error_shape(
            api_client(iro).post(url(icpc, "attendees/"), {**body, "version": 0}, format="json"), 400, field
        )
        assert not ConferenceAttendee.objects.exists()

    def test_a_stale_version_is_409(self, iro, icpc):
        client = api_client(iro)
        client.patch(url(icpc), {"outline_plan": "One", "version": 0}, format="json")
        assert_error_shape(client.patch(url(icpc), {"outline_plan": "Two", "version": 0}, format="json"), 409)
        assert ConferenceRecord.objects.get().outline_plan == "One"

    def test_remove_an_attendee(self, iro, icpc):
        client = api_client(iro)
        response = client.post(
            url(icpc, "attendees/"),
            {"name": "Sam", "agency": "social_care", "attendance": "attended", "version": 0},
            format="json",
        )
        attendee = response.json()["record"]["attendees"][0]["id"]
        assert_error_shape(
            client.post(url(icpc, "remove-attendee/"), {"id": attendee + 99, "version": 1}, format="json"), 400, "id"
        )
        response = client.post(url(icpc, "remove-attendee/"), {"id": attendee, "version": 1}, format="json")
        assert response.json()["record"]["attendees"] == []

    def test_another_iros_conference_is_404(self, other_iro, icpc):
        assert api_client(other_iro).get(url(icpc)).status_code == 404
        assert api_client(other_iro).patch(url(icpc), {"version": 0}, format="json").status_code == 404


@pytest.mark.django_db
class TestFilters:
    def test_not_quorate_and_first_core_group_overdue(self, iro, manager, today):
        from reviews import services

        quorate = conference_for(iro, manager, today, name="Quorate")
        conference_record_ready(quorate)
        services.record_review_held(
            quorate,
            by=iro,
            fields={
                "held_on": today - timedelta(days=9),
                "conference_outcome": "plan_made",
                "category_of_abuse": "NEG",
            },
        )
        short = conference_for(iro, manager, today, name="Short")
        conference_record_ready(
            short, attendees=[("Sam", "social_care"), ("Pat", "police")], quorate=False, not_quorate_reason="Urgent."
        )
        services.record_review_held(
            short, by=iro, fields={"held_on": today - timedelta(days=1), "conference_outcome": "no_plan"}
        )
        ConferenceRecord.objects.filter(review=quorate).update(first_core_group_due=today - timedelta(days=1))
        client = api_client(iro)

        def ids(query):
            response = client.get(CONFERENCES, query)
            assert response.status_code == 200, response.content
            return {row["id"] for row in response.json()["results"]}

        assert ids({"quorate": "false"}) == {short.pk}
        assert ids({"quorate": "true"}) == {quorate.pk}
        assert ids({"first_core_group_overdue": "true"}) == {quorate.pk}
        assert quorate.pk not in ids({"first_core_group_overdue": "false"})
        assert_error_shape(client.get(CONFERENCES, {"quorate": "perhaps"}), 400, "quorate")

    def test_the_list_is_a_fixed_number_of_queries(self, iro, manager, today):
        client = api_client(iro)
        conference_record_ready(conference_for(iro, manager, today, name="One"))
        queries_for(client, CONFERENCES)  # the token's first use is recorded once
        few = queries_for(client, CONFERENCES)
        for n in range(5):
            conference_record_ready(conference_for(iro, manager, today, name=f"More{n}"))
        assert queries_for(client, CONFERENCES) == few
