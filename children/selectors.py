"""Reads about children: periods of care, ages, caseload sizes and the rows of the children list.
The caseload with each child's next review, RAG rating and open escalation is caseloads.selectors'."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import Exact, LessThanOrEqual

from accounts.models import User
from iro_portal.months import latest_start_open_longer_than

from .codes import (
    CARE_ENDED_FOR_GOOD_REASONS,
    CONTINUING_EPISODE_REASON,
    SHORT_BREAK_LEGAL_STATUSES,
    PlacementProvider,
    ReasonForNewEpisode,
    Sex,
)
from .models import (
    Allocation,
    CareEpisode,
    Child,
    ChildProtectionPlan,
    current_iro,
    is_open_on,
    open_on,
    prefetch_current_iro,
)

EPISODE_FIELDS = (
    "start_date",
    "reason_for_new_episode",
    "legal_status",
    "category_of_need",
    "placement_type",
    "placement_provider",
    "end_date",
    "reason_episode_ceased",
    "reason_for_placement_change",
    "home_postcode",
    "placement_postcode",
    "provider_urn",
)
"""What a care episode records, in the order of the SSDA903 Episodes columns (DECOM, RNE, LS,
CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN): the episode
the API shows and the return exports and imports."""
PLACEMENT_LOCATION_FIELDS = ("placement_la", "placement_location", "placement_distance")
"""What the portal works out from an episode's postcodes (PL_LA, PL_LOCATION, PL_DISTANCE)."""


@dataclass(frozen=True)
class PeriodOfCare:
    """A run of contiguous care episodes: the unit the LAC review cycle counts from."""

    start_date: date
    end_date: date | None
    episodes: tuple[CareEpisode, ...]

    def includes(self, on: date) -> bool:
        return is_open_on(self.start_date, self.end_date, on)


def motherhood_recorded() -> Q:
    """Children whose SSDA903 MOTHER is recorded: every child but a boy (DfE rule 165)."""
    return ~Q(sex=Sex.MALE)


def records_motherhood(child: Child) -> bool:
    """The same rule as motherhood_recorded, for one child already loaded."""
    return child.sex != Sex.MALE


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on a date (a child born on 29 February has a birthday on 1 March
    in other years)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def periods_of_care(episodes: Iterable[CareEpisode]) -> list[PeriodOfCare]:
    """Group a child's episodes into periods of care: an episode that starts on the day the
    previous one ended continues the period; any gap starts a new one."""
    periods: list[PeriodOfCare] = []
    run: list[CareEpisode] = []
    for episode in sorted(episodes, key=lambda e: e.start_date):
        if run and run[-1].end_date != episode.start_date:
            periods.append(_period(run))
            run = []
        run.append(episode)
    if run:
        periods.append(_period(run))
    return periods


class EpisodeInSequence(Protocol):
    """What follow_on_breaks reads of an episode: a CareEpisode, or an import's row of one."""

    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def reason_for_new_episode(self) -> str: ...
    @property
    def reason_episode_ceased(self) -> str: ...


def follow_on_breaks(previous: EpisodeInSequence, episode: EpisodeInSequence) -> tuple[str, ...]:
    """The SSDA903 rules `episode` breaks by coming next after `previous`, the child's episode
    before it, as rule codes: "142" `previous` is still open; "501" `episode` starts before
    `previous` ceased. Starting the day `previous` ceased, `episode` continues its period of
    care: "431" it has reason S, "388" `previous` did not cease with X1. Starting later, it
    begins a new period: "388" `previous` ceased with X1, "437" it ended care for good, "433"
    `episode` has a reason other than S."""
    if previous.end_date is None:
        return ("142",)
    if episode.start_date < previous.end_date:
        return ("501",)
    continuing = previous.reason_episode_ceased == CONTINUING_EPISODE_REASON
    starts_care = episode.reason_for_new_episode == ReasonForNewEpisode.S
    if episode.start_date == previous.end_date:
        broken = {"431": starts_care, "388": not continuing}
    else:
        broken = {
            "388": continuing,
            "437": previous.reason_episode_ceased in CARE_ENDED_FOR_GOOD_REASONS,
            "433": not starts_care,
        }
    return tuple(code for code, is_broken in broken.items() if is_broken)


