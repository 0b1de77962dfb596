"""Quarterly trends: key figures quarter by quarter, counted by the year's own selectors in a fixed
number of queries, stored with the year's figures and frozen on publishing, shown as a line
chart with a table in the page, the CSV and the API, suppressed in the board version and
"not yet" for a quarter still to come.

The hand-built authority (tests/annual_report/authority.py), quarter by quarter:

This year (April 2025 to March 2026): LAC reviews held Q1 8 (bulk, in timescale, PN1 x6 and
PN2 x2), Q2 1 (Lark, in timescale, PN0), Q3 1 (Ulla, late, PN5); an ICPC in timescale in Q2
(Nell); looked after at the quarter's end 11 (bulk 8, Lark, Cato, Ulla), 10 (Cato ceased 1
September), 10, 11 (Wren came into care 15 January); one escalation raised, in Q1.

Last year (April 2024 to March 2025): LAC reviews held Q1 8 (bulk, in timescale, PN1 x4 and PN3
x4), Q2 1 (Cato, late, PN7); looked after at the quarter's end 11 (bulk 8, Cato, Pim, Lark), 11,
10 (Pim ceased 1 October), 10; no escalations.
"""

from datetime import date as D
from decimal import Decimal

from django.urls import reverse

from reporting import services
from reporting.models import Variant
from reporting.periods import Period, reporting_year
from reporting.presentation import Presenter
from reporting.selectors import (
    escalation_year_figures,
    lac_review_participation_and_quality,
    quarterly_figures,
    review_timeliness,
)
from tests.annual_report.authority import ON, YEAR, add_child_in_care_with_a_review
from tests.annual_report.formats import csv_by_measure, page_tables
from tests.api_helpers import api_client
from tests.conftest import in_care, sign_in
from tests.factories import ChildFactory

Q1, Q2, Q3, Q4 = "Q1 April to June", "Q2 July to September", "Q3 October to December", "Q4 January to March"
TRENDS = {
    # table id: {quarter: [this year, last year]}, as the full version's page shows them
    "trends-lac-in-timescale": {
        Q1: ["100%", "100%"],
        Q2: ["100%", "0%"],
        Q3: ["0%", "not available"],
        Q4: ["not available", "not available"],
    },
    "trends-participation-rate": {
        Q1: ["100%", "100%"],
        Q2: ["not available", "0%"],  # PN0 only: under 4, left out of the rate
        Q3: ["100%", "not available"],
        Q4: ["not available", "not available"],
    },
    "trends-icpc-in-timescale": {
        Q1: ["not available", "not available"],
        Q2: ["100%", "not available"],
        Q3: ["not available", "not available"],
        Q4: ["not available", "not available"],
    },
    "trends-looked-after": {Q1: ["11", "11"], Q2: ["10", "11"], Q3: ["10", "10"], Q4: ["11", "10"]},
    "trends-escalations-raised": {Q1: ["1", "0"], Q2: ["0", "0"], Q3: ["0", "0"], Q4: ["0", "0"]},
}


def test_the_quarters_are_counted_in_a_fixed_number_of_queries(records, django_assert_num_queries):
    with django_assert_num_queries(3):  # reviews, escalations and the quarter ends, each grouped by quarter
        quarters = quarterly_figures(reporting_year(YEAR), ON)
    assert [(q["start"], q["end"]) for q in quarters] == [
        (D(2025, 4, 1), D(2025, 6, 30)),
        (D(2025, 7, 1), D(2025, 9, 30)),
        (D(2025, 10, 1), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 3, 31)),
    ]
    assert [(q["reviews"]["LAC"]["held"], q["reviews"]["LAC"]["in_timescale"]) for q in quarters] == [
        (8, 8),
        (1, 1),
        (1, 0),
        (0, 0),
    ]
    assert [(q["participated"], q["participation_counted"]) for q in quarters] == [(8, 8), (0, 0), (1, 1), (0, 0)]
    assert [q["looked_after_at_end"] for q in quarters] == [11, 10, 10, 11]
    assert [q["escalations_raised"] for q in quarters] == [1, 0, 0, 0]
    # A year under way: only the quarters started are counted.
    with django_assert_num_queries(3):
        under_way = quarterly_figures(reporting_year(YEAR), D(2025, 8, 15))
    assert under_way[2:] == [None, None] and under_way[1]["looked_after_at_end"] == 10


