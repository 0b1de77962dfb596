"""Small-number suppression in the board version, with secondary suppression so that no hidden
count can be worked out from what is shown."""

from datetime import date as D
from decimal import Decimal

import pytest
from django.urls import reverse

from reporting import annual_report, services
from tests.annual_report.authority import ON, YEAR, child
from tests.annual_report.formats import assert_nothing_suppressed_can_be_worked_out, csv_by_measure, labels, page_tables
from tests.conftest import sign_in
from tests.factories import AllocationFactory, IroFactory


def test_the_board_preview_suppresses_small_numbers_and_what_would_give_them_away(authority, report, client, manager):
    names = labels()
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"))
    internal = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    # Primary: 1 to 5 are "c"; 0 and 6 or more are shown.
    assert tables.row("children-numbers", names["children.started"])[:2] == ["c", "c"]  # 2 and 1
    assert tables.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["6", "c"]  # 6 shown, 4 not
    assert tables.row("lac-participation", "PN3: attends and conveys views non-verbally or symbolically") == ["0", "c"]
    assert tables.row("cp-conferences", names["cp.icpc.held"]) == ["c", "0"]
    assert tables.row("oversight-kind", "All oversight records") == ["7", "c"]
    assert tables.row("other-activity", names["other.independent_visitor_matches"]) == ["c", "7"]
    assert tables.row("other-activity", names["other.complaints_stage_3"]) == ["0", "0"]
    # Rates and other numbers are never suppressed.
    assert tables.row("children-numbers", names["children.rate_per_10000"]) == ["5.5", "6.7", "72.4", "71"]
    # Percentages with a small numerator or denominator.
    assert tables.row("cp-conferences", names["cp.icpc.percent_in_timescale"]) == ["c", "not available"]  # 1 of 1
    assert tables.row("children-age", "1 to 4") == ["c", "c", "0", "0%"]  # 1 of 11; none last year
    assert tables.row("children-age", "10 to 15") == ["8", "73%", "8", "80%"]
    assert tables.row("lac-timeliness", "Held in timescale (%)") == ["90%", "89%", "85.5%", "88.5%"]
    # Secondary: the only small gender is Male (1 both years), so Female (10 and 9) is suppressed
    # too, and its percentage with it, or 11 - 10 would give the boy away; the total stays.
    assert tables.row("children-sex", "Male") == ["c", "c", "c", "c"]
    assert tables.row("children-sex", "Female") == ["c", "c", "c", "c"]
    assert tables.row("children-sex", "Unknown") == ["0", "0%", "0", "0%"]
    assert tables.row("children-sex", "All children") == ["11", "", "10", ""]
    assert internal.row("children-sex", "Female") == ["10", "91%", "9", "90%"]
    assert internal.row("children-sex", "Male") == ["1", "9%", "1", "10%"]
    # The one late review: its reason and the total of reasons are both hidden.
    assert tables.row("lac-late-reason", "IRO unavailable") == ["c", "0"]
    assert tables.row("lac-late-reason", "All late reviews") == ["c", "c"]
    # The UASC child: a single Black African boy.
    black = tables.row("children-ethnicity", "Black or Black British")
    assert black[0] == "c" and black[2] == "c" and black[3] == "c"
    assert internal.row("children-ethnicity", "Black or Black British") == ["1", "0", "1", "9%", "0", "0", "0", "0%"]
    # The CSV of the preview suppresses exactly the same cells.
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert rows[names["children.sex.F"]][3:5] == ["c", "c"]
    assert rows[names["children.sex.total"]][3:5] == ["11", "10"]
    assert rows[names["lac.participation.PN1"]][3:5] == ["6", "c"]
    assert rows[names["cp.icpc.percent_in_timescale"]][3:5] == ["c", ""]
    assert_nothing_suppressed_can_be_worked_out(rows)
    internal_rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert not any("c" in row[3:5] for row in internal_rows.values()), "the internal version suppresses nothing"


def test_the_suppression_thresholds_are_settings(authority, report, client, manager, settings):
    names = labels()
    url = reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"
    sign_in(client, manager)
    settings.SUPPRESSION_HIGHEST_COUNT = 7
    tables = page_tables(client.get(url))
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["c", "c"]  # 6 now small
    assert tables.row("oversight-kind", "All oversight records") == ["c", "c"]  # 7 too
    assert tables.row("other-activity", names["other.independent_visitor_matches"]) == ["c", "c"]
    assert tables.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    settings.SUPPRESSION_HIGHEST_COUNT = 2
    tables = page_tables(client.get(url))
    assert tables.row("oversight-kind", "All oversight records") == ["7", "3"]
    # Last year PN7 (1) is still small, so the smallest other code, PN1 (4, before PN3's 4), goes too.
    assert tables.row("lac-participation", "PN7: does not attend and views not conveyed") == ["0", "c"]
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["6", "c"]
    assert tables.row("lac-participation", "PN3: attends and conveys views non-verbally or symbolically") == ["0", "4"]
    assert tables.row("cp-conferences", names["cp.icpc.held"]) == ["c", "0"]  # 1 still small


def test_the_suppression_check_itself_finds_a_cell_given_away():
    names = labels()
    rows = {
        names[key]: ["", "", "", this_year, "0", "", ""]
        for key, this_year in [
            ("children.sex.M", "c"),
            ("children.sex.F", "10"),
            ("children.sex.U", "0"),
            ("children.sex.total", "11"),
        ]
    }
    with pytest.raises(AssertionError, match="Gender: Male = total minus the shown parts"):
        assert_nothing_suppressed_can_be_worked_out(rows)
    rows[names["children.sex.F"]][3] = "c"
    rows[names["children.sex.F.percent"]] = ["", "", "", "91", "", "", ""]
    with pytest.raises(AssertionError, match="Gender: Female .%. is shown"):
        assert_nothing_suppressed_can_be_worked_out(rows)


@pytest.mark.django_db
def test_the_board_version_hides_caseload_ratios_that_would_give_a_small_count_away():
    """With one full-time IRO holding 3 children, "3 children per full-time IRO" would show the
    3 the board version hides elsewhere, so the ratios go with the count; the IRO count and
    FTE, which say nothing about children, stay."""
    from reporting.presentation import board_suppression

    iro = IroFactory(first_name="Solo", last_name="Chair", fte=Decimal("1.00"))
    for number in range(3):
        AllocationFactory(child=child(f"Kid{number}", f"RATIO{number}"), iro=iro, start_date=D(2024, 1, 1))
    content = services.draft(services.report_for_year(2025), ON)
    assert content.figures["service.children_allocated"].this_year == 3
    assert content.figures["service.children_per_fte"].this_year == 3
    suppressed = board_suppression(content)
    for key in ("service.children_allocated", "service.children_per_fte", "service.average_per_iro"):
        assert (key, annual_report.THIS_YEAR) in suppressed, key
    assert ("service.iros", annual_report.THIS_YEAR) not in suppressed
    assert ("service.fte", annual_report.THIS_YEAR) not in suppressed
