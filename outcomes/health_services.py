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

from . import years
from .codes import InTouch, SdqReason
from .models import CareLeaverRecord, HealthRecord
from .years import (
    CARE_LEAVER_AGES,
    birthday,
    birthday_in_year,
    collection_end,
    collection_start,
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
"""The four the DfE needs whenever any of a child's OC2 is given (rules 182, 544, 547)."""

CARE_LEAVER_FIELDS = ("in_touch", "activity", "accommodation")

NOT_APPLICABLE = "0"
"""ACTIV and ACCOM's code for not known or not applicable."""

LEFT_CARE_FOR_GOOD = {InTouch.DIED, InTouch.RHOM}
"""In touch answers after which the DfE asks for no activity or accommodation (rule 344)."""

FORMER_FOSTER_CARERS = {"Z1", "Z2"}
FOYERS = {"T1", "T2"}


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
    for all of it, and each answer is one the child's age at the year's start or end allows."""
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
    end_age = age_on(child.date_of_birth, collection_end(record.year))
    start = collection_start(record.year)
    sdq_given = record.sdq_score is not None or bool(record.sdq_reason)
    if record.sdq_score is not None and not 0 <= record.sdq_score <= 40:
        errors["sdq_score"] = "The SDQ score must be a whole number from 0 to 40."
    elif record.sdq_score is not None and record.sdq_reason:
        errors["sdq_reason"] = "Give the SDQ score or the reason there is none, not both."
    elif sdq_given and end_age < 4:
        errors["sdq_score"] = f"An SDQ is for children aged 4 or over at 31 March: {_name(child)} was {end_age}."
    elif sdq_given and birthday(child.date_of_birth, 17) < start:
        errors["sdq_score"] = f"An SDQ is not recorded for a young person aged 17 or over on 1 April {start.year}."
    elif (
        record.sdq_reason == SdqReason.SDQ1
        and birthday(child.date_of_birth, 4) <= start
        and birthday(child.date_of_birth, 16) >= collection_end(record.year)
    ):
        errors["sdq_reason"] = (
            f"{_name(child)} was aged 4 to 16 through the year, so the reason cannot be their age (SDQ1)."
        )
    if record.health_check is not None and end_age >= 5:
        errors["health_check"] = (
            f"Health surveillance checks are recorded for children under 5 at 31 March: {_name(child)} was {end_age}."
        )
    if record.convicted is not None and end_age < 10:
        errors["convicted"] = (
            f"Convictions are recorded for children aged 10 or over at 31 March: {_name(child)} was {end_age}."
        )
    if record.substance_misuse is not True:
        for field in ("intervention_received", "intervention_offered"):
            if getattr(record, field) is not None:
                errors[field] = "Answer this only for a child with a substance misuse problem."
    elif record.intervention_received is None:
        errors["intervention_received"] = "Say whether the child received an intervention for substance misuse."
    elif record.intervention_received and record.intervention_offered is not None:
        errors["intervention_offered"] = "Leave this as not recorded: the child received an intervention."
    elif not record.intervention_received and record.intervention_offered is None:
        errors["intervention_offered"] = "Say whether an intervention was offered and refused."
    if any(getattr(record, field) is not None for field in ("convicted", "health_check", *CORE_HEALTH_FIELDS)):
        for field in CORE_HEALTH_FIELDS:
            if getattr(record, field) is None and field not in errors:
                errors[field] = (
                    "Answer yes or no: the DfE needs immunisations, teeth check, health assessment and "
                    "substance misuse whenever any health or offending answer is given."
                )
    if errors:
        raise ValidationError(errors)


def validate_care_leaver_record(record: CareLeaverRecord, *, today: datetime.date) -> None:
    """OC3 as the DfE checks one young person's row. Activity and accommodation are normalised
    to "not applicable" for a young person who died or returned home, as the DfE asks (rule
    344), so the caller may leave them blank."""
    child = record.child
    if record.year > last_completed_year(today) + 1:
        raise ValidationError(f"{year_label(record.year)} has not started yet.")
    if not any(birthday_in_year(child.date_of_birth, age, record.year) for age in CARE_LEAVER_AGES):
        raise ValidationError(
            f"A care leaver's status is recorded for the years of their 17th to 21st birthdays: "
            f"{_name(child)} has none of them in {year_label(record.year)}."
        )
    errors: dict[str, str] = {}
    if record.in_touch in LEFT_CARE_FOR_GOOD:
        for field in ("activity", "accommodation"):
            if getattr(record, field) not in ("", NOT_APPLICABLE):
                errors[field] = (
                    f"Leave this blank: the young person {record.get_in_touch_display().lower()} "
                    "and the DfE asks for no activity or accommodation."
                )
            else:
                setattr(record, field, NOT_APPLICABLE)
    else:
        if not record.activity:
            errors["activity"] = "Choose the young person's main activity (not known if you do not know it)."
        if not record.accommodation:
            errors["accommodation"] = "Choose the young person's accommodation (not known if you do not know it)."
        if record.in_touch == InTouch.YES:
            if record.activity == NOT_APPLICABLE:
                errors["activity"] = "You are in touch with the young person: choose their main activity."
            if record.accommodation == NOT_APPLICABLE:
                errors["accommodation"] = "You are in touch with the young person: choose their accommodation."
    if "accommodation" not in errors:
        if record.accommodation in FORMER_FOSTER_CARERS and birthday_in_year(child.date_of_birth, 17, record.year):
            errors["accommodation"] = (
                "Around their 17th birthday a young person cannot be recorded as living with former foster carers "
                "(they are still looked after)."
            )
        elif record.accommodation in FOYERS and birthday(child.date_of_birth, 18) > collection_start(record.year):
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
