"""Every write about the times a child went missing from placement or was away from it without
authorisation (the SSDA903 Missing table): validate with the DfE's rules for one child, save,
audit, in one transaction. A rule broken raises ValidationError with a message the user can act
on, and nothing is saved. The helpers here (_save, save_new, save_change, delete_record) are shared
with outcomes.adoption_services."""

import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accounts.models import User
from audit.models import AuditAction
from audit.services import apply_changes, record_event
from children.models import CareEpisode, Child
from children.services import lock_child
from iro_portal.dates import format_date
from iro_portal.locking import lock

from . import record_rules
from .models import MissingEpisode

R = TypeVar("R", bound=Model)


def locked_record(queryset: QuerySet[R], record: Any, expected_version: int | None) -> R:
    """A record about a child, locked after the child (as every write about a child is) and
    refused if it changed since the caller read it."""
    lock_child(record.child)
    return lock(queryset, record.pk, expected_version)


def _save(record: Any) -> None:
    record.full_clean(validate_constraints=True)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        raise ValidationError(
            "This change conflicts with a record saved at the same time. Reload the page and try again."
        ) from error


def save_new(record: R, *, by: User, request: HttpRequest | None) -> R:
    _save(record)
    record_event(action=AuditAction.CREATE, user=by, obj=record, child_id=record.child_id, request=request)  # type: ignore[attr-defined]
    return record


def save_change(record: R, *, by: User, request: HttpRequest | None, detail: dict[str, Any]) -> R:
    """Save a change: the version goes up and the change is audited."""
    record.version += 1  # type: ignore[attr-defined]
    _save(record)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=record,
        child_id=record.child_id,  # type: ignore[attr-defined]
        request=request,
        detail=detail,
    )
    return record


def delete_record(record: Any, *, by: User, request: HttpRequest | None) -> None:
    """Delete a record, audited with what it said (the log keeps the label, the row goes)."""
    record_event(
        action=AuditAction.DELETE,
        user=by,
        obj=record,
        child_id=record.child_id,
        request=request,
        detail={"deleted": str(record)},
    )
    record.delete()


def refuse_future(
    errors: dict[str, str], field: str, value: datetime.date | None, what: str, today: datetime.date
) -> None:
    if value is not None and value > today and field not in errors:
        errors[field] = f"The {what} must be today or in the past."


def validate_missing_episode(episode: MissingEpisode, *, today: datetime.date) -> None:
    """The DfE's rules for one child's missing and away episodes: after the child was born (586),
    while they were looked after (581), ending on or after the start (567), not left open once
    the episode of care it started in has ended (575), none overlapping another and only one
    still open (574); and nothing in the future."""
    child = episode.child
    errors: dict[str, str] = {}
    care = list(CareEpisode.objects.filter(child=child).values_list("start_date", "end_date"))
    if record_rules.missing_before_birth(episode.start_date, child.date_of_birth):
        errors["start_date"] = (
            f"The date the child went missing must be after their date of birth ({format_date(child.date_of_birth)})."
        )
    elif record_rules.missing_outside_care(episode.start_date, care):
        errors["start_date"] = (
            f"{child.full_name} was not looked after on {format_date(episode.start_date)}: a missing or away episode "
            "starts while the child is looked after."
        )
    refuse_future(errors, "start_date", episode.start_date, "date the child went missing", today)
    if record_rules.missing_ends_before_start(episode.start_date, episode.end_date):
        errors["end_date"] = "The date the child came back must be the same as or after the date they went missing."
    elif "start_date" not in errors and (
        ended := record_rules.placement_ended_while_missing(episode.start_date, episode.end_date, care)
    ):
        errors["end_date"] = (
            f"The episode of care the child went missing from ended on {format_date(ended)}: enter the date they "
            "came back."
        )
    refuse_future(errors, "end_date", episode.end_date, "date the child came back", today)
    if errors:
        raise ValidationError(errors)
    _check_no_overlap(episode)


def _check_no_overlap(episode: MissingEpisode) -> None:
    """Rule 574 as the DfE checks it: the child's episodes in order of their end (an open one at
    its start), each starting on or after the previous one ended, and none after an open one."""
    others = list(MissingEpisode.objects.filter(child_id=episode.child_id).exclude(pk=episode.pk))
    episodes = sorted([*others, episode], key=lambda e: record_rules.missing_order(e.start_date, e.end_date))
    for previous, following in zip(episodes, episodes[1:], strict=False):
        if episode not in (previous, following) or not record_rules.missing_overlaps(
            previous.end_date, following.start_date
        ):
            continue
        clash = following if previous is episode else previous
        if previous.end_date is None:
            raise ValidationError(
                f"The child has been {_kind(previous)} since {format_date(previous.start_date)} and has not come back: "
                "record that they came back before recording a later episode."
                if previous is clash
                else f"This episode would still be open while the child was {_kind(clash)} from "
                f"{format_date(clash.start_date)}: episodes cannot overlap."
            )
        raise ValidationError(
            f"This episode overlaps the one from {format_date(clash.start_date)} to "
            f"{format_date(clash.end_date) or 'now'}: a child's missing and away episodes cannot overlap."
        )


def _kind(episode: MissingEpisode) -> str:
    return "missing" if episode.kind == "M" else "away from placement without authorisation"


@transaction.atomic
def record_missing_episode(
    child: Child,
    *,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    by: User,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> MissingEpisode:
    """The child went missing or was away without authorisation from `start_date`; `end_date`
    when they have already come back."""
    child = lock_child(child)
    if MissingEpisode.objects.filter(child=child, start_date=start_date).exists():
        raise ValidationError({"start_date": f"An episode starting on {format_date(start_date)} is already recorded."})
    episode = MissingEpisode(child=child, kind=kind, start_date=start_date, end_date=end_date)
    validate_missing_episode(episode, today=today)
    return save_new(episode, by=by, request=request)


@transaction.atomic
def change_missing_episode(
    episode: MissingEpisode,
    *,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
    **changes: Any,
) -> MissingEpisode:
    """Correct an episode: its kind, start or end (an end cleared reopens it)."""
    episode = locked_record(MissingEpisode.objects.select_related("child"), episode, expected_version)
    detail = apply_changes(episode, changes)
    validate_missing_episode(episode, today=today)
    return save_change(episode, by=by, request=request, detail=detail)


@transaction.atomic
def record_came_back(
    episode: MissingEpisode,
    *,
    end_date: datetime.date,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> MissingEpisode:
    """The child came back on `end_date`: the open episode ends."""
    episode = locked_record(MissingEpisode.objects.select_related("child"), episode, expected_version)
    if episode.end_date is not None:
        raise ValidationError(f"The child already came back on {format_date(episode.end_date)}.")
    detail = apply_changes(episode, {"end_date": end_date})
    validate_missing_episode(episode, today=today)
    return save_change(episode, by=by, request=request, detail=detail)


@transaction.atomic
def delete_missing_episode(
    episode: MissingEpisode, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    """Remove an episode recorded in error."""
    episode = locked_record(MissingEpisode.objects.select_related("child"), episode, expected_version)
    delete_record(episode, by=by, request=request)
