"""The REST API for oversight records, escalations (and their steps) and the caller's own
notifications: each endpoint for each role, the filters, validation errors (400 with the field,
nothing written), audit events and a bounded number of queries per list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from children import services as children_services
from escalations import services as escalation_services
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationStep
from notifications.models import Notification
from oversight import services as oversight_services
from oversight.models import OversightRecord
from reviews import services as review_services
from reviews.models import Review
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, record_attendance_and_views

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n):
    return TODAY - timedelta(days=n)


def record(child, by, *, kind="case_file_check", date=None, rag="", **fields):
    return oversight_services.record_oversight(
        child, by=by, kind=kind, date=date or days_ago(10), rag=rag, today=TODAY, **fields
    )


def raise_escalation(child, by, *, stage=Stage.INFORMAL, raised_on=None, areas=("placement", "health"), **changes):
    fields = {
        "areas": list(areas),
        "what_is_wrong": "The placement plan has drifted for four months.",
        "what_is_asked": "A placement planning meeting within 10 working days.",
        "stage": stage,
        "addressed_to_name": "Sam Social",
        "addressed_to_role": "Social worker",
        "raised_on": raised_on or days_ago(30),
        **changes,
    }
    return escalation_services.raise_escalation(child, by=by, today=TODAY, **fields)


def notify(user, n=0, **fields):
    return Notification.objects.create(
        **{
            "recipient": user,
            "kind": "review_due",
            "subject_type": "review",
            "subject_id": n,
            "due_date": TODAY,
            "step": f"s{n}",
            "message": "A review is due.",
            "link": "/reviews/",
            **fields,
        }
    )


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def users(iro, other_iro, manager, board_member, administrator):
    return {"iro": iro, "other_iro": other_iro, "manager": manager, "board": board_member, "admin": administrator}


def client_for(users, role):
    return api_client(None if role == "anonymous" else users[role])


# Oversight records

OVERSIGHT = "/api/v1/oversight-records/"


@pytest.fixture
def records(looked_after_child, other_child, iro, other_iro):
    return record(looked_after_child, iro), record(other_child, other_iro)


class TestOversightAccess:
    @pytest.mark.parametrize(
        "role, sees",
        [
            ("iro", ["own"]),
            ("other_iro", ["other"]),
            ("manager", ["own", "other"]),
            ("admin", ["own", "other"]),
        ],
    )
    def test_list_shows_only_the_childrens_records_the_caller_may_open(self, users, records, role, sees):
        expected = {"own": records[0].pk, "other": records[1].pk}
        assert sorted(ids(client_for(users, role).get(OVERSIGHT))) == sorted(expected[key] for key in sees)

    @pytest.mark.parametrize("role, status", [("board", 403), ("anonymous", 401)])
    def test_list_refused(self, users, records, role, status):
        assert_error_shape(client_for(users, role).get(OVERSIGHT), status)

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 200),
            ("other_iro", 404),
            ("manager", 200),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_retrieve(self, users, records, role, status):
        own = records[0]
        response = client_for(users, role).get(f"{OVERSIGHT}{own.pk}/")
        if status == 200:
            assert response.status_code == 200
            body = response.json()
            assert body["id"] == own.pk and body["child"] == own.child_id and body["kind"] == "case_file_check"
            assert AuditEvent.objects.filter(
                action="view", object_type="oversight.oversightrecord", object_id=str(own.pk), user=users[role]
            ).exists()
        else:
            assert_error_shape(response, status)

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 201),
            ("other_iro", 404),
            ("manager", 201),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_create(self, users, looked_after_child, role, status):
        payload = {
            "child": looked_after_child.pk,
            "kind": "midway_review",
            "date": days_ago(3).isoformat(),
            "rag": "red",
            "tracking": "Drift in the permanence plan.",
        }
        response = client_for(users, role).post(OVERSIGHT, payload, format="json")
        if status != 201:
            assert_error_shape(response, status)
            assert not OversightRecord.objects.exists()
            return
        assert response.status_code == 201, response.content
        body = response.json()
        saved = OversightRecord.objects.get(pk=body["id"])
        assert saved.iro == users[role] and saved.rag == "red"
        assert body["next_check_date"] == (days_ago(3) + timedelta(weeks=2)).isoformat(), "the proposed red follow-up"
        assert AuditEvent.objects.filter(
            action="create", object_type="oversight.oversightrecord", object_id=str(saved.pk), user=users[role]
        ).exists()

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 405),
            ("other_iro", 405),
            ("manager", 405),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_update_is_not_offered(self, users, records, role, status):
        """Oversight records are not edited or deleted, on the pages or here."""
        for method in ("put", "patch", "delete"):
            response = getattr(client_for(users, role), method)(
                f"{OVERSIGHT}{records[0].pk}/", {"tracking": "x"}, format="json"
            )
            assert_error_shape(response, status)
        records[0].refresh_from_db()
        assert records[0].tracking == ""


class TestOversightValidation:
    def post(self, user, **payload):
        return api_client(user).post(OVERSIGHT, payload, format="json")

    def test_a_rated_kind_without_a_rating(self, iro, looked_after_child):
        response = self.post(iro, child=looked_after_child.pk, kind="midway_review", date=days_ago(2).isoformat())
        body = assert_error_shape(response, 400, "rag")
        assert "Choose a RAG rating" in body["errors"]["rag"][0]
        assert (
            not OversightRecord.objects.exists()
            and not AuditEvent.objects.filter(action="create", object_type="oversight.oversightrecord").exists()
        )

    def test_a_next_check_outside_the_window(self, iro, looked_after_child):
        response = self.post(
            iro,
            child=looked_after_child.pk,
            kind="midway_review",
            date=days_ago(2).isoformat(),
            rag="red",
            next_check_date=(TODAY + timedelta(weeks=10)).isoformat(),
        )
        assert_error_shape(response, 400, "next_check_date")
        assert not OversightRecord.objects.exists()

    def test_a_future_date_and_a_missing_kind(self, iro, looked_after_child):
        assert_error_shape(
            self.post(
                iro, child=looked_after_child.pk, kind="case_file_check", date=(TODAY + timedelta(days=1)).isoformat()
            ),
            400,
            "date",
        )
        assert_error_shape(self.post(iro, child=looked_after_child.pk, date=days_ago(1).isoformat()), 400, "kind")
        assert_error_shape(self.post(iro, child=looked_after_child.pk, kind="nonsense", date="2025-13-01"), 400, "kind")
        assert not OversightRecord.objects.exists()

    def test_a_post_review_rating_needs_a_held_review(self, iro, looked_after_child):
        response = self.post(
            iro, child=looked_after_child.pk, kind="post_review", date=days_ago(2).isoformat(), rag="green"
        )
        assert_error_shape(response, 400, "review")
        assert not OversightRecord.objects.exists()

    def test_an_unknown_or_hidden_child_is_404(self, iro, other_child):
        assert_error_shape(
            self.post(iro, child=other_child.pk, kind="case_file_check", date=days_ago(1).isoformat()), 404
        )
        assert_error_shape(self.post(iro, child=999999, kind="case_file_check", date=days_ago(1).isoformat()), 404)


@pytest.fixture
def reviewed_child(iro, manager):
    child = ChildFactory(date_of_birth=TODAY.replace(year=TODAY.year - 10))
    started = days_ago(120)
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=started,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=started)
    review = Review.objects.get(child=child, status="due")
    review_services.record_review_held(
        record_attendance_and_views(review),
        by=iro,
        fields={"held_on": days_ago(100), "participation_code": "PN1"},
        today=TODAY,
    )
    review.refresh_from_db()
    return child, review


class TestPostReviewRating:
    def test_rated_on_the_day_held_with_the_proposed_next_check(self, iro, reviewed_child):
        child, review = reviewed_child
        response = api_client(iro).post(
            OVERSIGHT, {"child": child.pk, "kind": "post_review", "review": review.pk, "rag": "amber"}, format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["date"] == review.held_on.isoformat() and body["review"] == review.pk
        assert body["next_check_date"] == (review.held_on + timedelta(weeks=5)).isoformat()

    def test_without_a_rating_nothing_is_written(self, iro, reviewed_child):
        child, review = reviewed_child
        response = api_client(iro).post(
            OVERSIGHT, {"child": child.pk, "kind": "post_review", "review": review.pk}, format="json"
        )
        assert_error_shape(response, 400, "rag")
        assert not OversightRecord.objects.exists()

    def test_rated_once(self, iro, reviewed_child):
        child, review = reviewed_child
        payload = {"child": child.pk, "kind": "post_review", "review": review.pk, "rag": "green"}
        assert api_client(iro).post(OVERSIGHT, payload, format="json").status_code == 201
        assert_error_shape(api_client(iro).post(OVERSIGHT, payload, format="json"), 400, "review")
        assert OversightRecord.objects.count() == 1

    def test_a_review_of_another_child(self, iro, reviewed_child, looked_after_child):
        _, review = reviewed_child
        response = api_client(iro).post(
            OVERSIGHT,
            {"child": looked_after_child.pk, "kind": "post_review", "review": review.pk, "rag": "green"},
            format="json",
        )
        assert_error_shape(response, 400, "review")
        assert not OversightRecord.objects.exists()


class TestOversightFilters:
    @pytest.fixture
    def many(self, looked_after_child, iro, manager):
        second = ChildFactory()
        CareEpisodeFactory(child=second)
        AllocationFactory(child=second, iro=iro)
        return {
            "check": record(looked_after_child, iro, date=days_ago(40)),
            "red": record(looked_after_child, iro, kind="midway_review", rag="red", date=days_ago(20)),
            "green": record(second, manager, kind="midway_review", rag="green", date=days_ago(5)),
        }

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("kind=midway_review", {"red", "green"}),
            ("rag=red", {"red"}),
            ("rag=none", {"check"}),
            ("date_from={d30}", {"red", "green"}),
            ("date_to={d10}", {"check", "red"}),
            ("date_from={d30}&date_to={d10}", {"red"}),
        ],
    )
    def test_filters(self, manager, many, query, expected):
        url = f"{OVERSIGHT}?" + query.format(d30=days_ago(30).isoformat(), d10=days_ago(10).isoformat())
        assert set(ids(api_client(manager).get(url))) == {many[key].pk for key in expected}

    def test_by_child_and_iro(self, manager, iro, many, looked_after_child):
        assert set(ids(api_client(manager).get(f"{OVERSIGHT}?child={looked_after_child.pk}"))) == {
            many["check"].pk,
            many["red"].pk,
        }
        assert set(ids(api_client(manager).get(f"{OVERSIGHT}?iro={iro.pk}"))) == {many["check"].pk, many["red"].pk}

    def test_ordering_by_date(self, manager, many):
        assert ids(api_client(manager).get(f"{OVERSIGHT}?ordering=date")) == [
            many["check"].pk,
            many["red"].pk,
            many["green"].pk,
        ]
        assert ids(api_client(manager).get(OVERSIGHT)) == [many["green"].pk, many["red"].pk, many["check"].pk]

    def test_an_invalid_filter_is_a_400_with_the_field(self, manager, many):
        assert_error_shape(api_client(manager).get(f"{OVERSIGHT}?rag=purple"), 400, "rag")


# Escalations

ESCALATIONS = "/api/v1/escalations/"


@pytest.fixture
def escalations(looked_after_child, other_child, iro, other_iro):
    return raise_escalation(looked_after_child, iro), raise_escalation(other_child, other_iro)


def escalation_payload(child, **changes):
    return {
        "child": child.pk,
        "areas": ["placement", "education"],
        "what_is_wrong": "No school place for a term.",
        "what_is_asked": "A school place within 10 working days.",
        "stage": Stage.TEAM_MANAGER,
        "addressed_to_name": "Tara Team",
        "addressed_to_role": "Team manager",
        "raised_on": days_ago(2).isoformat(),
        **changes,
    }


def snapshot():
    return (
        list(Escalation.objects.order_by("pk").values()),
        list(EscalationStep.objects.order_by("pk").values()),
        AuditEvent.objects.exclude(object_type="accounts.apitoken").count(),
    )


class TestEscalationAccess:
    @pytest.mark.parametrize(
        "role, sees",
        [
            ("iro", ["own"]),
            ("other_iro", ["other"]),
            ("manager", ["own", "other"]),
            ("admin", ["own", "other"]),
        ],
    )
    def test_list(self, users, escalations, role, sees):
        expected = {"own": escalations[0].pk, "other": escalations[1].pk}
        assert sorted(ids(client_for(users, role).get(ESCALATIONS))) == sorted(expected[key] for key in sees)

    @pytest.mark.parametrize("role, status", [("board", 403), ("anonymous", 401)])
    def test_list_refused(self, users, escalations, role, status):
        assert_error_shape(client_for(users, role).get(ESCALATIONS), status)

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 200),
            ("other_iro", 404),
            ("manager", 200),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_retrieve_nests_concerns_and_steps(self, users, escalations, role, status):
        own = escalations[0]
        response = client_for(users, role).get(f"{ESCALATIONS}{own.pk}/")
        if status != 200:
            assert_error_shape(response, status)
            return
        body = response.json()
        assert [concern["area"] for concern in body["concerns"]] == ["placement", "health"]
        assert [(step["stage"], step["addressed_to_name"]) for step in body["steps"]] == [(1, "Sam Social")]
        assert body["current_stage"] == Stage.INFORMAL and body["status"] == "open"
        assert body["raised_by"] == users["iro"].pk and body["iro"] == users["iro"].pk
        assert body["current_response_due"] == body["steps"][0]["response_due"]
        assert AuditEvent.objects.filter(
            action="view", object_type="escalations.escalation", object_id=str(own.pk), user=users[role]
        ).exists()

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 201),
            ("other_iro", 404),
            ("manager", 201),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_create(self, users, looked_after_child, role, status):
        response = client_for(users, role).post(ESCALATIONS, escalation_payload(looked_after_child), format="json")
        if status != 201:
            assert_error_shape(response, status)
            assert not Escalation.objects.exists()
            return
        assert response.status_code == 201, response.content
        body = response.json()
        escalation = Escalation.objects.get(pk=body["id"])
        assert escalation.raised_by == users["iro"], "a manager raises it for the child's IRO"
        assert body["current_stage"] == Stage.TEAM_MANAGER and len(body["steps"]) == 1
        assert {c["area"] for c in body["concerns"]} == {"placement", "education"}
        events = AuditEvent.objects.filter(action="create", user=users[role], child_id=looked_after_child.pk)
        assert set(events.values_list("object_type", flat=True)) == {
            "escalations.escalation",
            "escalations.escalationstep",
        }

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 200),
            ("other_iro", 404),
            ("manager", 200),
            ("board", 403),
            ("anonymous", 401),
        ],
    )
    def test_update_by_escalating(self, users, escalations, role, status):
        own = escalations[0]
        response = client_for(users, role).post(
            f"{ESCALATIONS}{own.pk}/escalate/",
            {
                "stage": Stage.SERVICE_MANAGER,
                "addressed_to_name": "Sian Service",
                "addressed_to_role": "Service manager",
                "sent_on": days_ago(5).isoformat(),
                "version": own.version,
            },
            format="json",
        )
        if status != 200:
            assert_error_shape(response, status)
            assert own.steps.count() == 1
            return
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["current_stage"] == Stage.SERVICE_MANAGER and [s["stage"] for s in body["steps"]] == [1, 3]
        assert AuditEvent.objects.filter(
            action="create", object_type="escalations.escalationstep", user=users[role], detail__stage="service_manager"
        ).exists()

    @pytest.mark.parametrize("method", ["put", "patch", "delete"])
    def test_no_direct_edit_or_delete(self, manager, escalations, method):
        response = getattr(api_client(manager), method)(f"{ESCALATIONS}{escalations[0].pk}/", {}, format="json")
        assert_error_shape(response, 405)
        assert Escalation.objects.count() == 2


class TestEscalationActions:
    def post(self, user, escalation, action, **payload):
        payload.setdefault("version", Escalation.objects.get(pk=escalation.pk).version)
        return api_client(user).post(f"{ESCALATIONS}{escalation.pk}/{action}/", payload, format="json")

    @pytest.fixture
    def own(self, escalations):
        return escalations[0]

    def test_record_response_resolve_withdraw_and_reopen(self, iro, manager, own):
        response = self.post(
            iro, own, "record-response", responded_on=days_ago(20).isoformat(), response_summary="Meeting booked."
        )
        assert response.status_code == 200, response.content
        assert response.json()["steps"][0]["responded_on"] == days_ago(20).isoformat()
        assert AuditEvent.objects.filter(action="update", object_type="escalations.escalationstep", user=iro).exists()

        response = self.post(iro, own, "resolve", resolved_on=days_ago(10).isoformat(), outcome="Plan agreed.")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "resolved" and response.json()["resolved_at_stage"] == Stage.INFORMAL

        assert_error_shape(self.post(iro, own, "reopen", reopen_reason="Not followed."), 403)
        response = self.post(manager, own, "reopen", reopen_reason="The agreed meeting did not happen.")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "open" and response.json()["reopened_on"] == TODAY.isoformat()
        assert AuditEvent.objects.filter(
            action="update", object_type="escalations.escalation", user=manager, detail__status="open"
        ).exists()

        response = self.post(iro, own, "withdraw", withdrawal_reason="The child moved to another authority.")
        assert response.status_code == 200 and response.json()["status"] == "withdrawn"

    @pytest.mark.parametrize(
        "action, payload",
        [
            ("record-response", {"responded_on": "RECENT", "response_summary": "Agreed."}),
            ("resolve", {"resolved_on": "RECENT", "outcome": "Agreed."}),
            ("withdraw", {"withdrawal_reason": "No longer needed."}),
        ],
    )
    @pytest.mark.parametrize("role, status", [("other_iro", 404), ("board", 403), ("anonymous", 401)])
    def test_actions_refused_for_other_roles(self, users, own, action, payload, role, status):
        payload = {key: days_ago(5).isoformat() if value == "RECENT" else value for key, value in payload.items()}
        before = snapshot()
        response = client_for(users, role).post(f"{ESCALATIONS}{own.pk}/{action}/", payload, format="json")
        assert_error_shape(response, status)
        assert snapshot()[:2] == before[:2]

    @pytest.mark.parametrize(
        "role, status",
        [
            ("iro", 403),
            ("other_iro", 403),
            ("board", 403),
            ("anonymous", 401),
            ("manager", 200),
            ("admin", 200),
        ],
    )
    def test_reopen_is_for_service_managers(self, users, own, iro, role, status):
        escalation_services.withdraw(own, by=iro, withdrawal_reason="Sorted at the review.", today=TODAY)
        response = client_for(users, role).post(
            f"{ESCALATIONS}{own.pk}/reopen/",
            {"reopen_reason": "Not sorted.", "version": Escalation.objects.get(pk=own.pk).version},
            format="json",
        )
        assert response.status_code == status, response.content
        if status != 200:
            assert_error_shape(response, status)
        own.refresh_from_db()
        assert own.status == (EscalationStatus.OPEN if status == 200 else EscalationStatus.WITHDRAWN)

    def test_escalating_downwards_is_refused_and_nothing_written(self, iro, looked_after_child):
        escalation = raise_escalation(looked_after_child, iro, stage=Stage.HEAD_OF_SERVICE)
        before = snapshot()
        response = self.post(
            iro,
            escalation,
            "escalate",
            stage=Stage.TEAM_MANAGER,
            addressed_to_name="Tara Team",
            addressed_to_role="Team manager",
            sent_on=days_ago(1).isoformat(),
        )
        body = assert_error_shape(response, 400, "stage")
        assert body["errors"]["stage"][0].startswith("Escalations only go upwards")
        assert snapshot() == before

    def test_a_response_dated_before_the_step_was_sent(self, iro, own):
        before = snapshot()
        response = self.post(
            iro, own, "record-response", responded_on=days_ago(31).isoformat(), response_summary="Agreed."
        )
        assert_error_shape(response, 400, "responded_on")
        assert snapshot() == before

    def test_missing_fields_are_named(self, iro, own):
        before = snapshot()
        assert_error_shape(self.post(iro, own, "record-response", response_summary="Agreed."), 400, "responded_on")
        assert_error_shape(
            self.post(iro, own, "record-response", responded_on=days_ago(1).isoformat()), 400, "response_summary"
        )
        assert_error_shape(
            self.post(
                iro,
                own,
                "resolve",
                resolved_on=days_ago(1).isoformat(),
                outcome="Agreed.",
                resolved_at_stage=Stage.DIRECTOR,
            ),
            400,
            "resolved_at_stage",
        )
        assert_error_shape(self.post(iro, own, "withdraw", withdrawal_reason="  "), 400, "withdrawal_reason")
        assert_error_shape(self.post(iro, own, "escalate", stage=9), 400, "stage")
        assert snapshot() == before

    def test_a_closed_escalation_cannot_be_changed(self, iro, own):
        escalation_services.withdraw(own, by=iro, withdrawal_reason="Sorted.", today=TODAY)
        before = snapshot()
        body = assert_error_shape(
            self.post(iro, own, "record-response", responded_on=days_ago(1).isoformat(), response_summary="Late."),
            400,
            "non_field_errors",
        )
        assert "withdrawn" in body["errors"]["non_field_errors"][0]
        assert_error_shape(self.post(iro, own, "reopen", reopen_reason="x"), 403)
        assert snapshot() == before

    def test_an_open_escalation_cannot_be_reopened(self, manager, own):
        assert_error_shape(self.post(manager, own, "reopen", reopen_reason="Why not."), 400, "non_field_errors")


class TestRaiseValidation:
    def post(self, user, payload):
        return api_client(user).post(ESCALATIONS, payload, format="json")

    def test_every_missing_part_is_named_and_nothing_written(self, iro, looked_after_child):
        before = snapshot()
        body = assert_error_shape(
            self.post(
                iro,
                escalation_payload(
                    looked_after_child,
                    areas=[],
                    what_is_wrong=" ",
                    what_is_asked="",
                    addressed_to_name="",
                    addressed_to_role="",
                ),
            ),
            400,
        )
        assert set(body["errors"]) == {
            "areas",
            "what_is_wrong",
            "what_is_asked",
            "addressed_to_name",
            "addressed_to_role",
        }
        assert body["errors"]["areas"] == ["Choose at least one area of concern."]
        assert snapshot() == before

    def test_unknown_area_future_date_and_bad_stage(self, iro, looked_after_child):
        before = snapshot()
        assert_error_shape(
            self.post(iro, escalation_payload(looked_after_child, areas=["placement", "weather"])), 400, "areas"
        )
        assert_error_shape(
            self.post(iro, escalation_payload(looked_after_child, raised_on=(TODAY + timedelta(days=1)).isoformat())),
            400,
            "raised_on",
        )
        assert_error_shape(self.post(iro, escalation_payload(looked_after_child, stage=0)), 400, "stage")
        assert_error_shape(
            self.post(iro, escalation_payload(looked_after_child, raised_on="yesterday")), 400, "raised_on"
        )
        assert snapshot() == before

    def test_a_manager_cannot_raise_one_for_a_child_with_no_iro(self, manager):
        child = ChildFactory()
        assert_error_shape(self.post(manager, escalation_payload(child)), 400, "non_field_errors")
        assert not Escalation.objects.exists()


class TestEscalationFilters:
    @pytest.fixture
    def many(self, looked_after_child, other_child, iro, other_iro):
        overdue = raise_escalation(looked_after_child, iro, areas=["health"], raised_on=days_ago(40))
        answered = raise_escalation(looked_after_child, iro, areas=["placement"], raised_on=days_ago(35))
        escalation_services.record_response(
            answered, by=iro, responded_on=days_ago(34), response_summary="Yes.", today=TODAY
        )
        escalated = raise_escalation(other_child, other_iro, areas=["education", "health"], raised_on=days_ago(20))
        escalation_services.escalate(
            escalated,
            by=other_iro,
            stage=Stage.DIRECTOR,
            addressed_to_name="Dee Director",
            addressed_to_role="Director",
            sent_on=TODAY,
            today=TODAY,
        )
        resolved = raise_escalation(other_child, other_iro, areas=["legal"], raised_on=days_ago(10))
        escalation_services.resolve(resolved, by=other_iro, outcome="Agreed.", resolved_on=days_ago(5), today=TODAY)
        return {"overdue": overdue, "answered": answered, "escalated": escalated, "resolved": resolved}

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("status=open", {"overdue", "answered", "escalated"}),
            ("status=resolved", {"resolved"}),
            ("status=all", {"overdue", "answered", "escalated", "resolved"}),
            ("stage=5", {"escalated"}),
            ("stage=1", {"overdue", "answered", "resolved"}),
            ("area=health", {"overdue", "escalated"}),
            ("response_overdue=true", {"overdue"}),
            ("response_overdue=false", {"answered", "escalated", "resolved"}),
            ("stage=1&status=open&area=health", {"overdue"}),
            ("raised_from={d25}", {"escalated", "resolved"}),
            ("resolved_from={d6}", {"resolved"}),
        ],
    )
    def test_filters(self, manager, many, query, expected):
        url = f"{ESCALATIONS}?" + query.format(d25=days_ago(25).isoformat(), d6=days_ago(6).isoformat())
        assert set(ids(api_client(manager).get(url))) == {many[key].pk for key in expected}

    def test_by_child_and_iro_within_what_the_caller_sees(self, manager, iro, other_iro, many, other_child):
        assert set(ids(api_client(manager).get(f"{ESCALATIONS}?child={other_child.pk}"))) == {
            many["escalated"].pk,
            many["resolved"].pk,
        }
        assert set(ids(api_client(manager).get(f"{ESCALATIONS}?iro={other_iro.pk}"))) == {
            many["escalated"].pk,
            many["resolved"].pk,
        }
        assert ids(api_client(iro).get(f"{ESCALATIONS}?child={other_child.pk}")) == []

    def test_flags_match_the_pages(self, manager, many):
        rows = {row["id"]: row for row in api_client(manager).get(ESCALATIONS).json()["results"]}
        assert rows[many["overdue"].pk]["response_overdue"] is True
        assert rows[many["answered"].pk]["response_overdue"] is False
        assert rows[many["escalated"].pk]["formal_working_days"] == 0

    def test_ordering(self, manager, many):
        order = ["overdue", "answered", "escalated", "resolved"]
        assert ids(api_client(manager).get(f"{ESCALATIONS}?ordering=raised_on")) == [many[key].pk for key in order]
        assert ids(api_client(manager).get(f"{ESCALATIONS}?ordering=-raised_on")) == [
            many[k].pk for k in reversed(order)
        ]
        default = ids(api_client(manager).get(ESCALATIONS))
        assert default[-1] == many["resolved"].pk, "open ones first, as on the pages"

    def test_invalid_filter_values(self, manager, many):
        assert_error_shape(api_client(manager).get(f"{ESCALATIONS}?stage=9"), 400, "stage")
        assert_error_shape(api_client(manager).get(f"{ESCALATIONS}?area=weather"), 400, "area")


STEPS = "/api/v1/escalation-steps/"


class TestEscalationSteps:
    def test_by_role_and_filtered_by_escalation(self, users, escalations, iro):
        own, other = escalations
        escalation_services.escalate(
            own,
            by=iro,
            stage=Stage.TEAM_MANAGER,
            addressed_to_name="Tara Team",
            addressed_to_role="Team manager",
            sent_on=days_ago(3),
            today=TODAY,
        )
        own_steps = set(own.steps.values_list("pk", flat=True))
        assert set(ids(client_for(users, "iro").get(STEPS))) == own_steps
        assert set(ids(client_for(users, "manager").get(f"{STEPS}?escalation={own.pk}"))) == own_steps
        assert len(ids(client_for(users, "manager").get(STEPS))) == 3
        assert ids(client_for(users, "iro").get(f"{STEPS}?escalation={other.pk}")) == []
        other_step = other.steps.get()
        assert_error_shape(client_for(users, "iro").get(f"{STEPS}{other_step.pk}/"), 404)
        assert client_for(users, "other_iro").get(f"{STEPS}{other_step.pk}/").status_code == 200
        assert_error_shape(client_for(users, "board").get(STEPS), 403)
        assert_error_shape(client_for(users, "anonymous").get(STEPS), 401)
        assert_error_shape(client_for(users, "manager").post(STEPS, {}, format="json"), 405)


# Notifications

NOTIFICATIONS = "/api/v1/notifications/"


class TestNotifications:
    @pytest.fixture
    def inboxes(self, iro, other_iro, board_member):
        return {
            "iro": [notify(iro, 1), notify(iro, 2, read_at=timezone.now())],
            "other_iro": [notify(other_iro, 3)],
            "board": [notify(board_member, 4, kind="manager_digest", subject_type="digest")],
        }

    @pytest.mark.parametrize("role", ["iro", "other_iro", "board", "manager"])
    def test_list_is_only_the_callers_own(self, users, inboxes, role):
        assert set(ids(client_for(users, role).get(NOTIFICATIONS))) == {n.pk for n in inboxes.get(role, [])}

    def test_anonymous(self, users, inboxes):
        assert_error_shape(client_for(users, "anonymous").get(NOTIFICATIONS), 401)
        assert_error_shape(
            client_for(users, "anonymous").post(f"{NOTIFICATIONS}{inboxes['iro'][0].pk}/mark-read/"), 401
        )

    def test_unread_first_and_filter(self, iro, inboxes):
        unread, read = inboxes["iro"]
        newer_read = notify(iro, 5, read_at=timezone.now())
        assert ids(api_client(iro).get(NOTIFICATIONS))[0] == unread.pk
        assert ids(api_client(iro).get(f"{NOTIFICATIONS}?unread=true")) == [unread.pk]
        assert set(ids(api_client(iro).get(f"{NOTIFICATIONS}?unread=false"))) == {read.pk, newer_read.pk}
        assert ids(api_client(iro).get(f"{NOTIFICATIONS}?ordering=created_at")) == [unread.pk, read.pk, newer_read.pk]

    @pytest.mark.parametrize(
        "role, status",
        [("iro", 200), ("other_iro", 404), ("manager", 404), ("board", 404), ("admin", 404), ("anonymous", 401)],
    )
    def test_retrieve_and_mark_read(self, users, inboxes, role, status):
        mine = inboxes["iro"][0]
        client = client_for(users, role)
        response = client.get(f"{NOTIFICATIONS}{mine.pk}/")
        assert response.status_code == status
        response = client.post(f"{NOTIFICATIONS}{mine.pk}/mark-read/")
        mine.refresh_from_db()
        if status == 200:
            assert response.status_code == 200 and response.json()["is_read"] is True
            assert mine.read_at is not None
        else:
            assert_error_shape(response, status)
            assert mine.read_at is None

    def test_board_member_reads_their_own(self, board_member, inboxes):
        digest = inboxes["board"][0]
        response = api_client(board_member).post(f"{NOTIFICATIONS}{digest.pk}/mark-read/")
        assert response.status_code == 200 and response.json()["read_at"]

    def test_not_editable(self, iro, inboxes):
        assert_error_shape(
            api_client(iro).patch(f"{NOTIFICATIONS}{inboxes['iro'][0].pk}/", {"message": "x"}, format="json"), 405
        )


# Bounded queries: the same number of queries for 5 rows as for 30.


class TestBoundedQueries:
    def test_every_list_endpoint(self, iro, manager):
        children = []
        for _ in range(3):
            child = ChildFactory()
            CareEpisodeFactory(child=child)
            AllocationFactory(child=child, iro=iro)
            children.append(child)
        for n in range(30):
            child = children[n % 3]
            record(child, iro, date=days_ago(n + 1))
            escalation = raise_escalation(
                child, iro, raised_on=days_ago(n + 10), areas=["placement", "health", "legal"]
            )
            escalation_services.escalate(
                escalation,
                by=iro,
                stage=Stage.TEAM_MANAGER,
                addressed_to_name="Tara",
                addressed_to_role="Team manager",
                sent_on=days_ago(n + 5),
                today=TODAY,
            )
            notify(iro, n)
        counts = {}
        for user in (iro, manager):
            client = api_client(user)
            client.get(OVERSIGHT)  # the token's first use is noted once; measure after it
            for url in (
                OVERSIGHT,
                ESCALATIONS,
                STEPS,
                NOTIFICATIONS,
                f"{ESCALATIONS}?response_overdue=true&area=health",
            ):
                if url == NOTIFICATIONS and user == manager:
                    continue
                small = queries_for(client, f"{url}{'&' if '?' in url else '?'}page_size=5")
                large = queries_for(client, f"{url}{'&' if '?' in url else '?'}page_size=50")
                assert small == large, (url, user.role, small, large)
                assert large <= 10, (url, user.role, large)
                counts[url, user.role] = large
        assert len(api_client(manager).get(f"{ESCALATIONS}?page_size=50").json()["results"]) == 30
        assert counts[ESCALATIONS, manager.role] <= 8, (
            "token, count, rows, steps, concerns, allocations, the audit event, its children"
        )
