"""The whole authority's figures, kept up to date as records change, so that the first view
after a write is as quick as any other.

The figures of a kind (the dashboard, a year of the annual report, a year's outcomes) are
worked out from counts (reporting.tallies), and the counts are kept by shard of children:
MaintainedFigures holds their sums, MaintainedShard each shard's part. A write notes the
shards and tables it touched in the same transaction (ChangedShard, by database triggers).
Whoever asks for the figures next counts those shards again in the tallies reading those
tables, takes their old counts out of the sums and puts the new ones in (a fold), then works
the figures out from the sums: what the page shows is never older than the last committed write.

The IROs' hours beside their caseloads are not counts of children: they are read again after
any write, and the figures worked out again if they changed (WorkedOut). A change that can move
every child's figures (the working-day calendar), a new day ('overdue now' moves) or a new
release (the rules may have changed) counts everything again; `check` compares the kept
counts with a full recount."""

import hashlib
import json
import logging
import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import BooleanField, Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import tallies
from .figure_encoding import decode, encode
from .models import EVERY_SHARD, ChangedShard, DataVersion, MaintainedFigures, MaintainedShard
from .periods import Period

logger = logging.getLogger(__name__)

KEPT_WITHOUT_READING = timedelta(hours=1)
"""Figures nobody asked for in this long stop being kept (they are counted afresh if asked
again), so that changes folded by nobody do not pile up."""

KEPT_IN_THIS_PROCESS = 32
"""Figures whose compiled tallies and last worked-out figures a process keeps (a few kinds and
periods are read on any one day); the least recently used make way."""

NOTED_AS_READ = timedelta(minutes=10)
"""How often a read of unchanged figures writes down that they are still read."""


@dataclass(frozen=True)
class Folded:
    figures_id: int
    names: list[str]
    totals_json: str
    folded_at: datetime
    """When the last change was counted in: nothing has changed since."""
    data_version: int
    """The data version when the counts were read: it moves with anything the figures read
    beside them (the IROs' hours)."""

    @cached_property
    def totals(self) -> list[tallies.Counts]:
        return decode(json.loads(self.totals_json))


@dataclass(frozen=True)
class ReadBeside:
    """A query the figures' working-out ran beside their counts (the IROs' hours)."""

    alias: str
    sql: str
    params: Any


def _what_is_read(queries: tuple[ReadBeside, ...]) -> bytes:
    """A digest of the rows the queries read now."""
    digest = hashlib.blake2b(digest_size=16)
    for query in queries:
        with connections[query.alias].cursor() as cursor:
            cursor.execute(query.sql, query.params)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.digest()


@dataclass(frozen=True)
class WorkedOut:
    """Figures worked out from kept counts, in this process (pickled, so that each caller gets
    its own copy). Not used inside a transaction, whose changes may yet be rolled back."""

    figures_id: int
    counts: bytes
    """A digest of the counts they were worked out from."""
    since: tuple[datetime, int] | None
    """For figures that read records beside their counts (the IROs' hours beside the
    caseloads): when the counts last changed and the data version, which moves with any write;
    None for figures that read nothing else."""
    beside: tuple[ReadBeside, ...]
    beside_read: bytes | None
    """What those queries read (_what_is_read) just before the figures were worked out; None
    when not known. After a write, figures whose counts and queries beside read the same are
    still right: a write that changed neither does not make them be worked out again."""
    figures: bytes

    def still_right(self, folded: Folded, counts: bytes) -> bool:
        """Whether these are the figures the folded counts give with nothing written since.
        When the counts last changed tells them apart even in a database restored from a
        backup, whose version numbers run again from where the backup left them."""
        return self.same_counts(folded, counts) and self.since in (None, (folded.folded_at, folded.data_version))

    def same_counts(self, folded: Folded, counts: bytes) -> bool:
        return self.figures_id == folded.figures_id and self.counts == counts


