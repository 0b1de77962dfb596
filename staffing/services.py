"""Recording an IRO's staffing: a change of FTE or agency status from a day, and leaving the
service. Each change ends the period before it and starts a new one, so the history never has
gaps or overlaps it should not, and accounts.User.fte stays the FTE of the period open today (a
change may not start after today, so the period open today only ever changes here). Leaving ends
the open period on the IRO's last day, so from the next day they count in no headcount or FTE."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import may_manage_allocations
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_date
from iro_portal.locking import check_version

from .models import StaffingPeriod

STAFFING_CHANGED_MESSAGE = (
    "Someone else recorded a change to this IRO’s staffing while you were entering yours. Nothing you "
    "entered has been saved: look at their history again, then record your change."
)


def change_errors(
    iro: User, *, starts_on: date, fte: Decimal, agency: bool, latest: StaffingPeriod | None, today: date
) -> dict[str, str]:
    """What is wrong with a change about to be recorded, as {field: message}; empty when nothing is."""
    errors: dict[str, str] = {}
    if iro.role != Role.IRO:
        errors["iro"] = "Staffing is recorded for IROs only."
    if not Decimal("0") < fte <= Decimal("1"):
        errors["fte"] = "Full-time equivalent must be more than 0 and no more than 1, for example 0.8"
    if starts_on > today:
        errors["starts_on"] = "The date the change starts must be today or in the past"
    elif latest is not None and starts_on <= latest.starts_on:
        errors["starts_on"] = (
            f"The date the change starts must be after {format_date(latest.starts_on)}, when the last change started"
        )
    if not errors and latest is not None and latest.ends_on is None and latest.fte == fte and latest.agency == agency:
        errors["fte"] = f"{iro} already works {fte} FTE{' through an agency' if agency else ''}: change something"
    return errors


def record_staffing_change(
    iro: User,
    *,
    starts_on: date,
    fte: Decimal,
    agency: bool,
    by: User | None,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> StaffingPeriod:
    """From `starts_on` the IRO works `fte` (and through an agency or not). `expected_version`
    is the version of the IRO's latest period as the page showed it (0 when they had none);
    None is a change the portal makes itself (a new account, the demo). `by` None likewise."""
    if by is not None and not may_manage_allocations(by):
        raise PermissionDenied("Only service managers and administrators can record staffing.")
    today = today or timezone.localdate()
    fte = Decimal(fte).quantize(Decimal("0.01"))
    with transaction.atomic():
        # Two managers recording a change for one IRO at once: the second waits here, then sees the first's.
        User.objects.select_for_update().filter(pk=iro.pk).first()
        latest = StaffingPeriod.objects.select_for_update().filter(iro=iro).order_by("-starts_on").first()
        check_version(latest, expected_version, STAFFING_CHANGED_MESSAGE)
        errors = change_errors(iro, starts_on=starts_on, fte=fte, agency=agency, latest=latest, today=today)
        if errors:
            raise ValidationError(errors)
        previous = None
        if latest is not None and (latest.ends_on is None or latest.ends_on >= starts_on):
            latest.ends_on = starts_on - timedelta(days=1)
            latest.version += 1
            latest.save(update_fields=["ends_on", "version"])
            previous = {"fte": str(latest.fte), "agency": latest.agency, "ends_on": latest.ends_on.isoformat()}
        # The new latest period carries on the versions of the one before, so a page opened before
        # this change (which names an older version) is refused however many periods there are.
        period = StaffingPeriod.objects.create(
            iro=iro,
            starts_on=starts_on,
            fte=fte,
            agency=agency,
            created_by=by,
            version=1 if latest is None else latest.version + 1,
        )
        User.objects.filter(pk=iro.pk).update(fte=fte)
        iro.fte = fte
        record_event(
            action=AuditAction.CREATE,
            user=by,
            obj=period,
            request=request,
            detail={
                "iro": iro.get_username(),
                "starts_on": starts_on.isoformat(),
                "fte": str(fte),
                "agency": agency,
                "previous": previous,
            },
        )
    return period


def leaving_errors(*, last_day: date, latest: StaffingPeriod | None) -> dict[str, str]:
    """What is wrong with recording that an IRO left on `last_day`, as {field: message}."""
    if latest is None or latest.ends_on is not None:
        return {"last_day": "This IRO is not on the staff: there is no staffing to end"}
    if last_day < latest.starts_on:
        return {
            "last_day": f"The last day must be on or after {format_date(latest.starts_on)}, when their staffing "
            "last changed"
        }
    return {}


def record_leaving(
    iro: User,
    *,
    last_day: date,
    by: User | None,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> StaffingPeriod:
    """The IRO left the service (or stops working as an IRO) after `last_day`: their open period
    ends that day. It may be a day still to come, when a leaving date is known in advance; a later
    change (they come back) starts a new period."""
    if by is not None and not may_manage_allocations(by):
        raise PermissionDenied("Only service managers and administrators can record staffing.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=iro.pk).first()
        latest = StaffingPeriod.objects.select_for_update().filter(iro=iro).order_by("-starts_on").first()
        check_version(latest, expected_version, STAFFING_CHANGED_MESSAGE)
        errors = leaving_errors(last_day=last_day, latest=latest)
        if errors:
            raise ValidationError(errors)
        assert latest is not None  # leaving_errors refuses no period
        latest.ends_on = last_day
        latest.version += 1
        latest.save(update_fields=["ends_on", "version"])
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=latest,
            request=request,
            detail={"iro": iro.get_username(), "left": True, "last_day": last_day.isoformat()},
        )
    return latest
