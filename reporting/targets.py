"""Local targets: whether a figure met the target the service managers set for it, how a target
reads, the targets of a reporting year (or those carried forward from the year before), and
which of the dashboard's figures are the report's measures with a target.

The report (reporting.annual_report.Figure.target and target_direction), the dashboard and the
key highlights all ask target_met, so "met" means the same everywhere."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reviews.models import ReviewKind
from reviews.timescales import reporting_year_start

from .models import Target, TargetDirection
from .periods import Period

MET = "met"
NOT_MET = "not met"


def target_met(value: Any, target: Any, direction: str | None) -> bool | None:
    """Whether `value` meets `target` in `direction` (at least / at most, both inclusive); None
    when the value or the target is missing, since nothing can be said then."""
    if value is None or target is None or not direction:
        return None
    if direction == TargetDirection.AT_LEAST:
        return Decimal(str(value)) >= Decimal(str(target))
    if direction == TargetDirection.AT_MOST:
        return Decimal(str(value)) <= Decimal(str(target))
    raise ValueError(f"Not a target direction: {direction!r}")


def met_in_words(met: bool | None) -> str:
    """ "met" or "not met" in words, so that no page relies on colour alone; empty when unknown."""
    if met is None:
        return ""
    return MET if met else NOT_MET


def describe_target(target: Any, direction: str | None, *, percent: bool) -> str:
    """How a target reads beside its figure: "at least 98%", "at most 70"."""
    if target is None or not direction:
        return ""
    number = float(target)
    text = f"{int(number)}" if number.is_integer() else f"{number:.1f}"
    return f"{TargetDirection(direction).label.lower()} {text}{'%' if percent else ''}"


def targets_for(year: int) -> dict[str, dict[str, Any]]:
    """The targets saved for a reporting year: {measure: {"value": Decimal, "direction": str}}.
    One query."""
    return {
        row["measure"]: {"value": row["value"], "direction": row["direction"]}
        for row in Target.objects.filter(year=year).values("measure", "value", "direction")
    }


@dataclass(frozen=True)
class YearTargets:
    """The targets a manager opens for a year: the year's own, or, when none are saved yet, the
    year before's carried forward (`carried_from` names that year)."""

    targets: dict[str, dict[str, Any]]
    carried_from: int | None = None


def targets_to_edit(year: int) -> YearTargets:
    """A year's saved targets, or the latest earlier year's when the year has none: targets
    rarely change from one year to the next, and a manager starting a new year should not have
    to enter them again. Nothing is saved for the new year until the manager saves."""
    saved = targets_for(year)
    if saved:
        return YearTargets(saved)
    latest = Target.objects.filter(year__lt=year).order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return YearTargets({})
    return YearTargets(targets_for(latest), carried_from=latest)


DASHBOARD_MEASURES: dict[str, tuple[str, bool, Callable[[dict[str, Any]], Any]]] = {
    "lac.percent_in_timescale": (
        "LAC reviews held in timescale",
        True,
        lambda figures: figures["reviews"][ReviewKind.LAC]["percent_in_timescale"],
    ),
    "lac.participation_rate": (
        "Participation rate (PN1 to PN6 of PN1 to PN7)",
        True,
        lambda figures: figures["lac"]["participation_rate"],
    ),
    "cp.icpc.percent_in_timescale": (
        "Initial child protection conferences in timescale",
        True,
        lambda figures: figures["reviews"][ReviewKind.ICPC]["percent_in_timescale"],
    ),
    "cp.rcpc.percent_in_timescale": (
        "Review child protection conferences in timescale",
        True,
        lambda figures: figures["reviews"][ReviewKind.RCPC]["percent_in_timescale"],
    ),
    "service.children_per_fte": (
        "Children per full-time IRO",
        False,
        lambda figures: figures["caseloads"]["per_fte"],
    ),
}
"""The report's measures the dashboard shows, by report figure key: (label, is a percentage,
the value in the dashboard's figures). The dashboard's figures come from the same selectors as
the report's (reporting.selectors.dashboard and reporting_year_figures), so a target set for the
report's figure applies to the dashboard's."""


def dashboard_targets(figures: dict[str, Any], period: Period) -> list[dict[str, Any]]:
    """The dashboard's figures that have a target for the reporting year the period starts in,
    each with the target and whether it is met. One query."""
    targets = targets_for(reporting_year_start(period.start).year)
    rows = []
    for measure, (label, percent, value_of) in DASHBOARD_MEASURES.items():
        target = targets.get(measure)
        if target is None:
            continue
        value = value_of(figures)
        met = target_met(value, target["value"], target["direction"])
        rows.append(
            {
                "measure": measure,
                "label": label,
                "value": "not available" if value is None else f"{value:g}{'%' if percent else ''}",
                "target": describe_target(target["value"], target["direction"], percent=percent),
                "met": met,
                "met_text": met_in_words(met) or "not known",
            }
        )
    return rows