class KeptInThisProcess(OrderedDict):
    """At most KEPT_IN_THIS_PROCESS entries, the least recently used dropped first: figures
    read often keep their entries however many others are read now and then."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def keep(self, key: Any, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        while len(self) > KEPT_IN_THIS_PROCESS:
            self.popitem(last=False)
        return value


_worked_out: KeptInThisProcess = KeptInThisProcess()


@contextmanager
def _queries_run() -> Iterator[list[ReadBeside]]:
    """The queries run inside, on any database (a read replica's too)."""
    run: list[ReadBeside] = []

    def noting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        run.append(ReadBeside(context["connection"].alias, sql, params))
        return execute(sql, params, many, context)

    with ExitStack() as wrapped:
        for each in connections.all():
            wrapped.enter_context(each.execute_wrapper(noting))
        yield run


def figures(kind: str, period: Period, on: date, count: Callable[[], dict]) -> tuple[dict, datetime] | None:
    """What `count` (the selectors, for the whole authority) works out, from the maintained
    counts brought up to date; and when the last change was counted in. None inside a
    transaction that has changed records on PostgreSQL: its changes are noted as it commits,
    so it counts its own figures live."""
    key = (kind, period.start, period.end, on)
    for _ in range(2):
        folded = fold(kind, period, on, count)
        if folded is None:
            return None
        counts = hashlib.blake2b(folded.totals_json.encode(), digest_size=16).digest()
        remembered = _worked_out.get(key) if not connection.in_atomic_block else None
        read_before = None
        if remembered is not None:
            if remembered.still_right(folded, counts):
                return pickle.loads(remembered.figures), folded.folded_at
            if remembered.beside and remembered.figures_id == folded.figures_id:
                read_before = _what_is_read(remembered.beside)
                if remembered.same_counts(folded, counts) and read_before == remembered.beside_read:
                    _worked_out.keep(key, replace(remembered, since=(folded.folded_at, folded.data_version)))
                    return pickle.loads(remembered.figures), folded.folded_at
        try:
            with tallies.replaying(folded.names, folded.totals), _queries_run() as read_beside:
                worked_out = count()
        except tallies.TalliesChanged:
            MaintainedFigures.objects.filter(
                kind=kind, period_start=period.start, period_end=period.end, as_of=on
            ).delete()
            continue
        if not connection.in_atomic_block:
            # Figures that read nothing beside their counts hold while the counts do, a write that
            # changed none of them included; the rest while what they read beside reads the same.
            beside = tuple(read_beside)
            since = (folded.folded_at, folded.data_version) if beside else None
            known = read_before if remembered is not None and remembered.beside == beside else None
            _worked_out.keep(key, WorkedOut(folded.figures_id, counts, since, beside, known, pickle.dumps(worked_out)))
        return worked_out, folded.folded_at
    raise RuntimeError(f"The {kind} figures ask for other tallies each time they are counted")


def fold(kind: str, period: Period, on: date, count: Callable[[], dict]) -> Folded | None:
    """Bring the counts of these figures up to date, counting them in full if none are kept.
    Read in one query while no change waits to be folded (a change not yet committed is not
    one the figures should show)."""
    key = {"kind": kind, "period_start": period.start, "period_end": period.end, "as_of": on}
    now = timezone.now()
    waiting = ChangedShard.objects.filter(Q(version__isnull=True) | Q(version__gt=OuterRef("folded_version")))
    seen = (
        MaintainedFigures.objects.filter(**key)
        .annotate(
            changes_waiting=Exists(waiting),
            changed_here=_changed_in_this_transaction(),
            data_version=Coalesce(Subquery(DataVersion.objects.filter(pk=1).values("number")), 0),
        )
        .first()
    )
    if seen.changed_here if seen else _has_changed_in_this_transaction():
        return None
    kept: MaintainedFigures | None = seen
    data_version = seen.data_version if seen else None
    if seen is None or seen.changes_waiting or seen.read_at < now - NOTED_AS_READ:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(key)])
            version = data_version = _stamp_changes()
            kept = MaintainedFigures.objects.filter(**key).first()
            if kept is None:
                kept = _build(key, version, count, now)
            else:
                kept = _fold_changes(kept, version, count, now)
            _forget_unread(on, now)
    assert kept is not None and data_version is not None
    return Folded(kept.pk, json.loads(kept.names), kept.totals, kept.folded_at, data_version)


