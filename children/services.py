"""Every write about children: validate, save, audit, in one transaction. A rule broken here
raises ValidationError with a message the user can act on, and nothing is saved."""

import datetime
from collections.abc import Collection
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import apply_changes, record_event
from iro_portal.dates import format_date
from iro_portal.locking import check_version, lock

from .codes import (
    PLACEMENT_TYPES_WITHOUT_PROVIDER,
    PlacementProvider,
    ReasonForNewEpisode,
)
from .models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from .placement_location import check_placement_details, locate
from .placement_rules import placement_problems
from .selectors import age_on, follow_on_breaks, records_motherhood
from .signals import care_record_changed

M = TypeVar("M", bound=Model)
R = TypeVar("R", CareEpisode, ChildProtectionPlan, Allocation, StrategyDiscussion)
"""A record about a child (not the child's own)."""
V = TypeVar("V", CareEpisode, ChildProtectionPlan, Allocation)
"""A record about a child that can be changed after it is made, so carries a version."""


def _follow_care_record(child: Child) -> None:
    """A change to a child's episodes, strategy discussions or protection plans moves the
    outstanding reviews and conferences to their new due dates, and ends an In-Contact plan
    when care has ended, in the same transaction: reviews and oversight build on children, so
    they receive care_record_changed (children.signals names each receiver)."""
    care_record_changed.send(sender=Child, child=child)


def lock_child(child: Child, expected_version: int | None = None) -> Child:
    """Serialise writes about one child so two concurrent saves cannot both pass validation:
    every write about a child (here, in oversight and in escalations) locks the child first."""
    return lock(Child.objects.all(), child.pk, expected_version)


def _locked_record(queryset: QuerySet[V], record: V, expected_version: int | None) -> V:
    """A record about a child, locked after the child (as every write about a child is) and
    refused if it changed since the caller read it."""
    lock_child(record.child)
    return lock(queryset, record.pk, expected_version)


def _save(instance: M, *, exclude: Collection[str] | None = None) -> M:
    instance.full_clean(exclude=exclude, validate_constraints=True)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationError(
            "This change conflicts with a record saved at the same time. Reload the page and try again."
        ) from error
    return instance


def _save_new(record: R, *, by: User, request: HttpRequest | None) -> R:
    """Save a new record about a child, audited."""
    _save(record)
    record_event(action=AuditAction.CREATE, user=by, obj=record, child_id=record.child_id, request=request)
    return record


def _save_change(record: V, *, by: User, request: HttpRequest | None, detail: dict[str, Any]) -> V:
    """Save a change to a record about a child: its version goes up and the change is audited."""
    record.version += 1
    _save(record)
    record_event(
        action=AuditAction.UPDATE, user=by, obj=record, child_id=record.child_id, request=request, detail=detail
    )
    return record


@transaction.atomic
def create_child(*, by: User, request: HttpRequest | None = None, **fields: Any) -> Child:
    child = Child(**fields)
    if Child.objects.filter(local_child_id__iexact=child.local_child_id).exists():
        raise ValidationError({"local_child_id": f"A child with local child ID {child.local_child_id} already exists."})
    validate_motherhood(child, today=timezone.localdate())
    _save(child)
    record_event(action=AuditAction.CREATE, user=by, obj=child, child_id=child.pk, request=request)
    return child


def validate_motherhood(child: Child, *, today: datetime.date) -> None:
    """SSDA903 MOTHER and MC_DOB, as the DfE checks them: never for a boy (rule 165); a mother's
    first child's date of birth is given (rule 611), and only a mother's (rule 612); it falls
    between the child's own birth and today."""
    name = child.full_name
    born = child.first_child_date_of_birth
    errors: dict[str, str] = {}
    if child.is_mother is not None and not records_motherhood(child):
        errors["is_mother"] = "Whether a child is a mother is recorded for girls only: leave it blank for a boy."
    elif child.is_mother and born is None:
        errors["first_child_date_of_birth"] = f"Enter the date of birth of {name}'s first child."
    elif born is not None and not child.is_mother:
        errors["first_child_date_of_birth"] = (
            "Give the date of birth of a first child only for a child who is a mother."
        )
    elif born is not None and child.date_of_birth is not None and born < child.date_of_birth:
        errors["first_child_date_of_birth"] = (
            f"The first child's date of birth must be on or after {name}'s own ({format_date(child.date_of_birth)})."
        )
    elif born is not None and born > today:
        errors["first_child_date_of_birth"] = "The first child's date of birth must be today or in the past."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_motherhood(
    child: Child,
    *,
    is_mother: bool | None,
    first_child_date_of_birth: datetime.date | None,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
) -> Child:
    """Whether the child is a mother and, if she is, her first child's date of birth: the
    SSDA903 Header's MOTHER and MC_DOB, which the DfE needs for every girl looked after
    (rules 393 and 607)."""
    child = lock_child(child, expected_version)
    before = {"is_mother": child.is_mother, "first_child_date_of_birth": str(child.first_child_date_of_birth or "")}
    child.is_mother, child.first_child_date_of_birth = is_mother, first_child_date_of_birth
    validate_motherhood(child, today=today or timezone.localdate())
    child.version += 1
    _save(child)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=child,
        child_id=child.pk,
        request=request,
        detail={
            "before": before,
            "after": {"is_mother": is_mother, "first_child_date_of_birth": str(first_child_date_of_birth or "")},
        },
    )
    return child


