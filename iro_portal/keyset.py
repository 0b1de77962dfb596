"""Keyset ("seek") pagination: a long list a page at a time by where the last page ended, never by
how many rows came before it. A page asks the database for the rows after (or before) one row's
values in the list's ordering, with the primary key breaking ties, so page 200 costs what page 1
costs: no OFFSET, which makes the database build and throw away every earlier row.

The position travels in an opaque cursor in the query string (`?cursor=`): the page's number, the
id of the row it starts after and that row's values in the ordering, signed so that only this
server's cursors are read. Text (a child's name, their local ID) is never written into the cursor,
as browsers keep addresses in their history: the page's query reads those values of the row by its
id. A cursor that is garbled, signed for another ordering (the list sorted another way, or ordered
by yesterday's date), or past the end of the list gives the first page, as does one whose row has
gone when the order is by text."""

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Exists,
    Expression,
    F,
    OrderBy,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import Col
from django.db.models.sql.constants import INNER

CURSOR_PARAM = "cursor"
_SALT = "iro_portal.keyset"
_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class _Key:
    """One column of the ordering, annotated on the query as `alias`. A text column (`by_row`) is
    compared with `bound`, the same column of the cursor's row read in the query; any other with
    the value the cursor carries."""

    alias: str
    bound: str
    descending: bool
    nulls_first: bool
    nullable: bool
    by_row: bool
    output_field: Any

    def order(self, reverse: bool) -> OrderBy:
        descending, nulls_first = self.descending != reverse, self.nulls_first != reverse
        return OrderBy(
            F(self.alias), descending=descending, **({"nulls_first": True} if nulls_first else {"nulls_last": True})
        )

    def equal(self, value: Any) -> Q:
        if self.by_row:
            same = Q(**{self.alias: F(self.bound)})
            both_empty = Q(**{f"{self.bound}__isnull": True, f"{self.alias}__isnull": True})
            return same | both_empty if self.nullable else same
        return Q(**{f"{self.alias}__isnull": True}) if value is None else Q(**{self.alias: value})

    def after(self, value: Any, reverse: bool) -> Q:
        """Rows that come after the cursor's row in this column's order (before it when `reverse`)."""
        descending, nulls_first = self.descending != reverse, self.nulls_first != reverse
        lookup = f"{self.alias}__{'lt' if descending else 'gt'}"
        if self.by_row:
            beyond = Q(**{lookup: F(self.bound)})
            if not self.nullable:
                return beyond
            if nulls_first:
                return beyond | Q(**{f"{self.bound}__isnull": True, f"{self.alias}__isnull": False})
            return beyond | Q(**{f"{self.bound}__isnull": False, f"{self.alias}__isnull": True})
        if value is None:
            return Q(**{f"{self.alias}__isnull": False}) if nulls_first else _NOTHING
        beyond = Q(**{lookup: value})
        return beyond | Q(**{f"{self.alias}__isnull": True}) if self.nullable and not nulls_first else beyond

    def at_least(self, value: Any, reverse: bool) -> Q | None:
        """The rows from the cursor's row on, in this column alone, where that can be said without
        OR (so that an index on the column starts the scan there); None where it cannot."""
        lookup = f"{self.alias}__{'lte' if self.descending != reverse else 'gte'}"
        if self.by_row:
            return None if self.nullable else Q(**{lookup: F(self.bound)})
        nulls_after = self.nulls_first == reverse
        return None if value is None or (self.nullable and nulls_after) else Q(**{lookup: value})

    def to_json(self, value: Any) -> Any:
        if self.by_row:
            return None
        return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value

    def from_json(self, value: Any) -> Any:
        return None if self.by_row or value is None else self.output_field.to_python(value)