def _period(run: list[CareEpisode]) -> PeriodOfCare:
    return PeriodOfCare(start_date=run[0].start_date, end_date=run[-1].end_date, episodes=tuple(run))


def period_of_care_on(episodes: Iterable[CareEpisode], on: date) -> PeriodOfCare | None:
    for period in periods_of_care(episodes):
        if period.includes(on):
            return period
    return None


def is_looked_after_on(episodes: Iterable[CareEpisode], on: date) -> bool:
    """Looked after on a date: an episode has started by then and not ceased on or before it."""
    return any(is_open_on(episode.start_date, episode.end_date, on) for episode in episodes)


def episode_on(episodes: Iterable[CareEpisode], on: date) -> CareEpisode | None:
    return next((episode for episode in episodes if is_open_on(episode.start_date, episode.end_date, on)), None)


def allocation_on(allocations: Iterable[Allocation], on: date) -> Allocation | None:
    return next(
        (allocation for allocation in allocations if is_open_on(allocation.start_date, allocation.end_date, on)), None
    )


def episodes_open_on(on: date) -> QuerySet[CareEpisode]:
    """Care episodes open on `on`: at most one per child, as episodes of a child may not overlap
    (the episode_no_overlap constraint)."""
    return CareEpisode.objects.filter(open_on(on))


def _episode_on(on: date) -> QuerySet[CareEpisode]:
    return episodes_open_on(on).filter(child=OuterRef("pk"))


def children_with_current_status(children: QuerySet[Child], on: date) -> QuerySet[Any]:
    """Annotate each child with today's legal status, placement, IRO and CP plan, in SQL, so
    that lists can filter on them and need no query per row. (Typed QuerySet[Any]: the type
    checker cannot see annotations, and callers filter on them.)"""
    current_episode = _episode_on(on).order_by("-start_date")
    current_allocation = Allocation.objects.current(on).filter(child=OuterRef("pk"))
    return children.annotate(
        current_legal_status=Subquery(current_episode.values("legal_status")[:1]),
        current_placement_type=Subquery(current_episode.values("placement_type")[:1]),
        current_iro_id=Subquery(current_allocation.values("iro_id")[:1]),
        is_looked_after=looked_after(on),
        has_protection_plan=on_protection_plan(on),
    )


# What the dashboard and the annual report count about children. Each is a condition on a Child
# query, so a figure and the list behind it are the same rule.


def period_of_care_starts() -> QuerySet[CareEpisode]:
    """Episodes that start a period of care: no episode of the same child ended that day."""
    continuing = CareEpisode.objects.filter(child=OuterRef("child"), end_date=OuterRef("start_date"))
    return CareEpisode.objects.filter(~Exists(continuing))


def period_of_care_ends() -> QuerySet[CareEpisode]:
    """Episodes that end a period of care: ended, and no episode of the child starts that day."""
    continued = CareEpisode.objects.filter(child=OuterRef("child"), start_date=OuterRef("end_date"))
    return CareEpisode.objects.filter(end_date__isnull=False).filter(~Exists(continued))


_judging_few_children: ContextVar[bool] = ContextVar("judging_few_children", default=False)


@contextmanager
def judging_few_children() -> Iterator[None]:
    """Queries made inside judge a few children whatever they say (figures counted again for a
    shard of children, reporting.tallies): child_has_one_of looks up each child's rows."""
    token = _judging_few_children.set(True)
    try:
        yield
    finally:
        _judging_few_children.reset(token)


def child_has_one_of(rows: QuerySet[Any], every_child: bool = False, child: str = "pk") -> Exists | ExpressionWrapper:
    """Whether each child of a query (or the child of each row of it, by the path `child`) has
    one of `rows` (any rows with a child_id), as a condition to filter, count or annotate with.
    When a query counts over every child of the authority (the annual report's children in care)
    the rows are gathered into one set the database builds once; otherwise, or when judging few
    children, each child's rows are looked up, which is cheaper when the query judges a few
    children or also looks up other things child by child."""
    if every_child and not _judging_few_children.get():
        return ExpressionWrapper(Q(**{f"{child}__in": rows.values("child_id")}), output_field=BooleanField())
    return Exists(rows.filter(child=OuterRef(child)))