def validate_care_episode(episode: CareEpisode, *, today: datetime.date) -> None:
    """The SSDA903 episode rules a single save can break (DATA_DICTIONARY.md section 3c), and
    no episode starting after today: care not begun yet would start the review cycle early."""
    errors: dict[str, str] = {}
    if episode.end_date and episode.end_date <= episode.start_date:
        errors["end_date"] = (
            "The date the episode ceased must be after the date it commenced (an episode lasts at least a day)."
        )
    if bool(episode.end_date) != bool(episode.reason_episode_ceased):
        field = "reason_episode_ceased" if episode.end_date else "end_date"
        errors[field] = "Give both the date the episode ceased and the reason, or neither."
    if episode.placement_type in PLACEMENT_TYPES_WITHOUT_PROVIDER and episode.placement_provider:
        errors["placement_provider"] = "Leave the placement provider blank for temporary and other placements."
    if episode.placement_provider == PlacementProvider.PR0 and episode.placement_type != "P1":
        errors["placement_provider"] = "Provider PR0 (parents) is only valid for placement type P1."
    if episode.start_date > today:
        errors["start_date"] = "The date the episode commenced cannot be in the future."
    elif episode.start_date < episode.child.date_of_birth:
        errors["start_date"] = "An episode cannot start before the child's date of birth."
    errors.update(_placement_details_problems(episode))
    for problem in placement_problems(
        placement_type=episode.placement_type,
        legal_status=episode.legal_status,
        placement_provider=episode.placement_provider,
        reason_episode_ceased=episode.reason_episode_ceased,
        reason_for_placement_change=episode.reason_for_placement_change,
        date_of_birth=episode.child.date_of_birth,
        start_date=episode.start_date,
    ):
        errors.setdefault(problem.field, problem.message)
    if errors:
        raise ValidationError(errors)
    _check_no_overlap(episode)
    _check_period_of_care(episode)
    _locate_placement(episode)


def _placement_details_problems(episode: CareEpisode) -> dict[str, str]:
    """HOME_POST, PL_POST and URN as children.placement_location.check_placement_details wants
    them; the episode's fields are normalised in place."""
    details = check_placement_details(
        episode.home_postcode,
        episode.placement_postcode,
        episode.provider_urn,
        legal_status=episode.legal_status,
        placement_type=episode.placement_type,
        is_uasc=episode.child.is_uasc,
    )
    episode.home_postcode, episode.placement_postcode, episode.provider_urn = (
        details.home_postcode,
        details.placement_postcode,
        details.provider_urn,
    )
    return {name: message for name, (_, message) in details.problems.items()}


def _locate_placement(episode: CareEpisode) -> None:
    """The placement's local authority, inside or outside the authority and miles from home, from
    the two postcodes as the DfE works them out: never entered, always derived here."""
    location = locate(episode.home_postcode, episode.placement_postcode)
    episode.placement_la = location.placement_la
    episode.placement_location = location.placement_location
    episode.placement_distance = location.placement_distance