def _ordering(queryset: QuerySet[Any]) -> list[OrderBy]:
    """The queryset's ordering (or its model's) as OrderBy terms, ending with the primary key
    (added when missing), so that no two rows tie."""
    query = queryset.query
    terms = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    pk_names = {"pk", queryset.model._meta.pk.attname, queryset.model._meta.pk.name}
    ordering = [
        OrderBy(F(term.lstrip("-")), descending=term.startswith("-"))
        if isinstance(term, str)
        else term
        if isinstance(term, OrderBy)
        else OrderBy(cast(Expression, term))
        for term in terms
    ]
    last = ordering[-1].expression if ordering else None
    if not (isinstance(last, F) and getattr(last, "name", None) in pk_names):
        ordering.append(OrderBy(F("pk")))
    return ordering


def _fingerprint(ordering: list[OrderBy]) -> str:
    described = re.sub(r" at 0x[0-9a-f]+", "", repr([(term.expression, term.descending) for term in ordering]))
    return hashlib.sha256(described.encode()).hexdigest()[:16]


@dataclass
class KeysetPaginator:
    """What a page says about the whole list: how many rows it holds and how many a page shows."""

    count: int
    per_page: int


@dataclass
class KeysetPage(Sequence[Any]):
    """One page of a list, shaped like a Django Page (object_list, number, paginator.count,
    start_index ...) with, instead of page numbers, the cursors of the pages either side."""

    object_list: list[Any]
    number: int
    paginator: KeysetPaginator
    next_cursor: str | None
    previous_cursor: str | None

    def __len__(self) -> int:
        return len(self.object_list)

    def __getitem__(self, index: Any) -> Any:
        return self.object_list[index]

    def has_next(self) -> bool:
        return self.next_cursor is not None

    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0

    def next_range(self) -> tuple[int, int]:
        """The positions the next page shows ("51 to 100"), for its link's label."""
        first = self.end_index() + 1
        return first, min(first + self.paginator.per_page - 1, max(self.paginator.count, first))

    def previous_range(self) -> tuple[int, int]:
        first = max(self.start_index() - self.paginator.per_page, 1)
        return first, first + self.paginator.per_page - 1


class _Cursor:
    """A signed position: the page number it leads to, the row it starts after (before, when
    `reverse`): its id and its values of the keys that are not text; and the ordering it was
    made for."""

    def __init__(self, number: int, pk: int, values: list[Any], reverse: bool, fingerprint: str) -> None:
        self.number, self.pk, self.values, self.reverse, self.fingerprint = number, pk, values, reverse, fingerprint

    def encode(self, keys: list[_Key]) -> str:
        values = [key.to_json(value) for key, value in zip(keys, self.values)]
        return signing.dumps(
            {"n": self.number, "k": self.pk, "v": values, "r": self.reverse, "o": self.fingerprint}, salt=_SALT
        )

    @classmethod
    def decode(cls, text: str | None, keys: list[_Key], fingerprint: str) -> "_Cursor | None":
        """The cursor, or None for no cursor or one this ordering cannot use."""
        if not text:
            return None
        try:
            data = signing.loads(text, salt=_SALT)
            number, pk, values = int(data["n"]), int(data["k"]), data["v"]
            if data["o"] != fingerprint or number < 1 or not 0 < pk < 2**63 or len(values) != len(keys):
                return None
            values = [key.from_json(value) for key, value in zip(keys, values)]
            return cls(number, pk, values, bool(data["r"]), fingerprint)
        except (signing.BadSignature, KeyError, TypeError, ValueError, ValidationError):
            return None


