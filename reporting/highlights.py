"""The report's key highlights: the ten or so figures a Corporate Parenting Board reads first,
each with last year's beside it, the direction of change in words and a sentence drafted from
the figures, which a service manager may rewrite before publishing.

A drafted sentence follows the figures; a rewritten one is kept with the figures it was written
against, so that publishing can point out a sentence the figures have since moved away from. The
board version never shows a rewritten sentence about a figure it suppresses: it shows the drafted
one, which says the figure is withheld, because a sentence written for managers may name a small
number."""

from dataclasses import dataclass
from typing import Any

from .annual_report import LAST_YEAR, THIS_YEAR, Report


@dataclass(frozen=True)
class Highlight:
    key: str
    heading: str
    figure_key: str
    """The figure the highlight is about: its value, last year's and the direction of change."""
    sentence: str
    """How the drafted sentence begins, with {value} for this year's figure: the comparison with
    last year follows it."""
    also: tuple[tuple[str, str], ...] = ()
    """(figure key, sentence with {value}): what the drafted sentence goes on to say; left out
    where the figure is not available or is withheld."""


HIGHLIGHTS = [
    Highlight(
        "children_looked_after",
        "Children looked after",
        "children.at_end",
        "{value} children were looked after at the end of the year",
        also=(("children.rate_per_10000", "That is {value} for every 10,000 children living in the authority."),),
    ),
    Highlight(
        "reviews_in_timescale",
        "LAC reviews in timescale",
        "lac.percent_in_timescale",
        "{value} of children's LAC reviews were held in timescale",
    ),
    Highlight(
        "participation",
        "Children taking part in their reviews",
        "lac.participation_rate",
        "Children aged 4 and over took part in {value} of their LAC reviews",
    ),
    Highlight(
        "initial_conferences",
        "Initial child protection conferences in timescale",
        "cp.icpc.percent_in_timescale",
        "{value} of initial child protection conferences were held in timescale",
    ),
    Highlight(
        "review_conferences",
        "Review child protection conferences in timescale",
        "cp.rcpc.percent_in_timescale",
        "{value} of review child protection conferences were held in timescale",
    ),
    Highlight(
        "caseload",
        "Caseload per full-time IRO",
        "service.children_per_fte",
        "Each full-time IRO had {value} children at the end of the year (the IRO Handbook suggests 50 to 70)",
    ),
    Highlight(
        "escalations",
        "Escalations",
        "escalations.raised",
        "IROs raised {value} escalations about children's plans",
        also=(
            ("escalations.raised_formal", "Taken to a formal stage: {value}."),
            ("escalations.resolved_informally", "Resolved informally: {value}."),
            (
                "escalations.percent_resolved_in_time",
                "{value} of those resolved formally were resolved within the standard for the formal process.",
            ),
            ("escalations.cafcass", "Referred to Cafcass: {value}."),
        ),
    ),
    Highlight(
        "care_leavers_in_touch",
        "Care leavers in touch",
        "outcomes.care_leavers_19_21_in_touch.percent",
        "The authority was in touch with {value} of its care leavers aged 19 to 21",
    ),
    Highlight(
        "care_leavers_eet",
        "Care leavers in education, employment or training",
        "outcomes.care_leavers_19_21_eet.percent",
        "{value} of care leavers aged 19 to 21 were in education, employment or training",
    ),
    Highlight(
        "health_assessments",
        "Health assessments",
        "outcomes.health_assessment.percent",
        "{value} of children looked after for 12 months or more had an up-to-date health assessment",
    ),
    Highlight(
        "placement_stability",
        "Three or more placements",
        "outcomes.three_or_more_placements.percent",
        "{value} of children looked after at the end of the year had three or more placements during it",
    ),
]
BY_KEY = {highlight.key: highlight for highlight in HIGHLIGHTS}

WITHHELD = "not shown in this version: the numbers are small enough to identify children"


def figure_keys(highlight: Highlight) -> tuple[str, ...]:
    return (highlight.figure_key, *(key for key, _ in highlight.also))


def written_against(report: Report, highlight: Highlight) -> dict[str, list[Any]]:
    """The values (this year, last year) of the figures a sentence is about, to keep with a
    rewritten sentence."""
    return {
        key: [_plain(report.figures[key].value(THIS_YEAR)), _plain(report.figures[key].value(LAST_YEAR))]
        for key in figure_keys(highlight)
    }


def _plain(value: Any) -> Any:
    """A value as JSON keeps it, so a stored one compares equal to a fresh one."""
    if value is None or isinstance(value, (int, str)):
        return value
    return float(value)


def moved_since_written(report: Report, highlight: Highlight, written: dict[str, Any]) -> list[str]:
    """The figures of a rewritten sentence whose values are no longer those it was written
    against."""
    now = written_against(report, highlight)
    return [key for key, values in now.items() if written.get("figures", {}).get(key) != values]


def change_in_words(this_year: str, last_year: str, this_value: Any, last_value: Any) -> str:
    """How this year's figure compares with last year's, in words: `this_year` and `last_year`
    are the values as the reader sees them (formatted, or "c")."""
    if last_value is None:
        return "with no figure for the year before to compare"
    if this_value is None:
        return f"the year before it was {last_year}"
    if this_value > last_value:
        return f"up from {last_year} the year before"
    if this_value < last_value:
        return f"down from {last_year} the year before"
    return "the same as the year before"


def direction(this_value: Any, last_value: Any) -> str:
    """Up, down or the same, for the table's column; empty when a year has no figure."""
    if this_value is None or last_value is None:
        return ""
    if this_value > last_value:
        return "Up"
    if this_value < last_value:
        return "Down"
    return "No change"
