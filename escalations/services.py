"""Every write about escalations: raise, escalate, record a response, resolve, withdraw, reopen.

Each validates, saves and audits in one transaction, with the escalation locked so two people
acting at once are taken in turn; every change to the escalation or its steps raises its version,
and a change made from an older version is refused (iro_portal.locking). A rule broken raises
ValidationError with a message the user can act on, before anything is written: nothing is
half-saved and nothing is audited.
"""

from collections.abc import Collection
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.permissions import sees_every_child
from audit.models import AuditAction
from audit.services import record_event
from children.models import Allocation, Child
from children.services import lock_child
from iro_portal.dates import format_date
from iro_portal.locking import lock

from . import timescales
from .codes import AreaOfConcern, EscalationStatus, Stage
from .models import Escalation, EscalationConcern, EscalationStep

ESCALATION_CHANGED_MESSAGE = (
    "Someone else changed this escalation while you were working on it. Nothing you entered has been saved: "
    "open the escalation again to see their changes, then make yours."
)


def _stage_name(stage: int) -> str:
    return Stage(stage).label.lower()


def may_reopen(user: User) -> bool:
    """Reopening overrides the closure the IRO recorded, so it is a service manager's decision
    (administrators too, as they can do everything)."""
    return sees_every_child(user)


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _date_errors(
    errors: dict[str, str],
    field: str,
    value: date,
    *,
    today: date,
    not_before: date,
    not_before_message: str,
    future_message: str,
) -> None:
    if value > today:
        errors[field] = future_message
    elif value < not_before:
        errors[field] = not_before_message


def _escalating_iro(child: Child, by: User, on: date) -> User:
    """The escalation is the IRO's: a manager raising one raises it for the child's IRO."""
    if by.is_iro:
        return by
    allocation = Allocation.objects.current(on).filter(child=child).select_related("iro").first()
    if allocation is None:
        raise ValidationError(
            f"No IRO was allocated to this child on {format_date(on)}: allocate one before raising an escalation."
        )
    return allocation.iro


def _new_step(
    escalation: Escalation, *, stage: int, addressed_to_name: str, addressed_to_role: str, sent_on: date
) -> EscalationStep:
    return EscalationStep.objects.create(
        escalation=escalation,
        stage=stage,
        addressed_to_name=addressed_to_name.strip(),
        addressed_to_role=addressed_to_role.strip(),
        sent_on=sent_on,
        response_due=timescales.response_due(sent_on, stage),
    )


@transaction.atomic
def raise_escalation(
    child: Child,
    *,
    by: User,
    areas: Collection[str],
    what_is_wrong: str,
    what_is_asked: str,
    stage: int,
    addressed_to_name: str,
    addressed_to_role: str,
    raised_on: date,
    today: date,
    request: HttpRequest | None = None,
) -> Escalation:
    """Raise an escalation, informally or straight at a formal stage (the IRO may bypass any)."""
    child = lock_child(child)
    errors: dict[str, str] = {}
    if not areas:
        errors["areas"] = "Choose at least one area of concern."
    elif not set(areas) <= set(AreaOfConcern.values):
        errors["areas"] = "Choose areas of concern from the list."
    if _blank(what_is_wrong):
        errors["what_is_wrong"] = "Describe what is wrong."
    if _blank(what_is_asked):
        errors["what_is_asked"] = "Describe what you are asking for."
    if _blank(addressed_to_name):
        errors["addressed_to_name"] = "Enter the name of the person you are raising it with."
    if _blank(addressed_to_role):
        errors["addressed_to_role"] = "Enter the role of the person you are raising it with."
    if stage not in Stage.values:
        errors["stage"] = "Choose the stage at which you are raising the escalation."
    _date_errors(
        errors,
        "raised_on",
        raised_on,
        today=today,
        not_before=child.date_of_birth,
        not_before_message="An escalation cannot be raised before the child was born.",
        future_message="The date raised cannot be in the future.",
    )
    if errors:
        raise ValidationError(errors)
    iro = _escalating_iro(child, by, raised_on)
    escalation = Escalation.objects.create(
        child=child,
        raised_by=iro,
        raised_on=raised_on,
        what_is_wrong=what_is_wrong.strip(),
        what_is_asked=what_is_asked.strip(),
    )
    EscalationConcern.objects.bulk_create(
        EscalationConcern(escalation=escalation, area=area) for area in sorted(set(areas))
    )
    step = _new_step(
        escalation,
        stage=stage,
        addressed_to_name=addressed_to_name,
        addressed_to_role=addressed_to_role,
        sent_on=raised_on,
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=escalation,
        child_id=child.pk,
        request=request,
        detail={"areas": sorted(set(areas)), "stage": Stage(stage).setting_key},
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=step,
        child_id=child.pk,
        request=request,
        detail={"response_due": step.response_due.isoformat()},
    )
    return escalation


