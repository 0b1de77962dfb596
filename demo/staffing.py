"""The demo IROs' staffing history and the service's entered staffing figures: some IROs changed
their hours in the last two years, one works through an agency, and each of the last two
reporting years has vacancies, training and supervision entered, so that the annual report's
service profile shows each year's own staffing."""

import datetime
from decimal import Decimal

from django.db.models import Min

from children.models import Allocation
from reporting.models import OtherActivity
from reporting.periods import year_to_date
from staffing.models import StaffingPeriod

EARLIER_FTE = {0: Decimal("0.60"), 1: Decimal("1.00"), 4: Decimal("0.80"), 6: Decimal("0.60")}
"""By an IRO's place in the team (the smallest demo has three): what they worked before their
hours changed to today's."""
CHANGED_DAYS_AGO = {0: 300, 1: 540, 4: 250, 6: 400}
AGENCY_IRO = 2
"""The IRO (by place in the team) who works through an agency, since they joined."""
ENTERED_FIGURES = (
    # Vacant FTE at 31 March, training sessions and hours: the last complete year, the year before.
    {"vacancies_fte": Decimal("0.60"), "training_sessions": 34, "training_hours": 96},
    {"vacancies_fte": Decimal("1.00"), "training_sessions": 29, "training_hours": 81},
)


def save_staffing(iros, today):
    """Replace the demo IROs' staffing history, each from their first allocation (or six years
    back), ending at the FTE their account holds today; returns how many periods were saved."""
    StaffingPeriod.objects.filter(iro__in=iros).delete()
    first_allocations = dict(
        Allocation.objects.filter(iro__in=iros).values_list("iro_id").annotate(first=Min("start_date"))
    )
    periods = []
    for place, iro in enumerate(iros):
        joined = min(first_allocations.get(iro.pk) or today, today - datetime.timedelta(days=6 * 365))
        agency = place == AGENCY_IRO
        if place in EARLIER_FTE and EARLIER_FTE[place] != iro.fte:
            changed = today - datetime.timedelta(days=CHANGED_DAYS_AGO[place])
            periods.append(
                StaffingPeriod(
                    iro=iro,
                    starts_on=joined,
                    ends_on=changed - datetime.timedelta(days=1),
                    fte=EARLIER_FTE[place],
                    agency=agency,
                )
            )
            joined = changed
        periods.append(StaffingPeriod(iro=iro, starts_on=joined, fte=iro.fte, agency=agency))
    StaffingPeriod.objects.bulk_create(periods)
    # IROs of a larger earlier run, their accounts closed, are no longer on the staff.
    StaffingPeriod.objects.filter(iro__is_active=False, ends_on__isnull=True, starts_on__lt=today).update(
        ends_on=today - datetime.timedelta(days=1)
    )
    return {"staffing_periods": len(periods)}


def save_staffing_figures(iros, today):
    """Vacancies, training and supervision for the last two complete reporting years (the latest
    annual report's two years), entered as a manager would (left alone where a manager already entered them): supervision monthly for
    each IRO, most sessions held."""
    last_complete_year = year_to_date(today).start.year - 1
    saved = 0
    for years_back, figures in enumerate(ENTERED_FIGURES):
        due = 12 * len(iros)
        _, created = OtherActivity.objects.get_or_create(
            year=last_complete_year - years_back,
            defaults={**figures, "supervision_sessions_due": due, "supervision_sessions_held": due - 3 - years_back},
        )
        saved += created
    return {"staffing_figures": saved}
