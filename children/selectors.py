"""Reads about children: periods of care, ages, caseloads and the filtered children list."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from .models import Allocation, CareEpisode, Child, ChildProtectionPlan


@dataclass(frozen=True)
class PeriodOfCare:
    """A run of contiguous care episodes: the unit the LAC review cycle counts from."""

    start_date: date
    end_date: date | None
    episodes: tuple

    def includes(self, on):
        return self.start_date <= on and (self.end_date is None or on < self.end_date)


def age_on(date_of_birth, on):
    """Age in whole years on a date (a child born on 29 February has a birthday on 1 March
    in other years)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def periods_of_care(episodes):
    """Group a child's episodes into periods of care: an episode that starts on the day the
    previous one ended continues the period; any gap starts a new one."""
    periods = []
    run = []
    for episode in sorted(episodes, key=lambda e: e.start_date):
        if run and run[-1].end_date != episode.start_date:
            periods.append(_period(run))
            run = []
        run.append(episode)
    if run:
        periods.append(_period(run))
    return periods


def _period(run):
    return PeriodOfCare(start_date=run[0].start_date, end_date=run[-1].end_date, episodes=tuple(run))


def period_of_care_on(episodes, on):
    for period in periods_of_care(episodes):
        if period.includes(on):
            return period
    return None


def is_looked_after_on(episodes, on):
    """Looked after on a date: an episode has started by then and not ceased on or before it."""
    return any(e.start_date <= on and (e.end_date is None or on < e.end_date) for e in episodes)


def episode_on(episodes, on):
    for episode in episodes:
        if episode.start_date <= on and (episode.end_date is None or on < episode.end_date):
            return episode
    return None


def allocation_on(allocations, on):
    for allocation in allocations:
        if allocation.start_date <= on and (allocation.end_date is None or on < allocation.end_date):
            return allocation
    return None


def _episode_on(on):
    return CareEpisode.objects.filter(child=OuterRef("pk"), start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on)
    )


def children_with_current_status(children, on):
    """Annotate each child with today's legal status, placement, IRO and CP plan, in SQL, so
    that lists can filter on them and need no query per row."""
    current_episode = _episode_on(on).order_by("-start_date")
    current_allocation = Allocation.objects.current(on).filter(child=OuterRef("pk"))
    open_plan = ChildProtectionPlan.objects.filter(child=OuterRef("pk"), start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on)
    )
    return children.annotate(
        current_legal_status=Subquery(current_episode.values("legal_status")[:1]),
        current_placement_type=Subquery(current_episode.values("placement_type")[:1]),
        current_iro_id=Subquery(current_allocation.values("iro_id")[:1]),
        is_looked_after=Exists(_episode_on(on)),
        has_protection_plan=Exists(open_plan),
    )


def with_rows_for_listing(children, on):
    """Prefetch what a list row shows (episodes for the period of care, the current IRO):
    a fixed number of queries whatever the page size."""
    return children.prefetch_related(
        Prefetch("episodes", queryset=CareEpisode.objects.order_by("start_date")),
        Prefetch(
            "allocations",
            queryset=Allocation.objects.current(on).select_related("iro"),
            to_attr="current_allocations",
        ),
    )


@dataclass(frozen=True)
class ChildRow:
    child: Child
    age: int
    legal_status: str
    placement_type: str
    period_of_care_start: date | None
    iro: object
    has_protection_plan: bool


def listing_rows(children, on):
    rows = []
    for child in children:
        episodes = list(child.episodes.all())
        current = episode_on(episodes, on)
        period = period_of_care_on(episodes, on)
        allocations = getattr(child, "current_allocations", [])
        rows.append(
            ChildRow(
                child=child,
                age=age_on(child.date_of_birth, on),
                legal_status=current.get_legal_status_display() if current else "",
                placement_type=current.get_placement_type_display() if current else "",
                period_of_care_start=period.start_date if period else None,
                iro=allocations[0].iro if allocations else None,
                has_protection_plan=getattr(child, "has_protection_plan", False),
            )
        )
    return rows


def caseload(iro, on):
    """The children currently allocated to an IRO, ready for listing."""
    children = Child.objects.filter(pk__in=Allocation.objects.current(on).filter(iro=iro).values("child_id"))
    return with_rows_for_listing(children_with_current_status(children, on), on).order_by(
        "family_name", "given_name"
    )


def caseload_sizes(iros, on):
    """Children currently allocated to each IRO, and per full-time equivalent."""
    counts = dict(
        Allocation.objects.current(on)
        .filter(iro__in=iros)
        .values_list("iro_id")
        .annotate(children=Count("child_id", distinct=True))
    )
    return {
        iro.pk: {"children": counts.get(iro.pk, 0), "per_fte": round(counts.get(iro.pk, 0) / float(iro.fte), 1)}
        for iro in iros
    }


def child_record(child):
    """Everything the child page shows, in a handful of queries."""
    episodes = list(child.episodes.order_by("start_date"))
    return {
        "episodes": episodes,
        "periods_of_care": periods_of_care(episodes),
        "protection_plans": list(child.protection_plans.order_by("start_date")),
        "strategy_discussions": list(child.strategy_discussions.order_by("date")),
        "allocations": list(child.allocations.select_related("iro").order_by("-start_date")),
    }
