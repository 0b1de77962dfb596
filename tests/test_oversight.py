"""RAG-rated oversight between reviews: the follow-up window, recording, and the worklist."""

import re
from datetime import date as D
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from children import services as children_services
from oversight import services
from oversight.models import InContactPlan, OversightRecord
from oversight.selectors import (
    CHECK_DUE_SOON_WORKING_DAYS,
    contact_due,
    worklist_children,
    worklist_counts,
    worklist_in_order,
    worklist_rows,
)
from reviews import services as review_services
from reviews.models import Review
from reviews.timescales import add_working_days
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, record_attendance_and_views
from tests.paging import every_page, label, link

TODAY = D(2025, 11, 20)


def worklist(user, on, *, iro=None, rag=None, attention_only=True):
    """Every row of the user's worklist, in its order, as the page puts it together."""
    children = worklist_children(user, on, iro=iro, rag=rag)
    in_order, _ = worklist_in_order(children, worklist_counts(children, on), on, attention_only=attention_only)
    return worklist_rows(in_order)


class TestNextCheckWindow:
    def test_red_is_any_day_up_to_four_weeks(self):
        window = services.next_check_window("red", D(2025, 3, 3))
        assert (window.earliest, window.proposed, window.latest) == (D(2025, 3, 3), D(2025, 3, 17), D(2025, 3, 31))

    def test_amber_is_five_to_eight_weeks(self):
        window = services.next_check_window("amber", D(2025, 3, 3))
        assert (window.earliest, window.proposed, window.latest) == (D(2025, 4, 7), D(2025, 4, 7), D(2025, 4, 28))
        assert D(2025, 4, 6) not in window and D(2025, 4, 29) not in window

    def test_green_is_around_the_midpoint_before_the_next_review(self):
        window = services.next_check_window("green", D(2025, 3, 3), next_review_due=D(2025, 9, 3))
        assert window.proposed == D(2025, 6, 3), "92 days into 184"
        assert (window.earliest, window.latest) == (D(2025, 5, 20), D(2025, 6, 17))

    def test_green_with_a_close_next_review_stays_before_it(self):
        window = services.next_check_window("green", D(2025, 3, 3), next_review_due=D(2025, 3, 20))
        assert window.latest == D(2025, 3, 20) and window.earliest == D(2025, 3, 4)

    def test_green_with_no_review_due_assumes_six_months(self):
        assert services.next_check_window("green", D(2025, 3, 3)).proposed == D(2025, 6, 3)


@pytest.fixture
def child(db, iro, manager):
    child = ChildFactory(given_name="Alex", family_name="Oversight", date_of_birth=D(2012, 6, 1))
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=D(2025, 1, 6),
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=D(2025, 1, 6))
    return child


def held_review(child, iro, held=D(2025, 2, 1)):
    review = Review.objects.get(child=child, status="due")
    return review_services.record_review_held(
        record_attendance_and_views(review), by=iro, fields={"held_on": held, "participation_code": "PN1"}, today=TODAY
    )