def looked_after(on: date, every_child: bool = False, child: str = "pk") -> Exists | ExpressionWrapper:
    return child_has_one_of(episodes_open_on(on), every_child, child)


def period_of_care_starts_between(start: date, end: date) -> QuerySet[CareEpisode]:
    return period_of_care_starts().filter(start_date__gte=start, start_date__lte=end)


def period_of_care_ends_between(start: date, end: date) -> QuerySet[CareEpisode]:
    return period_of_care_ends().filter(end_date__gte=start, end_date__lte=end)


def started_care_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    """Children who started to be looked after in the period (counted once however often)."""
    return child_has_one_of(period_of_care_starts_between(start, end), every_child)


def ceased_care_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    return child_has_one_of(period_of_care_ends_between(start, end), every_child)


def _plan_open_on(on: date) -> QuerySet[ChildProtectionPlan]:
    return ChildProtectionPlan.objects.filter(open_on(on), child=OuterRef("pk"))


def on_protection_plan(on: date) -> Exists:
    return Exists(_plan_open_on(on))


PLAN_LENGTHS = [
    ("over_18_months", "Open for more than 18 months"),
    ("2_years_or_more", "Open for 2 years or more"),
]


def protection_plan_open_for(on: date, length: str) -> Exists:
    """Children whose current plan has been open for more than 18 months, or for 2 years or
    more, on `on` (DESIGN.md section 3, plan measures)."""
    return Exists(_plan_open_on(on).filter(start_date__lte=latest_plan_start_for(on, length)))


def latest_plan_start_for(on: date, length: str) -> date:
    """The latest start date of a plan open on `on` that counts as open for `length`."""
    if length == "over_18_months":
        return latest_start_open_longer_than(on, 18)
    return latest_start_open_longer_than(on, 24, or_exactly=True)


def protection_plan_open_since(on: date) -> Subquery:
    """The start of the earliest plan open on `on`, None when none is: on_protection_plan and
    protection_plan_open_for (as latest_plan_start_for) in one lookup per child."""
    return Subquery(_plan_open_on(on).order_by("start_date").values("start_date")[:1])


def with_rows_for_listing(children: QuerySet[Child], on: date) -> QuerySet[Child]:
    """Prefetch what a list row shows (episodes for the period of care, the current IRO):
    a fixed number of queries whatever the page size."""
    return children.prefetch_related(
        Prefetch("episodes", queryset=CareEpisode.objects.order_by("start_date")),
        prefetch_current_iro(on),
    )


@dataclass(frozen=True)
class ChildRow:
    child: Child
    age: int
    legal_status: str
    placement_type: str
    period_of_care_start: date | None
    iro: User | None
    has_protection_plan: bool


def listing_rows(children: Iterable[Child], on: date) -> list[ChildRow]:
    rows = []
    for child in children:
        episodes = list(child.episodes.all())
        current = episode_on(episodes, on)
        period = period_of_care_on(episodes, on)
        rows.append(
            ChildRow(
                child=child,
                age=age_on(child.date_of_birth, on),
                legal_status=current.get_legal_status_display() if current else "",
                placement_type=current.get_placement_type_display() if current else "",
                period_of_care_start=period.start_date if period else None,
                iro=current_iro(child),
                has_protection_plan=getattr(child, "has_protection_plan", False),
            )
        )
    return rows


def matching_search(children: QuerySet[Child], text: str) -> QuerySet[Child]:
    """Children whose names contain every word searched for, a word also matching a whole local
    child ID: the children list's and the caseload's search."""
    for term in text.split():
        children = children.filter(
            Q(given_name__icontains=term) | Q(family_name__icontains=term) | Q(local_child_id__iexact=term)
        )
    return children


