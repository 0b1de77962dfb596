"""Two people changing the same record at once, on two real PostgreSQL connections:
the row locks in the services take them in turn, so the data stays whole and the
one who comes second is either refused with a message they can act on or builds on the first.

Each test makes the overlap deterministic rather than hoping for it: both threads start together
(a barrier); the first does its change inside a transaction that it holds open after the change,
the second starts its change once the first holds its locks, and the first commits only when
PostgreSQL reports the second waiting for a lock the first holds (or the second has finished, as
it would if the lock were missing). So the second always decides on data the first has not yet
committed, the moment a missing lock would let it go wrong.
"""

import threading
import time
from datetime import date as D
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from children import services as children_services
from children.models import Allocation
from escalations import services as escalation_services
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationStep
from iro_portal.locking import ChangedByAnotherUser
from reviews import services as review_services
from reviews.models import OUTSTANDING_STATUSES, Review, ReviewAction, ReviewKind
from tests.conftest import ON_POSTGRESQL, sign_in
from tests.factories import AllocationFactory, ChildFactory, IroFactory, ManagerFactory, record_attendance_and_views
from tests.lac_record import complete, decision_rows, draft_review, record_version

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL: these tests race two real connections on row "
        "locks (SELECT ... FOR UPDATE), which SQLite does not have",
    ),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 30


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for(waiting_pid, holding_pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [holding_pid, waiting_pid])
        return cursor.fetchone()[0]


def overlapping(first, second):
    """Run `first` and `second` on two connections so that `second` acts while `first`'s
    transaction is still open. Returns ({"first": ..., "second": ...}, whether the second was
    seen waiting for the first's lock); each outcome is ("ok", value) or ("error", exception)."""
    outcomes, pids = {}, {}
    start = threading.Barrier(2, timeout=TIMEOUT)
    first_holds_its_locks, commit = threading.Event(), threading.Event()
    second_done = threading.Event()

    def run_first():
        try:
            pids["first"] = _backend_pid()
            start.wait()
            with transaction.atomic():
                value = first()
                first_holds_its_locks.set()
                assert commit.wait(TIMEOUT), "the test never let the first transaction commit"
            outcomes["first"] = ("ok", value)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            outcomes["first"] = ("error", error)
        finally:
            first_holds_its_locks.set()
            connections.close_all()

    def run_second():
        try:
            pids["second"] = _backend_pid()
            start.wait()
            assert first_holds_its_locks.wait(TIMEOUT), "the first change never finished"
            outcomes["second"] = ("ok", second())
        except Exception as error:  # noqa: BLE001
            outcomes["second"] = ("error", error)
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    waited = False
    try:
        assert first_holds_its_locks.wait(TIMEOUT), "the first change never finished"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not second_done.is_set():
            if {"first", "second"} <= pids.keys() and _waits_for(pids["second"], pids["first"]):
                waited = True
                break
            time.sleep(0.02)
    finally:
        commit.set()
        for thread in threads:
            thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: deadlock?"
    return outcomes, waited


def one_won(outcomes, refusal=ValidationError):
    """The first succeeded; return the exception the second was refused with."""
    assert outcomes["first"][0] == "ok", outcomes["first"]
    assert outcomes["second"][0] == "error", f"both changes went through: {outcomes}"
    error = outcomes["second"][1]
    assert type(error) is refusal, f"the second was refused with {error!r}, not a {refusal.__name__}"
    return error


# -- 1. Two users record the same review as held at once -------------------------------------


def _child_with_review_due(iro, manager):
    today = timezone.localdate()
    child = ChildFactory(given_name="Robin", family_name="Testcase", date_of_birth=D(2012, 6, 1))
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=today - timedelta(days=20),
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=20))
    return child, Review.objects.get(child=child, kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES)


def _assert_only_the_winners_record(review, *, held_on, advocate_present, action, not_action, opened):
    saved = Review.objects.get(pk=review.pk)
    assert (saved.status, saved.held_on, saved.advocate_present, saved.version) == (
        "held",
        held_on,
        advocate_present,
        opened + 1,
    )
    assert list(ReviewAction.objects.filter(review=review).values_list("description", flat=True)) == [action]
    assert not ReviewAction.objects.filter(description=not_action).exists()
    outstanding = Review.objects.filter(child=review.child, kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES)
    assert [(next_review.number, next_review.status) for next_review in outstanding] == [(2, "due")]
    audited = AuditEvent.objects.filter(action="update", object_type="reviews.review", object_id=str(review.pk))
    assert audited.count() == 1


