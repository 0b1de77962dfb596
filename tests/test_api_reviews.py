"""/api/v1/reviews/ and /api/v1/review-actions/: who may do what, the filters, recording a
review held (and the next one falling due), validation, stale versions, bounded queries."""

from datetime import date as D
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from children import services as children_services
from reviews import services, timescales
from reviews.models import Review, ReviewAction
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import brought_into_care
from tests.factories import ChildFactory, conference_record_ready, record_attendance_and_views

REVIEWS = "/api/v1/reviews/"
ACTIONS = "/api/v1/review-actions/"


def review_url(review, suffix=""):
    return f"{REVIEWS}{review.pk}/{suffix}"


def child_in_care(iro, manager, start, name="Robin", dob=D(2012, 6, 1)):
    child = ChildFactory(given_name=name, family_name="Testcase", date_of_birth=dob)
    return brought_into_care(child, by=manager, start=start, iro=iro)


def due_review(child, kind="LAC"):
    return Review.objects.get(child=child, kind=kind, status__in=["due", "booked"])


def hold(review, by, held, **fields):
    return services.record_review_held(
        record_attendance_and_views(review), by=by, fields={"held_on": held, "participation_code": "PN1", **fields}
    )


def record_body(review, held, code="PN1", **extra):
    return {"held_on": held.isoformat(), "participation_code": code, "version": review.version, **extra}


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def own_child(iro, manager, today):
    return child_in_care(iro, manager, today - timedelta(days=20), name="Mine")


@pytest.fixture
def others_child(other_iro, manager, today):
    return child_in_care(other_iro, manager, today - timedelta(days=20), name="Theirs")


# --- Who may do what --------------------------------------------------------------------------

ROLES = ["anonymous", "board", "iro_own", "iro_other", "manager"]


@pytest.fixture
def as_role(iro, manager, board_member, own_child, others_child):
    """(client, child) for a role: the child is the one whose records the request is about."""

    def make(role):
        user = {"anonymous": None, "board": board_member, "iro_own": iro, "iro_other": iro, "manager": manager}[role]
        return api_client(user), (others_child if role == "iro_other" else own_child)

    return make


def expected(role, allowed=200, *, listing=False):
    return {
        "anonymous": 401,
        "board": 403,
        "iro_own": allowed,
        "iro_other": allowed if listing else 404,
        "manager": allowed,
    }[role]