def caseload_sizes(iros: Iterable[User], on: date) -> dict[int, dict[str, float]]:
    """Children allocated to each IRO today and those of them looked after, and each per full-time
    equivalent. `on` is today, so each IRO's fte is their staffing that day: staffing.services
    keeps User.fte the FTE of the period open today, which spares the IRO's own caseload page a
    query. One query."""
    # Asked allocation by allocation: an IRO's page counts a few dozen children, not the authority.
    looked_after_now = Q(Exists(episodes_open_on(on).filter(child=OuterRef("child"))))
    counts = {
        iro_id: (children, lac_children)
        for iro_id, children, lac_children in Allocation.objects.current(on)
        .filter(iro__in=iros)
        .values_list("iro_id")
        .annotate(
            children=Count("child_id", distinct=True),
            lac_children=Count("child_id", distinct=True, filter=looked_after_now),
        )
    }
    sizes = {}
    for iro in iros:
        children, lac_children = counts.get(iro.pk, (0, 0))
        sizes[iro.pk] = {
            "children": children,
            "per_fte": round(children / float(iro.fte), 1),
            "lac_children": lac_children,
            "lac_per_fte": round(lac_children / float(iro.fte), 1),
        }
    return sizes


def child_record(child: Child) -> dict[str, list[Any]]:
    """Everything the child page shows, in a handful of queries."""
    episodes = list(child.episodes.order_by("start_date"))
    return {
        "episodes": episodes,
        "periods_of_care": periods_of_care(episodes),
        "protection_plans": list(child.protection_plans.order_by("start_date")),
        "strategy_discussions": list(child.strategy_discussions.order_by("date")),
        "allocations": list(child.allocations.select_related("iro").order_by("-start_date")),
    }


# What the annual report counts about children in care and child protection plans (DESIGN.md
# section 4): more conditions on a Child (or ChildProtectionPlan) query, and the groups the
# published reports' tables use, in their order: (key, label, codes).


def episodes_open_between(start: date, end: date) -> QuerySet[CareEpisode]:
    """Care episodes open at any time from `start` to `end`, as the DfE counts "looked after
    during the year": started by `end` and not ceased before `start` (a child whose care ceased
    on the first day was looked after until then)."""
    return CareEpisode.objects.filter(open_between(start, end))


def open_between(start: date, end: date) -> Q:
    """Episodes open at any time from `start` to `end` (episodes_open_between), as a condition."""
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


def looked_after_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    return child_has_one_of(episodes_open_between(start, end), every_child)


# Children looked after as the DfE's published statistics count them (DESIGN.md section 4):
# episodes under a series of short breaks (V3/V4) are left out before anything is counted, so a
# child looked after only under short breaks is not looked after, and a child whose care moves
# from short breaks to another legal status starts to be looked after that day.


def dfe_episodes() -> QuerySet[CareEpisode]:
    """Care episodes the DfE counts: every one but those under a series of short breaks."""
    return CareEpisode.objects.exclude(legal_status__in=SHORT_BREAK_LEGAL_STATUSES)


def short_break_episodes() -> QuerySet[CareEpisode]:
    return CareEpisode.objects.filter(legal_status__in=SHORT_BREAK_LEGAL_STATUSES)


