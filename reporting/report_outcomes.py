"""The annual report's outcomes section: what a corporate parent asks about beside the IROs' own
work (health, care leavers, missing, adoption timeliness, placement stability, where children
live and routes out of care), from reporting.outcome_selectors for both years, laid out in the
tables of the outcomes page (reporting.outcome_page.SECTIONS) so the page and the report never
group the figures differently.

Each figure is a count of children with its percentage of the cohort it belongs to; the
percentages are the measures comparators (statistical neighbours, England) are entered for."""

from typing import Any

from . import annual_report as report
from .outcome_page import SECTIONS
from .outcome_selectors import COHORT_LABELS, FIGURES, label_of

OUTCOMES = "outcomes"
"""The key of the outcome figures (outcome_selectors.outcome_figures) in a year's raw figures."""

NOTES = {
    "health": "Of children looked after continuously for 12 months at 31 March (the DfE's OC2 cohort).",
    "sdq": "The Strengths and Difficulties Questionnaire is completed by the carer of each child aged 4 to 16; "
    "a higher score means more difficulties.",
    "care_leavers_17_18": "Care leavers whose 17th or 18th birthday fell in the year, as the DfE's OC3 return counts "
    "them, by their activity and accommodation around that birthday.",
    "care_leavers_19_21": "Care leavers whose 19th, 20th or 21st birthday fell in the year.",
    "missing": "Children looked after during the year, children looked after only under a series of short breaks "
    "left out, as the DfE counts them.",
    "short_term_stability": "Of children looked after at 31 March: three or more placements during the year, "
    "temporary placements not counted.",
    "long_term_stability": "Children under 16 looked after for two and a half years or more who had lived in the "
    "same placement for two years, or were placed for adoption.",
    "routes_out": "Each child who ceased to be looked after, by the reason their last period of care ended.",
}


def _cohort(raw: dict[str, Any], cohort: str) -> Any:
    return raw[OUTCOMES]["cohorts"][cohort]


def _count(raw: dict[str, Any], key: str) -> Any:
    return raw[OUTCOMES]["figures"][key]["count"]


def _table(b: "report._Builder", section_id: str, heading: str, cohort: str, keys: list[str]) -> "report.Table":
    """The cohort, then each figure's number and its percentage of the cohort."""
    cohort_key = f"outcomes.cohort.{cohort}"
    if cohort_key not in b.figures:  # two tables may share a cohort: one figure, one CSV row
        b.count(cohort_key, COHORT_LABELS[cohort], lambda raw: _cohort(raw, cohort))
    rows = [(cohort_key, COHORT_LABELS[cohort])]
    cells: dict[str, dict[str, str]] = {cohort_key: {"number": cohort_key}}
    part_keys = []
    for key in keys:
        count_key = b.count(f"outcomes.{key}", label_of(key), lambda raw, key=key: _count(raw, key))
        percent_key = b.percent(f"outcomes.{key}.percent", f"{label_of(key)} (%)", count_key, cohort_key)
        rows.append((count_key, FIGURES[key].label))
        cells[count_key] = {"number": count_key, "percent": percent_key}
        part_keys.append(count_key)
    return report.Table(
        key=f"outcomes.{section_id}",
        caption=heading,
        rows=rows,
        columns=[("number", "Number"), ("percent", "Percentage")],
        cells=cells,
        # Every child who ceased left by exactly one route: the routes add up to the cohort, which
        # the board version's secondary suppression needs to know.
        totals=[(cohort_key, part_keys)] if section_id == "routes_out" else [],
        comparator_column="percent",
        row_heading="Measure",
        note=NOTES.get(section_id, ""),
    )


def outcomes_section(b: "report._Builder") -> "report.Section":
    tables = [_table(b, *section) for section in SECTIONS]
    sdq = b.number(
        "outcomes.average_sdq_score",
        "Average SDQ score, children aged 4 to 16 looked after for 12 months",
        lambda raw: raw[OUTCOMES]["average_sdq_score"],
        numerator_key="outcomes.sdq_recorded",
    )
    tables.insert(2, report._list_table("outcomes.sdq_score", "Average SDQ score", [sdq], b))
    episodes = b.count(
        "outcomes.missing_episodes",
        "Missing episodes that started in the year",
        lambda raw: raw[OUTCOMES]["missing_episodes"],
    )
    per_child = b.number(
        "outcomes.missing_episodes_per_child",
        "Missing episodes per child who went missing",
        lambda raw: raw[OUTCOMES]["missing_episodes_per_child"],
        numerator_key="outcomes.went_missing",
    )
    missing_at = next(index for index, table in enumerate(tables) if table.key == "outcomes.missing")
    tables.insert(
        missing_at + 1, report._list_table("outcomes.missing_episodes", "Missing episodes", [episodes, per_child], b)
    )
    adoption = "adoption"
    b.count("outcomes.adopted", "Children adopted", lambda raw: raw[OUTCOMES][adoption]["adopted"])
    b.number(
        "outcomes.entered_to_placed_days",
        "Average days from entering care to being placed for adoption",
        lambda raw: raw[OUTCOMES][adoption]["entered_to_placed_days"],
        numerator_key="outcomes.entered_to_placed_children",
    )
    b.count(
        "outcomes.entered_to_placed_children",
        "Adopted children with both dates recorded: entering care and placed for adoption",
        lambda raw: raw[OUTCOMES][adoption]["entered_to_placed_children"],
    )
    b.number(
        "outcomes.decision_to_match_days",
        "Average days from the decision to place for adoption to the match with adopters",
        lambda raw: raw[OUTCOMES][adoption]["decision_to_match_days"],
        numerator_key="outcomes.decision_to_match_children",
    )
    b.count(
        "outcomes.decision_to_match_children",
        "Adopted children with both dates recorded: decision and match",
        lambda raw: raw[OUTCOMES][adoption]["decision_to_match_children"],
    )
    adoption_table = report._list_table(
        "outcomes.adoption",
        "Adoption timeliness",
        [
            "outcomes.adopted",
            "outcomes.entered_to_placed_days",
            "outcomes.entered_to_placed_children",
            "outcomes.decision_to_match_days",
            "outcomes.decision_to_match_children",
        ],
        b,
        note="Of children adopted in the year; a child with a date not recorded is left out of that average.",
    )
    routes_at = next(index for index, table in enumerate(tables) if table.key == "outcomes.routes_out")
    tables.insert(routes_at, adoption_table)
    return report.Section(
        "outcomes",
        "Outcomes for children in care and care leavers",
        "What a corporate parent asks about beside the IROs' own work: health, care leavers, children who went "
        "missing, adoption, placement stability, where children live and how they left care. Percentages can be "
        "set beside the authority's statistical neighbours and England.",
        tables,
    )
