"""Writes of a child's health and offending at 31 March (OC2) and of a care leaver's status around
their birthday (OC3): validate, save, audit, in one transaction, from a page or the API alike.
The checks are the DfE's validation rules that one record can break (numbers as the DfE's rule
set names them), so nothing the return would refuse is saved; a refusal names the field and
nothing is saved."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import apply_changes, record_event
from children.models import CareEpisode, Child
from children.selectors import age_on
from children.services import lock_child
from iro_portal.locking import check_version, lock

from . import record_rules as rules
from . import years
from .models import CareLeaverRecord, HealthRecord
from .record_rules import NOT_APPLICABLE
from .years import (
    CARE_LEAVER_AGES,
    birthday_in_year,
    collection_end,
    last_completed_year,
    year_label,
)

HEALTH_FIELDS = (
    "health_assessment",
    "immunisations",
    "teeth_check",
    "health_check",
    "sdq_score",
    "sdq_reason",
    "substance_misuse",
    "intervention_received",
    "intervention_offered",
    "convicted",
)
"""What a health record holds besides the child and the year, in the order the pages ask."""

CORE_HEALTH_FIELDS = ("immunisations", "teeth_check", "health_assessment", "substance_misuse")
"""The four the DfE needs whenever any of a child's OC2 is given (rules 182, 544, 547), in the
order record_rules.core_health_missing takes them."""

FLAG_FIELDS = (*CORE_HEALTH_FIELDS, "convicted", "health_check", "intervention_received", "intervention_offered")

CARE_LEAVER_FIELDS = ("in_touch", "activity", "accommodation")


def _name(child: Child) -> str:
    return child.full_name


def looked_after_continuously(episodes: Iterable[CareEpisode], year: int) -> bool:
    """outcomes.years.looked_after_continuously, for the child's episodes as the portal holds them."""
    return years.looked_after_continuously(
        (
            (e.start_date, e.end_date, e.reason_for_new_episode, e.legal_status, e.reason_episode_ceased)
            for e in episodes
        ),
        year,
    )


def validate_health_record(record: HealthRecord, *, today: datetime.date) -> None:
    """OC2 as the DfE checks one child's row: the year has ended, the child was looked after
    for all of it (190), each answer is one the child's age at the year's start or end allows
    (188, 189, 157, 546), the SDQ (180, 197a) and substance misuse answers (193, 192, 158, 159)
    agree, and the four core answers come with any other (182, 544, 547)."""
    child = record.child
    errors: dict[str, str] = {}
    if record.year > last_completed_year(today):
        raise ValidationError(
            f"Health for {year_label(record.year)} can be recorded once the year has ended on 31 March."
        )
    if not looked_after_continuously(CareEpisode.objects.filter(child=child), record.year):
        raise ValidationError(
            f"Health is recorded for children looked after continuously for the 12 months to 31 March "
            f"{record.year}: {_name(child)}'s episodes of care say they were not."
        )
    dob, year = child.date_of_birth, record.year
    end_age = age_on(dob, collection_end(year))
    score = "" if record.sdq_score is None else str(record.sdq_score)
    reason = record.sdq_reason
    if rules.sdq_score_out_of_range(score):
        errors["sdq_score"] = "The SDQ score must be a whole number from 0 to 40."
    elif rules.sdq_score_and_reason(score, reason):
        errors["sdq_reason"] = "Give the SDQ score or the reason there is none, not both."
    elif rules.sdq_too_young(dob, year, score, reason):
        errors["sdq_score"] = f"An SDQ is for children aged 4 or over at 31 March: {_name(child)} was {end_age}."
    elif rules.sdq_too_old(dob, year, score, reason):
        errors["sdq_score"] = f"An SDQ is not recorded for a young person aged 17 or over on 1 April {year - 1}."
    elif rules.sdq_age_reason_for_4_to_16(dob, year, score, reason):
        errors["sdq_reason"] = (
            f"{_name(child)} was aged 4 to 16 through the year, so the reason cannot be their age (SDQ1)."
        )
    answers = {field: rules.flag(getattr(record, field)) for field in FLAG_FIELDS}
    if rules.health_check_at_5_or_over(dob, year, answers["health_check"]):
        errors["health_check"] = (
            f"Health surveillance checks are recorded for children under 5 at 31 March: {_name(child)} was {end_age}."
        )
    if record.convicted is not None and end_age < 10:
        errors["convicted"] = (
            f"Convictions are recorded for children aged 10 or over at 31 March: {_name(child)} was {end_age}."
        )
    misuse, received, offered = (
        answers[field] for field in ("substance_misuse", "intervention_received", "intervention_offered")
    )
    if rules.intervention_without_misuse(misuse, received, offered):
        for field in ("intervention_received", "intervention_offered"):
            if answers[field]:
                errors[field] = "Answer this only for a child with a substance misuse problem."
    elif rules.intervention_received_missing(misuse, received):
        errors["intervention_received"] = "Say whether the child received an intervention for substance misuse."
    elif rules.intervention_offered_when_received(received, offered):
        errors["intervention_offered"] = "Leave this as not recorded: the child received an intervention."
    elif rules.intervention_offered_missing(misuse, received, offered):
        errors["intervention_offered"] = "Say whether an intervention was offered and refused."
    core_missing = rules.core_health_missing(*(answers[field] for field in CORE_HEALTH_FIELDS))
    if rules.health_items_half_done(core_missing, answers["convicted"], answers["health_check"], received, offered) or (
        core_missing and any(answers[field] for field in CORE_HEALTH_FIELDS)
    ):
        for field in CORE_HEALTH_FIELDS:
            if not answers[field] and field not in errors:
                errors[field] = (
                    "Answer yes or no: the DfE needs immunisations, teeth check, health assessment and "
                    "substance misuse whenever any health or offending answer is given."
                )
    if errors:
        raise ValidationError(errors)