def test_two_users_recording_the_same_review_one_wins_the_other_is_told(iro, manager):
    _, review = _child_with_review_due(iro, manager)
    opened = review.version
    today = timezone.localdate()

    record_attendance_and_views(review)

    def record(by, held_on, advocate_present, action):
        return lambda: review_services.record_review_held(
            review,
            by=by,
            expected_version=opened,
            fields={"held_on": held_on, "participation_code": "PN1", "advocate_present": advocate_present},
            actions=[{"description": action, "owner_name": "Social worker", "due_date": today + timedelta(days=30)}],
        )

    outcomes, waited = overlapping(
        record(iro, today - timedelta(days=1), True, "Book a dental check"),
        record(manager, today - timedelta(days=2), False, "Arrange a school visit"),
    )
    error = one_won(outcomes, refusal=ChangedByAnotherUser)
    assert error.messages == [review_services.REVIEW_CHANGED_MESSAGE]
    assert waited, "the second save never waited for the first: the review row is not locked"
    _assert_only_the_winners_record(
        review,
        held_on=today - timedelta(days=1),
        advocate_present=True,
        action="Book a dental check",
        not_action="Arrange a school visit",
        opened=opened,
    )


def test_two_users_saving_the_same_reviews_decisions_the_second_sees_the_conflict(iro, manager):
    """The task list's pages save the draft under the review's lock: a second save from the
    same version waits, is refused whole, and completing keeps only the first's decisions."""
    _, review = _child_with_review_due(iro, manager)
    opened = review.version
    today = timezone.localdate()
    held_on = today - timedelta(days=1)
    iro_client, manager_client = sign_in(Client(), iro), sign_in(Client(), manager)
    draft_review(iro_client, review, held_on, advocate_present="on")
    url = reverse("reviews:record_decisions", args=[review.pk])
    drafted = record_version(review)

    def decisions(description):
        return {"version": drafted, **decision_rows((description, "Social worker", today + timedelta(days=30)))}

    outcomes, waited = overlapping(
        lambda: iro_client.post(url, decisions("Book a dental check")),
        lambda: manager_client.post(url, decisions("Arrange a school visit")),
    )
    first, second = outcomes["first"][1], outcomes["second"][1]
    assert outcomes["first"][0] == outcomes["second"][0] == "ok", outcomes
    assert first.status_code == 302
    assert waited, "the second save never waited for the first: the review row is not locked"
    assert second.status_code == 409
    page = second.content.decode()
    assert "Someone else saved this review&#x27;s record while you were working on it." in page
    assert "Nothing you entered here has been saved" in page
    assert complete(iro_client, review).status_code == 302
    _assert_only_the_winners_record(
        review,
        held_on=held_on,
        advocate_present=True,
        action="Book a dental check",
        not_action="Arrange a school visit",
        opened=opened,
    )


# -- 2. Two managers reallocate the same child at once ----------------------------------------


def _assert_one_open_allocation_and_no_overlaps(child):
    history = list(Allocation.objects.filter(child=child).order_by("start_date", "id"))
    assert [allocation.end_date is None for allocation in history].count(True) == 1
    assert history[-1].end_date is None
    for earlier, later in zip(history, history[1:]):
        assert earlier.end_date is not None and earlier.end_date <= later.start_date, history
    return history


def test_two_managers_reallocating_at_once_are_taken_in_turn(looked_after_child, iro, manager):
    """The child is locked for the reallocation, so the second manager's reallocation closes the
    first's (on the same day) instead of leaving two open allocations: the later one wins, as if
    made a moment later, and both are in the history and the audit log."""
    other_manager, first_choice, second_choice = ManagerFactory(), IroFactory(), IroFactory()
    day = D(2025, 2, 3)
    outcomes, waited = overlapping(
        lambda: children_services.allocate_iro(looked_after_child, iro=first_choice, start_date=day, by=manager),
        lambda: children_services.allocate_iro(looked_after_child, iro=second_choice, start_date=day, by=other_manager),
    )
    assert outcomes["first"][0] == "ok", outcomes["first"]
    assert outcomes["second"][0] == "ok", f"the second reallocation failed: {outcomes['second'][1]!r}"
    assert waited, "the second reallocation never waited for the first: the child is not locked"
    history = _assert_one_open_allocation_and_no_overlaps(looked_after_child)
    assert [(allocation.iro, allocation.start_date, allocation.end_date) for allocation in history] == [
        (iro, D(2024, 1, 10), day),
        (first_choice, day, day),
        (second_choice, day, None),
    ]
    assert AuditEvent.objects.filter(object_type="children.allocation", action="create").count() == 2


def test_a_reallocation_racing_a_later_one_is_refused_with_a_reason(looked_after_child, iro, manager):
    """The second manager, dating theirs before the allocation the first has just made, is told
    why; nothing of theirs is saved."""
    first_choice, second_choice = IroFactory(), IroFactory()
    outcomes, waited = overlapping(
        lambda: children_services.allocate_iro(
            looked_after_child, iro=first_choice, start_date=D(2025, 2, 5), by=manager
        ),
        lambda: children_services.allocate_iro(
            looked_after_child, iro=second_choice, start_date=D(2025, 2, 3), by=manager
        ),
    )
    error = one_won(outcomes)
    assert error.message_dict == {
        "start_date": ["The new allocation must start on or after 5 February 2025, when the current one started."]
    }
    assert waited, "the second reallocation never waited for the first: the child is not locked"
    history = _assert_one_open_allocation_and_no_overlaps(looked_after_child)
    assert [(allocation.iro, allocation.start_date, allocation.end_date) for allocation in history] == [
        (iro, D(2024, 1, 10), D(2025, 2, 5)),
        (first_choice, D(2025, 2, 5), None),
    ]
    assert AuditEvent.objects.filter(object_type="children.allocation", action="create").count() == 1


