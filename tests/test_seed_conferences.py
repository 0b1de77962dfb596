"""The demo's conferences held carry a record (synthetic) that meets the rules a chair's does."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from reviews.conference_services import completion_errors
from reviews.models import ConferenceAttendee, ConferenceRecord, Review

pytestmark = pytest.mark.django_db

TODAY = date(2025, 11, 25)


def test_every_conference_held_has_a_record_that_meets_the_rules():
    call_command("seed_demo", "--children", "120", "--seed", "7", "--today", TODAY.isoformat(), stdout=StringIO())
    held = list(Review.objects.exclude(kind="LAC").filter(status="held").select_related("child"))
    assert len(held) > 10
    assert ConferenceRecord.objects.count() == len(held)
    for review in held:
        assert completion_errors(review) == {}, review
    records = ConferenceRecord.objects.select_related("review")
    assert any(record.quorate for record in records) and any(not record.quorate for record in records)
    assert ConferenceAttendee.objects.exclude(dissent_reason="").exists()
    for record in records.filter(first_core_group_held__isnull=False):
        assert record.review.held_on <= record.first_core_group_held <= TODAY
    assert all(
        record.first_core_group_due
        for record in records.filter(review__kind="ICPC", review__conference_outcome="plan_made")
    )
