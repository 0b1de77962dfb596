"""The LAC review's working record through the API: the same rules as the task pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.models import Review
from reviews.record_models import ReviewParticipant
from tests.api_helpers import api_client
from tests.conftest import brought_into_care
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(iro, manager):
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    brought_into_care(child, by=manager, start=timezone.localdate() - timedelta(days=20), iro=iro)
    return Review.objects.get(child=child, kind="LAC", status="due")


def url(review, suffix="working-record/"):
    return f"/api/v1/reviews/{review.pk}/{suffix}"


def test_an_iro_saves_the_working_record_then_completes_the_review(iro, review):
    client = api_client(iro)
    today = timezone.localdate()
    assert client.get(url(review)).json()["version"] == 0
    response = client.post(
        url(review),
        {
            "participants": [
                {"role": "child", "attendance": "attended"},
                {"role": "carer", "name": "Pat Carer", "attendance": "attended"},
            ],
            "views": [{"of": "child", "text": "I like my school.", "given": "advocate"}],
            "care_plan_checks": [{"kind": "health_assessment", "answer": "no", "note": "Overdue"}],
            "plan_meets_needs": False,
            "draft_fields": {"held_on": today.isoformat(), "participation_code": "PN2"},
            "draft_decisions": [
                {
                    "description": "Book the health assessment",
                    "owner_name": "Social worker",
                    "due_date": today.isoformat(),
                }
            ],
            "version": 0,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["suggested_participation_code"] == "PN2"
    assert [p["role"] for p in body["participants"]] == ["child", "carer"]
    assert body["version"] == 4
    assert client.get("/api/v1/reviews/", {"plan_meets_needs": "false"}).json()["count"] == 1
    assert client.get("/api/v1/reviews/", {"plan_meets_needs": "true"}).json()["count"] == 0

    stale = client.post(url(review, "complete/"), {"version": 3}, format="json")
    assert stale.status_code == 409
    done = client.post(url(review, "complete/"), {"version": 4}, format="json")
    assert done.status_code == 200, done.content
    held = done.json()
    assert (held["status"], held["participation_code"]) == ("held", "PN2")
    assert [(a["number"], a["description"]) for a in held["actions"]] == [(1, "Book the health assessment")]
    assert held["next_review"]["number"] == 2


def test_completing_without_attendance_or_views_is_refused_and_nothing_changes(iro, review):
    client = api_client(iro)
    client.post(
        url(review), {"draft_fields": {"held_on": timezone.localdate().isoformat()}, "version": 0}, format="json"
    )
    response = client.post(url(review, "complete/"), {"version": 1}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"attendance", "views", "participation_code"}
    assert Review.objects.get(pk=review.pk).status == "due"


def test_one_bad_part_refuses_the_whole_change(iro, review):
    response = api_client(iro).post(
        url(review),
        {
            "participants": [{"role": "child", "attendance": "attended"}],
            "views": [{"of": "parents", "text": "x" * 20001, "given": "written"}],
            "version": 0,
        },
        format="json",
    )
    assert response.status_code == 400
    assert not ReviewParticipant.objects.exists()


def test_another_iros_review_is_not_found(other_iro, review):
    assert api_client(other_iro).get(url(review)).status_code == 404