@pytest.mark.django_db
class TestRecording:
    def test_rating_after_a_review_uses_the_proposed_date(self, child, iro):
        review = held_review(child, iro)
        record = services.record_oversight(
            child, by=iro, kind="post_review", date=review.held_on, rag="red", review=review, today=TODAY
        )
        assert record.next_check_date == D(2025, 2, 15)
        assert AuditEvent.objects.filter(object_type="oversight.oversightrecord", action="create", user=iro).exists()

    def test_green_midpoint_counts_to_the_next_review(self, child, iro):
        review = held_review(child, iro)
        next_due = Review.objects.get(child=child, status="due").due_date
        assert next_due == D(2025, 5, 1)
        record = services.record_oversight(
            child, by=iro, kind="post_review", date=review.held_on, rag="green", review=review, today=TODAY
        )
        assert record.next_check_date == D(2025, 3, 17), "halfway through 89 days, rounded down"

    def test_green_after_an_older_review_counts_to_that_cycles_next_review(self, child, iro, manager):
        first = held_review(child, iro)
        second = Review.objects.get(child=child, status="due")
        review_services.record_review_held(
            record_attendance_and_views(second),
            by=iro,
            fields={"held_on": D(2025, 4, 28), "participation_code": "PN1"},
            today=TODAY,
        )
        children_services.record_strategy_discussion(
            child, by=manager, date=D(2025, 2, 3), section_47_enquiry_started=True
        )
        record = services.record_oversight(
            child, by=iro, kind="post_review", date=first.held_on, rag="green", review=first, today=TODAY
        )
        assert record.next_check_date == D(2025, 3, 17), "midway to the second review's due date, 1 May"

    def test_a_next_check_outside_the_window_is_refused(self, child, iro):
        review = held_review(child, iro)
        with pytest.raises(ValidationError) as error:
            services.record_oversight(
                child,
                by=iro,
                kind="post_review",
                date=review.held_on,
                rag="red",
                next_check_date=D(2025, 3, 5),
                review=review,
                today=TODAY,
            )
        assert error.value.message_dict["next_check_date"] == [
            "After a red rating the next check must be between 1 February 2025 and 1 March 2025."
        ]
        assert not OversightRecord.objects.exists()

    def test_a_rated_kind_needs_a_rating(self, child, iro):
        with pytest.raises(ValidationError) as error:
            services.record_oversight(child, by=iro, kind="midway_review", date=D(2025, 3, 1), today=TODAY)
        assert "Choose a RAG rating" in error.value.message_dict["rag"][0]

    def test_a_review_is_rated_once(self, child, iro):
        review = held_review(child, iro)
        services.record_oversight(
            child, by=iro, kind="post_review", date=review.held_on, rag="green", review=review, today=TODAY
        )
        with pytest.raises(ValidationError):
            services.record_oversight(
                child, by=iro, kind="post_review", date=review.held_on, rag="red", review=review, today=TODAY
            )
        assert OversightRecord.objects.count() == 1

    def test_future_dates_are_refused(self, child, iro):
        with pytest.raises(ValidationError) as error:
            services.record_oversight(
                child, by=iro, kind="case_file_check", date=TODAY + timedelta(days=1), today=TODAY
            )
        assert error.value.message_dict["date"] == ["The date cannot be in the future."]

    def test_in_contact_plan_replaces_the_previous_one(self, child, iro):
        first = services.agree_in_contact_plan(
            child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY
        )
        services.agree_in_contact_plan(
            child, by=iro, method="visit", every_weeks=6, agreed_on=D(2025, 5, 1), today=TODAY
        )
        first.refresh_from_db()
        assert first.ended_on == D(2025, 5, 1)
        assert InContactPlan.objects.get(child=child, ended_on__isnull=True).method == "visit"
        with pytest.raises(ValidationError):
            services.agree_in_contact_plan(
                child, by=iro, method="visit", every_weeks=30, agreed_on=D(2025, 6, 1), today=TODAY
            )
        assert InContactPlan.objects.filter(child=child).count() == 2

    def test_in_contact_plan_ends_when_care_ends(self, child, iro, manager):
        plan = services.agree_in_contact_plan(
            child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY
        )
        episode = child.episodes.get()
        children_services.update_care_episode(episode, by=manager, end_date=D(2025, 6, 2), reason_episode_ceased="E4A")
        plan.refresh_from_db()
        assert plan.ended_on == D(2025, 6, 2)
        assert AuditEvent.objects.filter(
            object_type="oversight.incontactplan", action="update", child_id=child.pk
        ).exists()

    def test_a_placement_change_keeps_the_plan(self, child, iro, manager):
        plan = services.agree_in_contact_plan(
            child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY
        )
        episode = child.episodes.get()
        children_services.update_care_episode(
            episode, by=manager, end_date=D(2025, 6, 2), reason_episode_ceased="X1", reason_for_placement_change="CARPL"
        )
        plan.refresh_from_db()
        assert plan.ended_on is None


@pytest.mark.django_db
class TestWorklist:
    def test_flags_overdue_checks_quarters_and_contact(self, child, iro):
        today = timezone.localdate()
        services.record_oversight(
            child,
            by=iro,
            kind="case_file_check",
            date=today - timedelta(days=200),
            next_check_date=today - timedelta(days=3),
            today=today,
        )
        services.agree_in_contact_plan(
            child, by=iro, method="phone", every_weeks=2, agreed_on=today - timedelta(days=60), today=today
        )
        (row,) = worklist(iro, today)
        assert row.check_overdue and row.no_record_this_quarter and row.contact_behind
        services.record_oversight(child, by=iro, kind="contact_with_child", date=today, today=today)
        assert worklist(iro, today) == [], "contact today meets the plan, the quarter and the overdue check"

    def test_only_the_iros_children(self, child, iro, other_iro, other_child):
        assert [row.child for row in worklist(iro, timezone.localdate())] == [child]
        assert [row.child for row in worklist(other_iro, timezone.localdate())] == [other_child]

    def test_manager_filters_by_rag(self, child, iro, manager, other_child):
        today = timezone.localdate()
        services.record_oversight(child, by=iro, kind="midway_review", date=today, rag="amber", today=today)
        assert [row.child for row in worklist(manager, today)] == [other_child], "rated today: nothing needed"
        assert {row.child for row in worklist(manager, today, attention_only=False)} == {child, other_child}
        assert [row.child for row in worklist(manager, today, rag="amber", attention_only=False)] == [child]

    def test_query_count_does_not_grow_with_children(self, client, iro, manager):
        today = timezone.localdate()
        sign_in(client, manager)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("oversight:worklist")).status_code == 200
            return len(queries)

        AllocationFactory(child=ChildFactory(), iro=iro, start_date=today - timedelta(days=30))
        few = count()
        for _ in range(20):
            AllocationFactory(child=ChildFactory(), iro=iro, start_date=today - timedelta(days=30))
        assert count() == few


