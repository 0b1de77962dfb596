"""The dispute resolution process as the services enforce it: each refusal explains itself and
leaves everything as it was, audit log included."""

import threading
from datetime import date as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from escalations import services
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from tests.conftest import postgresql_only
from tests.factories import ChildFactory

RAISED = D(2025, 3, 3)
TODAY = D(2025, 3, 20)


def raise_escalation(child, by, *, stage=Stage.INFORMAL, raised_on=RAISED, today=TODAY, **changes):
    fields = {
        "areas": ["placement", "health"],
        "what_is_wrong": "The placement plan has drifted for four months.",
        "what_is_asked": "A placement planning meeting within 10 working days.",
        "stage": stage,
        "addressed_to_name": "Sam Social",
        "addressed_to_role": "Social worker",
        "raised_on": raised_on,
        **changes,
    }
    return services.raise_escalation(child, by=by, today=today, **fields)


def escalate(escalation, by, stage, sent_on=D(2025, 3, 11), **changes):
    fields = {
        "stage": stage,
        "addressed_to_name": "Tara Team",
        "addressed_to_role": "Team manager",
        "sent_on": sent_on,
        **changes,
    }
    return services.escalate(escalation, by=by, today=TODAY, **fields)


def snapshot(escalation):
    """Everything a refused change must leave untouched."""
    return (
        list(Escalation.objects.filter(pk=escalation.pk).values()),
        list(EscalationStep.objects.filter(escalation=escalation).order_by("stage").values()),
        list(EscalationConcern.objects.filter(escalation=escalation).values()),
        AuditEvent.objects.count(),
    )


def refused(change, escalation):
    """Run a change that must be refused; return its messages after checking nothing moved."""
    before = snapshot(escalation)
    with pytest.raises(ValidationError) as error:
        change()
    assert snapshot(escalation) == before
    return error.value


@pytest.fixture
def escalation(looked_after_child, iro):
    return raise_escalation(looked_after_child, iro)


@pytest.mark.django_db
class TestRaising:
    def test_raised_informally_with_its_areas_first_step_and_audit(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro)
        assert (escalation.status, escalation.raised_by, escalation.raised_on) == ("open", iro, RAISED)
        assert sorted(escalation.concerns.values_list("area", flat=True)) == ["health", "placement"]
        (step,) = escalation.steps.all()
        assert (step.stage, step.sent_on, step.response_due) == (Stage.INFORMAL, RAISED, D(2025, 3, 10))
        audited = AuditEvent.objects.filter(user=iro, action="create", child_id=looked_after_child.pk)
        assert set(audited.values_list("object_type", flat=True)) == {
            "escalations.escalation",
            "escalations.escalationstep",
        }

    def test_may_start_at_any_formal_stage(self, looked_after_child, iro):
        escalation = raise_escalation(looked_after_child, iro, stage=Stage.HEAD_OF_SERVICE)
        assert list(escalation.steps.values_list("stage", flat=True)) == [Stage.HEAD_OF_SERVICE]

    def test_a_manager_raises_it_for_the_childs_iro(self, looked_after_child, iro, manager):
        escalation = raise_escalation(looked_after_child, manager)
        assert escalation.raised_by == iro
        assert AuditEvent.objects.filter(user=manager, object_type="escalations.escalation").exists()

    def test_a_manager_cannot_raise_one_for_a_child_with_no_iro(self, manager):
        child = ChildFactory()
        with pytest.raises(ValidationError) as error:
            raise_escalation(child, manager)
        assert "No IRO was allocated to this child on 3 March 2025" in error.value.messages[0]
        assert not Escalation.objects.exists() and not AuditEvent.objects.exists()

    def test_every_missing_part_is_named_and_nothing_is_saved(self, looked_after_child, iro):
        with pytest.raises(ValidationError) as error:
            raise_escalation(
                looked_after_child,
                iro,
                areas=[],
                what_is_wrong=" ",
                what_is_asked="",
                addressed_to_name="",
                addressed_to_role="",
                raised_on=D(2025, 3, 21),
            )
        assert error.value.message_dict == {
            "areas": ["Choose at least one area of concern."],
            "what_is_wrong": ["Describe what is wrong."],
            "what_is_asked": ["Describe what you are asking for."],
            "addressed_to_name": ["Enter the name of the person you are raising it with."],
            "addressed_to_role": ["Enter the role of the person you are raising it with."],
            "raised_on": ["The date raised cannot be in the future."],
        }
        assert not Escalation.objects.exists() and not EscalationStep.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_an_unknown_area_is_refused(self, looked_after_child, iro):
        with pytest.raises(ValidationError) as error:
            raise_escalation(looked_after_child, iro, areas=["placement", "weather"])
        assert error.value.message_dict["areas"] == ["Choose areas of concern from the list."]
        assert not EscalationConcern.objects.exists()


