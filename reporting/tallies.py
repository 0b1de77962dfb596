"""The counts the figures are worked out from, so that they can be kept up to date as records
change rather than counted afresh (reporting.maintained).

Every figure is a count over children: a review, an escalation or an episode belongs to one
child, and nothing one child's records say changes what another's count. So the authority's
counts are the sums of the counts of its children in groups of SHARD_WIDTH consecutive ids
(shards), and when a record changes only its child's shard has to be counted again. The
selectors ask for each count through `tally`, naming the child the rows belong to; what
they work out from the counts (percentages, bands, medians of counts) they work out as before.

`tally` runs its query as it always did, unless the maintained figures are:
- recording: the query runs for every child, grouped by shard, and each shard's counts are
  kept apart (Recording.parts) while their sums go back to the selector;
- replaying: the counts come from the maintained sums and no query runs;
- compiling: each tally's query is compiled once (Compiled), with the tables it reads, so that
  a fold runs it again for a shard only when a table it reads changed there.
A tally only counts and sums, which add up shard by shard: a median, a maximum or an average
is worked out from a tally grouped by the value (`median`)."""

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Aggregate, Count, ExpressionWrapper, F, IntegerField, Q, QuerySet, Sum

from children.selectors import judging_few_children

SHARD_WIDTH = 64
"""Children (by consecutive id) counted together: small enough that counting one shard again
takes milliseconds, large enough that an authority's shards are a few thousand rows."""

Key = tuple[Any, ...]
Counts = dict[Key, dict[str, Any]]
"""One tally's counts: for each group (the values of its `by` columns; () when ungrouped), the
value of each aggregate."""

ADDITIVE = (Count, Sum)


class Recording:
    """Count the tallies of every child, shard by shard."""

    def __init__(self) -> None:
        self.parts: dict[int, list[Counts]] = {}
        self.names: list[str] = []

    def record(self, name: str, rows: list[dict[str, Any]], by: tuple[str, ...]) -> None:
        index = len(self.names)
        self.names.append(name)
        for row in rows:
            shard = row.pop("_shard")
            counts = self.parts.setdefault(shard, [])
            while len(counts) <= index:
                counts.append({})
            key = tuple(row.pop(column) for column in by)
            counts[index][key] = row

    def shard_parts(self, shard: int) -> list[Counts]:
        """The shard's counts, one per tally (empty for a shard with no rows)."""
        counts = self.parts.get(shard, [])
        return [*counts, *[{} for _ in range(len(self.names) - len(counts))]]


PLACEHOLDER_SHARD = 2**40
"""The shard a compiled tally is restricted to, its bounds replaced by the shards it counts."""


@dataclass(frozen=True)
class Compiled:
    """One tally's query grouped by shard, restricted to a run of shards, compiled once: a fold
    runs it for the shards that changed without working the selectors through again."""

    signature: str
    by: tuple[str, ...]
    sql: str
    params: tuple[Any, ...]
    bounds: tuple[int, int]
    """Where in `params` the first child id counted and the first not counted are."""
    columns: tuple[str, ...]
    converters: dict[int, tuple[list[Any], Any]]
    tables: frozenset[str]
    """The tables its query reads, subqueries' included: a change to any other cannot move it."""

    def counts(self, shards: Iterable[int]) -> dict[int, Counts]:
        """The tally's counts for each of the shards that has rows (one query a run of shards)."""
        counted: dict[int, Counts] = {}
        for first, last in runs_of(shards):
            for row in self.rows(first, last):
                shard = row.pop("_shard")
                counted.setdefault(shard, {})[tuple(row.pop(column) for column in self.by)] = row
        return counted

    def rows(self, first_shard: int, last_shard: int) -> list[dict[str, Any]]:
        """The tally's rows for the shards from first_shard to last_shard, grouped by shard."""
        params = list(self.params)
        params[self.bounds[0]] = first_shard * SHARD_WIDTH
        params[self.bounds[1]] = (last_shard + 1) * SHARD_WIDTH
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        rows = []
        for values in fetched:
            row = list(values)
            for position, (converters, expression) in self.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
            rows.append(dict(zip(self.columns, row)))
        return rows


