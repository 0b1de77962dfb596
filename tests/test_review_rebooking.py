"""A review booked more than once was rebooked: each booking counts, and reviews booked before
the count existed get it from the audit log, where every booking wrote the date booked."""

import importlib
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from reviews import services
from reviews.models import Review, ReviewKind
from tests.conftest import review_due

counting = importlib.import_module("reviews.migrations.0011_review_times_booked")


@pytest.mark.django_db
def test_each_booking_counts_and_the_migration_counts_them_from_the_audit_log(looked_after_child, iro):
    review = review_due(looked_after_child, ReviewKind.LAC, due=date(2030, 6, 3))
    assert review.times_booked == 0
    services.book_review(review, by=iro, booked_for=datetime(2030, 5, 20, 10, tzinfo=UTC), today=date(2030, 5, 1))
    review.refresh_from_db()
    services.book_review(review, by=iro, booked_for=datetime(2030, 5, 27, 10, tzinfo=UTC), today=date(2030, 5, 1))
    review.refresh_from_db()
    assert review.times_booked == 2
    never_booked = review_due(looked_after_child, ReviewKind.RCPC, due=date(2030, 7, 1))

    Review.objects.update(times_booked=0)  # as the rows were before the field existed
    counting.count_bookings_from_the_audit_log(apps, SimpleNamespace(connection=connection))
    assert Review.objects.get(pk=review.pk).times_booked == 2
    assert Review.objects.get(pk=never_booked.pk).times_booked == 0