def _locked(escalation: Escalation, expected_version: int | None) -> Escalation:
    return lock(Escalation.objects.all(), escalation.pk, expected_version, ESCALATION_CHANGED_MESSAGE)


def _save_changed(
    escalation: Escalation,
    *,
    by: User,
    request: HttpRequest | None,
    detail: dict[str, Any],
    record: Escalation | EscalationStep | None = None,
    action: str = AuditAction.UPDATE,
) -> None:
    """Save a change to the escalation or one of its steps (`record`, when it is a step): the
    escalation's version goes up and the change is audited against the child."""
    escalation.version += 1
    escalation.save()
    record_event(
        action=action,
        user=by,
        obj=record or escalation,
        child_id=escalation.child_id,
        request=request,
        detail=detail,
    )


def _locked_open(escalation: Escalation, expected_version: int | None) -> Escalation:
    """The escalation, locked for this transaction, refused if it changed since the caller read
    it or if it is closed: once resolved or withdrawn only a reopen changes it."""
    escalation = _locked(escalation, expected_version)
    if escalation.status == EscalationStatus.RESOLVED:
        raise ValidationError(
            f"This escalation was resolved on {format_date(escalation.resolved_on)}, so it cannot be "
            "changed. A service manager can reopen it."
        )
    if escalation.status == EscalationStatus.WITHDRAWN:
        raise ValidationError(
            f"This escalation was withdrawn on {format_date(escalation.withdrawn_on)}, so it cannot be "
            "changed. A service manager can reopen it."
        )
    return escalation


def _current_step(escalation: Escalation) -> EscalationStep:
    """The step at the highest stage reached: escalations only go up, so it is the latest."""
    return escalation.steps.latest("stage")


