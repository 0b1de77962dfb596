"""The report's detail (tests/annual_report/detail_records.py): every new figure by hand and
recounted from the raw rows, for both years; the same figures on the page, in the CSV and the
API, suppressed in the board version without giving anything away; a fixed number of queries;
and last year's action plan carried forward with its progress, frozen on publishing."""

import statistics
from datetime import date as D

import pytest
from django.conf import settings
from django.urls import reverse

from children.codes import SHORT_BREAK_LEGAL_STATUSES
from children.models import CareEpisode
from escalations.codes import Stage
from escalations.models import Escalation, EscalationStep
from iro_portal.working_days import working_days_between
from oversight.models import InContactPlan
from reporting import detail_selectors, services
from reporting.annual_report import Report
from reporting.models import ActionPlanItem, AnnualReport, Progress
from reporting.periods import reporting_year
from reviews.models import Review, ReviewKind
from tests.annual_report.authority import ON, PLAN, YEAR, child, episode
from tests.annual_report.detail_records import DETAIL_KNOWN, add_detail_records
from tests.annual_report.formats import (
    assert_nothing_suppressed_can_be_worked_out,
    csv_by_measure,
    fetch_pdf,
    labels,
    page_tables,
    pdf_text,
)
from tests.api_helpers import api_client
from tests.conftest import sign_in

YEARS = {"this_year": reporting_year(YEAR), "last_year": reporting_year(YEAR - 1)}


@pytest.fixture
def detailed(records):
    return add_detail_records(records)


def test_every_new_figure_for_both_years(detailed, report):
    figures = services.draft(report, ON).figures
    assert {key: (figures[key].this_year, figures[key].last_year) for key in DETAIL_KNOWN} == DETAIL_KNOWN


def _in(period, day):
    return day is not None and period.start <= day <= period.end


def _recount(period):
    """The new figures worked out in Python from every row, with the working-day calendar's
    Python rules: no SQL shared with the selectors."""
    late = [
        review
        for review in Review.objects.filter(kind=ReviewKind.LAC)
        if _in(period, review.held_on) and review.held_on > review.due_date
    ]
    bands = {}
    for key, _, low, high in detail_selectors.LATENESS_BANDS:
        inside = [
            r
            for r in late
            if (low is None or working_days_between(r.due_date, r.held_on) >= low)
            and (high is None or working_days_between(r.due_date, r.held_on) <= high)
        ]
        bands[key] = {"late": len(inside), "rebooked": sum(r.times_booked > 1 for r in inside)}
    steps = list(EscalationStep.objects.all())
    formal_start = {}
    for step in sorted(steps, key=lambda s: s.sent_on):
        if step.stage > Stage.INFORMAL:
            formal_start.setdefault(step.escalation_id, step.sent_on)
    escalations = list(Escalation.objects.all())
    raised = [e for e in escalations if _in(period, e.raised_on)]
    resolved = [e for e in escalations if e.status == "resolved" and _in(period, e.resolved_on)]
    formal = [e for e in resolved if e.pk in formal_start]
    within = [
        e
        for e in formal
        if working_days_between(formal_start[e.pk], e.resolved_on) <= settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS
    ]
    stages = {}
    for stage in Stage.values:
        taken = [
            working_days_between(s.sent_on, s.responded_on)
            for s in steps
            if s.stage == stage and _in(period, s.responded_on)
        ]
        stages[stage] = {
            "answered": len(taken),
            "median_working_days": round(float(statistics.median(taken)), 1) if taken else None,
        }
    episodes = list(CareEpisode.objects.all())

    def open_on(e, day):
        return e.start_date <= day and (e.end_date is None or e.end_date > day)

    def during(e):
        return e.start_date <= period.end and (e.end_date is None or e.end_date >= period.start)

    short = [e for e in episodes if e.legal_status in SHORT_BREAK_LEGAL_STATUSES]
    counted = [e for e in episodes if e.legal_status not in SHORT_BREAK_LEGAL_STATUSES]
    at_end = {e.child_id for e in counted if open_on(e, period.end)}
    plans = list(InContactPlan.objects.all())
    return {
        "late_reviews": {"late": len(late), "rebooked": sum(r.times_booked > 1 for r in late), "bands": bands},
        "escalation_process": {
            "raised_formal": sum(e.pk in formal_start for e in raised),
            "raised_informal": sum(e.pk not in formal_start for e in raised),
            "stages": stages,
        },
        "resolved": (len(resolved) - len(formal), len(formal), len(within)),
        "short_breaks": (
            len({e.child_id for e in short if open_on(e, period.end)}),
            len({e.child_id for e in short if during(e)} - {e.child_id for e in counted if during(e)}),
        ),
        "in_contact": (
            len({p.child_id for p in plans if p.child_id in at_end and open_on_plan(p, period.end)}),
            len({p.child_id for p in plans if _in(period, p.agreed_on)}),
        ),
    }


