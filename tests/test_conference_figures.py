"""The conference figures (reporting.selectors.conference_figures): conferences quorate and the
first core group meeting within 10 working days of an ICPC, recounted from the raw records, on
the dashboard with the list behind each figure, and in the annual report with last year beside.

The authority: ICPCs and RCPCs held in the reporting year 2025 (and one the year before), each
with the record its chair kept, or none; ON is the day the figures are counted."""

from datetime import date as D

import pytest
from django.urls import reverse

from children.models import Child
from reporting import selectors, services
from reporting.dashboard import conferences as dashboard_conferences
from reporting.periods import reporting_year
from reviews import timescales
from reviews.models import CONFERENCE_KINDS, ConferenceRecord, Review, ReviewKind
from tests.annual_report.formats import csv_by_measure, page_tables
from tests.conftest import held_review, review_due, sign_in
from tests.factories import ChildFactory, conference_record_ready

YEAR = 2025
PERIOD = reporting_year(YEAR)
ON = D(2026, 3, 27)
NOT_QUORATE = (("Sam Social", "social_care"), ("PC Pat Patrol", "police"))


def icpc(name, held_on, *, record=True, quorate=True, core_group_held=None, plan=True):
    """An ICPC held on `held_on`; with a plan, its first core group falls due as the portal sets it."""
    review = held_review(ChildFactory(given_name=name), ReviewKind.ICPC, due=held_on, held=held_on, number=1)
    if record:
        due = timescales.first_core_group_due(held_on) if plan else None
        conference_record_ready(
            review,
            **({} if quorate else {"attendees": NOT_QUORATE}),
            quorate=quorate,
            not_quorate_reason="" if quorate else "The police could not come; the child was at risk.",
            first_core_group_due=due,
            first_core_group_held=core_group_held(due) if core_group_held else None,
        )
    return review


def rcpc(name, held_on, *, quorate=True):
    review = held_review(ChildFactory(given_name=name), ReviewKind.RCPC, due=held_on, held=held_on, number=1)
    conference_record_ready(
        review, **({} if quorate else {"attendees": NOT_QUORATE}), quorate=quorate, not_quorate_reason="Urgent"
    )
    return review


@pytest.fixture
def conferences(db):
    late_day = timescales.add_working_days(ON, -8)  # its first core group is due 2 working days after ON
    return {
        "on_time": icpc("Olive", D(2025, 5, 6), core_group_held=lambda due: due),
        "a_day_late": icpc(
            "Lena", D(2025, 6, 3), quorate=False, core_group_held=lambda due: timescales.add_working_days(due, 1)
        ),
        "never_held": icpc("Nia", D(2025, 9, 9)),
        "not_yet_due": icpc("Pia", late_day),
        "no_plan": icpc("Nora", D(2025, 10, 1), plan=False),
        "no_record": icpc("Rita", D(2025, 11, 4), record=False),
        "last_year": icpc("Lars", D(2025, 3, 4), quorate=False, core_group_held=lambda due: due),
        "rcpc_quorate": rcpc("Ruth", D(2025, 7, 1)),
        "rcpc_not_quorate": rcpc("Remy", D(2026, 1, 6), quorate=False),
        "due": review_due(ChildFactory(given_name="Dana"), ReviewKind.ICPC, due=D(2026, 3, 2), number=1),
    }


def recount(period, on):
    """The conference figures counted in Python from every review and record row."""
    records = {record.review_id: record for record in ConferenceRecord.objects.all()}
    counted = {}
    for kind in CONFERENCE_KINDS:
        held = [
            review
            for review in Review.objects.filter(kind=kind)
            if review.held_on and period.start <= review.held_on <= period.end
        ]
        recorded = [records[review.pk] for review in held if review.pk in records]
        quorate = sum(record.quorate for record in recorded)
        counted[kind.value] = {"held": len(held), "recorded": len(recorded), "quorate": quorate}
        outcomes = {"met": 0, "missed": 0, "pending": 0}
        for record in recorded:
            due, met = record.first_core_group_due, record.first_core_group_on_time
            if due is None:
                continue
            outcomes["pending" if met is None and due >= on else "met" if met else "missed"] += 1
        counted[kind.value]["first_core_group"] = outcomes
    return counted


