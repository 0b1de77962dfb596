"""The annual report's benchmark baselines (bench/report_baselines.py) count what the selectors
count: the hand-written SQL bound and the pandas pass over the SSDA903-style CSVs must give the
product's figures exactly, or the benchmark would time different work. Checked on a small seeded
authority for the last complete reporting year and the year before, so a change to a selector's
rule that the baselines do not follow fails here. The suite does not install the benchmark's
packages (bench/requirements.txt), so the pandas half is skipped without pandas."""

import csv
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from bench import report_baselines
from children.models import Allocation, ChildProtectionPlan
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from reporting.periods import reporting_year, year_to_date
from reporting.selectors import reporting_year_figures
from reviews.timescales import add_working_days, reporting_year_start
from ssda903.files import parse_date, recognise
from tests.conftest import kept_for_the_module, postgresql_only
from tests.factories import ChildFactory, HeldReviewFactory, IroFactory, ReviewFactory

pytestmark = postgresql_only  # the SQL bound is written for PostgreSQL, and the export uses COPY

TODAY = date(2025, 11, 25)
LAST_COMPLETE_YEAR = reporting_year_start(TODAY).year - 1
PERIODS = {
    "last complete year": reporting_year(LAST_COMPLETE_YEAR),
    "the year before": reporting_year(LAST_COMPLETE_YEAR - 1),
    "this year to date": year_to_date(TODAY),
}


def add_edge_cases():
    """What a small seed rarely holds, on the boundaries of the rules the baselines re-implement:
    a plan that lasted exactly two years and one a day short of them, repeats within and just
    outside two years (a 29 February start), a long open plan with a changed category;
    escalations withdrawn, referred to Cafcass, resolved on the 20th working day (bank holidays
    between) and the day after; an inactive IRO still holding a case, an inactive one holding
    none, and one far above the band; a LAC review a week overdue, and one held yesterday whose
    decisions are still to be circulated."""
    year_end = reporting_year(LAST_COMPLETE_YEAR).end
    two_years, repeat_soon, repeat_late, long_open = ChildFactory.create_batch(4)
    ChildProtectionPlan.objects.bulk_create(
        [
            ChildProtectionPlan(
                child=two_years,
                start_date=date(2022, 6, 1),
                end_date=date(2024, 6, 1),
                initial_category_of_abuse="NEG",
                end_reason="other",
            ),
            ChildProtectionPlan(
                child=repeat_soon,
                start_date=date(2023, 1, 16),
                end_date=date(2025, 1, 15),
                initial_category_of_abuse="NEG",
                end_reason="other",
            ),
            ChildProtectionPlan(child=repeat_soon, start_date=date(2025, 3, 3), initial_category_of_abuse="PHY"),
            ChildProtectionPlan(
                child=repeat_late,
                start_date=date(2021, 3, 1),
                end_date=date(2022, 2, 28),
                initial_category_of_abuse="SAB",
                end_reason="other",
            ),
            ChildProtectionPlan(child=repeat_late, start_date=date(2024, 2, 29), initial_category_of_abuse="SAB"),
            ChildProtectionPlan(
                child=long_open,
                start_date=date(2023, 6, 1),
                initial_category_of_abuse="NEG",
                latest_category_of_abuse="EMO",
            ),
        ]
    )
    iro = IroFactory()
    raised = date(LAST_COMPLETE_YEAR, 5, 1)
    in_time = add_working_days(raised, 20)
    escalations = Escalation.objects.bulk_create(
        [
            Escalation(
                child=long_open,
                raised_by=iro,
                raised_on=raised,
                what_is_wrong="Drift",
                what_is_asked="A plan",
                status=EscalationStatus.RESOLVED,
                resolved_on=resolved_on,
                outcome="Agreed",
                resolved_at_stage=stage,
            )
            for resolved_on, stage in ((in_time, Stage.HEAD_OF_SERVICE), (in_time + timedelta(days=1), Stage.CAFCASS))
        ]
        + [
            Escalation(
                child=repeat_late,
                raised_by=iro,
                raised_on=raised,
                what_is_wrong="Visits",
                what_is_asked="Visits",
                status=EscalationStatus.WITHDRAWN,
                withdrawn_on=raised + timedelta(days=3),
                withdrawal_reason="Visited",
            )
        ]
    )
    EscalationStep.objects.create(
        escalation=escalations[1],
        stage=Stage.CAFCASS,
        addressed_to_name="Cafcass",
        addressed_to_role="Cafcass",
        sent_on=raised,
        response_due=raised,
    )
    EscalationConcern.objects.bulk_create(
        [EscalationConcern(escalation=escalation, area="legal") for escalation in escalations]
    )
    still_holding = IroFactory(username="inactive-holding", is_active=False)
    IroFactory(username="inactive-empty", is_active=False)
    over_band = IroFactory(username="over-band", fte="0.10")
    children = ChildFactory.create_batch(9)
    Allocation.objects.bulk_create(
        [Allocation(child=children[0], iro=still_holding, start_date=date(2024, 1, 1), end_date=date(2025, 6, 1))]
        + [
            Allocation(child=child, iro=over_band, start_date=year_end, end_date=year_end + timedelta(days=1))
            for child in children[1:]
        ]
    )
    ReviewFactory(cycle_start=TODAY - timedelta(days=100), due_date=TODAY - timedelta(days=7))
    HeldReviewFactory(cycle_start=TODAY - timedelta(days=100), due_date=TODAY - timedelta(days=1))


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        call_command("seed_demo", children=150, seed=8, today=TODAY, stdout=StringIO())
        add_edge_cases()
        yield


