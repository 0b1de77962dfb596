"""Cover between IROs (DESIGN.md section 1): a service manager lets one IRO see, or see and record
for, another IRO's children from one day to another; it ends by itself; what the covering IRO
sees or changes is audited as under cover."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import CoverArrangement, CoverLevel
from audit.models import AuditEvent
from children.models import Child
from children.permissions import children_recordable_by, children_visible_to
from children.services import allocate_iro
from oversight.models import OversightRecord
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, IroFactory

DAY = datetime.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def covering(db):
    return IroFactory(first_name="Cora", last_name="Cover")


def cover(covering, covered, manager, *, starts_on, ends_on, level=CoverLevel.READ, **fields):
    return CoverArrangement.objects.create(
        covering_iro=covering,
        covered_iro=covered,
        starts_on=starts_on,
        ends_on=ends_on,
        level=level,
        reason="Annual leave",
        granted_by=manager,
        **fields,
    )


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def oversight_post(day):
    return {"kind": "midway_review", "rag": "amber", "tracking": "Education plan drifting", **date_fields("date", day)}


@pytest.mark.django_db
class TestTheRecord:
    def test_the_database_refuses_cover_ending_before_it_starts(self, covering, iro, manager, today):
        with pytest.raises(IntegrityError), transaction.atomic():
            cover(covering, iro, manager, starts_on=today, ends_on=today - DAY)

    def test_the_database_refuses_an_iro_covering_for_themselves(self, iro, manager, today):
        with pytest.raises(IntegrityError), transaction.atomic():
            cover(iro, iro, manager, starts_on=today, ends_on=today)


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_cover_opens_the_covered_iros_children_only_within_its_dates(
        self, covering, iro, manager, looked_after_child, other_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today + 2 * DAY)
        visible = lambda on: set(children_visible_to(covering, Child.objects.all(), on=on))  # noqa: E731
        assert visible(today - DAY) == set()
        assert visible(today) == visible(today + 2 * DAY) == {looked_after_child}
        assert visible(today + 3 * DAY) == set(), "cover ends by itself after its last day"

    def test_read_cover_does_not_let_the_iro_record_and_read_and_record_cover_does(
        self, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today)
        assert not children_recordable_by(covering, Child.objects.all()).exists()
        arrangement.level = CoverLevel.READ_AND_RECORD
        arrangement.save()
        assert list(children_recordable_by(covering, Child.objects.all())) == [looked_after_child]

    def test_cover_follows_the_covered_iros_current_allocations(
        self, covering, iro, other_iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today - 10 * DAY, ends_on=today + 10 * DAY)
        allocate_iro(looked_after_child, iro=other_iro, start_date=today - DAY, by=manager)
        assert not children_visible_to(covering, Child.objects.all()).exists()

    def test_the_child_page_says_whose_children_the_iro_covers_for(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today - DAY, ends_on=datetime.date(today.year + 1, 12, 12))
        sign_in(client, covering)
        content = client.get(reverse("children:detail", args=[looked_after_child.pk])).content.decode()
        assert "You are covering for Iris Reviewer until 12 December" in content
        assert "You can read this child’s record, not change it." in content
        assert reverse("oversight:record", args=[looked_after_child.pk]) not in content
        assert reverse("escalations:raise", args=[looked_after_child.pk]) not in content

    @pytest.mark.parametrize("starts, ends", [(1, 5), (-5, -1)], ids=["not started", "ended"])
    def test_cover_not_in_force_is_no_cover(
        self, client, covering, iro, manager, looked_after_child, today, starts, ends
    ):
        cover(
            covering,
            iro,
            manager,
            starts_on=today + starts * DAY,
            ends_on=today + ends * DAY,
            level=CoverLevel.READ_AND_RECORD,
        )
        sign_in(client, covering)
        assert client.get(reverse("children:detail", args=[looked_after_child.pk])).status_code == 404

    def test_cover_ended_early_is_no_cover(self, client, covering, iro, manager, looked_after_child, today):
        arrangement = cover(covering, iro, manager, starts_on=today - DAY, ends_on=today + DAY)
        services.end_cover_early(arrangement, by=manager, expected_version=1)
        sign_in(client, covering)
        assert client.get(reverse("children:detail", args=[looked_after_child.pk])).status_code == 404

    def test_cover_never_opens_another_iros_children(
        self, client, covering, iro, manager, looked_after_child, other_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today, level=CoverLevel.READ_AND_RECORD)
        sign_in(client, covering)
        assert client.get(reverse("children:detail", args=[other_child.pk])).status_code == 404
        assert client.get(f"/api/v1/children/{other_child.pk}/").status_code == 404


@pytest.mark.django_db
class TestRecordingUnderCover:
    def test_read_cover_refuses_a_change_and_saves_nothing(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        sign_in(client, covering)
        url = reverse("oversight:record", args=[looked_after_child.pk])
        assert client.get(url).status_code == 403
        response = client.post(url, oversight_post(today))
        assert response.status_code == 403
        assert "change them only under read and record cover" in response.content.decode()
        assert not OversightRecord.objects.exists()

    def test_read_and_record_cover_records_oversight_audited_as_under_cover(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today, level=CoverLevel.READ_AND_RECORD)
        sign_in(client, covering)
        response = client.post(reverse("oversight:record", args=[looked_after_child.pk]), oversight_post(today))
        assert response.status_code == 302
        record = OversightRecord.objects.get()
        event = AuditEvent.objects.get(
            action="create", object_type="oversight.oversightrecord", object_id=str(record.pk)
        )
        assert event.detail["under_cover"] == arrangement.pk
        assert event.detail["covering_for"] == iro.username

    def test_the_api_refuses_a_change_under_read_cover_with_a_clear_message(
        self, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        response = api_client(covering).post(
            "/api/v1/oversight-records/",
            {
                "child": looked_after_child.pk,
                "kind": "midway_review",
                "date": today.isoformat(),
                "rag": "red",
                "tracking": "Drift.",
            },
            format="json",
        )
        body = assert_error_shape(response, 403)
        assert "read-only access" in body["detail"]
        assert not OversightRecord.objects.exists()

    def test_the_api_shows_the_child_under_read_cover_and_audits_the_view_as_such(
        self, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today)
        response = api_client(covering).get(f"/api/v1/children/{looked_after_child.pk}/")
        assert response.status_code == 200
        event = AuditEvent.objects.filter(action="view", child_id=looked_after_child.pk).get()
        assert event.detail["under_cover"] == arrangement.pk


@pytest.mark.django_db
class TestAudit:
    def test_a_view_under_cover_is_marked_and_a_view_of_ones_own_child_is_not(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today)
        own = ChildFactory(given_name="Owned", family_name="Bycora")
        CareEpisodeFactory(child=own)
        AllocationFactory(child=own, iro=covering)
        sign_in(client, covering)
        client.get(reverse("children:detail", args=[looked_after_child.pk]))
        client.get(reverse("children:detail", args=[own.pk]))
        covered_view = AuditEvent.objects.get(action="view", child_id=looked_after_child.pk)
        assert covered_view.detail == {
            "under_cover": arrangement.pk,
            "covering_for": iro.username,
            "cover_level": "read",
        }
        assert "under_cover" not in AuditEvent.objects.get(action="view", child_id=own.pk).detail

    def test_the_audit_log_shows_and_filters_what_was_done_under_cover(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        sign_in(client, iro)
        client.get(reverse("children:detail", args=[looked_after_child.pk]))
        sign_in(client, covering)
        client.get(reverse("children:detail", args=[looked_after_child.pk]))
        sign_in(client, manager)
        content = client.get(reverse("audit:list"), {"under_cover": "on", "action": "view"}).content.decode()
        assert "1 event, newest first" in content
        assert f"Covering for {iro}" in content and f"{covering} ({covering.username})" in content

    def test_a_list_page_marks_the_children_it_showed_under_cover_and_only_those(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today)
        own = ChildFactory(given_name="Owned", family_name="Bycora")
        CareEpisodeFactory(child=own)
        AllocationFactory(child=own, iro=covering)
        sign_in(client, covering)
        assert client.get(reverse("children:caseload")).status_code == 200
        event = AuditEvent.objects.get(action="view", detail__list=reverse("children:caseload"))
        assert set(event.detail["child_ids"]) == {own.pk, looked_after_child.pk}
        assert event.detail["child_ids_under_cover"] == [looked_after_child.pk]
        assert event.detail["under_cover"] == [arrangement.pk]
        assert event.detail["covering_for"] == iro.username

    def test_a_list_of_ones_own_children_only_is_not_marked_under_cover(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        sign_in(client, iro)
        assert client.get(reverse("children:caseload")).status_code == 200
        event = AuditEvent.objects.get(action="view", detail__list=reverse("children:caseload"))
        assert event.detail["child_ids"] == [looked_after_child.pk]
        assert "under_cover" not in event.detail and "child_ids_under_cover" not in event.detail

    def test_an_api_list_under_cover_is_marked_and_the_audit_log_finds_it(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today)
        assert api_client(covering).get("/api/v1/children/").status_code == 200
        event = AuditEvent.objects.get(action="view", detail__list="/api/v1/children/")
        assert event.detail["child_ids_under_cover"] == [looked_after_child.pk]
        assert event.detail["under_cover"] == [arrangement.pk]
        sign_in(client, manager)
        content = client.get(
            reverse("audit:list"), {"under_cover": "on", "child": str(looked_after_child.pk), "action": "view"}
        ).content.decode()
        assert "1 event, newest first" in content
        assert f"Covering for {iro.username}" in content and "/api/v1/children/" in content


@pytest.mark.django_db
class TestCaseload:
    def test_the_caseload_lists_the_children_covered_for_until_the_last_day(
        self, client, covering, iro, manager, looked_after_child, other_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=datetime.date(today.year + 1, 12, 12))
        sign_in(client, covering)
        content = client.get(reverse("children:caseload")).content.decode()
        assert f"Covering for Iris Reviewer until 12 December {today.year + 1}" in content
        assert "Robin Looked-After" in content and "Casey Elsewhere" not in content
        assert "Children allocated to you</dt>" in content

    def test_the_caseload_and_reviews_lists_keep_their_number_of_queries_under_cover(
        self, client, covering, iro, manager, looked_after_child, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        sign_in(client, covering)

        def counts():
            found = []
            for name in ("children:caseload", "reviews:due", "children:list", "escalations:list"):
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(reverse(name)).status_code == 200
                found.append(len(queries))
            return found

        few = counts()
        for number in range(5):
            child = ChildFactory(given_name=f"Kid{number}", family_name="Covered")
            CareEpisodeFactory(child=child)
            AllocationFactory(child=child, iro=iro)
        assert counts() == few


@pytest.mark.django_db
class TestManagersPages:
    def grant_post(self, covering, iro, today, **changes):
        return {
            "covered_iro": iro.pk,
            "covering_iro": covering.pk,
            **date_fields("starts_on", today),
            **date_fields("ends_on", today + 7 * DAY),
            "level": "read_and_record",
            "reason": "Annual leave",
            **changes,
        }

    def test_grant_check_answers_and_confirmation(self, client, covering, iro, manager, today):
        sign_in(client, manager)
        assert client.get(reverse("cover_grant")).status_code == 200
        response = client.post(reverse("cover_grant"), self.grant_post(covering, iro, today))
        assert response["Location"] == reverse("cover_check")
        assert not CoverArrangement.objects.exists(), "nothing is granted before the answers are checked"
        check = client.get(reverse("cover_check")).content.decode()
        assert "Check the cover before you grant it" in check and "Cora Cover" in check and "Annual leave" in check
        response = client.post(reverse("cover_check"))
        arrangement = CoverArrangement.objects.get()
        assert response["Location"] == reverse("cover_granted", args=[arrangement.pk])
        assert (arrangement.covering_iro, arrangement.covered_iro, arrangement.level, arrangement.granted_by) == (
            covering,
            iro,
            CoverLevel.READ_AND_RECORD,
            manager,
        )
        confirmation = client.get(response["Location"]).content.decode()
        assert "govuk-panel--confirmation" in confirmation and "Cover granted" in confirmation
        assert AuditEvent.objects.filter(action="create", object_type="accounts.coverarrangement").count() == 1
        assert "Cora Cover" in client.get(reverse("cover_list")).content.decode()

    @pytest.mark.parametrize(
        "changes, message",
        [
            ({"covering_iro": "same"}, "an IRO cannot cover for themselves"),
            ({"reason": "  "}, "Enter the reason for cover"),
            (
                {"ends_on_day": "1", "ends_on_month": "1", "ends_on_year": "2000"},
                "The last day of cover must be the same as or after the first day",
            ),
        ],
        ids=["themselves", "no reason", "ends before it starts"],
    )
    def test_a_wrong_answer_shows_the_error_and_saves_nothing(
        self, client, covering, iro, manager, today, changes, message
    ):
        if changes.get("covering_iro") == "same":
            changes = {"covering_iro": iro.pk}
        sign_in(client, manager)
        response = client.post(reverse("cover_grant"), self.grant_post(covering, iro, today, **changes))
        content = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in content and "There is a problem" in content and message in content
        assert "cover_to_grant" not in client.session
        assert not CoverArrangement.objects.exists()

    def test_overlapping_cover_for_the_same_iros_is_refused(self, client, covering, iro, manager, today):
        cover(covering, iro, manager, starts_on=today + 3 * DAY, ends_on=today + 20 * DAY)
        sign_in(client, manager)
        response = client.post(reverse("cover_grant"), self.grant_post(covering, iro, today))
        assert response.status_code == 400
        assert "already covers for Iris Reviewer on some of these days" in response.content.decode()
        assert CoverArrangement.objects.count() == 1

    def test_cover_granted_by_someone_else_meanwhile_is_refused_on_the_check_answers_page(
        self, client, covering, iro, manager, today
    ):
        sign_in(client, manager)
        client.post(reverse("cover_grant"), self.grant_post(covering, iro, today))
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        response = client.post(reverse("cover_check"))
        content = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in content and "already covers for Iris Reviewer on some of these days" in content
        assert CoverArrangement.objects.count() == 1

    def test_end_early_after_confirming(self, client, covering, iro, manager, looked_after_child, today):
        arrangement = cover(covering, iro, manager, starts_on=today - DAY, ends_on=today + DAY)
        sign_in(client, manager)
        page = client.get(reverse("cover_end", args=[arrangement.pk])).content.decode()
        assert "End cover now" in page
        response = client.post(reverse("cover_end", args=[arrangement.pk]), {"version": 1}, follow=True)
        assert "Cover ended: Cora Cover can no longer see Iris Reviewer’s children." in response.content.decode()
        arrangement.refresh_from_db()
        assert arrangement.ended_at is not None and arrangement.ended_by == manager and arrangement.version == 2
        assert not children_visible_to(covering, Child.objects.all()).exists()

    def test_ending_cover_someone_else_changed_is_refused(self, client, covering, iro, manager, today):
        arrangement = cover(covering, iro, manager, starts_on=today - DAY, ends_on=today + DAY, version=2)
        sign_in(client, manager)
        response = client.post(reverse("cover_end", args=[arrangement.pk]), {"version": 1})
        content = response.content.decode()
        assert response.status_code == 409
        assert "<title>Error:" in content and "govuk-error-summary" in content
        assert "Someone else changed this cover arrangement" in content
        arrangement.refresh_from_db()
        assert arrangement.ended_at is None and arrangement.version == 2

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_cover_already_ended_goes_back_to_the_list_with_a_message(
        self, client, covering, iro, manager, today, method
    ):
        arrangement = cover(covering, iro, manager, starts_on=today - DAY, ends_on=today + DAY)
        services.end_cover_early(arrangement, by=manager, expected_version=1)
        sign_in(client, manager)
        response = getattr(client, method)(reverse("cover_end", args=[arrangement.pk]), {"version": 2}, follow=True)
        assert response.redirect_chain == [(reverse("cover_list"), 302)]
        assert "This cover has already ended." in response.content.decode()
        assert CoverArrangement.objects.get(pk=arrangement.pk).version == 2

    def test_iros_cannot_grant_cover(self, client, covering, iro, today):
        sign_in(client, iro)
        response = client.post(reverse("cover_grant"), self.grant_post(covering, iro, today))
        assert response.status_code == 403
        assert client.get(reverse("cover_list")).status_code == 403
        assert not CoverArrangement.objects.exists()


@pytest.mark.django_db
class TestReviewsUnderCover:
    @pytest.fixture
    def due_review(self, iro, manager, today):
        from children import services as children_services
        from reviews.models import Review

        child = ChildFactory(given_name="Robin", family_name="Reviewed")
        children_services.record_care_episode(
            child,
            by=manager,
            start_date=today - 5 * DAY,
            reason_for_new_episode="S",
            legal_status="C2",
            category_of_need="N1",
            placement_type="U6",
            placement_provider="PR1",
        )
        AllocationFactory(child=child, iro=iro, start_date=today - 5 * DAY)
        return Review.objects.get(child=child, kind="LAC", status="due")

    def booking(self, review, today):
        return {"booked_for": f"{(today + 3 * DAY).isoformat()}T10:00:00Z", "version": review.version}

    def test_read_cover_shows_the_review_without_its_buttons_and_refuses_recording(
        self, client, covering, iro, manager, due_review, today
    ):
        cover(covering, iro, manager, starts_on=today, ends_on=today)
        sign_in(client, covering)
        detail = client.get(reverse("reviews:detail", args=[due_review.pk]))
        assert detail.status_code == 200
        assert reverse("reviews:record_tasks", args=[due_review.pk]) not in detail.content.decode()
        for name in ("reviews:record", "reviews:record_tasks", "reviews:record_check"):
            assert client.get(reverse(name, args=[due_review.pk])).status_code == 403
        response = api_client(covering).post(
            f"/api/v1/reviews/{due_review.pk}/book/", self.booking(due_review, today), format="json"
        )
        assert_error_shape(response, 403)
        due_review.refresh_from_db()
        assert due_review.status == "due" and due_review.booked_for is None

    def test_read_and_record_cover_books_the_review_audited_as_under_cover(
        self, covering, iro, manager, due_review, today
    ):
        arrangement = cover(covering, iro, manager, starts_on=today, ends_on=today, level=CoverLevel.READ_AND_RECORD)
        response = api_client(covering).post(
            f"/api/v1/reviews/{due_review.pk}/book/", self.booking(due_review, today), format="json"
        )
        assert response.status_code == 200, response.content
        due_review.refresh_from_db()
        assert due_review.status == "booked"
        event = AuditEvent.objects.filter(
            object_type="reviews.review", object_id=str(due_review.pk), user=covering
        ).get()
        assert event.detail["under_cover"] == arrangement.pk