def keyset_page(queryset: QuerySet[Any], cursor: str | None, per_page: int, count: int | None = None) -> KeysetPage:
    """The page of `queryset` (in its ordering) that `cursor` points to, or the first page.
    Two queries: the page (one row more than it shows, to know whether another follows) and the
    count of the whole list, unless the caller already has it as `count`."""
    ordering = _ordering(queryset)
    fingerprint = _fingerprint(ordering)
    aliases = {f"keyset_{position}": term.expression for position, term in enumerate(ordering)}
    annotated = queryset.annotate(**aliases)
    resolved = annotated.query.annotations
    keys = [
        _Key(
            alias=alias,
            bound=alias.replace("keyset_", "bound_"),
            descending=term.descending,
            # Where PostgreSQL puts empty values unless told (last going up, first going down), so
            # that SQLite pages the same and PostgreSQL's indexes still serve the order.
            nulls_first=bool(term.nulls_first) or (term.descending and not term.nulls_last),
            nullable=_nullable(annotated, resolved[alias]),
            by_row=isinstance(resolved[alias].output_field, (CharField, TextField)),
            output_field=resolved[alias].output_field,
        )
        for alias, term in zip(aliases, ordering)
    ]
    position = _Cursor.decode(cursor, keys, fingerprint)
    rows = _rows(annotated, keys, position, per_page)
    if position is not None and not rows:
        position = None
        rows = _rows(annotated, keys, None, per_page)
    reverse = position is not None and position.reverse
    more = len(rows) > per_page
    rows = rows[:per_page]
    if reverse:
        rows.reverse()
    number = 1 if position is None or (reverse and not more) else position.number
    has_previous = more if reverse else number > 1
    has_next = (position is not None) if reverse else more

    def cursor_at(row: Any, to_number: int, backwards: bool) -> str:
        values = [getattr(row, key.alias) for key in keys]
        return _Cursor(to_number, row.pk, values, backwards, fingerprint).encode(keys)

    return KeysetPage(
        object_list=rows,
        number=number,
        paginator=KeysetPaginator(count=queryset.count() if count is None else count, per_page=per_page),
        next_cursor=cursor_at(rows[-1], number + 1, False) if has_next and rows else None,
        previous_cursor=cursor_at(rows[0], number - 1, True) if has_previous and rows else None,
    )


def _rows(annotated: QuerySet[Any], keys: list[_Key], position: _Cursor | None, per_page: int) -> list[Any]:
    reverse = position is not None and position.reverse
    page = annotated.order_by(*(key.order(reverse) for key in keys))
    if position is not None:
        by_row = [key for key in keys if key.by_row]
        if by_row:
            # The cursor's row, read inside the page's query (each text is one read by id): when it
            # has gone the page is empty, and the caller shows the first.
            row = annotated.filter(pk=position.pk).order_by().prefetch_related(None)
            page = page.alias(**{key.bound: Subquery(row.values(key.alias)[:1]) for key in by_row})
            page = page.filter(Exists(row))
        page = page.filter(_beyond(keys, position.values, reverse))
    return list(page[: per_page + 1])


def _beyond(keys: list[_Key], values: list[Any], reverse: bool) -> Q:
    """Rows after the cursor's row in the keys' order (before it when `reverse`): after on the
    first key, or equal on it and after on the rest. The first key's bound is also given on its
    own where it can be, so that an index on it starts the scan at the position."""
    condition: Q | None = None
    for key, value in zip(reversed(keys), reversed(values)):
        after = key.after(value, reverse)
        condition = after if condition is None else after | (key.equal(value) & condition)
    assert condition is not None
    start = keys[0].at_least(values[0], reverse)
    return condition if start is None else condition & start


def _nullable(queryset: QuerySet[Any], expression: Any) -> bool:
    """Whether a key may be empty: a column of a NOT NULL field reached through inner joins is not,
    nor a constant, nor a CASE whose every outcome is one (a rank); anything else may be."""
    if isinstance(expression, Value):
        return expression.value is None
    if isinstance(expression, Case):
        outcomes = [expression.default, *(when.result for when in expression.cases)]
        return any(_nullable(queryset, outcome) for outcome in outcomes)
    if not isinstance(expression, Col):
        return True
    join = queryset.query.alias_map.get(expression.alias)
    inner = getattr(join, "join_type", None) in (None, INNER)
    return bool(expression.target.null) or not inner