def _check_period_of_care(episode: CareEpisode) -> None:
    """A period of care starts with reason S; an episode continuing it starts the day the
    previous one ceased with X1, and keeps the period's category of need (children.selectors.
    follow_on_breaks). Checked after _check_no_overlap, so the previous episode has ended."""
    previous = (
        CareEpisode.objects.filter(child_id=episode.child_id, start_date__lt=episode.start_date)
        .exclude(pk=episode.pk)
        .order_by("-start_date")
        .first()
    )
    if previous is None:
        _check_starts_period_of_care(episode)
        _check_under_18_at_start(episode)
        return
    breaks = follow_on_breaks(previous, episode)
    continues = previous.end_date == episode.start_date
    if "431" in breaks:
        raise ValidationError(
            {
                "reason_for_new_episode": (
                    f"The previous episode ceased on {format_date(previous.end_date)}, the day this one starts, so this episode "
                    "continues that period of care: choose the reason for the change, not S."
                )
            }
        )
    if not continues:
        _check_starts_period_of_care(episode)
    if continues and "388" in breaks:
        raise ValidationError(
            {
                "start_date": (
                    f"The previous episode ceased on {format_date(previous.end_date)} because the child left care "
                    f"({previous.get_reason_episode_ceased_display()}); a continuing episode needs that one to end with X1."
                )
            }
        )
    if "388" in breaks:
        raise ValidationError(
            {
                "start_date": (
                    f"The previous episode ceased on {format_date(previous.end_date)} with X1, so the period of care goes on "
                    "with an episode starting that day: start this one then, or change that episode's reason."
                )
            }
        )
    if "437" in breaks:
        raise ValidationError(
            {
                "start_date": (
                    f"The previous episode ceased on {format_date(previous.end_date)} "
                    f"({previous.get_reason_episode_ceased_display()}), which ends care for good: no later episode can follow it."
                )
            }
        )
    if continues:
        if previous.category_of_need != episode.category_of_need:
            raise ValidationError(
                {
                    "category_of_need": (
                        "The category of need stays the same for the whole period of care "
                        f"({previous.get_category_of_need_display()})."
                    )
                }
            )
    else:
        _check_under_18_at_start(episode)


def _check_starts_period_of_care(episode: CareEpisode) -> None:
    """An episode that does not continue a period of care begins one, with reason S."""
    if episode.reason_for_new_episode != ReasonForNewEpisode.S:
        raise ValidationError(
            {
                "reason_for_new_episode": (
                    "No episode ceased on the day this one starts, so it begins a new period of care: the reason must be "
                    "S (started to be looked after)."
                )
            }
        )


def _check_under_18_at_start(episode: CareEpisode) -> None:
    if age_on(episode.child.date_of_birth, episode.start_date) >= 18:
        raise ValidationError({"start_date": "A child cannot start to be looked after at 18 or over."})


def _check_no_overlap(episode: CareEpisode) -> None:
    others = CareEpisode.objects.filter(child_id=episode.child_id).exclude(pk=episode.pk)
    overlapping = others.filter(Q(end_date__isnull=True) | Q(end_date__gt=episode.start_date))
    if episode.end_date is not None:
        overlapping = overlapping.filter(start_date__lt=episode.end_date)
    clash = overlapping.order_by("start_date").first()
    if clash is None and episode.end_date is None:
        clash = others.filter(start_date__gte=episode.start_date).order_by("start_date").first()
    if clash is not None:
        until = format_date(clash.end_date) if clash.end_date else "now (still open)"
        raise ValidationError(
            f"This episode overlaps the episode from {format_date(clash.start_date)} to {until}. "
            "A child's episodes of care cannot overlap: end the earlier episode first."
        )


@transaction.atomic
def record_care_episode(
    child: Child, *, by: User, request: HttpRequest | None = None, today: datetime.date | None = None, **fields: Any
) -> CareEpisode:
    child = lock_child(child)
    episode = CareEpisode(child=child, **fields)
    validate_care_episode(episode, today=today or timezone.localdate())
    _save_new(episode, by=by, request=request)
    _follow_care_record(child)
    return episode


@transaction.atomic
def update_care_episode(
    episode: CareEpisode,
    *,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    today: datetime.date | None = None,
    **changes: Any,
) -> CareEpisode:
    episode = _locked_record(CareEpisode.objects.all(), episode, expected_version)
    detail = apply_changes(episode, changes)
    validate_care_episode(episode, today=today or timezone.localdate())
    _save_change(episode, by=by, request=request, detail=detail)
    _follow_care_record(episode.child)
    return episode


@transaction.atomic
def record_strategy_discussion(
    child: Child,
    *,
    by: User,
    date: datetime.date,
    section_47_enquiry_started: bool,
    request: HttpRequest | None = None,
) -> StrategyDiscussion:
    child = lock_child(child)
    if date < child.date_of_birth:
        raise ValidationError({"date": "A strategy discussion cannot be before the child's date of birth."})
    if StrategyDiscussion.objects.filter(child=child, date=date).exists():
        raise ValidationError({"date": f"A strategy discussion on {format_date(date)} is already recorded."})
    discussion = _save_new(
        StrategyDiscussion(child=child, date=date, section_47_enquiry_started=section_47_enquiry_started),
        by=by,
        request=request,
    )
    _follow_care_record(child)
    return discussion


