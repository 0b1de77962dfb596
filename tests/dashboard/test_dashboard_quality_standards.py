"""The working-day standards at the boundary: met on the last day allowed and missed the day
after, in the selectors (SQL), in reviews.selectors.quality_standards (Python) and in the lists."""

from datetime import date as D
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from caseloads.selectors import iro_allocation_after_care_started
from children.models import Child
from reviews import timescales
from reviews.models import Review
from reviews.selectors import quality_standard, quality_standards
from tests.conftest import held_review, in_care, sign_in
from tests.dashboard.authority import working_day_on_or_before
from tests.factories import AllocationFactory, ChildFactory


@pytest.mark.django_db
class TestQualityStandardsAndAllocationAtTheBoundary:
    """The working-day standards, met on the last day allowed and missed the day after, in the
    selectors (SQL), in reviews.selectors.quality_standards (Python) and in the lists."""

    @pytest.fixture
    def reviews(self, looked_after_child):
        held = working_day_on_or_before(timezone.localdate() - timedelta(days=60))
        common = {"due": held, "held": held, "cycle_start": D(2024, 1, 10)}
        met = held_review(
            looked_after_child,
            "LAC",
            **common,
            number=2,
            social_worker_report_received=timescales.add_working_days(held, -3),
            decisions_circulated=timescales.add_working_days(held, 5),
        )
        missed = held_review(
            looked_after_child,
            "LAC",
            **common,
            number=3,
            social_worker_report_received=timescales.add_working_days(held, -2),
            decisions_circulated=timescales.add_working_days(held, 6),
        )
        return met, missed

    @pytest.mark.parametrize("standard", ["report", "decisions"])
    def test_selectors_and_python_agree(self, reviews, standard):
        met, missed = reviews
        today = timezone.localdate()
        assert list(Review.objects.filter(quality_standard(standard, "met", today))) == [met]
        assert list(Review.objects.filter(quality_standard(standard, "missed", today))) == [missed]
        label = "Social worker" if standard == "report" else "Decisions"
        assert [s["met"] for s in quality_standards(met) if s["label"].startswith(label)] == [True]
        assert [s["met"] for s in quality_standards(missed) if s["label"].startswith(label)] == [False]

    @pytest.mark.parametrize("standard", ["report", "decisions"])
    def test_the_lists(self, client, manager, reviews, standard):
        met, missed = reviews
        sign_in(client, manager)
        for outcome, review in (("met", met), ("missed", missed)):
            page = client.get(f"{reverse('reviews:held')}?{standard}={outcome}").content.decode()
            assert "1 review held" in page
            assert reverse("reviews:detail", args=[review.pk]) in page
            assert reverse("reviews:detail", args=[(missed if review == met else met).pk]) not in page

    def test_decisions_are_pending_up_to_and_including_the_5th_working_day(self, looked_after_child):
        held = D(2026, 11, 4)  # a Wednesday: its 5th working day is Wednesday 11 November
        review = held_review(looked_after_child, "LAC", due=held, held=held, cycle_start=D(2024, 1, 10))
        deadline = timescales.add_working_days(held, 5)
        assert deadline == D(2026, 11, 11)
        pending = Review.objects.filter(quality_standard("decisions", "pending", deadline))
        missed = Review.objects.filter(quality_standard("decisions", "missed", deadline + timedelta(days=1)))
        assert list(pending) == [review]
        assert list(missed) == [review]

        def decisions(on):
            return next(s for s in quality_standards(review, on) if s["label"].startswith("Decisions"))

        assert (decisions(deadline)["outcome"], decisions(deadline)["due_by"]) == ("pending", deadline)
        assert (decisions(deadline + timedelta(days=1))["outcome"], decisions(deadline + timedelta(days=1))["met"]) == (
            "missed",
            False,
        )

    def test_iro_allocation_on_the_5th_working_day_is_in_time_and_the_6th_late(self, client, manager, iro):
        start = working_day_on_or_before(timezone.localdate() - timedelta(days=30))
        on_time = ChildFactory(given_name="Prompt")
        late = ChildFactory(given_name="Tardy")
        for child, days in ((on_time, 5), (late, 6)):
            in_care(child, start)
            AllocationFactory(child=child, iro=iro, start_date=timescales.add_working_days(start, days))
        today = timezone.localdate()
        in_time = Child.objects.filter(iro_allocation_after_care_started(start, today, today, "in_time"))
        not_in_time = Child.objects.filter(iro_allocation_after_care_started(start, today, today, "late"))
        assert (list(in_time), list(not_in_time)) == ([on_time], [late])
        sign_in(client, manager)
        started = {"started_from_day": start.day, "started_from_month": start.month, "started_from_year": start.year}
        for outcome, child in (("in_time", on_time), ("late", late)):
            page = client.get(f"{reverse('children:list')}?{urlencode({'iro_allocation': outcome, **started})}")
            assert "1 child matches" in page.content.decode()
            assert reverse("children:detail", args=[child.pk]) in page.content.decode()

    def test_allocation_is_pending_until_the_end_of_the_5th_working_day(self, db):
        start = D(2026, 11, 4)
        child = ChildFactory(given_name="Waiting")
        in_care(child, start)
        deadline = timescales.add_working_days(start, 5)

        def outcome(on):
            return [
                name
                for name in ("in_time", "late", "pending")
                if Child.objects.filter(pk=child.pk)
                .filter(iro_allocation_after_care_started(start, start, on, name))
                .exists()
            ]

        assert outcome(deadline) == ["pending"]
        assert outcome(deadline + timedelta(days=1)) == ["late"]