def open_on_plan(plan, day):
    return plan.agreed_on <= day and (plan.ended_on is None or plan.ended_on > day)


@pytest.mark.parametrize("year", YEARS)
def test_the_new_figures_recounted_from_the_raw_rows(detailed, year):
    from reporting import selectors

    period = YEARS[year]
    recount = _recount(period)
    found = detail_selectors.detail_year_figures(period, ON)
    assert found["late_reviews"] == recount["late_reviews"]
    assert found["escalation_process"] == recount["escalation_process"]
    escalations = selectors.escalation_year_figures(period)
    assert (
        escalations["resolved_informally"],
        escalations["resolved_formally"],
        escalations["resolved_within_working_days"],
    ) == recount["resolved"]
    children = selectors.children_in_care_profile(period)
    assert (children["only_short_breaks_at_end"], children["only_short_breaks_during"]) == recount["short_breaks"]
    assert (found["in_contact"]["with_plan_at_end"], found["in_contact"]["agreed_in_period"]) == recount["in_contact"]


def test_the_detail_counts_in_a_fixed_number_of_queries(detailed, django_assert_num_queries):
    period = YEARS["this_year"]
    with django_assert_num_queries(5):
        detail_selectors.detail_year_figures(period, ON)
    for n in range(6):
        kid = child(f"Extrana{n}", f"QZ93{n:02d}", date_of_birth=D(2012, 1, 1))
        episode(kid, D(2025, 4, 1 + n), legal_status="V3" if n % 2 else "C2")
    with django_assert_num_queries(5):
        detail_selectors.detail_year_figures(period, ON)


def test_the_page_csv_and_api_show_the_new_figures(detailed, report, client, manager):
    names = labels()
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("lac-lateness", "More than 20 working days late") == ["1", "1", "0", "0"]
    assert tables.row("lac-lateness", "All late reviews") == ["4", "2", "2", "1"]
    assert tables.row("escalations-stage-time", "Team manager") == ["2", "4.5", "1", "3"]
    assert tables.row("escalations-stage-time", "Head of service") == [
        "0",
        "not available",
        "0",
        "not available",
    ]
    assert tables.row("escalations-numbers", names["escalations.resolved_informally"]) == ["1", "0"]
    assert tables.row("escalations-numbers", names["escalations.percent_resolved_in_time"]) == ["50%", "100%"]
    assert tables.row("children-numbers", names["children.short_breaks_at_end"]) == ["1", "0"]
    assert tables.row("children-iro-allocation", names["children.iro_allocation.percent_in_time"]) == ["75%", "50%"]
    assert tables.row("cp-initial-category", "Physical abuse") == ["1", "0"]
    assert tables.row("oversight-in-contact", names["oversight.in_contact.agreed"]) == ["2", "1"]
    legal = [row[0] for row in tables.by_id["children-legal-status"]]
    assert not any(label.startswith(("V3", "V4")) for label in legal)
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows[names["lac.lateness.total.rebooked"]][3:5] == ["2", "1"]
    assert rows[names["escalations.stage_time.3.median"]][2:5] == ["number", "20", ""]
    body = api_client(manager).get(f"/api/v1/annual-reports/{YEAR}/figures/").json()
    figures = {figure["key"]: figure for figure in body["figures"]}
    assert (figures["escalations.raised_formal"]["this_year"], figures["escalations.raised_formal"]["section"]) == (
        2,
        "escalations",
    )
    assert figures["children.iro_allocation.in_time"]["last_year"] == 1