@pytest.mark.django_db
class TestRoles:
    @pytest.mark.parametrize("role", ROLES)
    def test_list(self, role, as_role, own_child, others_child):
        client, _ = as_role(role)
        response = client.get(REVIEWS)
        assert response.status_code == expected(role, listing=True)
        if response.status_code != 200:
            assert_error_shape(response, response.status_code)
        elif role == "manager":
            assert ids(response) == {due_review(own_child).pk, due_review(others_child).pk}
        else:
            assert ids(response) == {due_review(own_child).pk}

    @pytest.mark.parametrize("role", ROLES)
    def test_retrieve(self, role, as_role):
        client, child = as_role(role)
        review = due_review(child)
        response = client.get(review_url(review))
        assert response.status_code == expected(role), response.content
        if response.status_code == 200:
            body = response.json()
            assert (body["id"], body["child"], body["kind"], body["status"], body["version"]) == (
                review.pk,
                child.pk,
                "LAC",
                "due",
                review.version,
            )
            assert body["due_date"] == review.due_date.isoformat() and body["iro"] is not None
        else:
            assert_error_shape(response, response.status_code)

    @pytest.mark.parametrize("role", ROLES)
    def test_create_is_not_a_thing(self, role, as_role):
        """Reviews are made by scheduling from the child's record, never posted."""
        client, child = as_role(role)
        before = Review.objects.count()
        response = client.post(REVIEWS, {"child": child.pk, "kind": "LAC"}, format="json")
        assert response.status_code == expected(role, 405, listing=True)
        assert_error_shape(response, response.status_code)
        assert Review.objects.count() == before

    @pytest.mark.parametrize("role", ROLES)
    def test_put_and_delete_are_not_allowed(self, role, as_role):
        client, child = as_role(role)
        review = due_review(child)
        for response in (
            client.put(review_url(review), {"version": review.version}, format="json"),
            client.delete(review_url(review)),
        ):
            # Visibility is checked after the method: another IRO's review is still refused.
            assert response.status_code == expected(role, 405, listing=True)
        assert Review.objects.filter(pk=review.pk).exists()

    @pytest.mark.parametrize("role", ROLES)
    def test_book(self, role, as_role, today):
        client, child = as_role(role)
        review = due_review(child)
        when = datetime.combine(timescales.add_working_days(today, 3), time(14, 30))
        response = client.post(
            review_url(review, "book/"), {"booked_for": when.isoformat(), "version": review.version}, format="json"
        )
        assert response.status_code == expected(role), response.content
        review.refresh_from_db()
        if response.status_code == 200:
            assert review.status == "booked" and timezone.localtime(review.booked_for).time() == time(14, 30)
            assert response.json()["status"] == "booked" and response.json()["version"] == review.version
        else:
            assert_error_shape(response, response.status_code)
            assert review.status == "due"

    @pytest.mark.parametrize("role", ROLES)
    def test_record_held(self, role, as_role, today):
        client, child = as_role(role)
        review = record_attendance_and_views(due_review(child))
        response = client.post(
            review_url(review, "record-held/"), record_body(review, today - timedelta(days=1)), format="json"
        )
        assert response.status_code == expected(role), response.content
        review.refresh_from_db()
        assert review.status == ("held" if response.status_code == 200 else "due")

    @pytest.mark.parametrize("role", ROLES)
    def test_update_held(self, role, as_role, manager, today):
        client, child = as_role(role)
        review = hold(due_review(child), manager, today - timedelta(days=1))
        response = client.patch(
            review_url(review), {"advocate_present": True, "version": review.version}, format="json"
        )
        assert response.status_code == expected(role), response.content
        review.refresh_from_db()
        assert review.advocate_present is (response.status_code == 200)

    @pytest.mark.parametrize("role", ROLES)
    def test_actions_list_and_retrieve(self, role, as_role, manager, own_child, others_child, today):
        mine = hold(due_review(own_child), manager, today - timedelta(days=1))
        theirs = hold(due_review(others_child), manager, today - timedelta(days=1))
        for review in (mine, theirs):
            ReviewAction.objects.create(review=review, description="Dentist", owner_name="Carer", due_date=today)
        client, child = as_role(role)
        action = ReviewAction.objects.get(review__child=child)
        listing = client.get(ACTIONS)
        assert listing.status_code == expected(role, listing=True)
        if listing.status_code == 200:
            every = set(ReviewAction.objects.values_list("pk", flat=True))
            mine_only = set(ReviewAction.objects.filter(review=mine).values_list("pk", flat=True))
            assert ids(listing) == (every if role == "manager" else mine_only)
        one = client.get(f"{ACTIONS}{action.pk}/")
        assert one.status_code == expected(role)
        if one.status_code == 200:
            assert one.json()["review"] == action.review_id and one.json()["completed"] is False

    @pytest.mark.parametrize("role", ROLES)
    def test_actions_are_read_only(self, role, as_role, manager, today):
        client, child = as_role(role)
        review = hold(due_review(child), manager, today - timedelta(days=1))
        action = ReviewAction.objects.create(review=review, description="Dentist", owner_name="Carer", due_date=today)
        created = client.post(
            ACTIONS,
            {"review": review.pk, "description": "x", "owner_name": "y", "due_date": today.isoformat()},
            format="json",
        )
        assert created.status_code == expected(role, 405, listing=True)
        changed = client.patch(f"{ACTIONS}{action.pk}/", {"completed_on": today.isoformat()}, format="json")
        assert changed.status_code == expected(role, 405, listing=True)
        action.refresh_from_db()
        assert action.completed_on is None and ReviewAction.objects.count() == 1

    def test_viewing_a_review_is_audited(self, iro, own_child):
        review = due_review(own_child)
        assert api_client(iro).get(review_url(review)).status_code == 200
        event = AuditEvent.objects.get(action="view", object_type="reviews.review", object_id=str(review.pk))
        assert (event.user, event.child_id) == (iro, own_child.pk)