def dfe_looked_after(on: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    return child_has_one_of(dfe_episodes().filter(open_on(on)), every_child)


def dfe_looked_after_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    return child_has_one_of(dfe_episodes().filter(open_between(start, end)), every_child)


def dfe_started_care_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    """Children who started to be looked after in the period as the DfE counts it: an episode
    it counts began with no episode it counts ending that day."""
    continuing = dfe_episodes().filter(child=OuterRef("child"), end_date=OuterRef("start_date"))
    starts = dfe_episodes().filter(~Exists(continuing), start_date__gte=start, start_date__lte=end)
    return child_has_one_of(starts, every_child)


def dfe_care_ends_between(start: date, end: date) -> QuerySet[CareEpisode]:
    """The episodes whose end in the period is the end of being looked after as the DfE counts
    it: an episode it counts ended with no episode it counts starting that day."""
    continued = dfe_episodes().filter(child=OuterRef("child"), start_date=OuterRef("end_date"))
    return dfe_episodes().filter(~Exists(continued), end_date__gte=start, end_date__lte=end)


def dfe_ceased_care_between(start: date, end: date, every_child: bool = False) -> Exists | ExpressionWrapper:
    """Children who ceased to be looked after in the period as the DfE counts it."""
    return child_has_one_of(dfe_care_ends_between(start, end), every_child)


def only_short_breaks_on(on: date, every_child: bool = False) -> Q:
    """Looked after on `on` under a series of short breaks: the line of their own beside the DfE
    count (a child has at most one episode open on a day)."""
    return Q(child_has_one_of(short_break_episodes().filter(open_on(on)), every_child))


def only_short_breaks_between(start: date, end: date, every_child: bool = False) -> Q:
    """Looked after at some time in the period, but only under a series of short breaks."""
    during = short_break_episodes().filter(open_between(start, end))
    return Q(child_has_one_of(during, every_child)) & ~Q(dfe_looked_after_between(start, end, every_child))


AGE_BANDS = [
    ("under_1", "Under 1", 0, 1),
    ("1_to_4", "1 to 4", 1, 5),
    ("5_to_9", "5 to 9", 5, 10),
    ("10_to_15", "10 to 15", 10, 16),
    ("16_and_over", "16 and over", 16, None),
]
"""(key, label, from age, up to but not including age): the age bands of the annual report."""


def latest_birth_date_for_age(on: date, years: int) -> date:
    """The latest date of birth of a child aged `years` or more on `on` by age_on's rule, so
    that an age band is a plain date comparison in SQL. On 29 February this is 28 February of a
    year that has none (a child born on 29 February has their birthday on 1 March)."""
    year = on.year - years
    try:
        return on.replace(year=year)
    except ValueError:  # 29 February, `years` before, is not a date
        return date(year, 2, 28)


def aged_between(on: date, low: int, high: int | None = None) -> Q:
    """Children aged at least `low` and (when given) under `high` on `on`, as age_on counts."""
    condition = Q(date_of_birth__lte=latest_birth_date_for_age(on, low))
    if high is not None:
        condition &= Q(date_of_birth__gt=latest_birth_date_for_age(on, high))
    return condition


ETHNIC_GROUPS = [
    ("white", "White", ["WBRI", "WIRI", "WOTH", "WIRT", "WROM"]),
    ("mixed", "Mixed", ["MWBC", "MWBA", "MWAS", "MOTH"]),
    ("asian", "Asian or Asian British", ["AIND", "APKN", "ABAN", "AOTH"]),
    ("black", "Black or Black British", ["BCRB", "BAFR", "BOTH"]),
    ("other", "Other ethnic group", ["CHNE", "OOTH"]),
    ("not_stated", "Refused", ["REFU"]),
    ("not_obtained", "Information not yet obtained", ["NOBT"]),
]

PLACEMENT_GROUPS = [
    ("foster", "Foster placement", ["U1", "U2", "U3", "U4", "U5", "U6"]),
    ("adoption", "Placed for adoption", ["A3", "A4", "A5", "A6"]),
    ("parents", "Placed with parents", ["P1"]),
    ("independent_living", "Independent living", ["P2"]),
    ("supported_accommodation", "Semi-independent or supported accommodation", ["H5", "K3"]),
    ("residential_employment", "Residential employment", ["P3"]),
    ("secure_childrens_home", "Secure children's home", ["K1"]),
    ("childrens_home", "Children's home", ["K2"]),
    ("residential_care_home", "Residential care home", ["R1"]),
    ("health", "NHS or health trust", ["R2"]),
    ("family_centre", "Family centre or mother and baby unit", ["R3"]),
    ("youth_custody", "Young offender institution", ["R5"]),
    ("residential_school", "Residential school", ["S1"]),
    ("temporary", "Temporary placement", ["T0", "T1", "T2", "T3", "T4"]),
    ("other", "Other placement", ["Z1", "Z11", "Z12", "Z13", "Z14"]),
]
"""The rows of the published reports' table "Placement type (open CLA)"."""

PROVIDER_GROUPS: list[tuple[str, str, list[str]]] = [
    ("own", "Own local authority", [PlacementProvider.PR1]),
    ("private", "Private", [PlacementProvider.PR4]),
    (
        "other",
        "Other",
        [PlacementProvider.PR0, PlacementProvider.PR2, PlacementProvider.PR3, PlacementProvider.PR5, ""],
    ),
]
"""The columns of that table. "Other" takes a blank provider, which temporary and other
placements must have (SSDA903 rule 178)."""


def _group_of(field: str, groups: list[tuple[str, str, list[str]]]) -> Case:
    return Case(
        *[When(**{f"{field}__in": codes}, then=Value(key)) for key, _, codes in groups],
        default=Value(""),
        output_field=CharField(),
    )


EPISODE_GROUPS = {
    "placement_group": _group_of("placement_type", PLACEMENT_GROUPS),
    "provider_group": _group_of("placement_provider", PROVIDER_GROUPS),
}
"""An episode's placement group and provider group (PLACEMENT_GROUPS, PROVIDER_GROUPS), as
annotations on a CareEpisode query."""


def protection_plan_category_on(on: date, category: str) -> Exists:
    """Children whose plan open on `on` is, by its current category (the latest recorded by a
    review conference, else the initial one), about `category`."""
    current = Q(latest_category_of_abuse=category) | Q(latest_category_of_abuse="", initial_category_of_abuse=category)
    return Exists(_plan_open_on(on).filter(current))


REPEAT_PLAN_YEARS = 2
"""A plan is a repeat "within 2 years" when the child's earlier plan ended no more than 2 years
(24 calendar months, add_months) before it started."""


def _date_as_number(day: str | Combinable, years: int = 0) -> Combinable:
    """A date field or expression, `years` on, as the number YYYYMMDD (in SQL on any database)."""
    day = F(day) if isinstance(day, str) else day
    return (ExtractYear(day) + Value(years)) * Value(10000) + ExtractMonth(day) * Value(100) + ExtractDay(day)


def _two_years_on_as_number(day: str | Combinable) -> Combinable:
    """add_months(`day`, 24) as the number YYYYMMDD: the year plus 2, and 29 February (two
    years on is never a leap year) to 28 February."""
    day = F(day) if isinstance(day, str) else day
    leap_day = Case(
        When(Q(Exact(ExtractMonth(day), 2)) & Q(Exact(ExtractDay(day), 29)), then=Value(1)), default=Value(0)
    )
    return _date_as_number(day, years=REPEAT_PLAN_YEARS) - leap_day


def repeat_protection_plan(within_two_years: bool = False) -> Exists:
    """Plans of a child who had an earlier plan: one that started before this one (the DfE's
    "second or subsequent" plan); with `within_two_years`, one that ended on or before this
    one started and no more than 2 years before (this start on or before add_months(end, 24))."""
    earlier = ChildProtectionPlan.objects.filter(child=OuterRef("child"), start_date__lt=OuterRef("start_date"))
    if within_two_years:
        # Cast gives the outer date a type Extract can work on; an annotation on the outer plans
        # would not do (aggregate() leaves it out of the query the OuterRef points into).
        this_start = _date_as_number(Cast(OuterRef("start_date"), output_field=DateField()))
        earlier = earlier.filter(
            LessThanOrEqual(this_start, _two_years_on_as_number("end_date")),
            end_date__isnull=False,
            end_date__lte=OuterRef("start_date"),
        )
    return Exists(earlier)


def protection_plan_lasted_two_years() -> Q:
    """Ended plans open for 2 years or more by the day they ended: add_months(start, 24) on or
    before the end, as PLAN_LENGTHS' 2_years_or_more counts open plans."""
    return Q(end_date__isnull=False) & Q(
        LessThanOrEqual(_two_years_on_as_number("start_date"), _date_as_number("end_date"))
    )