@pytest.mark.django_db
class TestEscalating:
    def test_escalate_past_a_stage(self, escalation, iro):
        step = escalate(escalation, iro, Stage.SERVICE_MANAGER)
        assert list(escalation.steps.values_list("stage", flat=True)) == [Stage.INFORMAL, Stage.SERVICE_MANAGER]
        assert step.response_due == D(2025, 3, 18)
        assert AuditEvent.objects.get(object_type="escalations.escalationstep", object_id=str(step.pk)).detail == {
            "escalated_from": "informal",
            "stage": "service_manager",
            "response_due": "2025-03-18",
        }

    def test_escalating_downwards_is_refused(self, escalation, iro):
        escalate(escalation, iro, Stage.SERVICE_MANAGER)
        error = refused(lambda: escalate(escalation, iro, Stage.TEAM_MANAGER, addressed_to_name="Ann"), escalation)
        assert error.message_dict["stage"] == ["Escalations only go upwards: choose a stage above service manager."]

    def test_escalating_to_the_current_stage_is_refused(self, escalation, iro):
        escalate(escalation, iro, Stage.TEAM_MANAGER)
        error = refused(lambda: escalate(escalation, iro, Stage.TEAM_MANAGER), escalation)
        assert error.message_dict["stage"] == [
            "This escalation is already at the team manager stage: choose a higher stage."
        ]

    def test_nothing_is_above_cafcass(self, escalation, iro):
        escalate(escalation, iro, Stage.CAFCASS)
        error = refused(lambda: escalate(escalation, iro, Stage.CAFCASS), escalation)
        assert error.messages == ["This escalation has been referred to Cafcass, the last stage: it cannot go higher."]

    def test_sent_before_the_current_stage_or_in_the_future_is_refused(self, escalation, iro):
        error = refused(lambda: escalate(escalation, iro, Stage.DIRECTOR, sent_on=D(2025, 3, 2)), escalation)
        assert error.message_dict["sent_on"] == [
            "The date sent cannot be before the informal resolution stage was sent on 3 March 2025."
        ]
        error = refused(lambda: escalate(escalation, iro, Stage.DIRECTOR, sent_on=D(2025, 3, 21)), escalation)
        assert error.message_dict["sent_on"] == ["The date sent cannot be in the future."]


@pytest.mark.django_db
class TestResponses:
    def test_the_response_is_recorded_on_the_current_step(self, escalation, iro):
        escalate(escalation, iro, Stage.TEAM_MANAGER)
        step = services.record_response(
            escalation,
            by=iro,
            responded_on=D(2025, 3, 14),
            response_summary="Meeting booked for 20 March.",
            today=TODAY,
        )
        assert (step.stage, step.responded_on) == (Stage.TEAM_MANAGER, D(2025, 3, 14))
        assert escalation.steps.get(stage=Stage.INFORMAL).responded_on is None
        assert AuditEvent.objects.filter(
            action="update", object_id=str(step.pk), object_type="escalations.escalationstep"
        ).exists()

    def test_a_response_dated_before_the_step_was_sent_is_refused(self, escalation, iro):
        escalate(escalation, iro, Stage.TEAM_MANAGER)
        error = refused(
            lambda: services.record_response(
                escalation, by=iro, responded_on=D(2025, 3, 10), response_summary="Agreed.", today=TODAY
            ),
            escalation,
        )
        assert error.message_dict["responded_on"] == [
            "The response cannot be dated before the escalation was sent to the team manager stage on 11 March 2025."
        ]

    def test_a_response_in_the_future_or_without_a_summary_is_refused(self, escalation, iro):
        error = refused(
            lambda: services.record_response(
                escalation, by=iro, responded_on=D(2025, 3, 21), response_summary="  ", today=TODAY
            ),
            escalation,
        )
        assert error.message_dict == {
            "responded_on": ["The date of the response cannot be in the future."],
            "response_summary": ["Summarise the response."],
        }

    def test_a_second_response_to_the_same_step_is_refused(self, escalation, iro):
        services.record_response(escalation, by=iro, responded_on=D(2025, 3, 5), response_summary="No.", today=TODAY)
        error = refused(
            lambda: services.record_response(
                escalation, by=iro, responded_on=D(2025, 3, 6), response_summary="Yes.", today=TODAY
            ),
            escalation,
        )
        assert error.messages == ["The response at the informal resolution stage was already recorded on 5 March 2025."]


