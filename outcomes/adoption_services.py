"""Every write about a child's adoption and permanence: the authority's decisions that the child
should be placed for adoption (PlacedAdoption), the adoption itself (AD1) and permanence before
care (PrevPerm). Validated with the DfE's rules for one child, saved and audited in one
transaction; a rule broken raises ValidationError and nothing is saved."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from audit.services import apply_changes
from children.codes import ReasonForNewEpisode
from children.models import CareEpisode, Child
from children.services import lock_child
from iro_portal.dates import format_date
from iro_portal.locking import check_version

from . import record_rules
from .codes import AdoptersLegalStatus, AdoptersSex, PreviousPermanenceOrder
from .missing_services import delete_record, locked_record, refuse_future, save_change, save_new
from .models import Adoption, AdoptionDecision, PreviousPermanence

COUPLES = {AdoptersSex.MM, AdoptersSex.FF, AdoptersSex.MF}

AD1_FIELDS = (
    "decided_on",
    "matched_on",
    "by_former_foster_carers",
    "number_of_adopters",
    "adopters_sex",
    "adopters_legal_status",
)


def _care_starts(child: Child) -> list[datetime.date]:
    """The days the child started to be looked after (episodes with reason S), earliest first."""
    return list(
        CareEpisode.objects.filter(child=child, reason_for_new_episode=ReasonForNewEpisode.S)
        .order_by("start_date")
        .values_list("start_date", flat=True)
    )


# Decisions that the child should be placed for adoption ------------------------------------------


def validate_adoption_decision(decision: AdoptionDecision, *, today: datetime.date) -> None:
    """Not before the child was born (184) nor before they first started to be looked after
    (1003), nor after they were placed for adoption (552) or left care (117); reversed with a
    date and a reason together (119), not before the decision (522) nor after the child left
    care (117); and, among the child's decisions in order, none made while an earlier one stands
    or before it was reversed (579, 583)."""
    child = decision.child
    errors: dict[str, str] = {}
    starts = _care_starts(child)
    if record_rules.decided_before_birth(decision.decided_on, child.date_of_birth):
        errors["decided_on"] = (
            f"The decision cannot be before the child's date of birth ({format_date(child.date_of_birth)})."
        )
    elif not starts or record_rules.decided_before_care(decision.decided_on, starts[0]):
        errors["decided_on"] = f"The decision cannot be before {child.full_name} started to be looked after" + (
            f" ({format_date(starts[0])})." if starts else ": record their care episode first."
        )
    refuse_future(errors, "decided_on", decision.decided_on, "date of the decision", today)
    _check_decision_against_care(decision, errors)
    if record_rules.reversed_before_decided(decision.decided_on, decision.ceased_on):
        errors["ceased_on"] = "The decision cannot be reversed before it was made."
    if record_rules.reversal_half_done(decision.ceased_on, decision.reason_ceased):
        if decision.reason_ceased:
            errors["ceased_on"] = "Enter the date the child should no longer be placed for adoption."
        else:
            errors["reason_ceased"] = "Choose why the child should no longer be placed for adoption."
    refuse_future(errors, "ceased_on", decision.ceased_on, "date the decision was reversed", today)
    if errors:
        raise ValidationError(errors)
    others = list(AdoptionDecision.objects.filter(child_id=decision.child_id).exclude(pk=decision.pk))
    decisions = sorted([*others, decision], key=lambda d: d.decided_on)
    for earlier, later in zip(decisions, decisions[1:], strict=False):
        if decision not in (earlier, later) or not record_rules.decisions_overlap(earlier.ceased_on, later.decided_on):
            continue
        if earlier.ceased_on is None:
            raise ValidationError(
                f"The decision of {format_date(earlier.decided_on)} still stands: record that it was reversed "
                f"before recording the decision of {format_date(later.decided_on)}."
            )
        raise ValidationError(
            f"The decision of {format_date(earlier.decided_on)} was reversed on {format_date(earlier.ceased_on)}: "
            f"a later decision cannot be made before that."
        )


def _check_decision_against_care(decision: AdoptionDecision, errors: dict[str, str]) -> None:
    """The decision against the child's episodes of care: made no later than the child was placed
    for adoption (552), and neither it nor its reversal dated after the child left care (117)."""
    care = list(
        CareEpisode.objects.filter(child=decision.child)
        .order_by("start_date")
        .values_list("start_date", "end_date", "placement_type", "reason_episode_ceased")
    )
    placed_on = record_rules.decided_after_placed_for_adoption(
        decision.decided_on, ((start, place) for start, _end, place, _ceased in care)
    )
    if placed_on is not None and "decided_on" not in errors:
        errors["decided_on"] = (
            f"The decision cannot be after the child was placed for adoption ({format_date(placed_on)})."
        )
    ended = [end for _start, end, _place, ceased in care if ceased != "X1"]
    care_ended = ended[-1] if ended else None
    for field, day in (("decided_on", decision.decided_on), ("ceased_on", decision.ceased_on)):
        if day is not None and field not in errors and record_rules.dated_after_care_ended(day, care_ended):
            errors[field] = f"The date cannot be after the child left care ({format_date(care_ended)})."


@transaction.atomic
def record_adoption_decision(
    child: Child, *, decided_on: datetime.date, by: User, today: datetime.date, request: HttpRequest | None = None
) -> AdoptionDecision:
    child = lock_child(child)
    if AdoptionDecision.objects.filter(child=child, decided_on=decided_on).exists():
        raise ValidationError({"decided_on": f"A decision on {format_date(decided_on)} is already recorded."})
    decision = AdoptionDecision(child=child, decided_on=decided_on)
    validate_adoption_decision(decision, today=today)
    return save_new(decision, by=by, request=request)


@transaction.atomic
def change_adoption_decision(
    decision: AdoptionDecision,
    *,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
    **changes: Any,
) -> AdoptionDecision:
    """Correct a decision: its date, or the date and reason it was reversed."""
    decision = locked_record(AdoptionDecision.objects.select_related("child"), decision, expected_version)
    detail = apply_changes(decision, changes)
    validate_adoption_decision(decision, today=today)
    return save_change(decision, by=by, request=request, detail=detail)


@transaction.atomic
def reverse_adoption_decision(
    decision: AdoptionDecision,
    *,
    ceased_on: datetime.date,
    reason_ceased: str,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> AdoptionDecision:
    """The child should no longer be placed for adoption, from `ceased_on`, for `reason_ceased`."""
    decision = locked_record(AdoptionDecision.objects.select_related("child"), decision, expected_version)
    if decision.ceased_on is not None:
        raise ValidationError(f"This decision was already reversed on {format_date(decision.ceased_on)}.")
    if not reason_ceased:
        raise ValidationError({"reason_ceased": "Choose why the child should no longer be placed for adoption."})
    detail = apply_changes(decision, {"ceased_on": ceased_on, "reason_ceased": reason_ceased})
    validate_adoption_decision(decision, today=today)
    return save_change(decision, by=by, request=request, detail=detail)


@transaction.atomic
def delete_adoption_decision(
    decision: AdoptionDecision, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    decision = locked_record(AdoptionDecision.objects.select_related("child"), decision, expected_version)
    delete_record(decision, by=by, request=request)


# Adoptions (AD1) ---------------------------------------------------------------------------------


def validate_adoption(adoption: Adoption, *, today: datetime.date) -> None:
    """AD1 as the DfE checks one child's: every item given (151); the decision not before the
    child was born nor before the latest period of care started (334); the match on or after
    the decision (333); both agreeing with the child's episodes of care (331, 521, 335); the
    adopters' number, sex and legal status agreeing (511, 514, 517 to 520, 524); nothing in
    the future."""
    child = adoption.child
    errors: dict[str, str] = {}
    for field in AD1_FIELDS:
        if getattr(adoption, field) in (None, ""):
            errors[field] = (
                f"Enter the {Adoption._meta.get_field(field).verbose_name}: the DfE needs every adoption detail."
            )
    if adoption.decided_on is not None and "decided_on" not in errors:
        starts = _care_starts(child)
        if adoption.decided_on < child.date_of_birth:
            errors["decided_on"] = "The decision cannot be before the child's date of birth."
        elif not starts or record_rules.decided_before_latest_care(adoption.decided_on, starts[-1]):
            errors["decided_on"] = (
                "The decision cannot be before the child started to be looked after in their latest period of care"
                + (f" ({format_date(starts[-1])})." if starts else ": record their care episode first.")
            )
    refuse_future(errors, "decided_on", adoption.decided_on, "date of the decision", today)
    if adoption.decided_on is not None and record_rules.matched_before_decision(
        adoption.matched_on, adoption.decided_on
    ):
        errors["matched_on"] = (
            "The match with the adopters must be on or after the decision that the child should be placed for adoption."
        )
    refuse_future(errors, "matched_on", adoption.matched_on, "date matched", today)
    _check_against_care(adoption, errors)
    sex, status = adoption.adopters_sex, adoption.adopters_legal_status
    number = "" if adoption.number_of_adopters is None else str(adoption.number_of_adopters)
    if record_rules.two_adopters_not_a_couple(number, sex):
        errors["adopters_sex"] = "Two adopters are a couple: choose both male, both female, or male and female."
    elif adoption.number_of_adopters == 1 and sex in COUPLES:
        errors["adopters_sex"] = "One adopter is a single male or female adopter."
    elif sex and record_rules.sex_disagrees_with_legal_status(status, sex):
        who = record_rules.ADOPTERS_SEX_FOR_LEGAL_STATUS[status][2]
        errors["adopters_sex"] = (
            f"The adopters' legal status ({AdoptersLegalStatus(status).label.lower()}) means {who}: "
            "make their sex and legal status agree."
        )
    if errors:
        raise ValidationError(errors)


def _check_against_care(adoption: Adoption, errors: dict[str, str]) -> None:
    """The adoption against the child's episodes of care: matched no later than the episode that
    ended in adoption began (331), the decision not after the child was placed for adoption (521),
    and by former foster carers as that episode's placement says (335)."""
    episodes = list(
        CareEpisode.objects.filter(child=adoption.child)
        .order_by("start_date")
        .values_list("start_date", "placement_type", "reason_episode_ceased")
    )
    if "matched_on" not in errors and record_rules.matched_after_adoption_began(
        adoption.matched_on, ((start, ceased) for start, _place, ceased in episodes)
    ):
        errors["matched_on"] = (
            "The match with the adopters cannot be after the child's episode of care that ended in their adoption began."
        )
    placed_on = record_rules.decided_after_placed_for_adoption(
        adoption.decided_on, ((start, place) for start, place, _ceased in episodes)
    )
    if "decided_on" not in errors and placed_on is not None:
        errors["decided_on"] = (
            f"The decision cannot be after the child was placed for adoption ({format_date(placed_on)})."
        )
    if adoption.by_former_foster_carers is not None and any(
        record_rules.foster_care_disagrees_with_placement(
            record_rules.flag(adoption.by_former_foster_carers), place, ceased
        )
        for _start, place, ceased in episodes
    ):
        errors["by_former_foster_carers"] = (
            "The placement of the child's episode of care that ended in adoption says whether the adopters were their "
            "foster carers: make this answer agree with it."
        )


