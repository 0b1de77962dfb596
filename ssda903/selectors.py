"""Reads for the SSDA903 pages."""

from collections.abc import Sequence
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from children.models import Child
from children.selectors import children_with_current_status, with_rows_for_listing

from .models import ImportRun, StoredReturn


def children_to_allocate(on: date | None = None) -> QuerySet[Child]:
    """Children looked after on the day with no IRO allocated then: those an import brought in
    without an IRO, and any other child waiting for one. The same current-status annotations as
    the children list, so "no IRO" means the same thing on both pages."""
    on = on or timezone.localdate()
    children = children_with_current_status(Child.objects.all(), on)
    waiting = children.filter(is_looked_after=True, current_iro_id__isnull=True)
    return with_rows_for_listing(waiting, on).order_by("family_name", "given_name", "pk")


def recent_import_runs(limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("uploaded_by").defer("errors", "next_reviews_estimated")[:limit]


def children_by_local_id(local_ids: Sequence[str]) -> list[tuple[str, int | None]]:
    """[(CHILD id, pk or None)] in the order given, to link each to the child's record."""
    pks = dict(Child.objects.filter(local_child_id__in=local_ids).values_list("local_child_id", "pk"))
    return [(local_id, pks.get(local_id)) for local_id in local_ids]


def stored_returns() -> list[StoredReturn]:
    """The returns held for checking the next year's, newest year first, each with its label."""
    from .services import collection_year_label

    returns = list(StoredReturn.objects.defer("tables").order_by("-year"))
    for stored in returns:
        stored.label = collection_year_label(stored.year)  # type: ignore[attr-defined]  # for the page
    return returns


def stored_files(year: int) -> dict[str, str] | None:
    """The return held for a collection year (as last exported or imported) as its CSV files by
    name, or None: what the DfE's validator reads as last year's return."""
    from .exporter import FILE_NAMES

    stored = StoredReturn.objects.filter(year=year).only("tables").first()
    if stored is None:
        return None
    return {FILE_NAMES.get(table, f"{table}.csv"): text for table, text in stored.tables.items()}
