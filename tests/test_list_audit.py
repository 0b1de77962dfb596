"""Lists of children's records leave a trace: every page of every list (the pages and the API)
is one audit event naming the user, the list, its filters, the page and every child shown, and
the audit log finds "who saw this child" through those lists too."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.mixins import ListModelMixin

from accounts.api_permissions import ChildRecords
from audit import selectors
from audit.api import AuditedList
from audit.models import AppendOnlyError, AuditEvent, AuditEventChild
from children import services as children_services
from consultations import services as consultation_services
from escalations import services as escalation_services
from escalations.codes import Stage
from notifications.api import NotificationViewSet
from notifications.models import Notification
from outcomes import adoption_services, missing_services
from outcomes.models import CareLeaverRecord, HealthRecord
from oversight import services as oversight_services
from reviews import services as review_services
from reviews.models import Review, ReviewAction
from tests.api_helpers import api_client, queries_for
from tests.conftest import postgresql_only, sign_in
from tests.factories import (
    AllocationFactory,
    ChildFactory,
    ChildProtectionPlanFactory,
    StrategyDiscussionFactory,
    record_attendance_and_views,
)
from tests.paging import link

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
API_LISTS = [
    "children",
    "care-episodes",
    "health-records",
    "care-leaver-records",
    "protection-plans",
    "strategy-discussions",
    "allocations",
    "reviews",
    "review-actions",
    "conferences",
    "oversight-records",
    "escalations",
    "escalation-steps",
    "consultation-invitations",
    "missing-episodes",
    "adoption-decisions",
    "adoptions",
    "previous-permanence",
]


def child_with_records(iro, manager, name):
    """A child in care for 60 days with a record of every kind the lists show."""
    start = TODAY - timedelta(days=60)
    child = ChildFactory(given_name=name, family_name="Listed")
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=start,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=start)
    ChildProtectionPlanFactory(child=child)
    StrategyDiscussionFactory(child=child)
    missing_services.record_missing_episode(
        child, kind="M", start_date=start + timedelta(days=5), by=manager, today=TODAY
    )
    adoption_services.record_adoption_decision(child, decided_on=start + timedelta(days=5), by=manager, today=TODAY)
    adoption_services.record_adoption(
        child,
        by=manager,
        today=TODAY,
        decided_on=start + timedelta(days=5),
        matched_on=start + timedelta(days=20),
        by_former_foster_carers=False,
        number_of_adopters=1,
        adopters_sex="F1",
        adopters_legal_status="L0",
    )
    adoption_services.record_previous_permanence(child, order="Z1", by=manager, expected_version=0, today=TODAY)
    review = Review.objects.get(child=child, kind="LAC", status__in=["due", "booked"])
    review_services.record_review_held(
        record_attendance_and_views(review),
        by=manager,
        fields={"held_on": TODAY - timedelta(days=40), "participation_code": "PN1"},
    )
    ReviewAction.objects.create(review=review, description="Dentist", owner_name="Carer", due_date=TODAY)
    oversight_services.record_oversight(
        child, by=iro, kind="case_file_check", date=TODAY - timedelta(days=5), today=TODAY
    )
    escalation_services.raise_escalation(
        child,
        by=iro,
        areas=["placement"],
        what_is_wrong="Drift.",
        what_is_asked="A meeting.",
        stage=Stage.INFORMAL,
        addressed_to_name="Sam Social",
        addressed_to_role="Social worker",
        raised_on=TODAY - timedelta(days=3),
        today=TODAY,
    )
    HealthRecord.objects.create(child=child, year=TODAY.year - 1, health_assessment=True)
    CareLeaverRecord.objects.create(child=child, year=TODAY.year - 1, in_touch="YES", activity="F2", accommodation="U1")
    next_review = Review.objects.get(child=child, kind="LAC", status__in=["due", "booked"])
    child_link = consultation_services.issue_invitation(next_review, person_type="child", by=iro)
    consultation_services.submit_response(child_link.code, {"feels_safe": False})
    Notification.objects.create(
        recipient=iro,
        kind="review_due",
        subject_type="review",
        subject_id=review.pk,
        child=child,
        due_date=TODAY,
        step="10",
        message="A review is due.",
        link="/reviews/",
    )
    return child


@pytest.fixture
def two_children(iro, other_iro, manager):
    return child_with_records(iro, manager, "Robin"), child_with_records(other_iro, manager, "Casey")


def list_events():
    return AuditEvent.objects.filter(action="view", detail__has_key="child_ids").order_by("id")


def only_new_event(before_id, user):
    events = list(AuditEvent.objects.filter(pk__gt=before_id, action="view"))
    assert len(events) == 1, [(event.object_type, event.detail) for event in events]
    event = events[0]
    assert event.user == user
    assert list(event.children_shown.order_by("child_id").values_list("child_id", flat=True)) == sorted(
        event.detail["child_ids"]
    )
    return event


def last_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_every_api_list_of_childrens_records_is_audited():
    """A new endpoint listing children's records (or the caller's reminders about them) must
    audit its pages too."""

    def viewsets(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from viewsets(pattern.url_patterns)
            elif getattr(pattern.callback, "cls", None) is not None:
                yield pattern.callback.cls

    listing = {
        cls
        for cls in viewsets(get_resolver().url_patterns)
        if issubclass(cls, ListModelMixin) and ChildRecords in getattr(cls, "permission_classes", [])
    }
    assert len(listing) == len(API_LISTS)
    assert all(issubclass(cls, AuditedList) for cls in listing | {NotificationViewSet})


class TestApiLists:
    def test_200_children_in_one_response_leave_one_event_naming_each(self, manager, iro):
        children = [ChildFactory(family_name=f"Bulk{number:03d}") for number in range(201)]
        client = api_client(manager)
        before = last_id()
        response = client.get("/api/v1/children/", {"page_size": 200, "search": "Bulk"})
        shown = [row["id"] for row in response.json()["results"]]
        assert len(shown) == 200
        event = only_new_event(before, manager)
        assert event.object_type == "children.child" and event.ip_address == "127.0.0.1"
        assert event.detail == {
            "list": "/api/v1/children/",
            "filters": {"page_size": "200", "search": "Bulk"},
            "page": 1,
            "child_ids": shown,
        }
        assert event.children_shown.count() == 200
        not_shown = next(child for child in children if child.pk not in shown)
        client.get(response.json()["next"])
        assert list_events().last().detail["child_ids"] == [not_shown.pk]
        assert list_events().last().detail["page"] == 2

    @pytest.mark.parametrize("endpoint", API_LISTS)
    def test_every_list_endpoint_names_the_children_on_the_page(self, endpoint, two_children, iro, manager):
        own, other = two_children
        for user, children in ((manager, {own.pk, other.pk}), (iro, {own.pk})):
            before = last_id()
            response = api_client(user).get(f"/api/v1/{endpoint}/")
            assert response.status_code == 200 and response.json()["results"]
            event = only_new_event(before, user)
            assert set(event.detail["child_ids"]) == children
            assert event.detail["list"] == f"/api/v1/{endpoint}/" and event.detail["page"] == 1

    def test_the_callers_reminders_name_their_children(self, two_children, iro):
        own, _ = two_children
        before = last_id()
        assert api_client(iro).get("/api/v1/notifications/").json()["results"]
        assert only_new_event(before, iro).detail["child_ids"] == [own.pk]

    def test_a_refused_or_failed_list_leaves_no_event(self, two_children, board_member, manager):
        before = last_id()
        assert api_client(board_member).get("/api/v1/children/").status_code == 403
        assert api_client(manager).get("/api/v1/children/", {"page": 9}).status_code == 400
        assert not list_events().filter(pk__gt=before).exists()

    def test_the_same_queries_for_5_rows_as_for_50(self, manager, two_children):
        for number in range(30):
            ChildFactory(family_name=f"Many{number:02d}")
        client = api_client(manager)
        client.get("/api/v1/children/")
        assert queries_for(client, "/api/v1/children/?page_size=5") == queries_for(
            client, "/api/v1/children/?page_size=50"
        )


def web_lists(iro, manager):
    """(user, address) for every page listing children's records."""
    return [
        (iro, reverse("children:caseload")),
        (manager, reverse("children:list") + "?search=Listed"),
        (iro, reverse("children:list")),
        (manager, reverse("reviews:due")),
        (iro, reverse("reviews:due")),
        (manager, reverse("reviews:held")),
        (manager, reverse("oversight:worklist") + "?show=all"),
        (iro, reverse("oversight:worklist") + "?show=all"),
        (manager, reverse("escalations:list")),
        (iro, reverse("escalations:list")),
        (iro, reverse("notifications:inbox")),
        (manager, reverse("consultations:links")),
        (iro, reverse("consultations:links")),
        (manager, reverse("consultations:alerts")),
    ]