def check(kind: str, period: Period, on: date, count: Callable[[], dict]) -> list[int] | None:
    """Count kept figures afresh and compare them, shard by shard, with their maintained counts
    brought up to date: a write that slipped past the triggers (one made with them turned off,
    some tables restored from a backup) would leave them wrong until the next day. Any that
    differ are counted again in full, and the log says so. The shards that differed (every
    shard, EVERY_SHARD, when the tallies themselves did), [] when none did, None when these
    figures are not kept. A shard changed while it was being counted is left to its next fold.
    The figures' lock is held throughout (a reader bringing them up to date waits): run it at a
    quiet hour."""
    key = {"kind": kind, "period_start": period.start, "period_end": period.end, "as_of": on}
    now = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(key)])
        kept = MaintainedFigures.objects.filter(**key).first()
        if kept is None:
            return None
        version = _stamp_changes()
        kept = _fold_changes(kept, version, count, now)
        with tallies.recording() as recorded:
            count()
        changing = set(
            ChangedShard.objects.filter(Q(version__isnull=True) | Q(version__gt=version)).values_list(
                "shard", flat=True
            )
        )
        if EVERY_SHARD in changing:
            return []
        names = json.loads(kept.names)
        kept_parts = {
            shard: decode(json.loads(counts))
            for shard, counts in MaintainedShard.objects.filter(figures=kept).values_list("shard", "counts")
        }
        nothing: list[tallies.Counts] = [{} for _ in names]
        if recorded.names != names:
            differed = [EVERY_SHARD]
        else:
            differed = sorted(
                shard
                for shard in (set(kept_parts) | set(recorded.parts)) - changing
                if kept_parts.get(shard, nothing) != recorded.shard_parts(shard)
            )
            summed = [tallies.combine([parts[index] for parts in kept_parts.values()]) for index in range(len(names))]
            if not differed and summed == decode(json.loads(kept.totals)):
                return []
            differed = differed or [EVERY_SHARD]
        logger.warning(
            "The maintained %s figures for %s to %s as of %s differed from a full recount in %s: counted again",
            kind,
            period.start,
            period.end,
            on,
            "every shard" if differed == [EVERY_SHARD] else f"shards {', '.join(map(str, differed))}",
        )
        kept.delete()
        _build(key, _stamp_changes(), count, now)
        return differed


def _changed_in_this_transaction() -> RawSQL | Value:
    """Whether this transaction has changed records the figures count: the flag the data
    version's triggers set on PostgreSQL (migration reporting 0003). SQLite notes each change
    as it is made, so its transactions fold their own changes."""
    if connection.vendor == "postgresql":
        return RawSQL("current_setting('reporting.data_changed', true) = 'yes'", [], output_field=BooleanField())
    return Value(False, output_field=BooleanField())


def _has_changed_in_this_transaction() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('reporting.data_changed', true) = 'yes'")
        return bool(cursor.fetchone()[0])