@pytest.mark.django_db
class TestResolvingAndWithdrawing:
    def test_resolved_at_the_current_stage_by_default(self, escalation, iro):
        escalate(escalation, iro, Stage.TEAM_MANAGER)
        services.resolve(
            escalation, by=iro, outcome="Placement meeting held; plan agreed.", resolved_on=D(2025, 3, 18), today=TODAY
        )
        escalation.refresh_from_db()
        assert (escalation.status, escalation.resolved_on, escalation.resolved_at_stage) == (
            "resolved",
            D(2025, 3, 18),
            Stage.TEAM_MANAGER,
        )
        assert AuditEvent.objects.filter(
            action="update", object_type="escalations.escalation", detail__resolved_at_stage="team_manager"
        ).exists()

    def test_may_be_resolved_at_an_earlier_stage_it_reached_but_not_one_it_did_not(self, escalation, iro):
        escalate(escalation, iro, Stage.DIRECTOR)
        error = refused(
            lambda: services.resolve(
                escalation,
                by=iro,
                outcome="Agreed.",
                resolved_on=D(2025, 3, 18),
                resolved_at_stage=Stage.TEAM_MANAGER,
                today=TODAY,
            ),
            escalation,
        )
        assert error.message_dict["resolved_at_stage"] == [
            "Choose a stage this escalation reached: informal resolution, director."
        ]
        services.resolve(
            escalation,
            by=iro,
            outcome="Agreed.",
            resolved_on=D(2025, 3, 18),
            resolved_at_stage=Stage.INFORMAL,
            today=TODAY,
        )
        assert Escalation.objects.get(pk=escalation.pk).resolved_at_stage == Stage.INFORMAL

    def test_resolving_without_an_outcome_is_refused(self, escalation, iro):
        error = refused(
            lambda: services.resolve(escalation, by=iro, outcome="", resolved_on=D(2025, 3, 18), today=TODAY),
            escalation,
        )
        assert error.message_dict == {"outcome": ["Describe the outcome of the escalation."]}

    def test_resolving_before_the_current_step_was_sent_is_refused(self, escalation, iro):
        escalate(escalation, iro, Stage.TEAM_MANAGER)
        error = refused(
            lambda: services.resolve(escalation, by=iro, outcome="Agreed.", resolved_on=D(2025, 3, 10), today=TODAY),
            escalation,
        )
        assert error.message_dict["resolved_on"] == [
            "The escalation cannot be resolved before it was sent to the team manager stage on 11 March 2025."
        ]

    def test_withdrawing_needs_a_reason(self, escalation, iro):
        error = refused(lambda: services.withdraw(escalation, by=iro, withdrawal_reason=" ", today=TODAY), escalation)
        assert error.message_dict == {"withdrawal_reason": ["Give the reason for withdrawing the escalation."]}
        services.withdraw(escalation, by=iro, withdrawal_reason="The child moved to another authority.", today=TODAY)
        escalation.refresh_from_db()
        assert (escalation.status, escalation.withdrawn_on) == ("withdrawn", TODAY)