def tables_read(sql: str) -> frozenset[str]:
    """The project's tables named in the SQL: every table a query reads is named in it, in a
    join or a subquery (a name that only looks like one costs a needless count, never a stale one)."""
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql))
    return frozenset(model._meta.db_table for model in apps.get_models() if model._meta.db_table in named)


class Compiling:
    """Compile each tally (Compiled) instead of running it; the selectors get empty counts."""

    def __init__(self) -> None:
        self.compiled: list[Compiled] = []

    def compile(self, signature: str, queryset: QuerySet[Any], by: tuple[str, ...]) -> None:
        query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        low, high = PLACEHOLDER_SHARD * SHARD_WIDTH, (PLACEHOLDER_SHARD + 1) * SHARD_WIDTH
        if params.count(low) != 1 or params.count(high) != 1:
            raise RuntimeError(f"Tally {signature} cannot be compiled for a run of shards")
        expressions = [column[0] for column in compiler.select]
        self.compiled.append(
            Compiled(
                signature=signature,
                by=by,
                sql=sql,
                params=tuple(params),
                bounds=(params.index(low), params.index(high)),
                columns=tuple(query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)),
                converters=compiler.get_converters(expressions),
                tables=tables_read(sql),
            )
        )


class TalliesChanged(Exception):
    """The selectors ask for other tallies than the maintained counts hold (a new release)."""


class Replaying:
    """Answer the tallies, in the order they are asked, from maintained counts."""

    def __init__(self, names: list[str], totals: list[Counts]) -> None:
        self.names = names
        self.totals = totals
        self.next = 0

    def take(self, name: str) -> Counts:
        index = self.next
        if index >= len(self.names) or self.names[index] != name:
            raise TalliesChanged(name)
        self.next += 1
        return self.totals[index]


_mode: ContextVar[Recording | Replaying | Compiling | None] = ContextVar("tally_mode", default=None)


@contextmanager
def recording() -> Iterator[Recording]:
    mode = Recording()
    token = _mode.set(mode)
    try:
        yield mode
    finally:
        _mode.reset(token)


@contextmanager
def compiling() -> Iterator[Compiling]:
    mode = Compiling()
    token = _mode.set(mode)
    try:
        with judging_few_children():
            yield mode
    finally:
        _mode.reset(token)


@contextmanager
def replaying(names: list[str], totals: list[Counts]) -> Iterator[Replaying]:
    mode = Replaying(names, totals)
    token = _mode.set(mode)
    try:
        yield mode
    finally:
        _mode.reset(token)


def each_row_once(queryset: QuerySet[Any]) -> QuerySet[Any, dict[str, Any]]:
    """The queryset as a subquery PostgreSQL keeps whole, so that aggregating over it looks up
    each annotation once per row: a plain subquery is flattened into the outer query and its
    lookups repeated in every figure that reads them. DISTINCT changes no rows here (each
    row has its own primary key) but stops the flattening. Only the primary key, the
    annotations and the columns the figures read are selected."""
    return queryset.values("pk", *queryset.query.annotations).distinct()