def allocated_child(iro, given_name, family_name, since=D(2025, 1, 6)):
    child = ChildFactory(given_name=given_name, family_name=family_name, date_of_birth=D(2012, 6, 1))
    CareEpisodeFactory(child=child, start_date=since)
    AllocationFactory(child=child, iro=iro, start_date=since)
    return child


@pytest.mark.django_db
class TestWorklistRulesInSql:
    """The worklist decides "due soon" and "In-Contact plan behind" in SQL; the edges agree with
    the rules: the 10th working day, the day a contact is due, no contact yet."""

    def test_a_check_is_due_soon_from_today_to_the_tenth_working_day(self, iro):
        on = D(2025, 11, 3)
        soon = add_working_days(on, CHECK_DUE_SOON_WORKING_DAYS)
        assert soon == D(2025, 11, 17)
        child = allocated_child(iro, "Dana", "Duesoon")
        expected = {
            on - timedelta(days=1): (False, True),
            on: (True, False),
            soon: (True, False),
            soon + timedelta(days=1): (False, False),
        }
        for next_check, (due_soon, overdue) in expected.items():
            services.record_oversight(
                child, by=iro, kind="case_file_check", date=D(2025, 10, 1), next_check_date=next_check, today=TODAY
            )
            (row,) = worklist(iro, on, attention_only=False)
            assert (row.next_check_date, row.check_due_soon, row.check_overdue) == (next_check, due_soon, overdue)

    def test_contact_due_in_sql_is_contact_due(self, iro):
        agreed = D(2025, 3, 3)
        contacts = {
            allocated_child(iro, "Nia", "Nocontact"): (4, []),
            allocated_child(iro, "Bea", "Before"): (4, [D(2025, 2, 20)]),
            allocated_child(iro, "Ari", "After"): (2, [D(2025, 3, 10), D(2025, 3, 25)]),
        }
        for child, (every_weeks, days) in contacts.items():
            services.agree_in_contact_plan(
                child, by=iro, method="phone", every_weeks=every_weeks, agreed_on=agreed, today=TODAY
            )
            for day in days:
                services.record_oversight(child, by=iro, kind="contact_with_child", date=day, today=TODAY)
        behind = set()
        for on in (D(2025, 3, 20) + timedelta(days=offset) for offset in range(14)):
            rows = {row.child: row for row in worklist(iro, on, attention_only=False)}
            for child, (every_weeks, days) in contacts.items():
                due = contact_due(agreed, every_weeks, max((day for day in days if day <= on), default=None))
                assert (rows[child].contact_due, rows[child].contact_behind) == (due, due < on), (child, on)
                if due < on:
                    behind.add((child.given_name, on))
        assert ("Nia", D(2025, 3, 31)) not in behind and ("Nia", D(2025, 4, 1)) in behind, "due 31 March"
        assert ("Bea", D(2025, 4, 1)) in behind, "a contact before the plan was agreed does not count"
        assert not any(name == "Ari" for name, _ in behind), "due 24 March, then contacted on 25 March"

    def test_a_child_without_a_plan_is_never_behind(self, iro):
        allocated_child(iro, "Pat", "Noplan")
        (row,) = worklist(iro, TODAY, attention_only=False)
        assert (row.contact_due, row.contact_behind) == (None, False)


