"""The optional read replica (REPLICA_DATABASE_URL, README "A read replica").

A replica trails the primary, so only reads that may be a moment old go to it, and only where a
view asks (`reading_from_replica`: the dashboard, the annual report page, the API's lists). Even
there a read stays on the primary inside a transaction, and for the rest of a request that has
written or whose method may write, so nobody reads back less than they have just saved. The ORM
asks for the database to write to before any write (and before get_or_create's read and
select_for_update): that is what counts as having written (outside a request, a Celery task or
a command, for the rest of the thread). Migrations run on the primary only.

When the replica does not answer, reads fall back to the primary, with a warning in the log; it
is tried again after REPLICA_RETRY_SECONDS.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS

REPLICA = "replica"
REPLICA_RETRY_SECONDS = 30

logger = logging.getLogger(__name__)

_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_replica_answers: ContextVar[bool | None] = ContextVar("replica_answers", default=None)
_primary_only: ContextVar[bool] = ContextVar("primary_only", default=False)
_replica_down_until = 0.0


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside may come from the replica (a context manager, or a decorator when called:
    `@reading_from_replica()`). Without a replica it changes nothing."""
    wanted = _replica_wanted.set(True)
    answers = _replica_answers.set(None)
    try:
        yield
    finally:
        _replica_answers.reset(answers)
        _replica_wanted.reset(wanted)


def _replica_reachable() -> bool:
    """Whether the replica takes a connection, asked once for each reading_from_replica block."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA].cursor().close()
    except DatabaseError as error:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning(
            "The read replica did not answer (%s): reading from the primary, trying again in %s seconds",
            type(error).__name__,
            REPLICA_RETRY_SECONDS,
        )
        return False
    return True


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if not _replica_wanted.get() or _primary_only.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        if _replica_answers.get() is None:
            _replica_answers.set(_replica_reachable())
        return REPLICA if _replica_answers.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        _primary_only.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: Model, second: Model, **hints: Any) -> bool | None:
        """The replica holds the primary's rows: a record read from either may refer to one from the other."""
        same_data = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {first._state.db, second._state.db} <= same_data else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Each request starts afresh: reading from the primary only when its method may change
    something, until it writes. First in MIDDLEWARE, so that nothing before it writes unseen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        primary_only = _primary_only.set(request.method not in SAFE_METHODS)
        try:
            return self.get_response(request)
        finally:
            _primary_only.reset(primary_only)