class TestPages:
    def test_every_list_page_leaves_one_event_naming_the_children_shown(self, client, two_children, iro, manager):
        own, other = two_children
        for user, address in web_lists(iro, manager):
            sign_in(client, user)
            before = last_id()
            response = client.get(address)
            assert response.status_code == 200
            event = only_new_event(before, user)
            expected = {own.pk, other.pk} if user == manager else {own.pk}
            assert set(event.detail["child_ids"]) == expected, address
            path, _, query = address.partition("?")
            assert event.detail["list"] == path and event.detail["page"] == 1
            assert event.detail["filters"] == dict(pair.split("=") for pair in query.split("&") if pair)

    def test_the_page_number_shown_is_recorded(self, client, settings, manager, two_children):
        settings.CHILDREN_LIST_PAGE_SIZE = 1
        sign_in(client, manager)
        first = client.get(reverse("children:list"), {"search": "Listed"}).content.decode()
        client.get(reverse("children:list") + link(first, "next"))
        event = list_events().last()
        assert event.detail["page"] == 2 and event.detail["filters"] == {"search": "Listed"}
        assert len(event.detail["child_ids"]) == 1

    def test_children_waiting_for_an_iro(self, client, manager):
        child = ChildFactory(given_name="Waiting")
        children_services.record_care_episode(
            child,
            by=manager,
            start_date=TODAY - timedelta(days=5),
            reason_for_new_episode="S",
            legal_status="C2",
            category_of_need="N1",
            placement_type="U6",
            placement_provider="PR1",
        )
        sign_in(client, manager)
        before = last_id()
        assert client.get(reverse("ssda903:to_allocate")).status_code == 200
        assert only_new_event(before, manager).detail["child_ids"] == [child.pk]

    def test_the_audit_log_names_the_children_its_events_are_about(self, client, manager, two_children):
        own, _ = two_children
        sign_in(client, manager)
        client.get(reverse("audit:list"), {"child": own.local_child_id})
        event = AuditEvent.objects.filter(object_type="audit.log").last()
        assert event.detail["child_ids"] == [own.pk] and event.detail["filters"] == {"child": own.local_child_id}

    def test_board_members_never_reach_a_list(self, client, board_member, two_children, iro, manager):
        sign_in(client, board_member)
        before = last_id()
        for _, address in web_lists(iro, manager):
            status = client.get(address).status_code
            assert status == 200 if address == reverse("notifications:inbox") else status in (302, 403), address
        # Their own reminders are the only list they reach, and it names no child.
        assert [event.detail["child_ids"] for event in list_events().filter(pk__gt=before)] == [[]]