def _stamp_changes() -> int:
    """Give the changes no fold has seen yet the data version of now, and return it: in one
    statement on PostgreSQL, so that the changes stamped are exactly those committed by then."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH now AS (SELECT COALESCE((SELECT number FROM reporting_dataversion WHERE id = 1), 0) AS number), "
                "stamped AS (UPDATE reporting_changedshard SET version = (SELECT number FROM now) "
                "WHERE version IS NULL) SELECT number FROM now"
            )
        else:
            cursor.execute(
                "UPDATE reporting_changedshard SET version = "
                "COALESCE((SELECT number FROM reporting_dataversion WHERE id = 1), 0) WHERE version IS NULL"
            )
            cursor.execute("SELECT COALESCE((SELECT number FROM reporting_dataversion WHERE id = 1), 0)")
        return cursor.fetchone()[0]


def _build(key: dict[str, Any], version: int, count: Callable[[], dict], now: datetime) -> MaintainedFigures:
    with tallies.recording() as recorded:
        count()
    names = recorded.names
    totals = [
        tallies.combine([recorded.shard_parts(shard)[index] for shard in recorded.parts]) for index in range(len(names))
    ]
    kept = MaintainedFigures.objects.create(
        **key,
        names=json.dumps(names),
        totals=json.dumps(encode(totals)),
        folded_version=version,
        built_at=now,
        folded_at=now,
        read_at=now,
    )
    MaintainedShard.objects.bulk_create(
        [
            MaintainedShard(figures=kept, shard=shard, counts=json.dumps(encode(recorded.shard_parts(shard))))
            for shard in recorded.parts
        ],
        batch_size=1000,
    )
    _compiled_tallies(kept, count)
    return kept


def _fold_changes(kept: MaintainedFigures, version: int, count: Callable[[], dict], now: datetime) -> MaintainedFigures:
    changed: dict[int, set[str]] = {}
    for shard, source in (
        ChangedShard.objects.filter(version__gt=kept.folded_version, version__lte=version)
        .values_list("shard", "source")
        .distinct()
    ):
        changed.setdefault(shard, set()).add(source)
    names = json.loads(kept.names)
    compiled = None if EVERY_SHARD in changed else _compiled_tallies(kept, count)
    if compiled is None or [tally.signature for tally in compiled] != names:
        key = {field: getattr(kept, field) for field in ("kind", "period_start", "period_end", "as_of")}
        kept.delete()
        return _build(key, version, count, now)
    # Each tally is counted again for the shards where a table it reads changed ("": a change
    # noted without its table, which any tally may read).
    again = {
        index: [shard for shard, sources in changed.items() if "" in sources or sources & tally.tables]
        for index, tally in enumerate(compiled)
    }
    touched = {shard for shards in again.values() for shard in shards}
    if not touched:
        kept.folded_version = version
        kept.read_at = now
        kept.save(update_fields=["folded_version", "read_at"])
        return kept
    totals = decode(json.loads(kept.totals))
    parts: dict[int, list[tallies.Counts]] = {shard: [{} for _ in names] for shard in touched}
    for shard, counts in MaintainedShard.objects.filter(figures=kept, shard__in=touched).values_list("shard", "counts"):
        parts[shard] = decode(json.loads(counts))
    for index, shards in again.items():
        if not shards:
            continue
        counted = compiled[index].counts(shards)
        for shard in shards:
            tallies.combine([parts[shard][index]], -1, into=totals[index])
            parts[shard][index] = counted.get(shard, {})
            tallies.combine([parts[shard][index]], into=totals[index])
    MaintainedShard.objects.filter(figures=kept, shard__in=touched).delete()
    MaintainedShard.objects.bulk_create(
        [
            MaintainedShard(figures=kept, shard=shard, counts=json.dumps(encode(counts)))
            for shard, counts in parts.items()
            if any(counts)
        ]
    )
    kept.totals = json.dumps(encode(totals))
    kept.folded_version = version
    kept.folded_at = kept.read_at = now
    kept.save(update_fields=["totals", "folded_version", "folded_at", "read_at"])
    return kept


_compiled: KeptInThisProcess = KeptInThisProcess()
"""Each kept figures' tallies as compiled queries, in this process (tallies.Compiled)."""


def _compiled_tallies(kept: MaintainedFigures, count: Callable[[], dict]) -> list[tallies.Compiled]:
    """The tallies of these figures compiled: what a fold runs for the shards that changed. They
    are compiled again for figures built afresh (a new release, a new day, the calendar)."""
    key = (kept.pk, kept.built_at, kept.kind, kept.period_start, kept.period_end, kept.as_of)
    compiled = _compiled.get(key)
    if compiled is None:
        with tallies.compiling() as compiling:
            count()
        compiled = _compiled.keep(key, compiling.compiled)
    return compiled


def _forget_unread(on: date, now: datetime) -> None:
    """Stop keeping figures of another day or unread for a while, and the changes every kept
    figure has folded."""
    MaintainedFigures.objects.exclude(as_of=on, read_at__gte=now - KEPT_WITHOUT_READING).delete()
    folded = MaintainedFigures.objects.aggregate(version=Min("folded_version"))["version"]
    if folded is not None:
        ChangedShard.objects.filter(version__lte=folded).delete()


def lock_id(key: dict[str, Any]) -> int:
    """An advisory lock's number for figures of this key: one request counts them while the
    others asking wait for it."""
    digest = hashlib.blake2b(repr(sorted(key.items())).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