def test_every_conference_figure_is_the_recount_from_the_records(conferences):
    figures = selectors.conference_figures(PERIOD, ON)
    recounted = recount(PERIOD, ON)
    for kind in ("ICPC", "RCPC"):
        for name in ("held", "recorded", "quorate"):
            assert figures[kind][name] == recounted[kind][name], (kind, name)
    outcomes = figures["ICPC"]["first_core_group"]
    assert {outcome: outcomes[outcome] for outcome in ("met", "missed", "pending")} == recounted["ICPC"][
        "first_core_group"
    ]
    assert figures["ICPC"] == {
        "held": 6,
        "recorded": 5,  # Rita's chair recorded nothing: neither quorate nor not
        "quorate": 4,
        "not_quorate": 1,
        "percent_quorate": 80,
        "first_core_group": {"met": 1, "missed": 2, "pending": 1, "percent_met": 33},  # Nora made no plan
    }
    assert figures["RCPC"] == {"held": 2, "recorded": 2, "quorate": 1, "not_quorate": 1, "percent_quorate": 50}


def test_last_year_and_a_childs_scope_are_counted_alike(conferences):
    last_year = selectors.conference_figures(reporting_year(YEAR - 1), ON)
    assert last_year["ICPC"]["quorate"] == 0 and last_year["ICPC"]["not_quorate"] == 1
    assert last_year["ICPC"]["first_core_group"]["met"] == 1
    one_child = selectors.conference_figures(PERIOD, ON, children=Child.objects.filter(given_name="Lena"))
    assert one_child["ICPC"]["not_quorate"] == 1 and one_child["ICPC"]["first_core_group"]["missed"] == 1
    assert one_child["RCPC"]["recorded"] == 0 and one_child["RCPC"]["percent_quorate"] is None


def test_nothing_held_gives_no_percentages(db):
    figures = selectors.conference_figures(PERIOD, ON)
    assert figures["ICPC"]["percent_quorate"] is None
    assert figures["ICPC"]["first_core_group"]["percent_met"] is None


def test_the_figures_are_counted_in_one_query(conferences, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.conference_figures(PERIOD, ON)


def listed(client, url):
    """The children named in the held list a dashboard figure links to."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return {name for name in ("Olive", "Lena", "Nia", "Pia", "Nora", "Rita", "Lars", "Ruth", "Remy") if name in html}


def test_each_dashboard_figure_opens_the_conferences_it_counts(conferences, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    content = dashboard_conferences({"conferences": selectors.conference_figures(PERIOD, ON)}, PERIOD)
    icpcs, rcpcs = content["quorum"]
    assert listed(client, icpcs["quorate"].url) == {"Olive", "Nia", "Pia", "Nora"}
    assert listed(client, icpcs["not_quorate"].url) == {"Lena"}
    assert listed(client, rcpcs["quorate"].url) == {"Ruth"}
    assert listed(client, rcpcs["not_quorate"].url) == {"Remy"}
    met, missed, pending = content["first_core_group"]
    assert (met.value, missed.value, pending.value) == (1, 2, 1)
    assert listed(client, met.url) == {"Olive"}
    assert listed(client, missed.url) == {"Lena", "Nia"}
    assert listed(client, pending.url) == {"Pia"}


def test_the_dashboard_shows_the_conference_figures(conferences, client, manager, clock):
    clock(ON)
    response = sign_in(client, manager).get(reverse("reporting:dashboard"))
    rows = page_tables(response).by_caption["Conferences quorate"][1:]
    assert [[cell.split(":")[0] for cell in row] for row in rows] == [
        ["Initial child protection conference", "6", "5", "4", "1", "80%"],
        ["Review child protection conference", "2", "2", "1", "1", "50%"],
    ]


def test_the_annual_report_has_them_with_last_year_beside(conferences, client, manager, clock):
    clock(ON)
    report = services.report_for_year(YEAR)
    figures = services.draft(report, ON).figures
    got = {
        key: (figures[key].this_year, figures[key].last_year)
        for key in (
            "cp.icpc.attendance_recorded",
            "cp.icpc.quorate",
            "cp.icpc.percent_quorate",
            "cp.rcpc.quorate",
            "cp.rcpc.percent_quorate",
            "cp.first_core_group_due",
            "cp.first_core_group_in_time",
            "cp.percent_first_core_group_in_time",
        )
    }
    assert got == {
        "cp.icpc.attendance_recorded": (5, 1),
        "cp.icpc.quorate": (4, 0),
        "cp.icpc.percent_quorate": (80, 0),
        "cp.rcpc.quorate": (1, 0),
        "cp.rcpc.percent_quorate": (50, None),
        "cp.first_core_group_due": (3, 1),
        "cp.first_core_group_in_time": (1, 1),
        "cp.percent_first_core_group_in_time": (33, 100),
    }
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("cp-quorum", "Initial child protection conferences quorate") == ["4", "0"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows["First core group meeting held within 10 working days (%)"][3:5] == ["33", "100"]