def test_the_board_version_suppresses_the_new_figures(detailed, report, client, manager):
    names = labels()
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"))
    assert tables.row("lac-lateness", "More than 20 working days late") == ["c", "c", "0", "0"]
    # A median of one or two answers would describe them: hidden with the count.
    assert tables.row("escalations-stage-time", "Service manager") == ["c", "c", "0", "not available"]
    assert tables.row("children-numbers", names["children.short_breaks_at_end"]) == ["c", "0"]
    assert tables.row("escalations-numbers", names["escalations.percent_resolved_in_time"]) == ["c", "c"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert rows[names["cp.initial_category.PHY"]][3:5] == ["c", "0"]
    assert_nothing_suppressed_can_be_worked_out(rows)


# --- Progress against last year's action plan ------------------------------------------------------


def _narrative_post(report, items):
    data = {
        "version": report.version,
        "action-TOTAL_FORMS": str(len(items)),
        "action-INITIAL_FORMS": "0",
        "action-MIN_NUM_FORMS": "0",
        "action-MAX_NUM_FORMS": "20",
    }
    for n, item in enumerate(items):
        data.update({f"action-{n}-{field}": value for field, value in item.items()})
    return data


def test_last_years_priorities_are_carried_forward_with_their_progress(records, client, manager):
    last = services.report_for_year(YEAR - 1)
    services.update_narrative(last, by=manager, fields={}, action_plan=PLAN, expected_version=last.version)
    report = services.report_for_year(YEAR)
    sign_in(client, manager)
    page = client.get(reverse("reporting:narrative", args=[YEAR])).content.decode()
    assert "Hold reviews on time" in page and "Hear more children" in page  # last year's, to report on
    items = [
        {**PLAN[0], "progress": Progress.ACHIEVED, "progress_comment": "97% held on time."},
        {**PLAN[1], "progress": Progress.CARRIED_FORWARD, "progress_comment": "Advocates offered from May."},
        {
            "priority": "Hear from parents",
            "measure": "Parents attending",
            "intended_impact": "Plans fit families",
            "action": "Evening reviews",
        },
    ]
    response = client.post(reverse("reporting:narrative", args=[YEAR]), _narrative_post(report, items))
    assert response.status_code == 302
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    progress = next(rows for caption, rows in tables.by_caption.items() if caption.startswith("The priorities of"))
    assert progress == [
        ["Priority", "Progress", "Comment"],
        ["Hold reviews on time", "Achieved", "97% held on time."],
        ["Hear more children", "Carried forward", "Advocates offered from May."],
    ]
    plan = next(rows for caption, rows in tables.by_caption.items() if caption.startswith("Priorities for"))
    assert [row[0] for row in plan[1:]] == ["Hear more children", "Hear from parents"]  # the year ahead
    body = api_client(manager).get(f"/api/v1/annual-reports/{YEAR}/figures/").json()
    assert [(item["priority"], item["progress"]) for item in body["action_plan"]] == [
        ("Hold reviews on time", "achieved"),
        ("Hear more children", "carried_forward"),
        ("Hear from parents", ""),
    ]
    # Once saved, the page starts from this year's plan: next year carries forward only the
    # priorities for the year ahead.
    assert services.action_plan_to_edit(AnnualReport.objects.get(year=YEAR))[0]["progress"] == Progress.ACHIEVED
    following = services.report_for_year(YEAR + 1)
    assert [item["priority"] for item in services.action_plan_to_edit(following)] == [
        "Hear more children",
        "Hear from parents",
    ]


def test_a_comment_on_progress_needs_a_status(records, report, client, manager):
    sign_in(client, manager)
    items = [{**PLAN[0], "progress": "", "progress_comment": "Done."}]
    response = client.post(reverse("reporting:narrative", args=[YEAR]), _narrative_post(report, items))
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: " in page
    assert "Choose how far priority 1 got, or empty its comment on progress." in page
    assert 'href="#id_action-0-progress"' in page
    assert not ActionPlanItem.objects.filter(report=report).exists()
    with pytest.raises(Exception, match="Choose how far priority 1 got"):
        services.update_narrative(report, by=manager, fields={}, action_plan=items, expected_version=report.version)


def test_progress_is_frozen_on_publishing_and_old_snapshots_still_read(
    detailed, report, client, manager, eager, django_capture_on_commit_callbacks
):
    items = [{**PLAN[0], "progress": Progress.PARTLY_ACHIEVED, "progress_comment": "Most of the way."}]
    services.update_narrative(report, by=manager, fields={}, action_plan=items, expected_version=report.version)
    report.refresh_from_db()
    published = services.publish(report, by=manager, confirmed=True, on=ON)
    report.refresh_from_db()
    services.update_narrative(report, by=manager, fields={}, action_plan=PLAN, expected_version=report.version)
    frozen = Report.from_json(published.snapshot)
    assert [(item["priority"], item["progress_label"]) for item in frozen.progress_on_last_year] == [
        ("Hold reviews on time", "Partly achieved")
    ]
    sign_in(client, manager)
    pdf = fetch_pdf(
        client,
        reverse("reporting:published_report_pdf", args=[YEAR, 1, "internal"]),
        django_capture_on_commit_callbacks,
    )
    _, text = pdf_text(pdf)
    assert "Progress against last year's action plan" in text
    assert "Hold reviews on time Partly achieved Most of the way." in text
    assert "LAC reviews held late, by how late, and whether they had been rebooked" in text
    assert "Time each stage took to answer" in text
    old = {**published.snapshot, "action_plan": [dict(PLAN[0])]}  # a snapshot from before progress
    assert Report.from_json(old).priorities == [{"progress": "", "progress_comment": "", **PLAN[0]}]
    assert Report.from_json(old).progress_on_last_year == []


@pytest.mark.parametrize("year", YEARS)
def test_the_outcomes_count_the_same_children_looked_after_as_the_report(detailed, year):
    from reporting import outcome_selectors, selectors

    period = YEARS[year]
    children = selectors.children_in_care_profile(period)
    cohorts = outcome_selectors.outcome_figures(period.start.year)["cohorts"]
    assert cohorts["looked_after_at_end"] == children["looked_after_at_end"]
    assert cohorts["looked_after_during"] == children["looked_after_during"]