def test_the_report_shows_each_trend_as_a_table_of_both_years_and_a_line_chart(authority, report, client, manager):
    services.save_targets(
        YEAR, by=manager, targets={"lac.percent_in_timescale": {"value": Decimal("98"), "direction": "at_least"}}
    )
    sign_in(client, manager)
    response = client.get(reverse("reporting:annual_report", args=[YEAR]))
    tables = page_tables(response)
    for table_id, quarters in TRENDS.items():
        for quarter, values in quarters.items():
            assert tables.row(table_id, quarter) == values, (table_id, quarter)
    page = response.content.decode()
    assert 'id="chart-trends-lac-in-timescale-title"' in page
    assert "Target for the year: at least 98%" in page
    assert "Q4 of April 2025 to March 2026 has nothing to count" in page
    assert "a solid line for April 2025 to March 2026 and a dashed one for April 2024 to March 2025" in page
    # The last quarter and the year agree: one definition.
    assert tables.row("children-numbers", "Looked after at the end of the year (31 March)")[:2] == ["11", "10"]

    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows[f"LAC reviews in timescale (%), {Q1}"][:5] == [
        "Trends through the year",
        f"LAC reviews in timescale (%), {Q1}",
        "percent",
        "100",
        "100",
    ]
    assert rows[f"LAC reviews in timescale (%), {Q4}"][3:5] == ["", ""]
    assert rows[f"Children looked after at the end of the quarter, {Q3}"][3:5] == ["10", "10"]
    assert rows[f"Escalations raised, {Q1}"][3:5] == ["1", "0"]
    assert not [label for label in rows if label.endswith(": numerator")]

    figures = {
        figure["key"]: figure
        for figure in api_client(manager).get(f"/api/v1/annual-reports/{YEAR}/figures/").json()["figures"]
    }
    assert (figures["trends.lac_in_timescale.q2"]["this_year"], figures["trends.lac_in_timescale.q2"]["last_year"]) == (
        100,
        0,
    )
    assert figures["trends.lac_in_timescale.q2"]["section"] == "trends"
    assert figures["trends.looked_after.q4"]["this_year"] == 11


def test_the_board_version_suppresses_small_quarters(authority, report, client, manager):
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"))
    assert tables.row("trends-lac-in-timescale", Q1) == ["100%", "100%"]  # 8 of 8
    assert tables.row("trends-lac-in-timescale", Q2) == ["c", "c"]  # 1 of 1; 0 of 1
    assert tables.row("trends-escalations-raised", Q1) == ["c", "0"]
    assert tables.row("trends-looked-after", Q1) == ["11", "11"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert rows[f"LAC reviews in timescale (%), {Q3}"][3:5] == ["c", ""]
    assert rows[f"Escalations raised, {Q1}"][3:5] == ["c", "0"]
    page = client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board").content.decode()
    assert "Q2 of April 2025 to March 2026 has small numbers, left out to protect children&#x27;s privacy" in page


def test_a_quarter_not_started_says_not_yet(authority, report):
    presenter = Presenter(services.draft(report, on=D(2025, 8, 15)), Variant.INTERNAL)
    table = next(t for s in presenter.sections() if s["key"] == "trends" for t in s["tables"])
    cells = {row["label"]: [cell.text for cell in row["this_year"] + row["last_year"]] for row in table["rows"]}
    assert cells == {
        Q1: ["100%", "100%"],
        Q2: ["100%", "0%"],
        Q3: ["not yet", "not available"],
        Q4: ["not yet", "not available"],
    }
    for quarter in ("Q3", "Q4"):
        assert f"{quarter} of April 2025 to March 2026 has not started yet" in table["chart"]
    rows = {row[1]: row for row in presenter.csv_rows()}
    assert rows[f"Escalations raised, {Q4}"][3:5] == ["not yet", "0"]


def test_a_published_version_freezes_its_quarters(authority, report, client, manager):
    services.publish(report, by=manager, confirmed=True)
    add_child_in_care_with_a_review()  # a LAC review in timescale on 1 October 2025
    sign_in(client, manager)
    published = page_tables(client.get(reverse("reporting:published_report", args=[YEAR, 1])))
    draft = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert published.row("trends-lac-in-timescale", Q3) == ["0%", "not available"]
    assert draft.row("trends-lac-in-timescale", Q3) == ["50%", "not available"]
    assert (published.row("trends-looked-after", Q2), draft.row("trends-looked-after", Q2)) == (
        ["10", "11"],
        ["11", "11"],
    )


def test_each_quarter_is_what_the_year_s_selectors_count_for_that_quarter(records):
    """A quarter's figures, grouped in one pass, and the year's selectors run over the quarter
    alone are one rule: held, in timescale, the participation rate's parts, escalations raised."""
    year = reporting_year(YEAR)
    for quarter in quarterly_figures(year, ON):
        alone = Period(quarter["start"], quarter["end"])
        reviews, lac = review_timeliness(alone, ON), lac_review_participation_and_quality(alone, ON)
        assert quarter["reviews"] == {
            kind: {"held": counted["held"], "in_timescale": counted["in_timescale"]}
            for kind, counted in reviews.items()
        }
        assert (quarter["participated"], quarter["participation_counted"]) == (
            lac["participated"],
            lac["participation_counted"],
        )
        assert quarter["escalations_raised"] == escalation_year_figures(alone)["raised"]
    year_reviews = review_timeliness(year, ON)
    assert sum(q["reviews"]["LAC"]["held"] for q in quarterly_figures(year, ON)) == year_reviews["LAC"]["held"] == 10


def test_the_last_quarters_children_looked_after_is_the_years_short_breaks_left_out(authority, report):
    """A child looked after only under short breaks on 31 March is in neither count."""
    in_care(ChildFactory(given_name="Shorty"), D(2026, 3, 20), D(2026, 4, 5), legal_status="V3", placement_type="P1")
    content = services.draft(report, ON)
    assert content.figures["children.short_breaks_at_end"].this_year == 1
    assert content.figures["trends.looked_after.q4"].this_year == content.figures["children.at_end"].this_year == 11