# --- Filters and ordering ---------------------------------------------------------------------


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def reviews(self, iro, other_iro, manager, today):
        """An overdue review, one not yet due, one held in timescale, one held late, an ICPC,
        and another IRO's overdue review."""
        overdue = due_review(child_in_care(iro, manager, today - timedelta(days=60), name="Overdue"))
        fresh_child = child_in_care(iro, manager, today - timedelta(days=2), name="Fresh")
        fresh = due_review(fresh_child)
        on_time = hold(
            due_review(child_in_care(iro, manager, today - timedelta(days=30), name="OnTime")),
            iro,
            today - timedelta(days=10),
        )
        late_child = child_in_care(iro, manager, today - timedelta(days=90), name="Late")
        late = hold(due_review(late_child), iro, today - timedelta(days=5), late_reason="iro_unavailable")
        children_services.record_strategy_discussion(
            fresh_child, by=manager, date=today - timedelta(days=1), section_47_enquiry_started=True
        )
        icpc = due_review(fresh_child, kind="ICPC")
        theirs = due_review(child_in_care(other_iro, manager, today - timedelta(days=70), name="Theirs"))
        return {"overdue": overdue, "fresh": fresh, "on_time": on_time, "late": late, "icpc": icpc, "theirs": theirs}

    def pks(self, reviews, *names):
        return {reviews[name].pk for name in names}

    def test_overdue(self, manager, reviews, today):
        client = api_client(manager)
        assert ids(client.get(REVIEWS, {"overdue": "true"})) == self.pks(reviews, "overdue", "theirs")
        not_overdue = ids(client.get(REVIEWS, {"overdue": "false"}))
        # Everything else: not yet due, held, and the reviews that holding made due next.
        assert not_overdue == set(Review.objects.values_list("pk", flat=True)) - self.pks(reviews, "overdue", "theirs")
        assert self.pks(reviews, "fresh", "on_time", "late", "icpc") <= not_overdue
        assert reviews["overdue"].due_date < today <= reviews["fresh"].due_date

    def test_overdue_for_one_iro(self, manager, iro, other_iro, reviews):
        client = api_client(manager)
        assert ids(client.get(REVIEWS, {"overdue": "true", "iro": iro.pk})) == self.pks(reviews, "overdue")
        assert ids(client.get(REVIEWS, {"overdue": "true", "iro": other_iro.pk})) == self.pks(reviews, "theirs")

    def test_an_iro_sees_only_their_children_whatever_the_filter(self, iro, other_iro, reviews):
        client = api_client(iro)
        assert ids(client.get(REVIEWS, {"overdue": "true"})) == self.pks(reviews, "overdue")
        assert ids(client.get(REVIEWS, {"iro": other_iro.pk})) == set()
        assert ids(client.get(REVIEWS, {"child": reviews["theirs"].child_id})) == set()

    def test_due_between(self, manager, reviews):
        fresh = reviews["fresh"].due_date
        response = api_client(manager).get(REVIEWS, {"due_from": fresh.isoformat(), "due_to": fresh.isoformat()})
        assert ids(response) == {r.pk for r in Review.objects.filter(due_date=fresh)}
        assert reviews["fresh"].pk in ids(response) and reviews["overdue"].pk not in ids(response)
        before = api_client(manager).get(REVIEWS, {"due_to": (reviews["overdue"].due_date).isoformat()})
        assert reviews["overdue"].pk in ids(before) and reviews["fresh"].pk not in ids(before)

    def test_held_between(self, manager, reviews, today):
        client = api_client(manager)
        held_on = reviews["on_time"].held_on
        assert ids(client.get(REVIEWS, {"held_from": held_on.isoformat(), "held_to": held_on.isoformat()})) == self.pks(
            reviews, "on_time"
        )
        assert ids(client.get(REVIEWS, {"held_from": (held_on + timedelta(days=1)).isoformat()})) == self.pks(
            reviews, "late"
        )
        assert ids(client.get(REVIEWS, {"held_to": today.isoformat()})) == self.pks(reviews, "on_time", "late")

    def test_in_timescale(self, manager, reviews):
        client = api_client(manager)
        assert ids(client.get(REVIEWS, {"in_timescale": "true"})) == self.pks(reviews, "on_time")
        assert ids(client.get(REVIEWS, {"in_timescale": "false"})) == self.pks(reviews, "late")
        body = client.get(review_url(reviews["late"])).json()
        assert body["in_timescale"] is False and body["late_reason"] == "iro_unavailable"

    def test_kind_status_and_child(self, manager, reviews):
        client = api_client(manager)
        assert ids(client.get(REVIEWS, {"kind": "ICPC"})) == self.pks(reviews, "icpc")
        held = {r.pk for r in Review.objects.filter(status="held")}
        assert ids(client.get(REVIEWS, {"status": "held"})) == held == self.pks(reviews, "on_time", "late")
        assert ids(client.get(REVIEWS, {"child": reviews["fresh"].child_id})) == self.pks(reviews, "fresh", "icpc")

    def test_ordering(self, manager, reviews):
        client = api_client(manager)
        rows = client.get(REVIEWS, {"ordering": "-due_date"}).json()["results"]
        assert [row["due_date"] for row in rows] == sorted((row["due_date"] for row in rows), reverse=True)
        rows = client.get(REVIEWS, {"ordering": "-held_on", "status": "held"}).json()["results"]
        assert [row["id"] for row in rows] == [reviews["late"].pk, reviews["on_time"].pk]
        rows = client.get(REVIEWS).json()["results"]
        assert [row["due_date"] for row in rows] == sorted(row["due_date"] for row in rows)

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"overdue": "maybe"}, "overdue"),
            ({"in_timescale": "yes"}, "in_timescale"),
            ({"due_from": "2025-13-45"}, "due_from"),
            ({"held_to": "soon"}, "held_to"),
            ({"kind": "XYZ"}, "kind"),
            ({"status": "lost"}, "status"),
            ({"iro": "999999"}, "iro"),
        ],
    )
    def test_bad_filter_values_are_400_with_the_field(self, manager, params, field):
        assert_error_shape(api_client(manager).get(REVIEWS, params), 400, field)

    def test_action_filters(self, iro, manager, reviews, today):
        mine = reviews["on_time"]
        open_action = ReviewAction.objects.create(
            review=mine, description="Dentist", owner_name="Carer", due_date=today
        )
        done = ReviewAction.objects.create(
            review=mine, description="School", owner=iro, due_date=today, completed_on=today
        )
        other = ReviewAction.objects.create(review=reviews["late"], description="GP", owner_name="SW", due_date=today)
        client = api_client(manager)
        assert ids(client.get(ACTIONS, {"review": mine.pk})) == {open_action.pk, done.pk}
        assert ids(client.get(ACTIONS, {"completed": "true"})) == {done.pk}
        assert ids(client.get(ACTIONS, {"completed": "false"})) == {open_action.pk, other.pk}
        assert ids(client.get(ACTIONS, {"owner": iro.pk})) == {done.pk}
        assert ids(client.get(ACTIONS, {"child": reviews["late"].child_id})) == {other.pk}
        assert_error_shape(client.get(ACTIONS, {"completed": "perhaps"}), 400, "completed")


