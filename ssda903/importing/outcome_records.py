"""Plan and apply for the six outcome tables: what each file covers and replaces in the portal,
never deleting what it does not cover.

- OC2 and OC3: a child's row is the child's record for the collection year (created, or
  updated when it differs); children without a row keep theirs.
- PrevPerm: a child's row is the child's one record, created or updated.
- AD1: a row is the child's adoption matched on its DATE_MATCH (created or updated); the
  child's adoptions with other matching dates are other adoptions and are kept.
- A row with every item blank (the DfE's AD1 row for a child not adopted in the year, say)
  records nothing, and leaves what the portal has.
- PlacedAdoption and Missing: for a child with rows, the file speaks for the collection year:
  the child's decisions (episodes) open at some point in it, and any starting the day one of
  the file's does, are replaced by the file's; earlier and later ones are kept. A row with no
  end, open on 31 March as the return says it, keeps the end (and reason) the portal has after
  31 March, as the return written from the portal leaves it blank.

Records the same as the file's are not rewritten; those updated have their version raised.
A fixed number of queries per few thousand children."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Model

from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from outcomes.years import collection_end, collection_start

from .outcome_tables import FIELDS, OUTCOME_TABLES, OutcomeRow, OutcomeTables

MODELS: dict[str, type[Model]] = {
    "oc2": HealthRecord,
    "oc3": CareLeaverRecord,
    "ad1": Adoption,
    "placed_adoption": AdoptionDecision,
    "prev_perm": PreviousPermanence,
    "missing": MissingEpisode,
}
KEYS = {"ad1": "matched_on", "placed_adoption": "decided_on", "missing": "start_date"}
"""The field telling apart a child's records of a table with several per child."""
ENDS = {"placed_adoption": ("ceased_on", "reason_ceased"), "missing": ("end_date",)}
"""The fields of a record open on 31 March that the return leaves blank when it ended after."""
YEARLY = ("oc2", "oc3")
COUNT_NAMES = {
    "oc2": "health_records",
    "oc3": "care_leaver_records",
    "ad1": "adoptions",
    "placed_adoption": "adoption_decisions",
    "prev_perm": "previous_permanences",
    "missing": "missing_episodes",
}
"""ImportResult's count of each table's records written (created or changed)."""
REMOVED_NAMES = {"placed_adoption": "adoption_decisions_removed", "missing": "missing_episodes_removed"}
"""ImportResult's count of the portal's records the file's replaced."""


@dataclass
class OutcomePlan:
    """What the outcome tables would write, by table: new records (CHILD, values of FIELDS),
    changed records (model instances with their version raised) and the pks of records replaced."""

    creates: dict[str, list[tuple[str, tuple]]] = field(default_factory=dict)
    updates: dict[str, list[Model]] = field(default_factory=dict)
    deletes: dict[str, list[int]] = field(default_factory=dict)
    children: set[str] = field(default_factory=set)  # CHILD ids with a record written or replaced

    def counts(self) -> dict[str, int]:
        counts = {
            COUNT_NAMES[table]: len(self.creates.get(table, [])) + len(self.updates.get(table, []))
            for table in OUTCOME_TABLES
        }
        counts.update({name: len(self.deletes.get(table, [])) for table, name in REMOVED_NAMES.items()})
        return counts

    @property
    def writes(self) -> int:
        return sum(self.counts().values())


def plan_outcomes(tables: OutcomeTables, child_pks: dict[str, int], year: int | None, chunks: Any) -> OutcomePlan:
    """Compare the file's outcome rows with the portal's records of the same children (read in
    chunks of pks with `chunks`) for the collection year `year`."""
    plan = OutcomePlan()
    for table in OUTCOME_TABLES:
        by_child = tables.of(table)
        if not by_child:
            continue
        assert year is not None  # a file with outcome rows has a collection year
        stored: dict[int, list[Any]] = {}
        known = [child_pks[local_id] for local_id in by_child if local_id in child_pks]
        model = MODELS[table]
        record: Any
        for chunk in chunks(known):
            records = model._default_manager.filter(child_id__in=chunk)
            if table in YEARLY:
                records = records.filter(year=year)
            for record in records.only("pk", "child_id", "version", *FIELDS[table]):
                stored.setdefault(record.child_id, []).append(record)
        for local_id, rows in by_child.items():
            have = stored.get(child_pks[local_id], []) if local_id in child_pks else []
            _plan_child(plan, table, local_id, rows, have, year)
    return plan


def _plan_child(
    plan: OutcomePlan, table: str, local_id: str, rows: list[OutcomeRow], have: list[Any], year: int
) -> None:
    names = FIELDS[table]
    key = KEYS.get(table)
    rows = [row for row in rows if any(value not in (None, "") for value in row.record)]
    if key is None:  # one record per child (and year)
        wanted = {None: rows[0].record} if rows else {}
        have_by_key: dict[Any, Model] = {None: have[0]} if have else {}
    else:
        wanted = {row.field(key): row.record for row in rows}
        have_by_key = {getattr(record, key): record for record in have}
    if table in ENDS:
        start, end = collection_start(year), collection_end(year)
        end_fields = ENDS[table]
        first_end = names.index(end_fields[0])
        for day, values in list(wanted.items()):
            record = have_by_key.get(day)
            ended = getattr(record, end_fields[0]) if record is not None else None
            if values[first_end] is None and ended is not None and ended > end:
                kept = list(values)
                for name in end_fields:
                    kept[names.index(name)] = getattr(record, name)
                wanted[day] = tuple(kept)
        covered = [
            record
            for day, record in have_by_key.items()
            if day in wanted
            or (day <= end and (getattr(record, end_fields[0]) is None or getattr(record, end_fields[0]) >= start))
        ]
        replaced = [record.pk for record in covered if getattr(record, key) not in wanted]  # type: ignore[arg-type]
        if replaced:
            plan.deletes.setdefault(table, []).extend(replaced)
            plan.children.add(local_id)
    for day, values in wanted.items():
        record = have_by_key.get(day)
        if record is None:
            plan.creates.setdefault(table, []).append((local_id, values))
            plan.children.add(local_id)
        elif tuple(getattr(record, name) for name in names) != values:
            for name, value in zip(names, values, strict=True):
                setattr(record, name, value)
            record.version = F("version") + 1  # type: ignore[attr-defined]
            plan.updates.setdefault(table, []).append(record)
            plan.children.add(local_id)


def apply_outcomes(plan: OutcomePlan, pks: dict[str, int], year: int | None, *, insert: Any, batches: Any) -> None:
    """Write `plan` (inside the import's transaction): replaced records deleted first, then the
    changed ones updated and the new ones inserted in bulk (`insert` and `batches` of apply)."""
    for table, deleted in plan.deletes.items():
        for batch in batches(deleted, 2000):
            MODELS[table]._default_manager.filter(pk__in=batch).delete()
    for table, changed in plan.updates.items():
        for batch in batches(changed, 500):
            MODELS[table]._default_manager.bulk_update(batch, [*FIELDS[table], "version"])
    for table, created in plan.creates.items():
        yearly = table in YEARLY
        insert(
            MODELS[table],
            ("child_id", *(("year",) if yearly else ()), *FIELDS[table]),
            ((pks[local_id], *((year,) if yearly else ()), *values) for local_id, values in created),
        )
