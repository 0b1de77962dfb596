"""The forms for figures entered by hand, and a report page whose queries do not grow with the
number of children."""

from datetime import date as D
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting import maintained
from reporting.models import ComparatorFigure, OtherActivity
from tests.annual_report.authority import YEAR, child, episode, lac_review
from tests.annual_report.formats import page_tables
from tests.conftest import oversight_record, sign_in


def test_other_activity_in_time_above_held_is_refused(authority, client, manager):
    before = OtherActivity.objects.get(year=YEAR)
    response = sign_in(client, manager).post(
        reverse("reporting:other_activity", args=[YEAR]),
        {
            "child_population": "25000",
            "fostering_reviews_held": "10",
            "fostering_reviews_in_time": "11",
        },
    )
    assert response.status_code == 400
    assert "Reviews held in time cannot be more than the reviews held." in response.content.decode()
    after = OtherActivity.objects.get(year=YEAR)
    assert (after.child_population, after.fostering_reviews_held, after.updated_at) == (20000, 40, before.updated_at)


def test_comparators_with_a_repeated_measure_are_refused(authority, client, manager):
    data = {
        "comparator-TOTAL_FORMS": "2",
        "comparator-INITIAL_FORMS": "0",
        "comparator-MIN_NUM_FORMS": "0",
        "comparator-MAX_NUM_FORMS": "80",
    }
    for n in range(2):
        data.update(
            {
                f"comparator-{n}-measure": "lac.percent_in_timescale",
                f"comparator-{n}-statistical_neighbours": f"{60 + n}",
                f"comparator-{n}-england": "",
            }
        )
    response = sign_in(client, manager).post(reverse("reporting:comparators", args=[YEAR]), data)
    assert response.status_code == 400
    assert "Each measure can have only one row of comparators." in response.content.decode()
    assert sorted(ComparatorFigure.objects.filter(year=YEAR).values_list("measure", "statistical_neighbours")) == [
        ("children.rate_per_10000", Decimal("72.4")),
        ("lac.percent_in_timescale", Decimal("85.5")),
    ]


@pytest.mark.parametrize("kept_before", [0, maintained.KEPT_IN_THIS_PROCESS - 1])
def test_the_report_page_runs_the_same_number_of_queries_whatever_the_number_of_children(
    authority, client, manager, kept_before
):
    """Also in a process that already keeps other figures: the report's own stay kept (compiled
    again, they would cost queries of their own)."""
    for number in range(kept_before):
        maintained._compiled.keep(("other figures", number), [])
        maintained._worked_out.keep(("other figures", number), None)
    sign_in(client, manager)
    url = reverse("reporting:annual_report", args=[YEAR])
    client.get(url)  # the session and anything cached once

    def more_children(number, start):
        for n in range(start, start + number):
            kid = child(
                f"Extra{n}",
                f"QX{n:04d}",
                date_of_birth=D(2012, 1, 1 + n % 28),
                sex="MF"[n % 2],
                ethnicity=["WBRI", "BAFR", "MWBC"][n % 3],
                is_uasc=n % 4 == 0,
            )
            episode(
                kid,
                D(2024, 1, 1 + n % 28),
                placement_type=["U4", "K2"][n % 2],
                placement_provider=["PR1", "PR4"][n % 2],
            )
            lac_review(kid, D(2025, 5, 1 + n % 28), D(2025, 5, 15), ["PN1", "PN7", "PN0"][n % 3])
            oversight_record(kid, authority["iro"], "midway_review", D(2025, 8, 1), rag="red")

    counts = []
    for number, start in ((3, 0), (15, 3)):
        more_children(number, start)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert page_tables(response).row("children-numbers", "Looked after at the end of the year (31 March)")[:2] == [
        "29",
        "28",
    ]