@pytest.mark.django_db
class TestClosedEscalations:
    @pytest.fixture
    def resolved(self, escalation, iro):
        return services.resolve(escalation, by=iro, outcome="Plan agreed.", resolved_on=D(2025, 3, 12), today=TODAY)

    def test_nothing_changes_after_resolution(self, resolved, iro):
        message = (
            "This escalation was resolved on 12 March 2025, so it cannot be changed. A service manager can reopen it."
        )
        changes = [
            lambda: escalate(resolved, iro, Stage.TEAM_MANAGER),
            lambda: services.record_response(
                resolved, by=iro, responded_on=D(2025, 3, 12), response_summary="Yes.", today=TODAY
            ),
            lambda: services.resolve(resolved, by=iro, outcome="Other.", resolved_on=D(2025, 3, 13), today=TODAY),
            lambda: services.withdraw(resolved, by=iro, withdrawal_reason="No longer needed.", today=TODAY),
        ]
        for change in changes:
            assert refused(change, resolved).messages == [message]

    def test_nothing_changes_after_withdrawal(self, escalation, iro):
        services.withdraw(escalation, by=iro, withdrawal_reason="Resolved at a review.", today=TODAY)
        error = refused(lambda: escalate(escalation, iro, Stage.TEAM_MANAGER), escalation)
        assert error.messages == [
            "This escalation was withdrawn on 20 March 2025, so it cannot be changed. A service manager can reopen it."
        ]

    def test_an_iro_cannot_reopen(self, resolved, iro):
        before = snapshot(resolved)
        with pytest.raises(PermissionDenied):
            services.reopen(resolved, by=iro, reopen_reason="The plan was not followed.", today=TODAY)
        assert snapshot(resolved) == before

    def test_a_service_manager_reopens_with_a_reason(self, resolved, manager, iro):
        error = refused(lambda: services.reopen(resolved, by=manager, reopen_reason="", today=TODAY), resolved)
        assert error.message_dict == {"reopen_reason": ["Give the reason for reopening the escalation."]}
        services.reopen(resolved, by=manager, reopen_reason="The agreed meeting did not happen.", today=TODAY)
        resolved.refresh_from_db()
        assert (resolved.status, resolved.resolved_on, resolved.outcome, resolved.resolved_at_stage) == (
            "open",
            None,
            "",
            None,
        )
        assert (resolved.reopened_on, resolved.reopen_reason) == (TODAY, "The agreed meeting did not happen.")
        event = AuditEvent.objects.filter(user=manager, object_type="escalations.escalation").get()
        assert event.detail["before"]["outcome"] == "Plan agreed."
        escalate(resolved, iro, Stage.TEAM_MANAGER)
        assert resolved.steps.count() == 2

    def test_an_open_escalation_cannot_be_reopened(self, escalation, manager):
        error = refused(
            lambda: services.reopen(escalation, by=manager, reopen_reason="Why not.", today=TODAY), escalation
        )
        assert error.messages == ["This escalation is open: only a resolved or withdrawn escalation can be reopened."]


@pytest.mark.django_db
class TestDatabaseConstraints:
    """The status invariants hold even for writes that bypass the services."""

    def assert_refused(self, write):
        with pytest.raises(IntegrityError), transaction.atomic():
            write()

    def test_resolved_needs_date_outcome_and_stage(self, escalation):
        rows = Escalation.objects.filter(pk=escalation.pk)
        self.assert_refused(
            lambda: rows.update(
                status=EscalationStatus.RESOLVED, resolved_on=D(2025, 3, 5), resolved_at_stage=Stage.INFORMAL
            )
        )
        self.assert_refused(
            lambda: rows.update(status=EscalationStatus.RESOLVED, outcome="Done.", resolved_at_stage=Stage.INFORMAL)
        )

    def test_open_has_no_resolution_or_withdrawal(self, escalation):
        rows = Escalation.objects.filter(pk=escalation.pk)
        self.assert_refused(lambda: rows.update(outcome="Done."))
        self.assert_refused(lambda: rows.update(withdrawal_reason="Not needed."))

    def test_withdrawn_needs_a_date_and_reason(self, escalation):
        rows = Escalation.objects.filter(pk=escalation.pk)
        self.assert_refused(lambda: rows.update(status=EscalationStatus.WITHDRAWN, withdrawn_on=D(2025, 3, 5)))

    def test_response_not_before_sent_and_one_step_per_stage(self, escalation):
        step = escalation.steps.get()
        self.assert_refused(
            lambda: EscalationStep.objects.filter(pk=step.pk).update(
                responded_on=D(2025, 3, 2), response_summary="Early."
            )
        )
        self.assert_refused(
            lambda: EscalationStep.objects.create(
                escalation=escalation,
                stage=Stage.INFORMAL,
                addressed_to_name="A",
                addressed_to_role="B",
                sent_on=D(2025, 3, 4),
                response_due=D(2025, 3, 11),
            )
        )

    def test_each_area_once_per_escalation(self, escalation):
        self.assert_refused(lambda: EscalationConcern.objects.create(escalation=escalation, area="health"))


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_responses_recorded_at_once_are_taken_in_turn(looked_after_child, iro, manager):
    """The escalation is locked for each change, so the second person sees the first one's
    response and is refused instead of overwriting it."""
    escalation = raise_escalation(looked_after_child, iro)
    start = threading.Barrier(2)
    outcomes = []

    def respond(user, summary):
        try:
            start.wait()
            services.record_response(
                escalation, by=user, responded_on=D(2025, 3, 5), response_summary=summary, today=TODAY
            )
            outcomes.append("recorded")
        except ValidationError as error:
            outcomes.extend(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=respond, args=(user, f"Answer taken by {user}")) for user in (iro, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [
        "The response at the informal resolution stage was already recorded on 5 March 2025.",
        "recorded",
    ]
    assert AuditEvent.objects.filter(action="update", object_type="escalations.escalationstep").count() == 1
