"""Plan stage: a checked return compared with the portal's records (read in bulk, a fixed number
of queries per few thousand children), giving what an import would create, update and end as a
plain ImportPlan. Nothing is written here; the one problem only the portal's records can show
(the file's last episode cannot be followed by the care the portal has after the year) is a
RowError on the plan."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from children.codes import SHORT_BREAK_LEGAL_STATUSES
from children.models import CareEpisode, Child
from children.placement_rules import dfe_birthday
from children.selectors import EPISODE_FIELDS, follow_on_breaks
from reviews.cycles import current_lac_cycle, cycle_on, lac_cycles, next_lac_review
from reviews.models import OUTSTANDING_STATUSES, Review, ReviewKind, ReviewStatus

from ..exporter import mother_cells, uasc_duc, unknown_upn
from ..files import format_date, read_csv
from ..models import StoredReturn
from ..rules import collection_end
from . import RowError
from .check import CheckedReturn, EpisodeRow, HeaderRow, UascRow
from .outcome_records import OutcomePlan, plan_outcomes
from .read import Progress, report_progress

CHUNK = 2000
NEW_CHILD_GIVEN_NAME = "Child"


class StoredEpisode(NamedTuple):
    """A care episode as the portal holds it (the fields of children.selectors.EPISODE_FIELDS)."""

    start_date: date
    reason_for_new_episode: str
    legal_status: str
    category_of_need: str
    placement_type: str
    placement_provider: str
    end_date: date | None
    reason_episode_ceased: str
    reason_for_placement_change: str
    home_postcode: str
    placement_postcode: str
    provider_urn: str


Episode = EpisodeRow | StoredEpisode
REVIEW_SCHEDULE_FIELDS = (
    "status",
    "cancelled_reason",
    "due_date",
    "number",
    "cycle_start",
    "brought_forward_by_move",
    "protection_plan",
    "version",
    "updated_at",
)
CHILD_INSERT_FIELDS = (
    "local_child_id",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "upn",
    "is_uasc",
    "uasc_ceased_on",
    "lac_reviews_recorded_from",
    "is_mother",
    "first_child_date_of_birth",
)
CHILD_FIELDS = (
    "sex",
    "date_of_birth",
    "ethnicity",
    "upn",
    "lac_reviews_recorded_from",
    "is_mother",
    "first_child_date_of_birth",
)
UASC_FIELDS = ("is_uasc", "uasc_ceased_on")
# The next LAC review a child should have: (due date, number, cycle start, the move that brought it forward).
NextReview = tuple[date, int, date, date | None]


@dataclass
class ImportPlan:
    """What importing a checked return would do, by CHILD id (upper case), and its counts."""

    collection_year: int | None = None
    files: dict[str, Any] = field(default_factory=dict)  # table -> the file as given, kept as the year's return
    child_pks: dict[str, int] = field(default_factory=dict)  # the file's children the portal has
    new_children: list[tuple] = field(default_factory=list)  # values of CHILD_INSERT_FIELDS
    changed_children: list[Child] = field(default_factory=list)  # CHILD_FIELDS + UASC_FIELDS, version raised
    replaced: list[str] = field(default_factory=list)  # children whose episodes are rewritten
    final_episodes: dict[str, Sequence[Episode]] = field(default_factory=dict)  # each child's episodes afterwards
    new_reviews: list[tuple] = field(default_factory=list)  # (child, held_on, code, number, cycle_start, due_date)
    schedule_updates: list[Review] = field(default_factory=list)  # outstanding LAC reviews moved or cancelled
    schedule_creates: list[tuple[str, NextReview]] = field(default_factory=list)
    care_ended: list[str] = field(default_factory=list)  # replaced children no longer looked after
    children_in_file: int = 0
    episodes_added: int = 0
    episodes_removed: int = 0
    # (CHILD, episodes added, the portal's episodes replaced, the portal's kept) for each child
    # whose episodes in the portal the file replaces.
    children_episodes_replaced: list[tuple[str, int, int, int]] = field(default_factory=list)
    next_reviews_estimated: list[str] = field(default_factory=list)
    outcomes: OutcomePlan = field(default_factory=OutcomePlan)
    errors: list[RowError] = field(default_factory=list)

    @property
    def episodes(self) -> int:
        return sum(len(self.final_episodes[local_id]) for local_id in self.replaced)

    @property
    def next_reviews_scheduled(self) -> int:
        return len(self.schedule_updates) + len(self.schedule_creates)

    @property
    def unchanged_children(self) -> int:
        pks = {pk: local_id for local_id, pk in self.child_pks.items()}
        touched = {c[0] for c in self.new_children} | {pks[c.pk] for c in self.changed_children}
        touched |= set(self.replaced) | {review[0] for review in self.new_reviews}
        touched |= self.outcomes.children
        return self.children_in_file - len(touched)

    @property
    def writes(self) -> int:
        """Rows to write, for the progress bar."""
        return (
            len(self.new_children)
            + len(self.changed_children)
            + self.episodes
            + len(self.new_reviews)
            + self.next_reviews_scheduled
            + self.outcomes.writes
        )


@dataclass
class Portal:
    """The portal's records of the file's children, read in bulk."""

    children: dict[str, tuple] = field(default_factory=dict)  # CHILD -> (pk, local id, CHILD_FIELDS, UASC_FIELDS)
    episodes: defaultdict[int, list[StoredEpisode]] = field(default_factory=lambda: defaultdict(list))
    held: defaultdict[int, set] = field(default_factory=lambda: defaultdict(set))
    outstanding: dict[int, Review] = field(default_factory=dict)  # each child's outstanding LAC review


def read_portal(local_ids: Iterable[str]) -> Portal:
    """The portal's children (every one, to match CHILD ignoring case), and the episodes, held
    LAC reviews and outstanding LAC review of those among `local_ids`."""
    portal = Portal()
    for child_id, local_id, *header_values, is_uasc, ceased in Child.objects.values_list(
        "pk",
        "local_child_id",
        *CHILD_FIELDS,
        "is_uasc",
        "uasc_ceased_on",
    ).iterator(chunk_size=CHUNK):
        portal.children[local_id.upper()] = (child_id, local_id, tuple(header_values), (is_uasc, ceased))
    known_pks = [portal.children[local_id][0] for local_id in local_ids if local_id in portal.children]
    for chunk in chunks(known_pks):
        for child_pk, *values in (
            CareEpisode.objects.filter(child_id__in=chunk)
            .order_by("child_id", "start_date")
            .values_list("child_id", *EPISODE_FIELDS)
        ):
            portal.episodes[child_pk].append(StoredEpisode(*values))
        for child_pk, held_on in Review.objects.filter(
            child_id__in=chunk, kind=ReviewKind.LAC, status=ReviewStatus.HELD
        ).values_list("child_id", "held_on"):
            portal.held[child_pk].add(held_on)
        for review in Review.objects.filter(
            child_id__in=chunk, kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES
        ).only(*REVIEW_SCHEDULE_FIELDS, "child_id"):
            portal.outstanding[review.child_id] = review
    return portal


def plan_import(checked: CheckedReturn, *, today: date, progress: Progress = None) -> ImportPlan:
    """What importing `checked` would change in the portal as it is now (see ssda903.importer).
    When `plan.errors` is not empty, only the episode counts are filled in: nothing may be
    imported."""
    report_progress(progress, 0, 1, "comparing with the portal")
    header = checked.header
    year_start = checked.year_start
    collection_year = year_start.year + 1 if year_start is not None else None
    plan = ImportPlan(collection_year=collection_year, files=checked.files, children_in_file=len(header))
    portal = read_portal(header)
    plan.child_pks = {local_id: portal.children[local_id][0] for local_id in header if local_id in portal.children}
    in_later_returns = _children_in_later_returns(collection_year) if collection_year and plan.child_pks else set()
    recorded_from = _plan_children(plan, checked, portal, in_later_returns)
    _plan_episodes(plan, checked, portal, in_later_returns)
    if plan.errors:
        return plan
    next_due = _plan_reviews(plan, checked, portal, recorded_from, today)
    _plan_next_reviews(plan, portal, next_due)
    plan.outcomes = plan_outcomes(checked.outcomes, plan.child_pks, collection_year, chunks)
    plan.care_ended = [local_id for local_id in plan.replaced if next_due.get(local_id) is None]
    report_progress(progress, 1, 1, "comparing with the portal")
    return plan


def _plan_children(
    plan: ImportPlan, checked: CheckedReturn, portal: Portal, in_later_returns: set[str]
) -> dict[str, date | None]:
    """The children to create and those whose details change; returns each child's
    lac_reviews_recorded_from after the import."""
    year_start, collection_year = checked.year_start, plan.collection_year
    year_end = collection_end(collection_year) if collection_year else None
    recorded_from = {}
    for local_id, record in checked.header.items():
        records = checked.episodes_by_child.get(local_id)
        if local_id not in portal.children:
            recorded_from[local_id] = _recorded_from(records, None, year_start)
            is_uasc, duc = _uasc_from_row(checked.uasc.get(local_id), record.dob)
            plan.new_children.append(
                (
                    local_id,
                    NEW_CHILD_GIVEN_NAME,
                    local_id,
                    record.sex,
                    record.dob,
                    record.ethnicity,
                    record.upn,
                    is_uasc,
                    duc,
                    recorded_from[local_id],
                    record.is_mother,
                    record.first_child_born,
                )
            )  # CHILD_INSERT_FIELDS
            continue
        pk, _, have, have_uasc = portal.children[local_id]
        stored = portal.episodes.get(pk)
        recorded_from[local_id] = _recorded_from(records, have[4], year_start, stored[0].start_date if stored else None)
        if local_id in in_later_returns:  # a later return's details stand
            wanted, wanted_uasc = have[:4] + (recorded_from[local_id],) + have[5:], have_uasc
        else:
            wanted = _details_wanted(record, records, have, recorded_from[local_id], collection_year, year_end)
            wanted_uasc = (
                _uasc_wanted(checked.uasc.get(local_id), have_uasc, collection_year, record.dob)
                if checked.has_uasc_file and records
                else have_uasc  # a care leaver not looked after in the year has no UASC row (rule 1014)
            )
        if wanted != have or wanted_uasc != have_uasc:
            plan.changed_children.append(
                Child(
                    pk=pk,
                    **dict(zip(CHILD_FIELDS, wanted)),
                    is_uasc=wanted_uasc[0],
                    uasc_ceased_on=wanted_uasc[1],
                    version=F("version") + 1,
                )
            )
    return recorded_from


def _plan_episodes(plan: ImportPlan, checked: CheckedReturn, portal: Portal, in_later_returns: set[str]) -> None:
    """Each child's episodes after the import, and which children's change."""
    year_end = collection_end(plan.collection_year) if plan.collection_year else None
    for local_id in checked.header:
        pk = plan.child_pks.get(local_id)
        records = checked.episodes_by_child.get(local_id)
        if records is None:
            plan.final_episodes[local_id] = portal.episodes.get(pk, []) if pk is not None else []
            continue
        assert year_end is not None  # a file with episodes has a collection year
        records = sorted(records, key=lambda e: e.start_date)
        stored = portal.episodes.get(pk, []) if pk is not None else []
        final, following = _episodes_after_import(
            stored, records, year_end, in_later_return=local_id in in_later_returns
        )
        plan.final_episodes[local_id] = final
        stored_keys, final_keys = [_episode_key(e) for e in stored], [_episode_key(e) for e in final]
        if pk is not None and stored_keys == final_keys:
            continue
        plan.replaced.append(local_id)
        if following is not None and follow_on_breaks(final[final.index(following) - 1], following):
            last = records[-1]
            plan.errors.append(
                RowError(
                    last.file,
                    last.row,
                    local_id,
                    "DEC",
                    format_date(last.end_date),
                    _conflict_message(last, following, year_end),
                )
            )
        same = sum((Counter(stored_keys) & Counter(final_keys)).values())
        added, removed = len(final_keys) - same, len(stored_keys) - same
        plan.episodes_added += added
        plan.episodes_removed += removed
        if removed:
            plan.children_episodes_replaced.append((local_id, added, removed, len(stored_keys) - removed))


def _plan_reviews(
    plan: ImportPlan,
    checked: CheckedReturn,
    portal: Portal,
    recorded_from: dict[str, date | None],
    today: date,
) -> dict[str, NextReview | None]:
    """The held reviews to add, numbered in their cycles; returns the next LAC review each child
    should have (None: not looked after)."""
    moves_on = settings.UNPLANNED_MOVE_TRIGGERS_REVIEW
    next_due: dict[str, NextReview | None] = {}
    for local_id in checked.header:
        pk = plan.child_pks.get(local_id)
        episodes = plan.final_episodes[local_id]
        held_here = portal.held.get(pk, set()) if pk is not None else set()
        to_add = {
            day: record for day, record in checked.reviews_by_child.get(local_id, {}).items() if day not in held_here
        }
        all_held = sorted(held_here | set(to_add))
        cycles = lac_cycles(episodes) if (to_add and episodes) else []
        if to_add:
            by_cycle = defaultdict(list)
            for day in all_held:
                cycle = cycle_on(cycles, day)
                if cycle is not None:
                    by_cycle[id(cycle)].append(day)
            for cycle in cycles:
                held_in_cycle = by_cycle.get(id(cycle), [])
                held_in_cycle = cycle.reviews_assumed(recorded_from[local_id], held_in_cycle) + held_in_cycle
                for number, day in enumerate(held_in_cycle, start=1):
                    if day not in to_add:
                        continue
                    due = next_lac_review(cycle, held_in_cycle[: number - 1], count_moves=moves_on, moves_before=day)
                    plan.new_reviews.append((local_id, day, to_add[day].code, due.number, cycle.start, due.due_date))
        cycle = current_lac_cycle(episodes, on=today) if episodes else None
        if cycle is None:
            next_due[local_id] = None
            continue
        held = [day for day in all_held if day >= cycle.start]
        assumed = cycle.reviews_assumed(recorded_from[local_id], held)
        if assumed and len(held) < 2:
            plan.next_reviews_estimated.append(local_id)
        due = next_lac_review(cycle, assumed + held, count_moves=moves_on)
        next_due[local_id] = (due.due_date, due.number, cycle.start, due.brought_forward_by_move)
    return next_due


def _plan_next_reviews(plan: ImportPlan, portal: Portal, next_due: dict[str, NextReview | None]) -> None:
    """Each child's outstanding LAC review brought in line with `next_due`: created, moved or
    cancelled (the same result as reviews.services.schedule_lac_review, for all at once)."""
    now = timezone.now()
    for local_id, wanted in next_due.items():
        pk = plan.child_pks.get(local_id)
        review = portal.outstanding.get(pk) if pk else None
        if wanted is None:
            if review is not None:
                review.status = ReviewStatus.CANCELLED
                review.cancelled_reason = "The child ceased to be looked after."
                review.version += 1
                review.updated_at = now
                plan.schedule_updates.append(review)
            continue
        due, number, cycle_start, move = wanted
        if review is None:
            plan.schedule_creates.append((local_id, wanted))
        elif (
            review.due_date,
            review.number,
            review.cycle_start,
            review.brought_forward_by_move,
            review.protection_plan_id,
        ) != (due, number, cycle_start, move, None):
            review.due_date, review.number, review.cycle_start = due, number, cycle_start
            review.brought_forward_by_move, review.protection_plan_id = move, None
            review.version += 1
            review.updated_at = now
            plan.schedule_updates.append(review)


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _recorded_from(
    records: Sequence[EpisodeRow] | None,
    stored: date | None,
    year_start: date | None,
    portal_care_from: date | None = None,
) -> date | None:
    """Child.lac_reviews_recorded_from after importing a return of the collection year from
    `year_start`: it has the year's reviews, but none for a series of short breaks (rule 399),
    so the portal holds the child's reviews from the earliest return's year on, or, while the
    child is on short breaks, from the end of the latest. A child whose care the portal itself
    recorded (no date yet, and episodes in the portal from no later than the file's first:
    `portal_care_from`) keeps no date: the portal holds all its reviews."""
    if not records or year_start is None:
        return stored
    if stored is None and portal_care_from is not None and portal_care_from <= min(e.start_date for e in records):
        return None
    if lac_cycles(records)[-1].short_breaks:
        end = date(year_start.year + 1, year_start.month, year_start.day)
        return end if stored is None else max(stored, end)
    return year_start if stored is None else min(stored, year_start)


def _episode_key(episode: Episode) -> tuple:
    return tuple(getattr(episode, name) for name in EPISODE_FIELDS)


def _episodes_after_import(
    stored: Sequence[StoredEpisode], records: list[EpisodeRow], year_end: date, *, in_later_return: bool = False
) -> tuple[list[Episode], Episode | None]:
    """A child's episodes once the file's `records` replace what they cover of `stored` (the
    portal's, by start date), for a return whose collection year ends on `year_end`; see the
    docstring of ssda903.importer. `in_later_return`: the child is in a later year's return the portal
    holds. Returns (episodes, following): `following` is the first episode kept after the
    year, or None."""
    first = records[0].start_date
    before = [e for e in stored if e.end_date is not None and e.end_date <= first]
    after = [e for e in stored if e.start_date > year_end]
    last: Episode = records[-1]
    if last.end_date is None:  # open on 31 March, not necessarily still open
        spanning = next(
            (e for e in stored if e.start_date <= year_end and (e.end_date is None or e.end_date > year_end)), None
        )
        if in_later_return and spanning is not None and spanning.start_date == last.start_date:
            last = spanning  # the later return's account of the episode stands
        elif spanning is not None and spanning.end_date is not None:
            last = last._replace(
                end_date=spanning.end_date,
                reason_episode_ceased=spanning.reason_episode_ceased,
                reason_for_placement_change=spanning.reason_for_placement_change,
            )
    return before + records[:-1] + [last] + after, (after[0] if after else None)


def _conflict_message(last: EpisodeRow, following: Episode, year_end: date) -> str:
    if last.end_date is None:
        said = f"This episode has no DEC: the return has the child looked after on {format_date(year_end)}"
    else:
        said = (
            f"The return has the child's care ending on {format_date(last.end_date)} (REC {last.reason_episode_ceased})"
        )
    return (
        f"{said}, but the portal has the child's next episode starting on {format_date(following.start_date)} with RNE "
        f"{following.reason_for_new_episode}, which cannot follow it. A return does not change the care after "
        "its year: correct the child's episodes in the portal or the file, then import again."
    )


def _details_wanted(
    record: HeaderRow,
    records: Sequence[EpisodeRow] | None,
    have: tuple,
    recorded_from: date | None,
    year: int | None,
    year_end: date | None,
) -> tuple:
    """CHILD_FIELDS from the Header row, except where the return, written from the portal, would
    say what the file says: the portal may know more than the year showed (a UPN not recorded is
    written as its unknown code, a first child born after the year as MOTHER 0, MOTHER is blank
    for short breaks only and for a care leaver with no episodes in the year)."""
    sex, dob, ethnicity, upn, _, is_mother, born = have
    if year is None or not (upn == "" and record.upn == unknown_upn(dob, year)):
        upn = record.upn
    if records and year is not None:
        last = max(records, key=lambda e: e.start_date)
        portal_cells = mother_cells(
            is_mother,
            born,
            looked_after_until=last.end_date or year_end,
            short_breaks_only=all(e.legal_status in SHORT_BREAK_LEGAL_STATUSES for e in records),
        )
    elif year is not None:
        portal_cells = ("", "")  # a care leaver not looked after in the year (rule 628)
    else:
        portal_cells = None
    if portal_cells != mother_cells(
        record.is_mother, record.first_child_born, short_breaks_only=False, looked_after_until=date.max
    ):
        is_mother, born = record.is_mother, record.first_child_born
    return (record.sex, record.dob, record.ethnicity, upn, recorded_from, is_mother, born)


def _uasc_from_row(row: UascRow | None, date_of_birth: date | None) -> tuple:
    """(is_uasc, uasc_ceased_on) a UASC row says (None: the child has no row). A DUC on the 18th
    birthday, written for a child still UASC (ssda903.exporter.uasc_duc), is not a day the status
    ceased early: it ends then anyway."""
    if row is None:
        return (False, None)
    on_eighteenth = date_of_birth is not None and row.duc == dfe_birthday(date_of_birth, 18)
    return (True, None if on_eighteenth else row.duc)


def _uasc_wanted(row: UascRow | None, have: tuple, year: int | None, date_of_birth: date | None) -> tuple:
    """(is_uasc, uasc_ceased_on) from the child's UASC row, unless the portal's would be written as
    the same row."""
    if (
        year is not None
        and date_of_birth is not None
        and uasc_duc(have[0], have[1], date_of_birth, year) == (None if row is None else format_date(row.duc))
    ):
        return have
    return _uasc_from_row(row, date_of_birth)


def _children_in_later_returns(collection_year: int) -> set[str]:
    """CHILD ids (upper case) in the Headers of the returns the portal holds for later years."""
    later: set[str] = set()
    for tables in StoredReturn.objects.filter(year__gt=collection_year).values_list("tables", flat=True):
        if tables.get("header"):
            later.update(values.get("CHILD", "") for _, values in read_csv(tables["header"])[1])
    return later