@transaction.atomic
def escalate(
    escalation: Escalation,
    *,
    by: User,
    stage: int,
    addressed_to_name: str,
    addressed_to_role: str,
    sent_on: date,
    today: date,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> EscalationStep:
    """Take the escalation to a higher stage, skipping any the IRO chooses to bypass."""
    escalation = _locked_open(escalation, expected_version)
    current = _current_step(escalation)
    if current.stage == Stage.CAFCASS:
        raise ValidationError("This escalation has been referred to Cafcass, the last stage: it cannot go higher.")
    errors: dict[str, str] = {}
    if stage not in Stage.values:
        errors["stage"] = "Choose the stage you are escalating to."
    elif stage == current.stage:
        errors["stage"] = f"This escalation is already at the {_stage_name(stage)} stage: choose a higher stage."
    elif stage < current.stage:
        errors["stage"] = f"Escalations only go upwards: choose a stage above {_stage_name(current.stage)}."
    if _blank(addressed_to_name):
        errors["addressed_to_name"] = "Enter the name of the person you are escalating to."
    if _blank(addressed_to_role):
        errors["addressed_to_role"] = "Enter the role of the person you are escalating to."
    _date_errors(
        errors,
        "sent_on",
        sent_on,
        today=today,
        not_before=current.sent_on,
        not_before_message=f"The date sent cannot be before the {_stage_name(current.stage)} stage was "
        f"sent on {format_date(current.sent_on)}.",
        future_message="The date sent cannot be in the future.",
    )
    if errors:
        raise ValidationError(errors)
    step = _new_step(
        escalation,
        stage=stage,
        addressed_to_name=addressed_to_name,
        addressed_to_role=addressed_to_role,
        sent_on=sent_on,
    )
    _save_changed(
        escalation,
        by=by,
        request=request,
        record=step,
        action=AuditAction.CREATE,
        detail={
            "escalated_from": Stage(current.stage).setting_key,
            "stage": Stage(stage).setting_key,
            "response_due": step.response_due.isoformat(),
        },
    )
    return step


@transaction.atomic
def record_response(
    escalation: Escalation,
    *,
    by: User,
    responded_on: date,
    response_summary: str,
    today: date,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> EscalationStep:
    """Record the response to the current step."""
    escalation = _locked_open(escalation, expected_version)
    step = _current_step(escalation)
    if step.responded_on is not None:
        raise ValidationError(
            f"The response at the {_stage_name(step.stage)} stage was already recorded on "
            f"{format_date(step.responded_on)}."
        )
    errors: dict[str, str] = {}
    if _blank(response_summary):
        errors["response_summary"] = "Summarise the response."
    _date_errors(
        errors,
        "responded_on",
        responded_on,
        today=today,
        not_before=step.sent_on,
        not_before_message=f"The response cannot be dated before the escalation was sent to the "
        f"{_stage_name(step.stage)} stage on {format_date(step.sent_on)}.",
        future_message="The date of the response cannot be in the future.",
    )
    if errors:
        raise ValidationError(errors)
    step.responded_on = responded_on
    step.response_summary = response_summary.strip()
    step.save(update_fields=["responded_on", "response_summary"])
    _save_changed(
        escalation,
        by=by,
        request=request,
        record=step,
        detail={"responded_on": responded_on.isoformat(), "in_time": responded_on <= step.response_due},
    )
    return step


@transaction.atomic
def resolve(
    escalation: Escalation,
    *,
    by: User,
    outcome: str,
    resolved_on: date,
    today: date,
    resolved_at_stage: int | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Escalation:
    """Close the escalation with its outcome, at the current stage unless the IRO says otherwise."""
    escalation = _locked_open(escalation, expected_version)
    steps = {step.stage: step for step in escalation.steps.all()}
    current = steps[max(steps)]
    stage = current.stage if resolved_at_stage is None else resolved_at_stage
    errors: dict[str, str] = {}
    if _blank(outcome):
        errors["outcome"] = "Describe the outcome of the escalation."
    if stage not in steps:
        reached = ", ".join(_stage_name(reached) for reached in sorted(steps))
        errors["resolved_at_stage"] = f"Choose a stage this escalation reached: {reached}."
    _date_errors(
        errors,
        "resolved_on",
        resolved_on,
        today=today,
        not_before=current.sent_on,
        not_before_message=f"The escalation cannot be resolved before it was sent to the "
        f"{_stage_name(current.stage)} stage on {format_date(current.sent_on)}.",
        future_message="The date resolved cannot be in the future.",
    )
    if errors:
        raise ValidationError(errors)
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_on = resolved_on
    escalation.resolved_at_stage = stage
    escalation.outcome = outcome.strip()
    _save_changed(
        escalation,
        by=by,
        request=request,
        detail={
            "status": EscalationStatus.RESOLVED,
            "resolved_on": resolved_on.isoformat(),
            "resolved_at_stage": Stage(stage).setting_key,
        },
    )
    return escalation


@transaction.atomic
def withdraw(
    escalation: Escalation,
    *,
    by: User,
    withdrawal_reason: str,
    today: date,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Escalation:
    """The IRO withdraws an escalation that no longer needs pursuing, saying why."""
    escalation = _locked_open(escalation, expected_version)
    if _blank(withdrawal_reason):
        raise ValidationError({"withdrawal_reason": "Give the reason for withdrawing the escalation."})
    escalation.status = EscalationStatus.WITHDRAWN
    escalation.withdrawn_on = today
    escalation.withdrawal_reason = withdrawal_reason.strip()
    _save_changed(
        escalation,
        by=by,
        request=request,
        detail={"status": EscalationStatus.WITHDRAWN, "withdrawn_on": today.isoformat()},
    )
    return escalation


@transaction.atomic
def reopen(
    escalation: Escalation,
    *,
    by: User,
    reopen_reason: str,
    today: date,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Escalation:
    """A service manager reopens a resolved or withdrawn escalation; what it said at closure
    stays in the audit log."""
    if not may_reopen(by):
        raise PermissionDenied("Only a service manager can reopen an escalation.")
    escalation = _locked(escalation, expected_version)
    if escalation.is_open:
        raise ValidationError("This escalation is open: only a resolved or withdrawn escalation can be reopened.")
    if _blank(reopen_reason):
        raise ValidationError({"reopen_reason": "Give the reason for reopening the escalation."})
    closed = {
        field: str(getattr(escalation, field) or "")
        for field in ("status", "resolved_on", "resolved_at_stage", "outcome", "withdrawn_on", "withdrawal_reason")
    }
    escalation.status = EscalationStatus.OPEN
    escalation.resolved_on = escalation.resolved_at_stage = escalation.withdrawn_on = None
    escalation.outcome = escalation.withdrawal_reason = ""
    escalation.reopened_on = today
    escalation.reopen_reason = reopen_reason.strip()
    _save_changed(
        escalation,
        by=by,
        request=request,
        detail={"status": EscalationStatus.OPEN, "reopen_reason": escalation.reopen_reason, "before": closed},
    )
    return escalation