@transaction.atomic
def start_protection_plan(
    child: Child,
    *,
    by: User,
    start_date: datetime.date,
    initial_category_of_abuse: str,
    request: HttpRequest | None = None,
) -> ChildProtectionPlan:
    child = lock_child(child)
    plans = ChildProtectionPlan.objects.filter(child=child)
    if plans.filter(end_date__isnull=True).exists():
        raise ValidationError("This child already has an open child protection plan. End it before starting another.")
    if start_date < child.date_of_birth:
        raise ValidationError({"start_date": "A child protection plan cannot start before the child's date of birth."})
    if plans.filter(end_date__gt=start_date).exists():
        raise ValidationError({"start_date": "A new plan must start on or after the day the previous plan ended."})
    plan = _save_new(
        ChildProtectionPlan(child=child, start_date=start_date, initial_category_of_abuse=initial_category_of_abuse),
        by=by,
        request=request,
    )
    _follow_care_record(child)
    return plan


@transaction.atomic
def end_protection_plan(
    plan: ChildProtectionPlan,
    *,
    by: User,
    end_date: datetime.date,
    end_reason: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> ChildProtectionPlan:
    plan = _locked_record(ChildProtectionPlan.objects.all(), plan, expected_version)
    if plan.end_date is not None:
        raise ValidationError("This child protection plan has already ended.")
    if end_date < plan.start_date:
        raise ValidationError({"end_date": "A plan cannot end before it started."})
    plan.end_date = end_date
    plan.end_reason = end_reason
    _save_change(plan, by=by, request=request, detail={"ended": str(end_date), "reason": end_reason})
    _follow_care_record(plan.child)
    return plan


@transaction.atomic
def allocate_iro(
    child: Child,
    *,
    iro: User,
    start_date: datetime.date,
    by: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Allocation:
    """Allocate or reallocate a child's IRO: the open allocation closes on the day the new
    one starts, both in one transaction. `expected_version` is the open allocation's as the
    caller read it (0 when there was none); the new one carries on its version, so a change
    read from the one it replaced is stale."""
    child = lock_child(child)
    current = Allocation.objects.filter(child=child, end_date__isnull=True).first()
    check_version(current, expected_version)
    if iro.role != Role.IRO or not iro.is_active:
        raise ValidationError({"iro": "Choose an active Independent Reviewing Officer."})
    if current is not None:
        if current.iro_id == iro.pk:
            raise ValidationError({"iro": f"{iro} is already this child's IRO."})
        if start_date < current.start_date:
            raise ValidationError(
                {
                    "start_date": f"The new allocation must start on or after {format_date(current.start_date)}, "
                    "when the current one started."
                }
            )
        current.end_date = start_date
        _save_change(current, by=by, request=request, detail={"ended": str(start_date), "reason": "reallocated"})
    elif Allocation.objects.filter(child=child, end_date__gt=start_date).exists():
        raise ValidationError({"start_date": "The new allocation must start after the previous one ended."})
    return _save_new(
        Allocation(child=child, iro=iro, start_date=start_date, version=current.version if current is not None else 1),
        by=by,
        request=request,
    )


@transaction.atomic
def change_protection_plan_category(
    plan: ChildProtectionPlan,
    *,
    by: User,
    category: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> ChildProtectionPlan:
    """A review conference can change the category of abuse (CIN census LatestCategoryOfAbuse)."""
    plan = _locked_record(ChildProtectionPlan.objects.all(), plan, expected_version)
    before = plan.current_category_of_abuse
    plan.latest_category_of_abuse = category
    return _save_change(
        plan, by=by, request=request, detail={"category_of_abuse": {"before": before, "after": category}}
    )


@transaction.atomic
def change_protection_plan(
    plan: ChildProtectionPlan,
    *,
    by: User,
    expected_version: int | None,
    category: str | None = None,
    end_date: datetime.date | None = None,
    end_reason: str | None = None,
    request: HttpRequest | None = None,
) -> ChildProtectionPlan:
    """What a review conference changes about a plan, from a page or the API: its category of
    abuse, or its end (the date and the reason together), or both at once. Nothing is saved
    unless every part can be."""
    if end_date is not None and not end_reason:
        raise ValidationError({"end_reason": "Give the reason the plan ended with its end date."})
    if end_reason and end_date is None:
        raise ValidationError({"end_date": "Give the date the plan ended with the reason."})
    if category is None and end_date is None:
        raise ValidationError(
            "Send end_date and end_reason to end the plan, or category_of_abuse to change its category."
        )
    if category is not None:
        plan = change_protection_plan_category(
            plan, by=by, request=request, category=category, expected_version=expected_version
        )
        expected_version = plan.version
    if end_date is not None and end_reason:
        plan = end_protection_plan(
            plan, by=by, request=request, end_date=end_date, end_reason=end_reason, expected_version=expected_version
        )
    return plan
