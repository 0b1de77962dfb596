"""The conference record's pages, driven as a chair uses them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children import services as children_services
from reviews.models import ConferenceAttendee, ConferenceRecord, Review, ReviewStatus
from reviews.timescales import first_core_group_due
from tests.conftest import sign_in
from tests.factories import AllocationFactory, ChildFactory, conference_record_ready


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def icpc(iro, manager, today):
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=400))
    children_services.record_strategy_discussion(
        child, by=manager, date=today - timedelta(days=10), section_47_enquiry_started=True
    )
    return Review.objects.get(child=child, kind="ICPC", status="due")


def version(review):
    record = ConferenceRecord.objects.filter(review=review).first()
    return record.version if record else 0


def add(client, review, **fields):
    data = {"view_on_plan": "plan", "attendance": "attended", **fields, "version": version(review)}
    return client.post(reverse("reviews:conference_attendance", args=[review.pk]), data)


@pytest.mark.django_db
class TestRecordingAConference:
    def test_a_chair_records_a_quorate_icpc_with_a_plan(self, client, iro, icpc, today):
        sign_in(client, iro)
        detail = client.get(reverse("reviews:detail", args=[icpc.pk])).content.decode()
        assert reverse("reviews:conference", args=[icpc.pk]) in detail
        hub = client.get(reverse("reviews:conference", args=[icpc.pk])).content.decode()
        assert "Not quorate</strong> 0 agencies attended;" in hub and "Nobody recorded yet." in hub
        for name, agency in (("Sam Social", "social_care"), ("Pat Patrol", "police"), ("Hana Health", "health")):
            response = add(client, icpc, name=name, agency=agency)
            assert response.status_code == 302, response.content.decode()
        response = add(client, icpc, name="Ola Other", agency="other", agency_other="Housing", view_on_plan="no_plan")
        assert response.status_code == 302
        page = client.get(response.url).content.decode()
        assert "4 agencies attended" in page and "Ola Other was added to the attendance." in page
        ConferenceAttendee.objects.filter(name="Ola Other").update(dissent_reason="Housing support is enough.")
        response = client.post(
            reverse("reviews:conference_parents", args=[icpc.pk]),
            {
                "parents_participation": "attended",
                "parents_saw_report": "yes",
                **date_fields("parents_saw_report_on", today - timedelta(days=2)),
                "version": version(icpc),
            },
        )
        assert response.status_code == 302
        response = client.post(
            reverse("reviews:conference_plan", args=[icpc.pk]),
            {"lead_social_worker": "Sam Social", "outline_plan": "Weekly visits.", "version": version(icpc)},
        )
        assert response.status_code == 302
        response = client.post(
            reverse("reviews:conference_core_group", args=[icpc.pk]),
            {"name": "Sam Social", "agency": "social_care", "version": version(icpc)},
        )
        assert response.status_code == 302
        hub = client.get(reverse("reviews:conference", args=[icpc.pk])).content.decode()
        assert "Weekly visits." in hub and "Yes, on" in hub and "Sam Social (Children&#x27;s social care)" in hub
        held = today - timedelta(days=1)
        response = client.post(
            reverse("reviews:record", args=[icpc.pk]),
            {
                "version": Review.objects.get(pk=icpc.pk).version,
                "conference_outcome": "plan_made",
                "category_of_abuse": "NEG",
                "actions-TOTAL_FORMS": "0",
                "actions-INITIAL_FORMS": "0",
                **date_fields("held_on", held),
            },
        )
        assert response.status_code == 302 and response.url == reverse("reviews:conference_held", args=[icpc.pk])
        confirmation = client.get(response.url).content.decode()
        assert "Initial child protection conference recorded" in confirmation
        assert "The first core group meeting is due by" in confirmation
        detail = client.get(reverse("reviews:detail", args=[icpc.pk])).content.decode()
        assert "Ola Other (Housing): Housing support is enough." in detail
        assert "Record the meeting" in detail
        due = first_core_group_due(held)
        assert ConferenceRecord.objects.get(review=icpc).first_core_group_due == due
        response = client.post(
            reverse("reviews:conference_first_core_group", args=[icpc.pk]),
            {**date_fields("first_core_group_held", held), "version": version(icpc)},
        )
        assert response.status_code == 302
        assert ConferenceRecord.objects.get(review=icpc).first_core_group_held == held

    def test_completing_without_attendance_is_refused_with_the_reason(self, client, iro, icpc, today):
        sign_in(client, iro)
        response = client.post(
            reverse("reviews:record", args=[icpc.pk]),
            {
                "version": icpc.version,
                "conference_outcome": "no_plan",
                "actions-TOTAL_FORMS": "0",
                "actions-INITIAL_FORMS": "0",
                **date_fields("held_on", today - timedelta(days=1)),
            },
        )
        assert response.status_code == 400
        assert "Record who attended the conference before recording it as held." in response.content.decode()
        assert Review.objects.get(pk=icpc.pk).status == ReviewStatus.DUE

    def test_an_incomplete_person_is_refused_with_the_error_summary(self, client, iro, icpc):
        sign_in(client, iro)
        response = add(client, icpc, name="", agency="other")
        page = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in page and "Enter their name" in page and "Name the other agency" not in page
        response = add(client, icpc, name="Someone", agency="other")
        assert response.status_code == 400 and "Name the other agency." in response.content.decode()
        assert not ConferenceAttendee.objects.exists()

    def test_a_stale_page_is_refused_and_changes_nothing(self, client, iro, icpc):
        sign_in(client, iro)
        add(client, icpc, name="Sam Social", agency="social_care")
        response = client.post(
            reverse("reviews:conference_attendance", args=[icpc.pk]),
            {"name": "Late", "agency": "police", "attendance": "attended", "view_on_plan": "none", "version": 0},
        )
        assert (
            response.status_code == 409 and "Someone else changed this conference record" in response.content.decode()
        )
        assert list(ConferenceAttendee.objects.values_list("name", flat=True)) == ["Sam Social"]

    def test_remove_a_person(self, client, iro, icpc):
        sign_in(client, iro)
        add(client, icpc, name="Sam Social", agency="social_care")
        attendee = ConferenceAttendee.objects.get()
        response = client.post(
            reverse("reviews:conference_attendance", args=[icpc.pk]),
            {"remove": attendee.pk, "version": version(icpc)},
        )
        assert response.status_code == 302 and not ConferenceAttendee.objects.exists()

    def test_a_held_conference_is_no_longer_a_draft(self, client, iro, icpc, today):
        conference_record_ready(icpc)
        from reviews import services

        services.record_review_held(
            icpc, by=iro, fields={"held_on": today - timedelta(days=1), "conference_outcome": "no_plan"}
        )
        sign_in(client, iro)
        response = client.get(reverse("reviews:conference_attendance", args=[icpc.pk]))
        assert response.status_code == 302 and response.url == reverse("reviews:detail", args=[icpc.pk])
        assert client.get(reverse("reviews:conference_first_core_group", args=[icpc.pk])).status_code == 404

    def test_another_iros_conference_is_not_found_and_board_refused(self, client, other_iro, board_member, icpc):
        sign_in(client, other_iro)
        assert client.get(reverse("reviews:conference", args=[icpc.pk])).status_code == 404
        sign_in(client, board_member)
        assert client.get(reverse("reviews:conference", args=[icpc.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["reviews:conference", "reviews:conference_attendance", "reviews:detail"])
def test_pages_issue_a_fixed_number_of_queries(client, iro, icpc, page):
    sign_in(client, iro)
    record = conference_record_ready(icpc)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(page, args=[icpc.pk])).status_code == 200
        return len(queries)

    few = count()
    ConferenceAttendee.objects.bulk_create(
        ConferenceAttendee(record=record, name=f"Person {n}", agency="education", attendance="report")
        for n in range(20)
    )
    assert count() == few
