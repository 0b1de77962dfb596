"""Every figure of the annual report for both years, and the figures that need entering by hand."""

from decimal import Decimal

from django.urls import reverse

from reporting import services
from tests.annual_report.authority import KNOWN, ON, YEAR
from tests.annual_report.formats import page_tables
from tests.conftest import sign_in


def test_every_known_figure_for_both_years(authority, report):
    figures = services.draft(report, ON).figures
    got = {key: (figures[key].this_year, figures[key].last_year) for key in KNOWN}
    assert got == KNOWN
    assert (
        figures["lac.percent_in_timescale"].statistical_neighbours,
        figures["lac.percent_in_timescale"].england,
    ) == (Decimal("85.5"), Decimal("88.5"))


def test_the_rate_per_10000_and_other_activity_need_entering(records, report, client, manager):
    figures = services.draft(report, ON).figures
    assert (figures["children.rate_per_10000"].this_year, figures["children.rate_per_10000"].last_year) == (None, None)
    assert figures["other.advocacy_referrals"].this_year is None
    services.save_other_activity(YEAR, by=manager, fields={"child_population": 22000, "advocacy_referrals": 0})
    figures = services.draft(report, ON).figures
    assert figures["children.rate_per_10000"].this_year == 5.0  # 11 of 22,000
    assert figures["children.rate_per_10000"].last_year is None  # nothing entered for 2024
    assert figures["other.advocacy_referrals"].this_year == 0  # entered as 0: not "not available"
    assert figures["other.complaints_received"].this_year is None
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("children-numbers", figures["children.rate_per_10000"].label) == ["5", "not available"]
    assert tables.row("other-activity", "Referrals for advocacy") == ["0", "not available"]
    assert tables.row("other-activity", "Complaints received") == ["not available", "not available"]