@pytest.mark.django_db
class TestWorklistPages:
    """The worklist is paged; its counts cover every page."""

    @pytest.fixture
    def children(self, iro):
        today = timezone.localdate()
        adams = allocated_child(iro, "Ada", "Adams", since=today - timedelta(days=300))
        services.record_oversight(
            adams,
            by=iro,
            kind="case_file_check",
            date=today - timedelta(days=200),
            next_check_date=today - timedelta(days=3),
            today=today,
        )
        baker = allocated_child(iro, "Bo", "Baker", since=today - timedelta(days=300))
        services.record_oversight(baker, by=iro, kind="case_file_check", date=today, next_check_date=today, today=today)
        clark = allocated_child(iro, "Cy", "Clark", since=today - timedelta(days=300))
        services.agree_in_contact_plan(
            clark, by=iro, method="phone", every_weeks=2, agreed_on=today - timedelta(days=60), today=today
        )
        fine = []
        for given_name, family_name in (("Abe", "Abbott"), ("Yan", "Young")):
            child = allocated_child(iro, given_name, family_name, since=today - timedelta(days=300))
            services.record_oversight(child, by=iro, kind="case_file_check", date=today, today=today)
            fine.append(child)
        return [adams, baker, clark, *fine]

    @staticmethod
    def names_on(content):
        return re.findall(
            r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="[^"]+">([^<]+)</a>', content
        )

    def test_attention_first_across_pages_with_counts_over_every_page(self, client, settings, manager, iro, children):
        settings.CHILDREN_LIST_PAGE_SIZE = 2
        sign_in(client, manager)
        url = reverse("oversight:worklist")
        pages = every_page(client, url, {"iro": iro.pk, "show": "all"})
        assert [self.names_on(content) for content in pages] == [
            ["Ada Adams", "Cy Clark"],
            ["Bo Baker", "Abe Abbott"],
            ["Yan Young"],
        ]
        for content in pages:
            assert "5 children, the most urgent first" in content
            assert "1 check overdue" in content and "1 check due soon" in content
            assert "2 children with no oversight record this quarter" in content
            assert "1 In-Contact plan behind" in content
        assert link(pages[0], "next").startswith(f"?iro={iro.pk}&show=all&cursor=")
        assert link(pages[1], "prev").startswith(f"?iro={iro.pk}&show=all&cursor=")
        assert "Showing 3 to 4 of 5" in pages[1]
        assert (label(pages[1], "prev"), label(pages[1], "next")) == ("1 to 2 of 5", "5 to 5 of 5")
        assert [self.names_on(content) for content in every_page(client, url + link(pages[2], "prev"), rel="prev")] == [
            ["Bo Baker", "Abe Abbott"],
            ["Ada Adams", "Cy Clark"],
        ], "Previous goes back through the same pages"

    def test_needing_attention_is_paged_and_counted_in_full(self, client, settings, iro, children):
        settings.CHILDREN_LIST_PAGE_SIZE = 2
        sign_in(client, iro)
        first, second = every_page(client, reverse("oversight:worklist"))
        assert self.names_on(first) == ["Ada Adams", "Cy Clark"] and self.names_on(second) == ["Bo Baker"]
        assert "3 children need attention" in first and "3 children need attention" in second
        assert "2 children with no oversight record this quarter" in second
        assert link(first, "next").startswith("?cursor=")

    def test_most_urgent_first_overdue_checks_longest_overdue_first(self, client, iro, children):
        today = timezone.localdate()
        later = allocated_child(iro, "Al", "Aardvark", since=today - timedelta(days=300))
        services.record_oversight(
            later,
            by=iro,
            kind="case_file_check",
            date=today - timedelta(days=200),
            next_check_date=today - timedelta(days=1),
            today=today,
        )
        longer = allocated_child(iro, "Zed", "Zebra", since=today - timedelta(days=300))
        services.record_oversight(
            longer,
            by=iro,
            kind="case_file_check",
            date=today - timedelta(days=200),
            next_check_date=today - timedelta(days=30),
            today=today,
        )
        sign_in(client, iro)
        content = client.get(reverse("oversight:worklist")).content.decode()
        assert self.names_on(content) == ["Zed Zebra", "Ada Adams", "Al Aardvark", "Cy Clark", "Bo Baker"], (
            "overdue checks (longest overdue first), then the In-Contact plan behind, then the check due soon"
        )
        assert "5 children need attention, the most urgent first" in content

    def test_each_count_opens_the_list_it_counts(self, client, iro, children):
        sign_in(client, iro)
        content = client.get(reverse("oversight:worklist"), {"rag": "red", "cursor": "a-page-further"}).content.decode()
        assert '<a class="govuk-link" href="?rag=red&amp;show=overdue">0 checks overdue</a>' in content
        content = client.get(reverse("oversight:worklist")).content.decode()
        for show, words, names in (
            ("overdue", "1 check overdue", ["Ada Adams"]),
            ("contact_behind", "1 In-Contact plan behind", ["Cy Clark"]),
            ("due_soon", "1 check due soon", ["Bo Baker"]),
            ("no_record", "2 children with no oversight record this quarter", ["Ada Adams", "Cy Clark"]),
        ):
            assert f'<a class="govuk-link" href="?show={show}">{words}</a>' in content
            listed = client.get(reverse("oversight:worklist"), {"show": show}).content.decode()
            assert self.names_on(listed) == names, show
            assert f'<option value="{show}" selected>' in listed
            assert f'href="?show={show}" aria-current="true">{words}</a>' in listed, "the counts stay, over every child"

    def test_one_child_needing_attention(self, client, iro):
        allocated_child(iro, "Sol", "Single", since=timezone.localdate() - timedelta(days=30))
        sign_in(client, iro)
        content = client.get(reverse("oversight:worklist")).content.decode()
        assert "1 child needs attention" in content and "govuk-pagination" not in content

    def test_query_count_is_the_same_for_3_and_10_children_on_any_page(self, client, settings, manager, iro):
        settings.CHILDREN_LIST_PAGE_SIZE = 2
        today = timezone.localdate()
        sign_in(client, manager)

        def counts():
            found = []
            url = reverse("oversight:worklist")
            for show in ("all", "no_record"):
                first = client.get(url, {"show": show}).content.decode()
                for address in (f"{url}?show={show}", url + link(first, "next")):
                    with CaptureQueriesContext(connection) as queries:
                        assert client.get(address).status_code == 200
                    found.append(len(queries))
            return found

        for number in range(3):
            allocated_child(iro, f"Kid{number}", "Few", since=today - timedelta(days=30))
        few = counts()
        for number in range(7):
            allocated_child(iro, f"Kid{number}", "Many", since=today - timedelta(days=30))
        assert counts() == few


