"""Keyset ("seek") pagination: a long list a page at a time by where the last page ended, never by
how many rows came before it. A page asks the database for the rows after (or before) one row's
values in the list's ordering, with the primary key breaking ties, so page 200 costs what page 1
costs: no OFFSET, which makes the database build and throw away every earlier row.

The position travels in an opaque cursor in the query string (`?cursor=`), signed so that only
this server's cursors are read: one that is garbled, signed for another ordering (the list sorted
another way, or ordered by yesterday's date) or past the end of the list gives the first page."""

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Expression, F, OrderBy, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.sql.constants import INNER

CURSOR_PARAM = "cursor"
_SALT = "iro_portal.keyset"
_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class _Key:
    """One column of the ordering, annotated on the query as `alias`."""

    alias: str
    descending: bool
    nulls_first: bool
    nullable: bool
    output_field: Any

    def order(self, reverse: bool) -> OrderBy:
        descending, nulls_first = self.descending != reverse, self.nulls_first != reverse
        return OrderBy(
            F(self.alias), descending=descending, **({"nulls_first": True} if nulls_first else {"nulls_last": True})
        )

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.alias}__isnull": True}) if value is None else Q(**{self.alias: value})

    def after(self, value: Any, reverse: bool) -> Q:
        """Rows that come after `value` in this column's order (before it when `reverse`)."""
        descending, nulls_first = self.descending != reverse, self.nulls_first != reverse
        if value is None:
            return Q(**{f"{self.alias}__isnull": False}) if nulls_first else _NOTHING
        beyond = Q(**{f"{self.alias}__{'lt' if descending else 'gt'}": value})
        return beyond | Q(**{f"{self.alias}__isnull": True}) if self.nullable and not nulls_first else beyond


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


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def _from_json(key: _Key, value: Any) -> Any:
    return None if value is None else key.output_field.to_python(value)


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
    """A signed position: the page number it leads to, the values of the row it starts after
    (before, when `reverse`) and the ordering it was made for."""

    def __init__(self, number: int, values: list[Any], reverse: bool, fingerprint: str) -> None:
        self.number, self.values, self.reverse, self.fingerprint = number, values, reverse, fingerprint

    def encode(self) -> str:
        return signing.dumps(
            {
                "n": self.number,
                "v": [_to_json(value) for value in self.values],
                "r": self.reverse,
                "o": self.fingerprint,
            },
            salt=_SALT,
        )

    @classmethod
    def decode(cls, text: str | None, keys: list[_Key], fingerprint: str) -> "_Cursor | None":
        """The cursor, or None for no cursor or one this ordering cannot use."""
        if not text:
            return None
        try:
            data = signing.loads(text, salt=_SALT)
            values = data["v"]
            if data["o"] != fingerprint or len(values) != len(keys) or int(data["n"]) < 1:
                return None
            return cls(
                int(data["n"]),
                [_from_json(key, value) for key, value in zip(keys, values)],
                bool(data["r"]),
                fingerprint,
            )
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
            descending=term.descending,
            # Where PostgreSQL puts empty values unless told (last going up, first going down), so
            # that SQLite pages the same and PostgreSQL's indexes still serve the order.
            nulls_first=bool(term.nulls_first) or (term.descending and not term.nulls_last),
            nullable=_nullable(annotated, resolved[alias]),
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
        return _Cursor(to_number, [getattr(row, key.alias) for key in keys], backwards, fingerprint).encode()

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
        page = page.filter(_beyond(keys, position.values, reverse))
    return list(page[: per_page + 1])


def _beyond(keys: list[_Key], values: list[Any], reverse: bool) -> Q:
    """Rows after `values` in the keys' order (before them when `reverse`): after on the first
    key, or equal on it and after on the rest. The first key's bound is also given on its own,
    where it can be, so that an index on it starts the scan at the position."""
    condition: Q | None = None
    for key, value in zip(reversed(keys), reversed(values)):
        after = key.after(value, reverse)
        condition = after if condition is None else after | (key.equal(value) & condition)
    assert condition is not None
    first, value = keys[0], values[0]
    if value is not None and not (first.nullable and (first.nulls_first == reverse)):
        condition &= Q(**{f"{first.alias}__{'lte' if first.descending != reverse else 'gte'}": value})
    return condition


def _nullable(queryset: QuerySet[Any], expression: Any) -> bool:
    """Whether a key may be empty: a column of a NOT NULL field reached through inner joins is not."""
    if not isinstance(expression, Col):
        return True
    join = queryset.query.alias_map.get(expression.alias)
    inner = getattr(join, "join_type", None) in (None, INNER)
    return bool(expression.target.null) or not inner