def validate_care_leaver_record(record: CareLeaverRecord, *, today: datetime.date) -> None:
    """OC3 as the DfE checks one young person's row (rules 153, 344, 345, 347, 3001, and 1000 and
    1011 against their episodes of care). Activity and accommodation are normalised to "not
    applicable" for a young person who died or returned home, as the DfE asks (rule 344), so the
    caller may leave them blank."""
    child = record.child
    if record.year > last_completed_year(today) + 1:
        raise ValidationError(f"{year_label(record.year)} has not started yet.")
    if not any(birthday_in_year(child.date_of_birth, age, record.year) for age in CARE_LEAVER_AGES):
        raise ValidationError(
            f"A care leaver's status is recorded for the years of their 17th to 21st birthdays: "
            f"{_name(child)} has none of them in {year_label(record.year)}."
        )
    reasons_ceased = list(
        CareEpisode.objects.filter(child=child).order_by("start_date").values_list("reason_episode_ceased", flat=True)
    )
    if rules.died_in_care(reasons_ceased):
        raise ValidationError(
            f"{_name(child)}'s episodes of care say they died while looked after: there is no care leaver status "
            "to record."
        )
    if reasons_ceased and rules.care_transferred(reasons_ceased[-1]):
        raise ValidationError(
            f"{_name(child)}'s care was taken over by another authority (their latest episode of care ended E3): "
            "that authority records their care leaver status."
        )
    errors: dict[str, str] = {}
    if record.in_touch in rules.LEFT_CARE_FOR_GOOD:
        for field in ("activity", "accommodation"):
            if rules.applicable_after_leaving_for_good(record.in_touch, getattr(record, field) or NOT_APPLICABLE):
                errors[field] = (
                    f"Leave this blank: the young person {record.get_in_touch_display().lower()} "
                    "and the DfE asks for no activity or accommodation."
                )
            else:
                setattr(record, field, NOT_APPLICABLE)
    elif rules.care_leaver_half_done(record.in_touch, record.activity, record.accommodation):
        if not record.activity:
            errors["activity"] = "Choose the young person's main activity (not known if you do not know it)."
        if not record.accommodation:
            errors["accommodation"] = "Choose the young person's accommodation (not known if you do not know it)."
    if rules.not_applicable_while_in_touch(record.in_touch, record.activity):
        errors["activity"] = "You are in touch with the young person: choose their main activity."
    if rules.not_applicable_while_in_touch(record.in_touch, record.accommodation):
        errors["accommodation"] = "You are in touch with the young person: choose their accommodation."
    if "accommodation" not in errors:
        if rules.with_former_foster_carers_at_17(record.accommodation, child.date_of_birth, record.year):
            errors["accommodation"] = (
                "Around their 17th birthday a young person cannot be recorded as living with former foster carers "
                "(they are still looked after)."
            )
        elif rules.in_foyer_under_18(record.accommodation, child.date_of_birth, record.year):
            errors["accommodation"] = "A care leaver under 18 on 1 April cannot be recorded as living in a foyer."
    if errors:
        raise ValidationError(errors)