@pytest.mark.django_db
class TestPages:
    def test_record_oversight_page(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(
            reverse("oversight:record", args=[child.pk]),
            {
                "kind": "midway_review",
                "rag": "amber",
                "tracking": "Education plan drifting",
                "date_day": today.day,
                "date_month": today.month,
                "date_year": today.year,
            },
            follow=True,
        )
        content = response.content.decode()
        assert "Oversight recorded for Alex Oversight." in content
        assert "Education plan drifting" in content and "govuk-tag--orange" in content
        assert OversightRecord.objects.get().next_check_date == today + timedelta(weeks=5)

    def test_errors_are_shown_and_nothing_saved(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(
            reverse("oversight:record", args=[child.pk]),
            {
                "kind": "post_review",
                "rag": "red",
                "date_day": today.day,
                "date_month": today.month,
                "date_year": today.year,
            },
        )
        assert response.status_code == 400
        assert "A post-review rating follows a held review." in response.content.decode()
        assert not OversightRecord.objects.exists()

    def test_rate_page_after_recording_a_review(self, client, child, iro):
        review = held_review(child, iro)
        sign_in(client, iro)
        response = client.post(reverse("oversight:rate", args=[review.pk]), {"rag": "red"}, follow=True)
        assert "plan is rated red. Next check: 15 February 2025." in response.content.decode()

    def test_in_contact_page(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(
            reverse("oversight:in_contact", args=[child.pk]),
            {
                "method": "video",
                "every_weeks": "0",
                "agreed_on_day": today.day,
                "agreed_on_month": today.month,
                "agreed_on_year": today.year,
            },
        )
        assert "Enter at least 1 week" in response.content.decode()
        response = client.post(
            reverse("oversight:in_contact", args=[child.pk]),
            {
                "method": "video",
                "every_weeks": "3",
                "agreed_on_day": today.day,
                "agreed_on_month": today.month,
                "agreed_on_year": today.year,
                "version": 0,
            },
            follow=True,
        )
        assert "Video call every 3 weeks" in response.content.decode()

    def test_access(self, client, child, other_iro, board_member):
        sign_in(client, other_iro)
        assert client.get(reverse("oversight:record", args=[child.pk])).status_code == 404
        assert client.get(reverse("oversight:in_contact", args=[child.pk])).status_code == 404
        client.logout()
        sign_in(client, board_member)
        assert client.get(reverse("oversight:worklist")).status_code == 403
        assert client.get(reverse("oversight:record", args=[child.pk])).status_code == 403