# -- 3. Two escalation steps at once ----------------------------------------------------------

TODAY = D(2025, 3, 20)


def _escalation(child, iro):
    return escalation_services.raise_escalation(
        child,
        by=iro,
        today=TODAY,
        areas=["placement"],
        what_is_wrong="The placement plan has drifted.",
        what_is_asked="A placement planning meeting.",
        stage=Stage.INFORMAL,
        addressed_to_name="Sam Social",
        addressed_to_role="Social worker",
        raised_on=D(2025, 3, 3),
    )


def _escalate(escalation, by, stage):
    return lambda: escalation_services.escalate(
        escalation,
        by=by,
        today=TODAY,
        stage=stage,
        addressed_to_name="Tara Team",
        addressed_to_role="Manager",
        sent_on=D(2025, 3, 11),
    )


def _stages(escalation):
    steps = list(EscalationStep.objects.filter(escalation=escalation).order_by("created_at", "id"))
    return [step.stage for step in steps]


def _assert_stages_in_order(escalation, expected):
    stages = _stages(escalation)
    assert stages == expected
    assert stages == sorted(set(stages)), "the steps were not created in rising stage order"


@pytest.mark.parametrize(
    ("first_stage", "second_stage", "message"),
    [
        (
            Stage.SERVICE_MANAGER,
            Stage.TEAM_MANAGER,
            "Escalations only go upwards: choose a stage above service manager.",
        ),
        (
            Stage.TEAM_MANAGER,
            Stage.TEAM_MANAGER,
            "This escalation is already at the team manager stage: choose a higher stage.",
        ),
    ],
    ids=["lower-stage-second", "same-stage-twice"],
)
def test_two_escalation_steps_at_once_keep_the_stage_order(
    looked_after_child, iro, manager, first_stage, second_stage, message
):
    escalation = _escalation(looked_after_child, iro)
    outcomes, waited = overlapping(
        _escalate(escalation, iro, first_stage), _escalate(escalation, manager, second_stage)
    )
    error = one_won(outcomes)
    assert error.message_dict == {"stage": [message]}
    assert waited, "the second step never waited for the first: the escalation is not locked"
    _assert_stages_in_order(escalation, [Stage.INFORMAL, first_stage])
    assert AuditEvent.objects.filter(object_type="escalations.escalationstep", action="create").count() == 2


def test_escalating_while_another_resolves_is_refused(looked_after_child, iro, manager):
    escalation = _escalation(looked_after_child, iro)
    outcomes, waited = overlapping(
        lambda: escalation_services.resolve(
            escalation, by=iro, outcome="A planning meeting was booked.", resolved_on=D(2025, 3, 12), today=TODAY
        ),
        _escalate(escalation, manager, Stage.TEAM_MANAGER),
    )
    error = one_won(outcomes)
    assert error.messages == [
        "This escalation was resolved on 12 March 2025, so it cannot be changed. A service manager can reopen it."
    ]
    assert waited, "the step never waited for the resolution: the escalation is not locked"
    _assert_stages_in_order(escalation, [Stage.INFORMAL])
    saved = Escalation.objects.get(pk=escalation.pk)
    assert (saved.status, saved.resolved_at_stage) == (EscalationStatus.RESOLVED, Stage.INFORMAL)


# -- Two managers recording a change to one IRO's staffing at once --------------------------------


def test_two_staffing_changes_from_the_same_page_one_wins_the_other_is_told(iro, manager):
    """Both opened the IRO's staffing at version 1; the IRO's row is locked, so the second waits,
    then finds the history changed and is refused whole: one period open, no overlap."""
    from decimal import Decimal

    from staffing.models import StaffingPeriod
    from staffing.services import STAFFING_CHANGED_MESSAGE, record_staffing_change

    other_manager, today = ManagerFactory(), timezone.localdate()

    def change(by, fte):
        return lambda: record_staffing_change(
            iro, starts_on=today, fte=Decimal(fte), agency=False, by=by, expected_version=1
        )

    outcomes, waited = overlapping(change(manager, "0.80"), change(other_manager, "0.60"))
    error = one_won(outcomes, refusal=ChangedByAnotherUser)
    assert waited, "the second change never waited for the first: the IRO is not locked"
    assert error.messages == [STAFFING_CHANGED_MESSAGE]
    periods = list(StaffingPeriod.objects.filter(iro=iro).order_by("starts_on").values_list("ends_on", "fte"))
    assert periods == [(today - timedelta(days=1), Decimal("1.00")), (None, Decimal("0.80"))]