# --- Recording a review held -------------------------------------------------------------------


@pytest.mark.django_db
class TestRecordHeld:
    def test_list_overdue_for_an_iro_record_it_and_see_the_next_review_due(self, manager, iro, other_iro, today):
        """The issue's 'done': a manager lists one IRO's overdue reviews, records one held, and
        the next review is due from the date it was held."""
        child = child_in_care(iro, manager, today - timedelta(days=60))
        child_in_care(other_iro, manager, today - timedelta(days=60), name="Theirs")
        client = api_client(manager)
        rows = client.get(REVIEWS, {"iro": iro.pk, "overdue": "true"}).json()["results"]
        assert [row["child"] for row in rows] == [child.pk]
        row = rows[0]
        record_attendance_and_views(Review.objects.get(pk=row["id"]))
        held = today - timedelta(days=1)
        response = client.post(
            f"{REVIEWS}{row['id']}/record-held/",
            {
                "held_on": held.isoformat(),
                "participation_code": "PN1",
                "late_reason": "iro_unavailable",
                "parents_participation": "attended",
                "version": row["version"],
                "actions": [
                    {
                        "description": "Book a dental check",
                        "owner_name": "Foster carer",
                        "due_date": (held + timedelta(days=30)).isoformat(),
                    }
                ],
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["status"], body["held_on"], body["in_timescale"], body["version"]) == (
            "held",
            held.isoformat(),
            False,
            row["version"] + 1,
        )
        assert [a["description"] for a in body["actions"]] == ["Book a dental check"]
        following = due_review(child)
        expected_due = timescales.add_months(held, timescales.SECOND_LAC_REVIEW_MONTHS)
        assert (following.number, following.due_date, following.status) == (2, expected_due, "due")
        assert body["next_review"]["id"] == following.pk
        assert (body["next_review"]["number"], body["next_review"]["due_date"]) == (2, expected_due.isoformat())
        assert ids(client.get(REVIEWS, {"child": child.pk, "status": "due"})) == {following.pk}
        assert ids(client.get(REVIEWS, {"iro": iro.pk, "overdue": "true"})) == set()
        assert Review.objects.get(pk=row["id"]).chair == iro

    def test_the_event_is_audited(self, iro, own_child, today):
        review = record_attendance_and_views(due_review(own_child))
        response = api_client(iro).post(review_url(review, "record-held/"), record_body(review, today), format="json")
        assert response.status_code == 200, response.content
        event = AuditEvent.objects.get(action="update", object_type="reviews.review", object_id=str(review.pk))
        assert (event.user, event.child_id, event.detail["held_on"]) == (iro, own_child.pk, today.isoformat())

    def test_a_conference_making_a_plan_makes_the_first_review_conference_due(self, iro, manager, own_child, today):
        children_services.record_strategy_discussion(
            own_child, by=manager, date=today - timedelta(days=5), section_47_enquiry_started=True
        )
        icpc = due_review(own_child, kind="ICPC")
        conference_record_ready(icpc)
        held = today - timedelta(days=1)
        response = api_client(iro).post(
            review_url(icpc, "record-held/"),
            {
                "held_on": held.isoformat(),
                "conference_outcome": "plan_made",
                "category_of_abuse": "NEG",
                "version": icpc.version,
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        rcpc = due_review(own_child, kind="RCPC")
        assert rcpc.due_date == timescales.add_months(held, timescales.FIRST_RCPC_MONTHS)
        assert response.json()["next_review"]["id"] == rcpc.pk

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"held_on": "FUTURE"}, "held_on"),
            ({"participation_code": ""}, "participation_code"),
            ({"participation_code": "PN0"}, "participation_code"),
            ({"participation_code": "PN9"}, "participation_code"),
            ({"held_on": "2025-02-30"}, "held_on"),
            ({"decisions_circulated": "PAST"}, "decisions_circulated"),
            ({"late_reason": "other", "late_reason_other": ""}, "late_reason_other"),
            ({"conference_outcome": "plan_made"}, "conference_outcome"),
            ({"actions": [{"description": "Visit school"}]}, "actions"),
            ({"actions": [{"description": "Visit", "owner_name": "SW", "due_date": "PAST"}, {}]}, "actions"),
            ({"actions": [{"description": "Visit", "owner_name": "SW", "due_date": "PAST"}]}, "actions"),
            ({"version": None}, "version"),
        ],
    )
    def test_invalid_records_are_400_with_the_field_and_nothing_saved(self, iro, own_child, today, change, field):
        review = due_review(own_child)
        body = record_body(review, today)
        days = {"FUTURE": today + timedelta(days=1), "PAST": today - timedelta(days=1)}
        body.update(
            {
                key: days[value].isoformat() if value in days else value
                for key, value in change.items()
                if key != "actions"
            }
        )
        if "actions" in change:
            body["actions"] = [
                {key: days[value].isoformat() if value in days else value for key, value in action.items()}
                for action in change["actions"]
            ]
        if body["version"] is None:
            del body["version"]
        client = api_client(iro)
        events = AuditEvent.objects.count()
        response = client.post(review_url(review, "record-held/"), body, format="json")
        assert_error_shape(response, 400, field)
        saved = Review.objects.get(pk=review.pk)
        assert (saved.status, saved.held_on, saved.version) == ("due", None, review.version)
        assert not ReviewAction.objects.exists() and AuditEvent.objects.count() == events
        assert Review.objects.filter(child=own_child).count() == 1

    def test_an_incomplete_action_is_explained_as_on_the_page(self, iro, own_child, today):
        review = due_review(own_child)
        response = api_client(iro).post(
            review_url(review, "record-held/"),
            {
                **record_body(review, today),
                "actions": [
                    {"description": "Dentist", "owner_name": "Carer", "due_date": today.isoformat()},
                    {"description": "Visit school"},
                ],
            },
            format="json",
        )
        body = assert_error_shape(response, 400, "actions")
        assert body["errors"]["actions"] == ["Action 2: enter who will do it", "Action 2: enter the date it is due by"]

    def test_a_field_of_the_other_kind_is_refused(self, iro, own_child, today):
        review = due_review(own_child)
        response = api_client(iro).post(
            review_url(review, "record-held/"),
            {**record_body(review, today), "category_of_abuse": "NEG"},
            format="json",
        )
        assert assert_error_shape(response, 400, "category_of_abuse")["errors"]["category_of_abuse"] == [
            "Not recorded for a looked-after child review."
        ]
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_a_held_review_cannot_be_recorded_again(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today - timedelta(days=1))
        response = api_client(iro).post(review_url(review, "record-held/"), record_body(review, today), format="json")
        body = assert_error_shape(response, 400, "non_field_errors")
        assert "cannot be recorded as held" in body["errors"]["non_field_errors"][0]

    def test_a_stale_version_is_409_and_nothing_changes(self, iro, manager, own_child, today):
        review = due_review(own_child)
        read = review.version
        services.book_review(review, by=manager, booked_for=timezone.now(), expected_version=read)
        response = api_client(iro).post(
            review_url(review, "record-held/"), {**record_body(review, today), "version": read}, format="json"
        )
        body = assert_error_shape(response, 409)
        assert body["detail"] == services.REVIEW_CHANGED_MESSAGE and body["errors"] == {}
        saved = Review.objects.get(pk=review.pk)
        assert (saved.status, saved.held_on, saved.version) == ("booked", None, read + 1)
        assert Review.objects.filter(child=own_child).count() == 1