def tally(
    name: str,
    queryset: QuerySet[Any],
    *,
    child: str,
    by: Any = (),
    once_per_row: Any = False,
    **aggregates: Any,
) -> Any:
    """`queryset.aggregate(**aggregates)` (a dict), or with `by`, its rows grouped by those
    columns with the aggregates beside them (`values(*by).annotate(...)`). `child` is the path
    from a row to its child's id ("child_id", "pk" for children, "review__child_id"), by
    which the counts are kept shard by shard. `once_per_row` aggregates over each_row_once.
    (`by` and `once_per_row` are typed Any: the aggregates are often passed as **{...}, which
    the type checker would otherwise take for them.)"""
    if not all(isinstance(aggregate, ADDITIVE) for aggregate in aggregates.values()):
        raise TypeError(f"Tally {name} can only count and sum: group it by the value to find a median or a maximum")
    mode = _mode.get()
    signature = f"{name}({', '.join(by)}: {', '.join(aggregates)})"
    if mode is None:
        if by:
            return list(queryset.values(*by).annotate(**aggregates))
        return (each_row_once(queryset) if once_per_row else queryset).aggregate(**aggregates)
    shard = ExpressionWrapper(F(child) / SHARD_WIDTH, output_field=IntegerField())
    if isinstance(mode, Recording):
        rows = list(queryset.annotate(_shard=shard).values("_shard", *by).annotate(**aggregates))
        combined = combine([_counts_of(rows, by)])
        mode.record(signature, rows, by)
    elif isinstance(mode, Compiling):
        queryset = queryset.filter(within(child, [PLACEHOLDER_SHARD]))
        mode.compile(signature, queryset.annotate(_shard=shard).values("_shard", *by).annotate(**aggregates), by)
        combined = {}
    else:
        combined = mode.take(signature)
    if by:
        return [{**dict(zip(by, key)), **values} for key, values in combined.items()]
    return dict(combined[()]) if () in combined else _nothing(aggregates)


def _nothing(aggregates: dict[str, Aggregate]) -> dict[str, Any]:
    """What aggregating no rows gives: 0 for a count, None for the rest."""
    return {column: 0 if isinstance(aggregate, Count) else None for column, aggregate in aggregates.items()}


def median(counted: dict[Any, int]) -> Any:
    """The middle value of values counted by value (a tally grouped by the value), the mean of
    the middle two when their number is even, as PostgreSQL's percentile_cont(0.5) takes it;
    None when none were counted."""
    values = sorted(value for value, times in counted.items() if times and value is not None)
    total = sum(counted[value] for value in values)
    if not total:
        return None

    def at(position: int) -> Any:
        seen = 0
        for value in values:
            seen += counted[value]
            if position < seen:
                return value

    low, high = at((total - 1) // 2), at(total // 2)
    return low + (high - low) / 2


def _counts_of(rows: list[dict[str, Any]], by: tuple[str, ...]) -> Counts:
    counts: Counts = {}
    for row in rows:
        key = tuple(row[column] for column in by)
        into = counts.setdefault(key, {})
        for column, value in row.items():
            if column != "_shard" and column not in by:
                into[column] = into.get(column, 0) + (value or 0)
    return counts


def within(child: str, shards: list[int]) -> Q:
    """Rows whose child is in one of the shards: a range of ids for each run of consecutive
    shards, which the child's index answers."""
    condition = Q()
    for first, last in runs_of(shards):
        condition |= Q(**{f"{child}__gte": first * SHARD_WIDTH, f"{child}__lt": (last + 1) * SHARD_WIDTH})
    return condition


def runs_of(shards: Iterable[int]) -> list[tuple[int, int]]:
    """The shards as runs of consecutive numbers: (first, last) of each."""
    runs: list[list[int]] = []
    for shard in sorted(set(shards)):
        if runs and runs[-1][1] == shard - 1:
            runs[-1][1] = shard
        else:
            runs.append([shard, shard])
    return [(first, last) for first, last in runs]


def combine(parts: list[Counts], sign: int = 1, into: Counts | None = None) -> Counts:
    """The counts summed group by group (each multiplied by `sign`, -1 to take them away),
    into `into` if given; a group whose counts all come to nothing is dropped, as a query
    would not have returned it."""
    totals: Counts = {} if into is None else into
    for counts in parts:
        for key, values in counts.items():
            summed = totals.setdefault(key, {})
            for column, value in values.items():
                summed[column] = summed.get(column, 0) + sign * (value or 0)
            if not any(summed.values()):
                del totals[key]
    return totals