def _save(record: HealthRecord | CareLeaverRecord) -> None:
    record.full_clean(validate_constraints=True)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise ValidationError(
            "This change conflicts with a record saved at the same time. Reload the page and try again."
        ) from error


def _refuse_second_record(model, child: Child, year: int, what: str) -> None:
    if model.objects.filter(child=child, year=year).exists():
        raise ValidationError(
            f"{what} for {year_label(year)} is already recorded for {_name(child)}: change that record instead."
        )


def _audited_create(record, *, by: User, request: HttpRequest | None) -> None:
    record_event(action=AuditAction.CREATE, user=by, obj=record, child_id=record.child_id, request=request)


@transaction.atomic
def record_health(
    child: Child,
    *,
    year: int,
    by: User,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **fields: Any,
) -> HealthRecord:
    """A child's OC2 for a collection year they have none for yet."""
    child = lock_child(child)
    _refuse_second_record(HealthRecord, child, year, "Health")
    record = HealthRecord(child=child, year=year, **fields)
    validate_health_record(record, today=today or timezone.localdate())
    _save(record)
    _audited_create(record, by=by, request=request)
    return record


@transaction.atomic
def change_health_record(
    record: HealthRecord,
    *,
    by: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **changes: Any,
) -> HealthRecord:
    lock_child(record.child)
    record = lock(HealthRecord.objects.select_related("child"), record.pk, expected_version)
    detail = apply_changes(record, changes)
    validate_health_record(record, today=today or timezone.localdate())
    record.version += 1
    _save(record)
    record_event(
        action=AuditAction.UPDATE, user=by, obj=record, child_id=record.child_id, request=request, detail=detail
    )
    return record


@transaction.atomic
def record_care_leaver_status(
    child: Child,
    *,
    year: int,
    by: User,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **fields: Any,
) -> CareLeaverRecord:
    """A care leaver's OC3 for a collection year they have none for yet."""
    child = lock_child(child)
    _refuse_second_record(CareLeaverRecord, child, year, "A care leaver's status")
    record = CareLeaverRecord(child=child, year=year, **fields)
    validate_care_leaver_record(record, today=today or timezone.localdate())
    _save(record)
    _audited_create(record, by=by, request=request)
    return record


@transaction.atomic
def change_care_leaver_record(
    record: CareLeaverRecord,
    *,
    by: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **changes: Any,
) -> CareLeaverRecord:
    lock_child(record.child)
    record = lock(CareLeaverRecord.objects.select_related("child"), record.pk, expected_version)
    detail = apply_changes(record, changes)
    validate_care_leaver_record(record, today=today or timezone.localdate())
    record.version += 1
    _save(record)
    record_event(
        action=AuditAction.UPDATE, user=by, obj=record, child_id=record.child_id, request=request, detail=detail
    )
    return record


@transaction.atomic
def delete_outcome_record(
    record: HealthRecord | CareLeaverRecord,
    *,
    by: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> None:
    """Delete a health or care leaver record (entered for the wrong child or year), from the
    version the caller read: one changed since is refused, as a change would be."""
    lock_child(record.child)
    current = type(record).objects.select_for_update().filter(pk=record.pk).first()
    check_version(current, expected_version)
    if current is None:
        return
    record_event(
        action=AuditAction.DELETE,
        user=by,
        obj=current,
        child_id=current.child_id,
        request=request,
        detail={"before": {field: str(getattr(current, field)) for field in _fields_of(current)}},
    )
    current.delete()


def _fields_of(record: HealthRecord | CareLeaverRecord) -> tuple[str, ...]:
    return ("year", *(HEALTH_FIELDS if isinstance(record, HealthRecord) else CARE_LEAVER_FIELDS))
