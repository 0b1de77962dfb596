"""Apply stage: an ImportPlan written in one transaction, with a fixed number of statements per
few thousand rows (COPY on PostgreSQL, executemany elsewhere, bulk_update), never one per row.
Check constraints still apply: a change made in the portal since the plan was made can make
the transaction fail (IntegrityError) and roll back whole."""

import csv
import io
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import islice
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone

from children.models import CareEpisode, Child
from children.placement_location import locate_many
from children.selectors import EPISODE_FIELDS, PLACEMENT_LOCATION_FIELDS
from reviews.models import Review, ReviewKind, ReviewStatus

from ..files import text_of
from ..models import ReturnSource, StoredReturn
from ..services import store_return
from .outcome_records import apply_outcomes
from .plan import CHILD_FIELDS, CHILD_INSERT_FIELDS, REVIEW_SCHEDULE_FIELDS, UASC_FIELDS, ImportPlan, chunks
from .read import Progress, report_progress

UPDATE_CHUNK = 500


def apply_plan(plan: ImportPlan, *, by: Any = None, progress: Progress = None) -> None:
    """Write `plan` in one transaction, and keep the files as the year's return unless the
    portal holds that return already. Progress is reported as "writing"."""
    total = plan.writes or 1
    written = 0

    def advance(count: int) -> None:
        nonlocal written
        written += count
        report_progress(progress, written, total, "writing")

    with transaction.atomic():
        _insert(Child, CHILD_INSERT_FIELDS, plan.new_children, on_batch=advance)
        for batch in _batches(plan.changed_children, UPDATE_CHUNK):
            Child.objects.bulk_update(batch, CHILD_FIELDS + UASC_FIELDS + ("version",))
            advance(len(batch))
        pks = dict(plan.child_pks)
        for chunk in chunks([c[0] for c in plan.new_children]):
            pks.update(Child.objects.filter(local_child_id__in=chunk).values_list("local_child_id", "pk"))
        replaced_pks = [plan.child_pks[local_id] for local_id in plan.replaced if local_id in plan.child_pks]
        for chunk in chunks(replaced_pks):
            CareEpisode.objects.filter(child_id__in=chunk).delete()
        locations = {
            pair: (location.placement_la, location.placement_location, location.placement_distance)
            for pair, location in locate_many(
                (record.home_postcode, record.placement_postcode)
                for local_id in plan.replaced
                for record in plan.final_episodes[local_id]
            ).items()
        }
        _insert(
            CareEpisode,
            ("child_id",) + EPISODE_FIELDS + PLACEMENT_LOCATION_FIELDS,
            (
                (pks[local_id],)
                + tuple(getattr(record, name) for name in EPISODE_FIELDS)
                + locations[record.home_postcode, record.placement_postcode]
                for local_id in plan.replaced
                for record in plan.final_episodes[local_id]
            ),
            on_batch=advance,
        )
        _insert(
            Review,
            ("child_id", "kind", "status", "held_on", "participation_code", "number", "cycle_start", "due_date"),
            (
                (pks[local_id], ReviewKind.LAC.value, ReviewStatus.HELD.value, day, code, number, cycle_start, due)
                for local_id, day, code, number, cycle_start, due in plan.new_reviews
            ),
            on_batch=advance,
        )
        for batch in _batches(plan.schedule_updates, UPDATE_CHUNK):
            Review.objects.bulk_update(batch, REVIEW_SCHEDULE_FIELDS)
            advance(len(batch))
        _insert(
            Review,
            ("child_id", "kind", "status", "due_date", "number", "cycle_start", "brought_forward_by_move"),
            (
                (pks[local_id], ReviewKind.LAC.value, ReviewStatus.DUE.value, due, number, cycle_start, move)
                for local_id, (due, number, cycle_start, move) in plan.schedule_creates
            ),
            on_batch=advance,
        )
        apply_outcomes(plan.outcomes, pks, plan.collection_year, insert=_insert, batches=_batches)
        advance(plan.outcomes.writes)
        _end_in_contact_plans([pks[local_id] for local_id in plan.care_ended])
        if plan.collection_year:
            returned = {table: text_of(data) for table, data in plan.files.items()}
            stored = StoredReturn.objects.filter(year=plan.collection_year).values_list("tables", flat=True).first()
            if stored != returned:  # the same return again is not stored again
                store_return(plan.collection_year, ReturnSource.IMPORTED, returned, by=by)


def _batches(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    on_batch: Callable[[int], None] | None = None,
    batch_size: int = 20000,
) -> None:
    """INSERT many rows without building model instances: `rows` yields tuples of values for
    `fields` (attnames); every other column gets the field's default (auto_now fields: now).
    PostgreSQL: COPY; other databases: executemany. Check constraints still apply."""
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    by_attname = {f.attname: f for f in opts.concrete_fields}
    given = [by_attname[name] for name in fields]
    now = timezone.now()
    rest = [f for f in opts.concrete_fields if not f.primary_key and f.attname not in fields]
    defaults = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in rest
    )
    columns = [cast(str, f.column) for f in given + rest]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    column_list = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
            fixed = [_copy_value(value) for value in defaults]
            copy = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            for batch in _batches(rows, batch_size):
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerows([*map(_copy_value, row), *fixed] for row in batch)
                buffer.seek(0)
                started = time.monotonic()
                cursor.cursor.copy_expert(copy, buffer)
                if connection.queries_logged:  # so query counts and debugging tools see it
                    connection.queries_log.append(
                        {"sql": f"{copy} -- {len(batch)} rows", "time": f"{time.monotonic() - started:.3f}"}
                    )
                if on_batch:
                    on_batch(len(batch))
        else:
            all_fields = given + rest
            sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"
            for batch in _batches(rows, min(batch_size, 5000)):
                cursor.executemany(
                    sql,
                    [
                        [field.get_db_prep_save(value, connection) for field, value in zip(all_fields, row + defaults)]
                        for row in batch
                    ],
                )
                if on_batch:
                    on_batch(len(batch))


def _copy_value(value: object) -> object:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _end_in_contact_plans(child_pks: list[int]) -> None:
    """Children whose new episodes show they have left care: an open In-Contact plan ends, as
    the children services end it after a change on the page. Rare, so per child (after one
    bulk query to find them)."""
    from oversight.models import InContactPlan
    from oversight.services import end_in_contact_plan_when_care_ends

    for chunk in chunks(child_pks):
        with_plans = set(
            InContactPlan.objects.filter(child_id__in=chunk, ended_on__isnull=True).values_list("child_id", flat=True)
        )
        for child in Child.objects.filter(pk__in=with_plans):
            end_in_contact_plan_when_care_ends(child)