@pytest.mark.django_db
class TestBookAndCorrect:
    def test_booking_validation(self, iro, own_child, today):
        review = due_review(own_child)
        client = api_client(iro)
        before_care = datetime.combine(review.cycle_start - timedelta(days=1), time(10)).isoformat()
        for body, field in (
            ({"booked_for": before_care, "version": review.version}, "booked_for"),
            ({"booked_for": "tomorrow at ten", "version": review.version}, "booked_for"),
            ({"booked_for": before_care}, "version"),
        ):
            assert_error_shape(client.post(review_url(review, "book/"), body, format="json"), 400, field)
        saved = Review.objects.get(pk=review.pk)
        assert (saved.status, saved.version) == ("due", review.version)

    def test_booking_after_the_due_date_needs_confirmed_and_the_late_reason_which_the_record_keeps(
        self, iro, manager, today
    ):
        review = due_review(child_in_care(iro, manager, today - timedelta(days=60)))
        client = api_client(iro)
        when = datetime.combine(timescales.add_working_days(today, 1), time(10)).isoformat()
        refused = client.post(
            review_url(review, "book/"), {"booked_for": when, "version": review.version}, format="json"
        )
        assert set(assert_error_shape(refused, 400)["errors"]) == {"booked_for", "late_reason"}
        assert Review.objects.get(pk=review.pk).status == "due"
        booked = client.post(
            review_url(review, "book/"),
            {"booked_for": when, "version": review.version, "confirmed": True, "late_reason": "family_unavailable"},
            format="json",
        )
        assert booked.status_code == 200, booked.content
        assert (booked.json()["status"], booked.json()["late_reason"]) == ("booked", "family_unavailable")
        record_attendance_and_views(review)
        held = client.post(
            review_url(review, "record-held/"),
            record_body(review, today, version=booked.json()["version"]),
            format="json",
        )
        assert held.status_code == 200, held.content
        assert (held.json()["in_timescale"], held.json()["late_reason"]) == (False, "family_unavailable")

    def test_booking_a_day_in_the_past_needs_confirmed(self, iro, own_child, today):
        review = due_review(own_child)
        when = datetime.combine(today - timedelta(days=1), time(10)).isoformat()
        client = api_client(iro)
        refused = client.post(
            review_url(review, "book/"), {"booked_for": when, "version": review.version}, format="json"
        )
        assert set(assert_error_shape(refused, 400)["errors"]) == {"booked_for"}
        booked = client.post(
            review_url(review, "book/"),
            {"booked_for": when, "version": review.version, "confirmed": True},
            format="json",
        )
        assert booked.status_code == 200, booked.content

    def test_a_standard_whose_deadline_has_not_come_is_pending_with_its_date(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today)
        standards = api_client(iro).get(review_url(review)).json()["quality_standards"]
        record = next(standard for standard in standards if standard["label"].startswith("Full record"))
        assert record == {
            "label": "Full record circulated within 20 working days",
            "date": None,
            "outcome": "pending",
            "met": None,
            "due_by": timescales.add_working_days(today, 20).isoformat(),
        }

    def test_booking_with_a_stale_version_is_409(self, iro, manager, own_child, today):
        review = due_review(own_child)
        hold(review, manager, today)
        response = api_client(iro).post(
            review_url(review, "book/"),
            {"booked_for": timezone.now().isoformat(), "version": review.version},
            format="json",
        )
        assert assert_error_shape(response, 409)["detail"] == services.REVIEW_CHANGED_MESSAGE
        assert Review.objects.get(pk=review.pk).status == "held"

    def test_correcting_a_held_review_changes_only_what_is_sent_and_adds_actions(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today - timedelta(days=2), parents_participation="attended")
        response = api_client(iro).patch(
            review_url(review),
            {
                "advocate_present": True,
                "version": review.version,
                "actions": [
                    {"description": "Life story work", "owner_name": "Social worker", "due_date": today.isoformat()}
                ],
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        saved = Review.objects.get(pk=review.pk)
        assert (saved.advocate_present, saved.parents_participation, saved.participation_code) == (
            True,
            "attended",
            "PN1",
        )
        assert saved.version == review.version + 1 == response.json()["version"]
        assert list(saved.actions.values_list("description", flat=True)) == ["Life story work"]
        event = AuditEvent.objects.filter(action="update", object_id=str(review.pk), user=iro).get()
        assert event.detail["after"] == {"advocate_present": "True"}

    def test_correcting_the_held_date_moves_the_next_review(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today - timedelta(days=5))
        earlier = today - timedelta(days=10)
        response = api_client(iro).patch(
            review_url(review), {"held_on": earlier.isoformat(), "version": review.version}, format="json"
        )
        assert response.status_code == 200, response.content
        expected_due = timescales.add_months(earlier, timescales.SECOND_LAC_REVIEW_MONTHS)
        assert due_review(own_child).due_date == expected_due
        assert response.json()["next_review"]["due_date"] == expected_due.isoformat()

    def test_a_stale_correction_is_refused_whole(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today - timedelta(days=2))
        opened = review.version
        client = api_client(iro)
        assert (
            client.patch(review_url(review), {"advocate_present": True, "version": opened}, format="json").status_code
            == 200
        )
        response = client.patch(
            review_url(review),
            {
                "child_chaired": True,
                "version": opened,
                "actions": [{"description": "x", "owner_name": "y", "due_date": today.isoformat()}],
            },
            format="json",
        )
        assert assert_error_shape(response, 409)["detail"] == services.REVIEW_CHANGED_MESSAGE
        saved = Review.objects.get(pk=review.pk)
        assert saved.advocate_present and not saved.child_chaired and not saved.actions.exists()

    def test_invalid_corrections_are_400(self, iro, manager, own_child, today):
        review = hold(due_review(own_child), manager, today - timedelta(days=2))
        client = api_client(iro)
        for body, field in (
            ({"held_on": (today + timedelta(days=1)).isoformat()}, "held_on"),
            ({"participation_code": "PN0"}, "participation_code"),
            ({"conference_outcome": "plan_made"}, "conference_outcome"),
            ({"record_circulated": (today - timedelta(days=3)).isoformat()}, "record_circulated"),
            ({}, None),
        ):
            response = client.patch(
                review_url(review), {**body, **({"version": review.version} if body else {})}, format="json"
            )
            assert_error_shape(response, 400, field or "version")
        saved = Review.objects.get(pk=review.pk)
        assert (saved.version, saved.held_on, saved.participation_code) == (review.version, review.held_on, "PN1")

    def test_only_a_held_review_can_be_corrected(self, iro, own_child):
        review = due_review(own_child)
        response = api_client(iro).patch(
            review_url(review), {"advocate_present": True, "version": review.version}, format="json"
        )
        assert_error_shape(response, 400, "non_field_errors")
        assert not Review.objects.get(pk=review.pk).advocate_present

    def test_a_conference_date_cannot_be_corrected(self, iro, manager, own_child, today):
        children_services.record_strategy_discussion(
            own_child, by=manager, date=today - timedelta(days=5), section_47_enquiry_started=True
        )
        conference_record_ready(due_review(own_child, kind="ICPC"))
        icpc = services.record_review_held(
            record_attendance_and_views(due_review(own_child, kind="ICPC")),
            by=iro,
            fields={"held_on": today - timedelta(days=1), "conference_outcome": "no_plan"},
        )
        response = api_client(iro).patch(
            review_url(icpc), {"held_on": today.isoformat(), "version": icpc.version}, format="json"
        )
        assert_error_shape(response, 400, "held_on")
        assert Review.objects.get(pk=icpc.pk).held_on == today - timedelta(days=1)


# --- Bounded queries --------------------------------------------------------------------------


@pytest.mark.django_db
class TestQueryCounts:
    @pytest.mark.parametrize("user_fixture", ["manager", "iro"])
    def test_review_list_queries_do_not_grow_with_the_page(self, request, iro, manager, today, user_fixture):
        for number in range(30):
            child = child_in_care(iro, manager, today - timedelta(days=40 + number), name=f"Child{number}")
            review = due_review(child)
            if number % 2:
                review = hold(review, manager, today - timedelta(days=1), late_reason="other", late_reason_other="Snow")
                ReviewAction.objects.create(review=review, description="Dentist", owner_name="Carer", due_date=today)
        assert Review.objects.count() == 45
        client = api_client(request.getfixturevalue(user_fixture))
        client.get(REVIEWS)  # the token's first use is noted once
        for query in ("", f"&overdue=false&iro={iro.pk}&ordering=-held_on", "&in_timescale=false&kind=LAC"):
            small = queries_for(client, f"{REVIEWS}?page_size=5{query}")
            large = queries_for(client, f"{REVIEWS}?page_size=50{query}")
            assert small == large <= 9, query  # with the audit event and the children it names
        assert len(client.get(f"{REVIEWS}?page_size=50").json()["results"]) == 45

    def test_action_list_queries_do_not_grow_with_the_page(self, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=40))
        review = hold(
            due_review(child), manager, today - timedelta(days=1), late_reason="other", late_reason_other="Snow"
        )
        ReviewAction.objects.bulk_create(
            ReviewAction(review=review, description=f"Action {n}", owner_name="SW", due_date=today) for n in range(30)
        )
        client = api_client(iro)
        client.get(ACTIONS)
        assert (
            queries_for(client, f"{ACTIONS}?page_size=5") == queries_for(client, f"{ACTIONS}?page_size=50") <= 6
        )  # with the IRO's cover check