def product(period):
    return report_baselines.figures_of(reporting_year_figures(period, TODAY))


def test_the_years_checked_exercise_every_rule(authority, db):
    years = [product(period) for period in PERIODS.values()]
    zero_everywhere = [name for name in years[0] if not any(figures[name] for figures in years)]
    for name in (
        "caseloads.above_band",
        "children.started",
        "children.ceased",
        "reviews.LAC.late",
        "reviews.ICPC.late",
        "reviews.RCPC.held",
        "reviews.LAC.overdue",
        "reviews.LAC.due_soon",
        "lac.seen_before",
        "lac.not_seen_before",
        "lac.quality.decisions.pending",
        "lac.quality.record.missed",
        "oversight.children_with_record_every_quarter",
        "escalations.resolved_within_working_days",
        "escalations.resolved_formally",
        "escalations.resolved_informally",
        "children.only_short_breaks_at_end",
        "children.only_short_breaks_during",
        "protection.plans_started_by_initial_category.NEG",
        "escalations.withdrawn",
        "escalations.cafcass_referrals",
        "protection.repeat_plans_within_2_years",
        "protection.plans_ended_lasting_2_years_or_more",
        "protection.plans_open_18_months_at_end",
    ):
        assert name not in zero_everywhere
    assert "caseloads.rows.inactive-holding.children" in years[0]
    assert "caseloads.rows.inactive-empty.children" not in years[0]
    assert not any(name.split(".")[-1].startswith("percent") for name in years[0])


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_sql_bound_gives_the_selectors_figures(authority, db, period):
    assert report_baselines.compare(product(period), report_baselines.sql_figures(period, TODAY)) == []


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_pandas_over_the_exported_csvs_gives_the_selectors_figures(authority, db, tmp_path, period):
    pytest.importorskip("pandas")
    report_baselines.export_csvs(tmp_path)
    assert report_baselines.compare(product(period), report_baselines.pandas_figures(tmp_path, period, TODAY)) == []


def test_the_903_tables_are_exported_with_the_dfe_columns_and_dates(authority, db, tmp_path):
    report_baselines.export_csvs(tmp_path)
    for table in ("header", "episodes", "uasc"):
        with open(tmp_path / f"{table}.csv", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        assert recognise(rows[0]) == table
        assert len(rows) > 1
    with open(tmp_path / "reviews.csv", encoding="utf-8") as file:
        reviews = list(csv.DictReader(file))
    assert list(reviews[0])[:4] == ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]
    held = next(review for review in reviews if review["REVIEW"])
    assert parse_date(held["REVIEW"]) <= TODAY
