"""The report's outcomes section on the hand-built authority, with health records and a missing
episode added whose every figure is known: both years in the page and the CSV, the same numbers
as the outcomes page, the board version's suppression, and comparators beside the outcomes and
the grid tables."""

from datetime import date as D

import pytest
from django.urls import reverse

from outcomes.models import HealthRecord, MissingEpisode
from reporting import services, stored_figures
from reporting.models import ComparatorFigure
from tests.annual_report.authority import ON, YEAR
from tests.annual_report.formats import csv_by_measure, page_tables
from tests.conftest import in_care, sign_in
from tests.factories import ChildFactory


@pytest.fixture
def outcome_records(authority):
    """This year (OC2 of 2026): the 8 bulk children have health records, 6 of them with their
    health assessment up to date, all with an SDQ score of 10 or 11 (an average of 10.5). Last year (OC2 of 2025):
    the same 8, every assessment up to date, no SDQ scores. Wren, in care since January 2026,
    went missing once in February 2026 and again in March."""
    bulk = sorted(authority["bulk"], key=lambda child: child.local_child_id)
    for index, child in enumerate(bulk):
        HealthRecord.objects.create(
            child=child, year=YEAR + 1, health_assessment=index >= 2, sdq_score=10 if index % 2 else 11
        )
        HealthRecord.objects.create(child=child, year=YEAR, health_assessment=True)
    MissingEpisode.objects.create(child=authority["wren"], kind="M", start_date=D(2026, 2, 1), end_date=D(2026, 2, 2))
    MissingEpisode.objects.create(child=authority["wren"], kind="M", start_date=D(2026, 3, 1), end_date=D(2026, 3, 1))
    return authority


def test_the_outcomes_section_shows_both_years_in_the_page_and_the_csv(outcome_records, report, client, manager):
    signed_in = sign_in(client, manager)
    tables = page_tables(signed_in.get(reverse("reporting:annual_report", args=[YEAR])))
    # Number and percentage of the cohort, this year then last year.
    assert tables.row("outcomes-health", "Looked after continuously for 12 months at 31 March")[::2] == ["8", "8"]
    assert tables.row("outcomes-health", "Health assessment up to date") == ["6", "75%", "8", "100%"]
    assert tables.row("outcomes-sdq-score", "Average SDQ score, children aged 4 to 16 looked after for 12 months") == [
        "10.5",
        "not available",
    ]
    # Looked after during the year, short breaks left out: the 8, Ulla, Lark, Wren and Cato this
    # year; the 8, Lark, Cato and Pim last year.
    assert tables.row("outcomes-missing", "Went missing") == ["1", "8%", "0", "0%"]
    assert tables.row("outcomes-missing-episodes", "Missing episodes that started in the year") == ["2", "0"]
    assert tables.row("outcomes-missing-episodes", "Missing episodes per child who went missing") == [
        "2",
        "not available",
    ]
    rows = csv_by_measure(signed_in.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    row = rows["Looked after continuously for 12 months at 31 March: health assessment up to date (%)"]
    assert row[:5] == ["Outcomes for children in care and care leavers", row[1], "percent", "75", "100"]


def test_the_report_counts_outcomes_as_the_outcomes_page_does(outcome_records, report):
    """One definition: every outcome figure of the report is the outcomes page's figure."""
    content = services.draft(report, ON)
    page = stored_figures.authority_outcome_figures(YEAR, ON).figures
    for key, figure in page["figures"].items():
        assert content.figures[f"outcomes.{key}"].this_year == figure["count"], key
        assert content.figures[f"outcomes.{key}.percent"].this_year == figure["percent"], key
    for cohort, count in page["cohorts"].items():
        assert content.figures[f"outcomes.cohort.{cohort}"].this_year == count, cohort


def test_every_child_who_ceased_left_by_one_route_so_the_routes_add_up(outcome_records, report):
    content = services.draft(report, ON)
    routes = [key for key in content.figures if key.startswith("outcomes.route_") and not key.endswith(".percent")]
    for year in ("this_year", "last_year"):
        assert sum(content.figures[key].value(year) for key in routes) == content.figures[
            "outcomes.cohort.ceased"
        ].value(year)


def test_the_board_version_hides_the_one_child_who_went_missing(outcome_records, report, client, manager):
    tables = page_tables(
        sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board")
    )
    assert tables.row("outcomes-missing", "Went missing") == ["c", "c", "0", "0%"]
    assert tables.row("outcomes-missing-episodes", "Missing episodes per child who went missing")[0] == "c"
    assert tables.row("outcomes-health", "Health assessment up to date") == ["6", "75%", "8", "100%"]


def test_comparators_sit_beside_outcome_percentages_and_grid_shares(outcome_records, report, client, manager):
    report.refresh_from_db()
    services.save_comparators(
        YEAR,
        by=manager,
        figures={
            "outcomes.health_assessment.percent": {"statistical_neighbours": "88.5", "england": "90"},
            "children.placements.foster.percent": {"statistical_neighbours": None, "england": "68"},
        },
        expected_version=report.comparators_version,
    )
    assert ComparatorFigure.objects.filter(year=YEAR).count() >= 2
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("outcomes-health", "Health assessment up to date") == ["6", "75%", "8", "100%", "88.5%", "90%"]
    foster = tables.row("children-placements", "Foster placement")
    assert foster[-2:] == ["", "68%"]


def test_children_who_ceased_are_counted_as_the_dfe_counts_them_in_both_tables(outcome_records, report):
    """A short break ending is not ceasing to be looked after; a child whose care turns into
    short breaks ceases that day (REC X1, one of the "other reasons"). The children looked after
    table and the routes out of care count the same children."""
    breaks = ChildFactory(given_name="Shorty", local_child_id="QZ9200")
    in_care(breaks, D(2025, 6, 1), D(2025, 6, 3), legal_status="V3", placement_type="P1")
    turned = ChildFactory(given_name="Turner", local_child_id="QZ9201")
    in_care(turned, D(2024, 1, 1), D(2025, 10, 1), reason_episode_ceased="X1")
    in_care(turned, D(2025, 10, 1), D(2025, 10, 4), legal_status="V4", reason_for_new_episode="L")
    content = services.draft(report, ON)
    # Cato ceased in September, and Turner when his care became short breaks; not Shorty.
    assert content.figures["children.ceased"].this_year == 2
    assert content.figures["outcomes.cohort.ceased"].this_year == 2
    assert content.figures["outcomes.route_other"].this_year == 1
    routes = [key for key in content.figures if key.startswith("outcomes.route_") and not key.endswith(".percent")]
    assert sum(content.figures[key].this_year for key in routes) == 2