@transaction.atomic
def record_adoption(
    child: Child, *, by: User, today: datetime.date, request: HttpRequest | None = None, **details: Any
) -> Adoption:
    """The child was adopted: the AD1 details (AD1_FIELDS)."""
    child = lock_child(child)
    adoption = Adoption(child=child, **details)
    validate_adoption(adoption, today=today)
    if Adoption.objects.filter(child=child, matched_on=adoption.matched_on).exists():
        raise ValidationError(
            {"matched_on": f"An adoption matched on {format_date(adoption.matched_on)} is already recorded."}
        )
    return save_new(adoption, by=by, request=request)


@transaction.atomic
def change_adoption(
    adoption: Adoption,
    *,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Adoption:
    adoption = locked_record(Adoption.objects.select_related("child"), adoption, expected_version)
    detail = apply_changes(adoption, changes)
    validate_adoption(adoption, today=today)
    return save_change(adoption, by=by, request=request, detail=detail)


@transaction.atomic
def delete_adoption(
    adoption: Adoption, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    adoption = locked_record(Adoption.objects.select_related("child"), adoption, expected_version)
    delete_record(adoption, by=by, request=request)


# Permanence before care (PrevPerm) ---------------------------------------------------------------


def validate_previous_permanence(permanence: PreviousPermanence, *, today: datetime.date) -> None:
    """PrevPerm as the DfE checks one child's: the order named when its date or local authority
    is (635); the authority a valid code (633); the date valid, with ZZ for an unknown day or
    month, and before the child first started to be looked after (632). The portal also keeps
    the date and authority blank with Z1 (no previous permanence), which the DfE's rules leave
    unchecked."""
    errors: dict[str, str] = {}
    order, arranged_by, order_date = permanence.order, permanence.arranged_by, permanence.order_date
    if record_rules.permanence_details_without_order(order, arranged_by, order_date):
        errors["order"] = "Choose the order the child left, as its date or local authority is given."
    if order == PreviousPermanenceOrder.Z1 and (arranged_by or order_date):
        errors["order"] = "Leave the date and local authority blank when there was no previous permanence (Z1)."
    if record_rules.unknown_authority(arranged_by):
        errors["arranged_by"] = (
            "Enter the local authority's three-digit DfE number (999 if not known), or WAL, SCO, NIR or NUK."
        )
    first_start = (
        CareEpisode.objects.filter(child=permanence.child).order_by("start_date").values_list("start_date", flat=True)
    ).first()
    if record_rules.permanence_date_refused(order_date, first_start):
        errors["order_date"] = (
            "Enter the date of the order as DD/MM/YYYY, with ZZ for a day or month not known."
            if record_rules.read_permanence_date(order_date) is None
            else f"The order must be before the child first started to be looked after ({format_date(first_start)})."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_previous_permanence(
    child: Child,
    *,
    order: str,
    arranged_by: str = "",
    order_date: str = "",
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> PreviousPermanence:
    """Record or change the child's one PrevPerm row. `expected_version` is the row's as the
    caller read it, 0 when there was none."""
    child = lock_child(child)
    permanence = PreviousPermanence.objects.select_for_update().filter(child=child).first()
    check_version(permanence, expected_version)
    fields = {"order": order, "arranged_by": arranged_by.strip().upper(), "order_date": order_date.strip().upper()}
    if permanence is None:
        permanence = PreviousPermanence(child=child, **fields)
        validate_previous_permanence(permanence, today=today)
        return save_new(permanence, by=by, request=request)
    detail = apply_changes(permanence, fields)
    validate_previous_permanence(permanence, today=today)
    return save_change(permanence, by=by, request=request, detail=detail)


@transaction.atomic
def delete_previous_permanence(
    permanence: PreviousPermanence, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    permanence = locked_record(PreviousPermanence.objects.select_related("child"), permanence, expected_version)
    delete_record(permanence, by=by, request=request)