class TestWhoSawThisChild:
    def test_the_audit_log_finds_the_lists_that_showed_a_child(self, client, two_children, iro, manager):
        own, other = two_children
        api_client(iro).get("/api/v1/reviews/")
        sign_in(client, manager)
        client.get(reverse("children:list"), {"search": other.given_name})
        client.get(reverse("children:list"), {"search": "Nobody"})
        for value in (own.local_child_id.lower(), str(own.pk)):
            found = selectors.search_events(child=value).filter(detail__has_key="child_ids")
            assert [(event.user, event.detail["list"]) for event in found] == [(iro, "/api/v1/reviews/")]
        page = client.get(reverse("audit:list"), {"child": own.local_child_id}).content.decode()
        assert "/api/v1/reviews/" in page and "1 child in a list" in page


class TestAppendOnly:
    def test_the_children_of_a_list_event_cannot_be_changed_or_removed(self, client, manager, two_children):
        sign_in(client, manager)
        client.get(reverse("children:list"))
        shown = AuditEventChild.objects.first()
        shown.child_id = 1
        with pytest.raises(AppendOnlyError):
            shown.save()
        with pytest.raises(AppendOnlyError):
            shown.delete()
        with pytest.raises(AppendOnlyError):
            AuditEventChild.objects.update(child_id=1)
        with pytest.raises(AppendOnlyError):
            AuditEventChild.objects.all().delete()
        assert AuditEventChild.objects.count() == 2

    @postgresql_only
    def test_postgresql_refuses_raw_updates_and_deletes(self, client, manager, two_children):
        from django.db import connection

        sign_in(client, manager)
        client.get(reverse("children:list"))
        for statement in ("UPDATE audit_auditeventchild SET child_id = 1", "DELETE FROM audit_auditeventchild"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert AuditEventChild.objects.count() == 2
