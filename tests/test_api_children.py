"""The children endpoints of the REST API: /api/v1/children/, care-episodes/, protection-plans/,
strategy-discussions/, allocations/. Each endpoint for each role (anonymous, board member, IRO
with their own child, IRO with another IRO's child, manager, administrator); filters;
validation errors in the one shape with nothing written; audit; scheduling; bounded queries."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from reviews.models import Review
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import oversight_record
from tests.factories import (
    AllocationFactory,
    CareEpisodeFactory,
    ChildFactory,
    ChildProtectionPlanFactory,
    StrategyDiscussionFactory,
)

D = datetime.date
API = "/api/v1/"
ENDPOINTS = ["children", "care-episodes", "protection-plans", "strategy-discussions", "allocations"]
UPDATABLE = ["care-episodes", "protection-plans"]


def url(endpoint, pk=None):
    return f"{API}{endpoint}/" + (f"{pk}/" if pk is not None else "")


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def episode_fields(child, **changes):
    fields = {
        "child": child.pk,
        "start_date": "2024-01-10",
        "reason_for_new_episode": "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "U6",
        "placement_provider": "PR1",
    }
    fields.update(changes)
    return fields


def new_child_fields(**changes):
    fields = {
        "local_child_id": "NEW001",
        "given_name": "Nico",
        "family_name": "Newcomer",
        "date_of_birth": "2016-04-02",
        "sex": "M",
        "ethnicity": "BAFR",
        "is_uasc": True,
    }
    fields.update(changes)
    return fields


@pytest.fixture
def own_child_not_in_care(iro):
    """A child allocated to `iro` with nothing else recorded yet."""
    child = ChildFactory(given_name="Noor", family_name="Fresh", date_of_birth=D(2012, 6, 1))
    AllocationFactory(child=child, iro=iro)
    return child


@pytest.fixture
def other_child_not_in_care(other_iro):
    child = ChildFactory(given_name="Otto", family_name="Fresh", date_of_birth=D(2012, 6, 1))
    AllocationFactory(child=child, iro=other_iro)
    return child


@pytest.fixture
def records(looked_after_child, other_child):
    """For each endpoint: (a record of the IRO's own child, a record of another IRO's child)."""
    for child in (looked_after_child, other_child):
        ChildProtectionPlanFactory(child=child)
        StrategyDiscussionFactory(child=child)
    pairs = {"children": (looked_after_child, other_child)}
    for endpoint, model in [
        ("care-episodes", CareEpisode),
        ("protection-plans", ChildProtectionPlan),
        ("strategy-discussions", StrategyDiscussion),
        ("allocations", Allocation),
    ]:
        pairs[endpoint] = (model.objects.get(child=looked_after_child), model.objects.get(child=other_child))
    return pairs


def create_body(endpoint, child, iro):
    """A valid body for creating a record about `child` (a child with nothing recorded)."""
    return {
        "children": new_child_fields(),
        "care-episodes": episode_fields(child),
        "protection-plans": {"child": child.pk, "start_date": "2025-03-01", "initial_category_of_abuse": "NEG"},
        "strategy-discussions": {"child": child.pk, "date": "2025-03-03", "section_47_enquiry_started": True},
        "allocations": {
            "child": child.pk,
            "iro": iro.pk,
            "start_date": str(timezone.localdate()),
            "current_version": 1,
        },
    }[endpoint]


def update_body(endpoint):
    return {
        "care-episodes": {"placement_type": "U4", "version": 1},
        "protection-plans": {"end_date": "2025-01-15", "end_reason": "no_longer_at_risk", "version": 1},
    }[endpoint]


def count(endpoint):
    model = {
        "children": Child,
        "care-episodes": CareEpisode,
        "protection-plans": ChildProtectionPlan,
        "strategy-discussions": StrategyDiscussion,
        "allocations": Allocation,
    }[endpoint]
    return model.objects.count()


# Anonymous and board members ---------------------------------------------------------------------


@pytest.mark.django_db
class TestRefused:
    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_anonymous_gets_401_everywhere(self, endpoint, records, own_child_not_in_care, iro):
        client = api_client()
        own = records[endpoint][0]
        before = count(endpoint)
        for response in (
            client.get(url(endpoint)),
            client.get(url(endpoint, own.pk)),
            client.post(url(endpoint), create_body(endpoint, own_child_not_in_care, iro), format="json"),
            client.patch(url(endpoint, own.pk), {}, format="json"),
        ):
            assert_error_shape(response, 401)
        assert count(endpoint) == before

    def test_a_bad_token_is_401(self, records):
        client = api_client()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
        assert_error_shape(client.get(url("children")), 401)

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_board_member_gets_403_everywhere(self, endpoint, records, board_member, own_child_not_in_care, iro):
        client = api_client(board_member)
        own = records[endpoint][0]
        before = count(endpoint)
        for response in (
            client.get(url(endpoint)),
            client.get(url(endpoint, own.pk)),
            client.post(url(endpoint), create_body(endpoint, own_child_not_in_care, iro), format="json"),
            client.patch(url(endpoint, own.pk), {}, format="json"),
        ):
            body = assert_error_shape(response, 403)
            assert "Board members" in body["detail"]
        assert count(endpoint) == before


# Lists and retrieves -----------------------------------------------------------------------------


@pytest.mark.django_db
class TestReading:
    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_an_iro_lists_only_their_own_childrens_records(self, endpoint, records, iro):
        own, other = records[endpoint]
        listed = ids(api_client(iro).get(url(endpoint)))
        assert own.pk in listed and other.pk not in listed

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("role", ["manager", "administrator"])
    def test_managers_and_administrators_list_every_childs_records(self, endpoint, role, records, request):
        own, other = records[endpoint]
        assert {own.pk, other.pk} <= ids(api_client(request.getfixturevalue(role)).get(url(endpoint)))

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_an_iro_retrieves_their_own_and_gets_404_for_another_iros(self, endpoint, records, iro):
        own, other = records[endpoint]
        client = api_client(iro)
        response = client.get(url(endpoint, own.pk))
        assert response.status_code == 200 and response.json()["id"] == own.pk
        assert_error_shape(client.get(url(endpoint, other.pk)), 404)
        assert_error_shape(client.get(url(endpoint, 999999)), 404)

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_a_manager_retrieves_any(self, endpoint, records, manager):
        client = api_client(manager)
        for record in records[endpoint]:
            assert client.get(url(endpoint, record.pk)).status_code == 200

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_a_retrieve_is_audited_as_a_view_of_the_childs_record(self, endpoint, records, iro):
        own = records[endpoint][0]
        child_id = own.pk if endpoint == "children" else own.child_id
        api_client(iro).get(url(endpoint, own.pk))
        event = AuditEvent.objects.get(action="view", user=iro)
        assert (event.child_id, event.object_id) == (child_id, str(own.pk))

    def test_a_child_shows_todays_status(self, looked_after_child, iro, manager):
        ChildProtectionPlanFactory(child=looked_after_child, start_date=D(2024, 3, 1))
        oversight_record(looked_after_child, iro, "post_review", D(2024, 6, 1), rag="amber")
        body = api_client(manager).get(url("children", looked_after_child.pk)).json()
        assert body == {
            "id": looked_after_child.pk,
            "local_child_id": looked_after_child.local_child_id,
            "given_name": "Robin",
            "family_name": "Looked-After",
            "date_of_birth": "2015-06-01",
            "sex": "F",
            "ethnicity": "WBRI",
            "upn": "",
            "is_uasc": False,
            "has_disability": False,
            "is_mother": False,
            "first_child_date_of_birth": None,
            "current_iro": {"id": iro.pk, "name": "Iris Reviewer"},
            "looked_after": True,
            "legal_status": "C2",
            "placement_type": "U6",
            "on_cp_plan": True,
            "current_rag": "amber",
            "version": 1,
        }

    def test_a_child_out_of_care_without_an_iro(self, manager):
        child = ChildFactory()
        CareEpisodeFactory(child=child, end_date=D(2024, 5, 1), reason_episode_ceased="E3")
        AllocationFactory(child=child, start_date=D(2024, 1, 10), end_date=D(2024, 5, 1))
        body = api_client(manager).get(url("children", child.pk)).json()
        assert (
            body["current_iro"],
            body["looked_after"],
            body["legal_status"],
            body["placement_type"],
            body["on_cp_plan"],
            body["current_rag"],
        ) == (None, False, None, None, False, None)

    def test_an_allocation_shows_its_iro_and_whether_current(self, looked_after_child, iro, other_iro, manager):
        old = Allocation.objects.get(child=looked_after_child)
        old.end_date = D(2025, 1, 1)
        old.save()
        new = AllocationFactory(child=looked_after_child, iro=other_iro, start_date=D(2025, 1, 1))
        rows = {row["id"]: row for row in api_client(manager).get(url("allocations")).json()["results"]}
        assert rows[old.pk]["iro"] == {"id": iro.pk, "name": "Iris Reviewer"} and rows[old.pk]["is_current"] is False
        assert rows[new.pk]["is_current"] is True and rows[new.pk]["end_date"] is None

    def test_lists_are_paginated(self, manager, iro):
        for _ in range(7):
            AllocationFactory(child=ChildFactory(), iro=iro)
        client = api_client(manager)
        first = client.get(url("children"), {"page_size": 3, "ordering": "-date_of_birth"}).json()
        assert first["count"] == 7 and len(first["results"]) == 3 and first["previous"] is None
        assert "page_size=3" in first["next"] and "ordering=-date_of_birth" in first["next"]
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
        assert second["count"] == 7 and len(second["results"]) == 3 and second["next"] and second["previous"]
        assert len(third["results"]) == 1 and third["next"] is None
        every = [row for body in (first, second, third) for row in body["results"]]
        assert len({row["id"] for row in every}) == 7, "each child once"
        births = [row["date_of_birth"] for row in every]
        assert births == sorted(births, reverse=True)
        assert client.get(second["previous"]).json()["results"] == first["results"]

    def test_a_numbered_page_is_refused_with_the_way_to_page(self, manager):
        response = api_client(manager).get(url("children"), {"page": 2})
        assert response.status_code == 400 and "follow the `next` link" in response.json()["errors"]["page"][0]

    def test_a_garbled_cursor_gives_the_first_page(self, manager, iro):
        AllocationFactory(child=ChildFactory(), iro=iro)
        response = api_client(manager).get(url("children"), {"cursor": "not-a-cursor"})
        assert response.status_code == 200 and response.json()["count"] == 1 and response.json()["previous"] is None

    @pytest.mark.parametrize("endpoint", ["children", "strategy-discussions", "allocations"])
    def test_no_update_where_the_pages_have_none(self, endpoint, records, manager):
        response = api_client(manager).patch(url(endpoint, records[endpoint][0].pk), {}, format="json")
        assert_error_shape(response, 405)


# Creating ------------------------------------------------------------------------------------------

CHILD_RECORD_ENDPOINTS = ["care-episodes", "protection-plans", "strategy-discussions"]


@pytest.mark.django_db
class TestCreating:
    @pytest.mark.parametrize("endpoint", CHILD_RECORD_ENDPOINTS)
    def test_an_iro_records_for_their_own_child(self, endpoint, iro, own_child_not_in_care):
        response = api_client(iro).post(url(endpoint), create_body(endpoint, own_child_not_in_care, iro), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["child"] == own_child_not_in_care.pk
        created = AuditEvent.objects.get(action="create", user=iro, child_id=own_child_not_in_care.pk)
        assert created.object_id == str(response.json()["id"])

    @pytest.mark.parametrize("endpoint", CHILD_RECORD_ENDPOINTS)
    def test_an_iro_cannot_record_for_another_iros_child(self, endpoint, iro, other_iro, other_child_not_in_care):
        before = count(endpoint)
        response = api_client(iro).post(
            url(endpoint), create_body(endpoint, other_child_not_in_care, iro), format="json"
        )
        body = assert_error_shape(response, 400, "child")
        assert "among the children whose records you can change" in body["errors"]["child"][0]
        assert count(endpoint) == before and not AuditEvent.objects.filter(action="create", user=iro).exists()

    @pytest.mark.parametrize("endpoint", CHILD_RECORD_ENDPOINTS)
    @pytest.mark.parametrize("role", ["manager", "administrator"])
    def test_managers_and_administrators_record_for_any_child(
        self, endpoint, role, request, other_child_not_in_care, iro
    ):
        user = request.getfixturevalue(role)
        response = api_client(user).post(
            url(endpoint), create_body(endpoint, other_child_not_in_care, iro), format="json"
        )
        assert response.status_code == 201, response.content
        assert AuditEvent.objects.filter(action="create", user=user, child_id=other_child_not_in_care.pk).exists()

    @pytest.mark.parametrize("role", ["manager", "administrator"])
    def test_managers_and_administrators_add_a_child(self, role, request):
        user = request.getfixturevalue(role)
        response = api_client(user).post(url("children"), new_child_fields(), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        child = Child.objects.get(local_child_id="NEW001")
        assert (body["id"], body["is_uasc"], body["current_iro"], body["looked_after"]) == (child.pk, True, None, False)
        assert AuditEvent.objects.filter(
            action="create", user=user, object_type="children.child", object_id=str(child.pk)
        ).exists()

    def test_an_iro_cannot_add_a_child(self, iro):
        body = assert_error_shape(api_client(iro).post(url("children"), new_child_fields(), format="json"), 403)
        assert "service managers" in body["detail"]
        assert not Child.objects.exists()

    @pytest.mark.parametrize("role", ["manager", "administrator"])
    def test_managers_and_administrators_allocate(self, role, request, looked_after_child, iro, other_iro):
        user = request.getfixturevalue(role)
        today = timezone.localdate()
        response = api_client(user).post(
            url("allocations"),
            {"child": looked_after_child.pk, "iro": other_iro.pk, "start_date": str(today), "current_version": 1},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["iro"] == {"id": other_iro.pk, "name": "Owen Other"}
        previous = Allocation.objects.get(child=looked_after_child, iro=iro)
        assert previous.end_date == today
        assert AuditEvent.objects.filter(action="create", user=user, object_type="children.allocation").exists()
        assert AuditEvent.objects.filter(action="update", user=user, object_id=str(previous.pk)).exists()
        # The reallocated child leaves the first IRO's list and joins the second's.
        assert looked_after_child.pk not in ids(api_client(iro).get(url("children")))
        assert looked_after_child.pk in ids(api_client(other_iro).get(url("children")))

    def test_an_iro_cannot_allocate(self, iro, own_child_not_in_care, other_iro):
        response = api_client(iro).post(
            url("allocations"), create_body("allocations", own_child_not_in_care, other_iro), format="json"
        )
        assert_error_shape(response, 403)
        assert Allocation.objects.filter(child=own_child_not_in_care).count() == 1


@pytest.mark.django_db
class TestScheduling:
    def test_recording_care_makes_the_first_lac_review_due(self, iro, own_child_not_in_care):
        response = api_client(iro).post(url("care-episodes"), episode_fields(own_child_not_in_care), format="json")
        assert response.status_code == 201, response.content
        review = Review.objects.get(child=own_child_not_in_care, kind="LAC", status="due")
        assert (review.number, review.due_date, review.cycle_start) == (1, D(2024, 2, 7), D(2024, 1, 10))

    def test_a_section_47_strategy_discussion_makes_an_icpc_due(self, iro, own_child_not_in_care):
        response = api_client(iro).post(
            url("strategy-discussions"),
            {
                "child": own_child_not_in_care.pk,
                "date": "2025-03-03",
                "section_47_enquiry_started": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        review = Review.objects.get(child=own_child_not_in_care, kind="ICPC", status="due")
        assert (review.due_date, review.cycle_start) == (D(2025, 3, 24), D(2025, 3, 3))

    def test_ending_care_by_update_cancels_the_outstanding_review(self, iro, own_child_not_in_care):
        client = api_client(iro)
        episode = client.post(url("care-episodes"), episode_fields(own_child_not_in_care), format="json").json()
        response = client.patch(
            url("care-episodes", episode["id"]),
            {"end_date": "2024-01-20", "reason_episode_ceased": "E3", "version": episode["version"]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert not Review.objects.filter(child=own_child_not_in_care, status="due").exists()
        assert Review.objects.filter(child=own_child_not_in_care, status="cancelled").exists()


# Updating ------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestUpdating:
    @pytest.mark.parametrize("endpoint", UPDATABLE)
    def test_an_iro_updates_their_own_childs_record(self, endpoint, records, iro):
        own = records[endpoint][0]
        response = api_client(iro).patch(url(endpoint, own.pk), update_body(endpoint), format="json")
        assert response.status_code == 200, response.content
        assert AuditEvent.objects.filter(
            action="update", user=iro, object_id=str(own.pk), child_id=own.child_id
        ).exists()

    @pytest.mark.parametrize("endpoint", UPDATABLE)
    def test_an_iro_gets_404_for_another_iros_childs_record(self, endpoint, records, iro):
        other = records[endpoint][1]
        before = {f.name: getattr(other, f.name) for f in other._meta.concrete_fields}
        assert_error_shape(api_client(iro).patch(url(endpoint, other.pk), update_body(endpoint), format="json"), 404)
        other.refresh_from_db()
        assert {f.name: getattr(other, f.name) for f in other._meta.concrete_fields} == before
        assert not AuditEvent.objects.filter(action="update").exists()

    @pytest.mark.parametrize("endpoint", UPDATABLE)
    @pytest.mark.parametrize("role", ["manager", "administrator"])
    def test_managers_and_administrators_update_any(self, endpoint, role, records, request):
        user = request.getfixturevalue(role)
        other = records[endpoint][1]
        response = api_client(user).patch(url(endpoint, other.pk), update_body(endpoint), format="json")
        assert response.status_code == 200, response.content

    def test_updating_an_episode_changes_it(self, records, iro):
        own = records["care-episodes"][0]
        body = (
            api_client(iro)
            .patch(url("care-episodes", own.pk), {"placement_type": "U4", "version": 1}, format="json")
            .json()
        )
        own.refresh_from_db()
        assert body["placement_type"] == own.placement_type == "U4"
        event = AuditEvent.objects.get(action="update", user=iro)
        assert event.detail == {"before": {"placement_type": "U6"}, "after": {"placement_type": "U4"}}

    def test_the_child_of_an_episode_cannot_be_changed(self, records, iro, own_child_not_in_care):
        own = records["care-episodes"][0]
        api_client(iro).patch(url("care-episodes", own.pk), {"child": own_child_not_in_care.pk}, format="json")
        own.refresh_from_db()
        assert own.child_id == records["children"][0].pk

    def test_ending_a_plan(self, records, iro):
        own = records["protection-plans"][0]
        body = (
            api_client(iro)
            .patch(
                url("protection-plans", own.pk),
                {"end_date": "2025-01-15", "end_reason": "no_longer_at_risk", "version": 1},
                format="json",
            )
            .json()
        )
        assert (body["end_date"], body["end_reason"]) == ("2025-01-15", "no_longer_at_risk")
        assert ChildProtectionPlan.objects.get(pk=own.pk).end_date == D(2025, 1, 15)

    def test_changing_a_plans_category(self, records, iro):
        own = records["protection-plans"][0]
        body = (
            api_client(iro)
            .patch(url("protection-plans", own.pk), {"category_of_abuse": "EMO", "version": 1}, format="json")
            .json()
        )
        assert (body["initial_category_of_abuse"], body["current_category_of_abuse"], body["end_date"]) == (
            "NEG",
            "EMO",
            None,
        )
        event = AuditEvent.objects.get(action="update", user=iro)
        assert event.detail == {"category_of_abuse": {"before": "NEG", "after": "EMO"}}


# Validation: 400 in one shape, the field named, nothing written ------------------------------------


def nothing_written(user):
    return not AuditEvent.objects.filter(user=user, action__in=["create", "update"]).exists()


@pytest.mark.django_db
class TestValidation:
    def test_an_overlapping_episode(self, looked_after_child, iro):
        response = api_client(iro).post(
            url("care-episodes"), episode_fields(looked_after_child, start_date="2024-06-01"), format="json"
        )
        body = assert_error_shape(response, 400, "non_field_errors")
        assert "overlaps" in body["errors"]["non_field_errors"][0]
        assert CareEpisode.objects.filter(child=looked_after_child).count() == 1 and nothing_written(iro)

    def test_an_episode_ending_before_it_starts(self, records, iro):
        own = records["care-episodes"][0]
        response = api_client(iro).patch(
            url("care-episodes", own.pk),
            {"end_date": "2023-12-01", "reason_episode_ceased": "E3", "version": 1},
            format="json",
        )
        body = assert_error_shape(response, 400, "end_date")
        assert "must be after" in body["errors"]["end_date"][0]
        own.refresh_from_db()
        assert own.end_date is None and nothing_written(iro)

    def test_an_episode_starting_in_the_future(self, own_child_not_in_care, records, iro):
        tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        message = "The date the episode commenced cannot be in the future."
        response = api_client(iro).post(
            url("care-episodes"), episode_fields(own_child_not_in_care, start_date=tomorrow), format="json"
        )
        assert assert_error_shape(response, 400, "start_date")["errors"]["start_date"] == [message]
        own = records["care-episodes"][0]
        response = api_client(iro).patch(
            url("care-episodes", own.pk), {"start_date": tomorrow, "version": own.version}, format="json"
        )
        assert assert_error_shape(response, 400, "start_date")["errors"]["start_date"] == [message]
        own.refresh_from_db()
        assert own.start_date < timezone.localdate()
        assert not CareEpisode.objects.filter(child=own_child_not_in_care).exists() and nothing_written(iro)
        assert not Review.objects.filter(child=own_child_not_in_care).exists()

    def test_an_end_date_without_a_reason(self, records, iro):
        own = records["care-episodes"][0]
        response = api_client(iro).patch(
            url("care-episodes", own.pk), {"end_date": "2024-12-01", "version": 1}, format="json"
        )
        assert_error_shape(response, 400, "reason_episode_ceased")
        assert nothing_written(iro)

    def test_a_continuing_episode_needs_a_reason_other_than_s(self, own_child_not_in_care, iro):
        response = api_client(iro).post(
            url("care-episodes"), episode_fields(own_child_not_in_care, reason_for_new_episode="P"), format="json"
        )
        assert_error_shape(response, 400, "reason_for_new_episode")
        assert not CareEpisode.objects.filter(child=own_child_not_in_care).exists() and nothing_written(iro)

    def test_missing_and_invalid_fields(self, own_child_not_in_care, iro):
        response = api_client(iro).post(
            url("care-episodes"), {"child": own_child_not_in_care.pk, "legal_status": "ZZ"}, format="json"
        )
        body = assert_error_shape(response, 400)
        assert {"start_date", "legal_status", "placement_type", "category_of_need"} <= set(body["errors"])
        assert nothing_written(iro)

    def test_an_empty_update(self, records, iro):
        body = assert_error_shape(
            api_client(iro).patch(url("care-episodes", records["care-episodes"][0].pk), {"version": 1}, format="json"),
            400,
            "non_field_errors",
        )
        assert "at least one field" in body["errors"]["non_field_errors"][0]

    def test_a_duplicate_local_child_id(self, manager, looked_after_child):
        response = api_client(manager).post(
            url("children"), new_child_fields(local_child_id=looked_after_child.local_child_id.lower()), format="json"
        )
        assert_error_shape(response, 400, "local_child_id")
        assert Child.objects.count() == 1 and nothing_written(manager)

    def test_a_child_with_bad_codes(self, manager):
        response = api_client(manager).post(
            url("children"), new_child_fields(sex="X", date_of_birth="soon"), format="json"
        )
        body = assert_error_shape(response, 400)
        assert {"sex", "date_of_birth"} <= set(body["errors"])
        assert not Child.objects.exists()

    def test_a_second_open_plan(self, records, iro):
        child = records["children"][0]
        response = api_client(iro).post(
            url("protection-plans"),
            {"child": child.pk, "start_date": "2025-03-01", "initial_category_of_abuse": "PHY"},
            format="json",
        )
        body = assert_error_shape(response, 400, "non_field_errors")
        assert "already has an open" in body["errors"]["non_field_errors"][0]
        assert ChildProtectionPlan.objects.filter(child=child).count() == 1 and nothing_written(iro)

    def test_a_plan_ending_before_it_started(self, records, iro):
        own = records["protection-plans"][0]
        response = api_client(iro).patch(
            url("protection-plans", own.pk),
            {"end_date": "2024-01-01", "end_reason": "no_longer_at_risk", "version": 1},
            format="json",
        )
        assert_error_shape(response, 400, "end_date")
        own.refresh_from_db()
        assert own.end_date is None and nothing_written(iro)

    def test_a_plan_end_date_needs_its_reason(self, records, iro):
        own = records["protection-plans"][0]
        response = api_client(iro).patch(
            url("protection-plans", own.pk), {"end_date": "2025-01-01", "version": 1}, format="json"
        )
        assert_error_shape(response, 400, "end_reason")
        response = api_client(iro).patch(url("protection-plans", own.pk), {"version": 1}, format="json")
        assert_error_shape(response, 400, "non_field_errors")
        assert nothing_written(iro)

    def test_a_failed_end_keeps_the_category_unchanged(self, records, iro):
        own = records["protection-plans"][0]
        response = api_client(iro).patch(
            url("protection-plans", own.pk),
            {"category_of_abuse": "EMO", "end_date": "2024-01-01", "end_reason": "no_longer_at_risk", "version": 1},
            format="json",
        )
        assert_error_shape(response, 400, "end_date")
        own.refresh_from_db()
        assert own.latest_category_of_abuse == "" and nothing_written(iro)

    def test_a_second_strategy_discussion_the_same_day(self, records, iro):
        child = records["children"][0]
        response = api_client(iro).post(
            url("strategy-discussions"),
            {"child": child.pk, "date": "2024-02-01", "section_47_enquiry_started": False},
            format="json",
        )
        assert_error_shape(response, 400, "date")
        assert StrategyDiscussion.objects.filter(child=child).count() == 1 and nothing_written(iro)

    def test_allocating_someone_who_is_not_an_iro(self, manager, looked_after_child):
        response = api_client(manager).post(
            url("allocations"),
            {
                "child": looked_after_child.pk,
                "iro": manager.pk,
                "start_date": str(timezone.localdate()),
                "current_version": 1,
            },
            format="json",
        )
        assert_error_shape(response, 400, "iro")
        assert Allocation.objects.filter(child=looked_after_child).count() == 1 and nothing_written(manager)

    def test_reallocating_to_the_same_iro(self, manager, looked_after_child, iro):
        response = api_client(manager).post(
            url("allocations"),
            {
                "child": looked_after_child.pk,
                "iro": iro.pk,
                "start_date": str(timezone.localdate()),
                "current_version": 1,
            },
            format="json",
        )
        body = assert_error_shape(response, 400, "iro")
        assert "already" in body["errors"]["iro"][0]

    def test_a_bad_filter_value(self, manager):
        assert_error_shape(api_client(manager).get(url("children"), {"legal_status": "ZZ"}), 400, "legal_status")
        assert_error_shape(api_client(manager).get(url("children"), {"iro": 999999}), 400, "iro")


# Filters and ordering --------------------------------------------------------------------------------


@pytest.fixture
def varied_children(iro, other_iro):
    """Children differing in one thing each, all looked after unless said."""

    def child(name, iro_=iro, **episode):
        made = ChildFactory(given_name=name, family_name=name)
        CareEpisodeFactory(child=made, **episode)
        AllocationFactory(child=made, iro=iro_)
        return made

    made = {
        "plain": child("Plain"),
        "interim": child("Interim", legal_status="C1"),
        "home": child("Home", placement_type="K2", placement_provider="PR4"),
        "other_iro": child("Otheriro", iro_=other_iro),
        "left_care": child("Leftcare", end_date=D(2024, 5, 1), reason_episode_ceased="E3"),
        "on_plan": child("Onplan"),
        "red": child("Red"),
        "green": child("Green"),
    }
    ChildProtectionPlanFactory(child=made["on_plan"])
    ChildProtectionPlanFactory(child=made["plain"], end_date=D(2024, 6, 1), end_reason="no_longer_at_risk")
    oversight_record(made["red"], iro, "post_review", D(2024, 6, 1), rag="red")
    oversight_record(made["green"], iro, "post_review", D(2024, 6, 1), rag="red")
    oversight_record(made["green"], iro, "midway_review", D(2024, 9, 1), rag="green")
    return made


@pytest.mark.django_db
class TestChildFilters:
    @pytest.mark.parametrize(
        "params, expected",
        [
            ({"legal_status": "C1"}, {"interim"}),
            ({"placement_type": "K2"}, {"home"}),
            ({"cp_plan": "true"}, {"on_plan"}),
            ({"looked_after": "false"}, {"left_care"}),
            ({"rag": "red"}, {"red"}),
            ({"rag": "green"}, {"green"}),
            (
                {
                    "legal_status": "C2",
                    "rag": "none",
                    "cp_plan": "false",
                    "placement_type": "U6",
                    "looked_after": "true",
                },
                {"plain", "other_iro"},
            ),
            ({"search": "Onplan"}, {"on_plan"}),
        ],
    )
    def test_each_filter_narrows(self, params, expected, manager, varied_children):
        found = ids(api_client(manager).get(url("children"), params))
        assert found == {varied_children[key].pk for key in expected}

    def test_the_complements(self, manager, varied_children):
        client = api_client(manager)
        everyone = {child.pk for child in varied_children.values()}
        assert ids(client.get(url("children"), {"cp_plan": "false"})) == everyone - {varied_children["on_plan"].pk}
        assert ids(client.get(url("children"), {"looked_after": "true"})) == everyone - {
            varied_children["left_care"].pk
        }
        assert ids(client.get(url("children"), {"rag": "none"})) == everyone - {
            varied_children["red"].pk,
            varied_children["green"].pk,
        }

    def test_iro_filter(self, manager, other_iro, varied_children):
        assert ids(api_client(manager).get(url("children"), {"iro": other_iro.pk})) == {varied_children["other_iro"].pk}

    def test_an_iro_filtering_by_another_iro_sees_nothing(self, iro, other_iro, varied_children):
        assert ids(api_client(iro).get(url("children"), {"iro": other_iro.pk})) == set()
        assert varied_children["other_iro"].pk not in ids(api_client(iro).get(url("children"), {"page_size": 50}))

    def test_started_care_dates(self, manager, varied_children):
        late = ChildFactory()
        CareEpisodeFactory(child=late, start_date=D(2025, 2, 1))
        assert ids(api_client(manager).get(url("children"), {"started_from": "2025-01-01"})) == {late.pk}

    @pytest.mark.parametrize(
        "ordering, key",
        [
            ("family_name", lambda c: (c.family_name, c.pk)),
            ("-family_name", lambda c: (c.family_name, c.pk)),
            ("local_child_id", lambda c: c.local_child_id),
            ("-date_of_birth", lambda c: c.date_of_birth),
        ],
    )
    def test_ordering(self, ordering, key, manager, iro):
        for number, name in enumerate(["Cole", "Adams", "Baker"]):
            AllocationFactory(
                child=ChildFactory(
                    family_name=name, date_of_birth=D(2010 + number, 1, 1), local_child_id=f"Z{9 - number}"
                ),
                iro=iro,
            )
        rows = api_client(manager).get(url("children"), {"ordering": ordering}).json()["results"]
        expected = sorted(Child.objects.all(), key=key, reverse=ordering.startswith("-"))
        assert [row["id"] for row in rows] == [child.pk for child in expected]


@pytest.mark.django_db
class TestRecordFilters:
    def test_by_child(self, records, manager):
        child = records["children"][0]
        for endpoint in CHILD_RECORD_ENDPOINTS + ["allocations"]:
            assert ids(api_client(manager).get(url(endpoint), {"child": child.pk})) == {records[endpoint][0].pk}

    def test_open_episodes_and_plans(self, records, manager):
        own_plan, other_plan = records["protection-plans"]
        other_plan.end_date, other_plan.end_reason = D(2024, 6, 1), "other"
        other_plan.save()
        client = api_client(manager)
        assert ids(client.get(url("protection-plans"), {"open": "true"})) == {own_plan.pk}
        assert ids(client.get(url("protection-plans"), {"open": "false"})) == {other_plan.pk}
        assert len(ids(client.get(url("care-episodes"), {"open": "true"}))) == 2
        assert ids(client.get(url("care-episodes"), {"legal_status": "C1"})) == set()

    def test_current_allocations_and_by_iro(self, records, manager, other_iro):
        own, other = records["allocations"]
        own.end_date = D(2025, 1, 1)
        own.save()
        client = api_client(manager)
        assert ids(client.get(url("allocations"), {"current": "true"})) == {other.pk}
        assert ids(client.get(url("allocations"), {"current": "false"})) == {own.pk}
        assert ids(client.get(url("allocations"), {"iro": other_iro.pk})) == {other.pk}

    def test_strategy_discussions_by_section_47(self, records, manager):
        own, other = records["strategy-discussions"]
        other.section_47_enquiry_started = False
        other.save()
        assert ids(api_client(manager).get(url("strategy-discussions"), {"section_47_enquiry_started": "true"})) == {
            own.pk
        }


# Bounded queries -----------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestBoundedQueries:
    @pytest.fixture
    def thirty_children(self, iro):
        for number in range(30):
            child = ChildFactory(family_name=f"Family{number:02d}")
            CareEpisodeFactory(child=child)
            AllocationFactory(child=child, iro=iro)
            ChildProtectionPlanFactory(child=child)
            StrategyDiscussionFactory(child=child)
            oversight_record(child, iro, "post_review", D(2024, 6, 1), rag="amber")

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("role", ["iro", "manager"])
    def test_same_queries_for_5_and_50_rows(self, endpoint, role, request, thirty_children):
        client = api_client(request.getfixturevalue(role))
        client.get(url(endpoint))  # the token's first use is noted once; compare steady-state requests
        small = queries_for(client, url(endpoint) + "?page_size=5")
        large = queries_for(client, url(endpoint) + "?page_size=50")
        assert small == large
        assert len(client.get(url(endpoint) + "?page_size=50").json()["results"]) == 30
        assert large <= 7  # with the audit event and the children it names

    def test_filtered_and_ordered_children_too(self, manager, thirty_children):
        client = api_client(manager)
        client.get(url("children"))
        params = "&rag=amber&cp_plan=true&looked_after=true&legal_status=C2&ordering=-date_of_birth"
        assert queries_for(client, url("children") + "?page_size=5" + params) == queries_for(
            client, url("children") + "?page_size=50" + params
        )
