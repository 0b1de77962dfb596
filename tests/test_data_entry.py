"""Entering children's records in the browser (children.entry_views): a child and their first
care episode, episodes changed and ended, strategy discussions, child protection plans. The pages
call the API's services, so they refuse what the API refuses with the same message; service
managers and business support enter, IROs only read, board members see nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from children.models import CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from iro_portal.dates import format_date
from iro_portal.locking import RECORD_CHANGED_MESSAGE
from reviews.models import Review
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import brought_into_care, sign_in
from tests.factories import CareEpisodeFactory, ChildFactory, ChildProtectionPlanFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def date_fields(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def child_answers(**changes):
    answers = {
        "local_child_id": "NEW123",
        "given_name": "Alex",
        "family_name": "Newcome",
        **date_fields("date_of_birth", datetime.date(2014, 2, 3)),
        "sex": "M",
        "ethnicity": "WBRI",
        "upn": "",
        "is_mother": "not_recorded",
    }
    return {**answers, **changes}


def episode_answers(start, **changes):
    answers = {
        **date_fields("start_date", start),
        "reason_for_new_episode": "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "U6",
        "placement_provider": "PR1",
    }
    return {**answers, **changes}


def errors_on(response):
    return response.content.decode()


@pytest.fixture
def child_in_care(iro, manager):
    child = ChildFactory(given_name="Robin", family_name="Looked-After")
    brought_into_care(child, by=manager, start=TODAY() - datetime.timedelta(days=90), iro=iro)
    return child


class TestAddingAChildEnteringCare:
    def test_a_manager_adds_a_child_then_the_first_episode_and_is_told_when_the_first_review_is_due(
        self, client, manager
    ):
        sign_in(client, manager)
        response = client.post(reverse("children:add"), child_answers())
        child = Child.objects.get(local_child_id="NEW123")
        assert response.status_code == 302 and response["Location"] == reverse("children:add_episode", args=[child.pk])
        form = client.get(response["Location"]).content.decode()
        assert "Record that the child started to be looked after" in form
        assert 'value="S" selected' in form

        start = TODAY() - datetime.timedelta(days=3)
        response = client.post(reverse("children:add_episode", args=[child.pk]), episode_answers(start))
        episode = CareEpisode.objects.get(child=child)
        assert response["Location"] == reverse("children:episode_recorded", args=[episode.pk])
        review = Review.objects.get(child=child, kind="LAC", status="due")
        confirmation = client.get(response["Location"]).content.decode()
        assert (
            f"LAC review 1 for Alex Newcome is due by <strong>{format_date(review.due_date)}</strong>" in confirmation
        )
        assert AuditEvent.objects.filter(action="create", object_type="children.child", child_id=child.pk).exists()

    def test_business_support_adds_a_child(self, client, business_support):
        sign_in(client, business_support)
        assert client.get(reverse("children:add")).status_code == 200
        response = client.post(reverse("children:add"), child_answers(sex="F", is_mother="no"))
        assert response.status_code == 302
        assert Child.objects.get(local_child_id="NEW123").is_mother is False

    def test_a_used_local_child_id_is_refused_with_the_api_s_message_and_nothing_is_saved(
        self, client, manager, business_support
    ):
        ChildFactory(local_child_id="NEW123")
        sign_in(client, manager)
        response = client.post(reverse("children:add"), child_answers(local_child_id="new123"))
        assert response.status_code == 400
        message = "A child with local child ID new123 already exists."
        assert message in errors_on(response)
        body = assert_error_shape(
            api_client(business_support).post(
                "/api/v1/children/",
                {
                    "local_child_id": "new123",
                    "given_name": "Alex",
                    "family_name": "Newcome",
                    "date_of_birth": "2014-02-03",
                    "sex": "M",
                    "ethnicity": "WBRI",
                },
                format="json",
            ),
            400,
            "local_child_id",
        )
        assert body["errors"]["local_child_id"] == [message]
        assert Child.objects.filter(local_child_id__iexact="new123").count() == 1

    def test_motherhood_for_a_boy_is_refused_as_by_the_service(self, client, manager):
        sign_in(client, manager)
        response = client.post(reverse("children:add"), child_answers(is_mother="no"))
        assert response.status_code == 400
        assert "Whether a child is a mother is recorded for girls only" in errors_on(response)
        assert not Child.objects.filter(local_child_id="NEW123").exists()


class TestCareEpisodes:
    def test_a_future_episode_is_refused_on_the_page_and_by_the_api_with_the_same_message(
        self, client, manager, business_support
    ):
        child = ChildFactory()
        tomorrow = TODAY() + datetime.timedelta(days=1)
        sign_in(client, manager)
        response = client.post(reverse("children:add_episode", args=[child.pk]), episode_answers(tomorrow))
        assert response.status_code == 400
        message = "The date the episode commenced cannot be in the future."
        assert message in errors_on(response)
        body = assert_error_shape(
            api_client(business_support).post(
                "/api/v1/care-episodes/",
                {
                    "child": child.pk,
                    "start_date": tomorrow.isoformat(),
                    "reason_for_new_episode": "S",
                    "legal_status": "C2",
                    "category_of_need": "N1",
                    "placement_type": "U6",
                    "placement_provider": "PR1",
                },
                format="json",
            ),
            400,
            "start_date",
        )
        assert body["errors"]["start_date"] == [message]
        assert not CareEpisode.objects.filter(child=child).exists()

    def test_an_overlapping_episode_is_refused_at_the_top_of_the_page(self, client, business_support, child_in_care):
        sign_in(client, business_support)
        start = TODAY() - datetime.timedelta(days=30)
        response = client.post(reverse("children:add_episode", args=[child_in_care.pk]), episode_answers(start))
        assert response.status_code == 400
        assert "A child&#x27;s episodes of care cannot overlap" in errors_on(response)
        assert child_in_care.episodes.count() == 1

    def test_changing_an_episode_saves_it_and_a_stale_change_is_a_409(self, client, manager, child_in_care):
        episode = child_in_care.episodes.get()
        url = reverse("children:change_episode", args=[episode.pk])
        sign_in(client, manager)
        assert 'name="version" value="1"' in client.get(url).content.decode()
        answers = {**episode_answers(episode.start_date, legal_status="C1"), "version": 1}
        assert client.post(url, answers).status_code == 302
        episode.refresh_from_db()
        assert (episode.legal_status, episode.version) == ("C1", 2)
        response = client.post(url, {**answers, "legal_status": "C2"})
        assert response.status_code == 409
        assert "Someone else changed this record while you were editing it." in errors_on(response)
        episode.refresh_from_db()
        assert episode.legal_status == "C1"
        assert RECORD_CHANGED_MESSAGE.startswith("Someone else changed this record")

    def test_ending_an_episode_is_checked_before_it_is_saved(self, client, business_support, child_in_care):
        episode = child_in_care.episodes.get()
        url = reverse("children:end_episode", args=[episode.pk])
        ended = TODAY() - datetime.timedelta(days=1)
        answers = {**date_fields("end_date", ended), "reason_episode_ceased": "E4A", "version": 1}
        sign_in(client, business_support)
        check = client.post(url, answers)
        assert check.status_code == 200
        page = check.content.decode()
        assert "Check before you end the care episode" in page and format_date(ended) in page
        assert "Returned home as part of the care plan (E4A)" in page
        episode.refresh_from_db()
        assert episode.end_date is None
        changed = client.post(url, {**answers, "change": "yes"})
        assert 'name="end_date_day"' in changed.content.decode()
        assert client.post(url, {**answers, "confirmed": "yes"}).status_code == 302
        episode.refresh_from_db()
        assert (episode.end_date, episode.reason_episode_ceased) == (ended, "E4A")
        assert not Review.objects.filter(child=child_in_care, kind="LAC", status__in=["due", "booked"]).exists()

    def test_ending_an_episode_someone_else_changed_meanwhile_is_a_409_and_saves_nothing(
        self, client, manager, business_support, child_in_care
    ):
        episode = child_in_care.episodes.get()
        url = reverse("children:end_episode", args=[episode.pk])
        answers = {**date_fields("end_date", TODAY()), "reason_episode_ceased": "E8", "version": 1}
        sign_in(client, business_support)
        assert client.post(url, answers).status_code == 200  # the check-answers step
        api_client(manager).patch(
            f"/api/v1/care-episodes/{episode.pk}/", {"legal_status": "C1", "version": 1}, format="json"
        )
        response = client.post(url, {**answers, "confirmed": "yes"})
        assert response.status_code == 409
        assert "Someone else changed this record while you were editing it." in errors_on(response)
        episode.refresh_from_db()
        assert (episode.end_date, episode.legal_status, episode.version) == (None, "C1", 2)

    def test_the_navigation_shows_business_support_the_children_and_no_manager_s_pages(self, client, business_support):
        sign_in(client, business_support)
        page = client.get(reverse("children:list")).content.decode()
        assert 'href="/children/add/"' in page
        for manager_only in ("/dashboard/", "/reports/", "/audit/", "/manage/"):
            assert f'href="{manager_only}"' not in page

    def test_an_end_date_without_a_reason_is_an_error_against_the_field(self, client, manager, child_in_care):
        episode = child_in_care.episodes.get()
        sign_in(client, manager)
        response = client.post(
            reverse("children:end_episode", args=[episode.pk]),
            {**date_fields("end_date", TODAY()), "version": 1, "confirmed": "yes"},
        )
        assert response.status_code == 400
        assert "Choose the reason the episode ended" in errors_on(response)


class TestStrategyDiscussionsAndPlans:
    def test_business_support_records_a_strategy_discussion(self, client, business_support, child_in_care):
        sign_in(client, business_support)
        day = TODAY() - datetime.timedelta(days=2)
        response = client.post(
            reverse("children:add_strategy_discussion", args=[child_in_care.pk]),
            {**date_fields("date", day), "section_47_enquiry_started": "yes"},
        )
        assert response.status_code == 302
        assert StrategyDiscussion.objects.get(child=child_in_care).section_47_enquiry_started
        assert Review.objects.filter(child=child_in_care, kind="ICPC", status="due").exists()
        again = client.post(
            reverse("children:add_strategy_discussion", args=[child_in_care.pk]),
            {**date_fields("date", day), "section_47_enquiry_started": "no"},
        )
        assert again.status_code == 400
        assert f"A strategy discussion on {format_date(day)} is already recorded." in errors_on(again)

    def test_a_plan_is_started_recategorised_and_ended_after_a_check(self, client, manager, child_in_care):
        sign_in(client, manager)
        start = TODAY() - datetime.timedelta(days=20)
        response = client.post(
            reverse("children:start_plan", args=[child_in_care.pk]),
            {**date_fields("start_date", start), "initial_category_of_abuse": "NEG"},
        )
        assert response.status_code == 302
        plan = ChildProtectionPlan.objects.get(child=child_in_care)
        response = client.post(reverse("children:plan_category", args=[plan.pk]), {"category": "EMO", "version": 1})
        assert response.status_code == 302
        plan.refresh_from_db()
        assert (plan.current_category_of_abuse, plan.version) == ("EMO", 2)
        end = {**date_fields("end_date", TODAY()), "end_reason": "no_longer_at_risk", "version": 2}
        url = reverse("children:end_plan", args=[plan.pk])
        assert "Check before you end the child protection plan" in client.post(url, end).content.decode()
        plan.refresh_from_db()
        assert plan.end_date is None
        assert client.post(url, {**end, "confirmed": "yes"}).status_code == 302
        plan.refresh_from_db()
        assert (plan.end_date, plan.end_reason) == (TODAY(), "no_longer_at_risk")

    def test_a_plan_ending_before_it_started_is_refused_as_the_api_refuses_it(self, client, manager, child_in_care):
        plan = ChildProtectionPlanFactory(child=child_in_care, start_date=TODAY() - datetime.timedelta(days=5))
        before = TODAY() - datetime.timedelta(days=6)
        sign_in(client, manager)
        response = client.post(
            reverse("children:end_plan", args=[plan.pk]),
            {**date_fields("end_date", before), "end_reason": "other", "version": 1, "confirmed": "yes"},
        )
        assert response.status_code == 400
        message = "A plan cannot end before it started."
        assert message in errors_on(response)
        body = assert_error_shape(
            api_client(manager).patch(
                f"/api/v1/protection-plans/{plan.pk}/",
                {"end_date": before.isoformat(), "end_reason": "other", "version": 1},
                format="json",
            ),
            400,
            "end_date",
        )
        assert body["errors"]["end_date"] == [message]

    def test_the_api_still_wants_an_end_reason_with_an_end_date(self, manager, child_in_care):
        plan = ChildProtectionPlanFactory(child=child_in_care, start_date=TODAY() - datetime.timedelta(days=5))
        body = assert_error_shape(
            api_client(manager).patch(
                f"/api/v1/protection-plans/{plan.pk}/", {"end_date": TODAY().isoformat(), "version": 1}, format="json"
            ),
            400,
            "end_reason",
        )
        assert body["errors"]["end_reason"] == ["Give the reason the plan ended with its end date."]


class TestWhoMayEnter:
    ENTRY_PAGES = ("add_episode", "add_strategy_discussion", "start_plan")

    def test_an_iro_sees_the_records_read_only_and_cannot_open_the_forms(self, client, iro, child_in_care):
        plan = ChildProtectionPlanFactory(child=child_in_care, start_date=TODAY() - datetime.timedelta(days=5))
        sign_in(client, iro)
        page = client.get(reverse("children:detail", args=[child_in_care.pk])).content.decode()
        assert (
            "Periods of care" in page
            and "Add a care episode" not in page
            and "Start a child protection plan" not in page
        )
        assert reverse("children:end_plan", args=[plan.pk]) not in page
        assert client.get(reverse("children:add")).status_code == 403
        for name in self.ENTRY_PAGES:
            assert client.get(reverse(f"children:{name}", args=[child_in_care.pk])).status_code == 403
        assert client.get(reverse("children:end_plan", args=[plan.pk])).status_code == 403
        response = client.post(reverse("children:add_episode", args=[child_in_care.pk]), episode_answers(TODAY()))
        assert response.status_code == 403

    def test_business_support_sees_the_links_but_records_no_review_and_has_no_dashboard(
        self, client, business_support, child_in_care
    ):
        sign_in(client, business_support)
        page = client.get(reverse("children:detail", args=[child_in_care.pk])).content.decode()
        assert reverse("children:add_episode", args=[child_in_care.pk]) in page
        assert reverse("children:add_strategy_discussion", args=[child_in_care.pk]) in page
        for not_theirs in ("oversight:record", "escalations:raise", "children:motherhood"):
            assert reverse(not_theirs, args=[child_in_care.pk]) not in page
        due = Review.objects.get(child=child_in_care, kind="LAC", status="due")
        for name in ("reviews:record", "reviews:record_tasks", "reviews:book"):
            assert client.get(reverse(name, args=[due.pk])).status_code == 403
        assert client.get(reverse("reporting:dashboard")).status_code == 403
        assert client.get(reverse("audit:list")).status_code == 403
        assert client.get("/").url == reverse("children:list")

    def test_business_support_see_every_review_due_and_held_but_no_worklist(
        self, client, business_support, other_iro, manager, child_in_care
    ):
        theirs = ChildFactory(given_name="Sky", family_name="Elsewhere")
        brought_into_care(theirs, by=manager, start=TODAY() - datetime.timedelta(days=10), iro=other_iro)
        sign_in(client, business_support)
        due = client.get(reverse("reviews:due")).content.decode()
        assert "<title>Reviews due" in due and '<h1 class="govuk-heading-l">Reviews due</h1>' in due
        assert "My reviews" not in due
        assert "Robin Looked-After" in due and "Sky Elsewhere" in due
        assert 'name="iro"' in due
        assert f'class="govuk-service-navigation__link" href="{reverse("reviews:due")}"' in due
        held = client.get(reverse("reviews:held")).content.decode()
        assert '<h1 class="govuk-heading-l">Reviews held</h1>' in held and "My reviews held" not in held
        for refused in ("oversight:worklist", "escalations:list", "reporting:dashboard"):
            assert client.get(reverse(refused)).status_code == 403

    def test_a_board_member_is_refused(self, client, board_member, child_in_care):
        sign_in(client, board_member)
        assert client.get(reverse("children:add")).status_code == 403
        assert client.get(reverse("children:add_episode", args=[child_in_care.pk])).status_code == 403

    def test_business_support_creates_through_the_api_and_an_iro_may_not_add_a_child(self, business_support, iro):
        answers = {
            "local_child_id": "API777",
            "given_name": "Api",
            "family_name": "Child",
            "date_of_birth": "2015-01-01",
            "sex": "U",
            "ethnicity": "NOBT",
        }
        assert api_client(business_support).post("/api/v1/children/", answers, format="json").status_code == 201
        assert api_client(iro).post("/api/v1/children/", {**answers, "local_child_id": "API778"}).status_code == 403


def test_business_support_enters_episodes_and_discussions_through_the_api_but_records_no_review(
    business_support, child_in_care
):
    client = api_client(business_support)
    episode = child_in_care.episodes.get()
    changed = client.patch(
        f"/api/v1/care-episodes/{episode.pk}/", {"placement_provider": "PR4", "version": 1}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["placement_provider"] == "PR4"
    discussion = {"child": child_in_care.pk, "date": TODAY().isoformat(), "section_47_enquiry_started": False}
    assert client.post("/api/v1/strategy-discussions/", discussion, format="json").status_code == 201
    due = Review.objects.get(child=child_in_care, kind="LAC", status="due")
    booked = client.post(
        f"/api/v1/reviews/{due.pk}/book/", {"booked_for": f"{TODAY().isoformat()}T10:00:00Z"}, format="json"
    )
    assert booked.status_code == 403


class TestQueryCounts:
    def test_each_page_issues_a_fixed_number_of_queries(self, client, business_support, child_in_care):
        plan = ChildProtectionPlanFactory(child=child_in_care, start_date=TODAY() - datetime.timedelta(days=5))
        episode = child_in_care.episodes.get()
        sign_in(client, business_support)
        pages = [
            reverse("children:add"),
            reverse("children:add_episode", args=[child_in_care.pk]),
            reverse("children:change_episode", args=[episode.pk]),
            reverse("children:end_episode", args=[episode.pk]),
            reverse("children:episode_recorded", args=[episode.pk]),
            reverse("children:add_strategy_discussion", args=[child_in_care.pk]),
            reverse("children:start_plan", args=[child_in_care.pk]),
            reverse("children:plan_category", args=[plan.pk]),
            reverse("children:end_plan", args=[plan.pk]),
        ]
        counts = {}
        for url in pages:
            counts[url] = queries_for(client, url)
        # More records about the child change no page's count.
        for days in (200, 150):
            CareEpisodeFactory(
                child=child_in_care,
                start_date=TODAY() - datetime.timedelta(days=days),
                end_date=TODAY() - datetime.timedelta(days=days - 20),
            )
        ChildProtectionPlanFactory(
            child=child_in_care,
            start_date=TODAY() - datetime.timedelta(days=300),
            end_date=TODAY() - datetime.timedelta(days=250),
        )
        assert {url: queries_for(client, url) for url in pages} == counts
        assert max(counts.values()) <= 12, counts
