"""The LAC review record's figures (reporting.selectors.lac_record_figures): the child's views
recorded and how they were given, parents attended, the permanence plan at the second review and
the care plan checks not met, recounted from the raw rows, on the dashboard with the list behind
each figure, and in the annual report with last year beside.

Five LAC reviews held in the reporting year 2025 (and one the year before), each recorded
differently; a review not yet held and a conference, which count in none of these."""

from datetime import date as D

import pytest
from django.urls import reverse

from children.models import Child
from reporting import selectors, services
from reporting.dashboard import lac_record as dashboard_lac_record
from reporting.periods import reporting_year
from reviews.models import Review, ReviewKind
from reviews.record_models import (
    PARENT_ROLES,
    CarePlanCheck,
    ReviewParticipant,
    ReviewRecord,
    ReviewViews,
)
from tests.annual_report.formats import csv_by_measure, page_tables
from tests.conftest import held_review, review_due, sign_in
from tests.factories import ChildFactory

YEAR = 2025
PERIOD = reporting_year(YEAR)
ON = D(2026, 3, 27)
NAMES = ("Abel", "Bryn", "Cleo", "Dara", "Esme", "Finn", "Gwen", "Hugo")


def lac(name, held_on, *, number=2, parents_participation="", attendance=(), views=None, checks=(), not_obtained=""):
    review = held_review(
        ChildFactory(given_name=name),
        ReviewKind.LAC,
        due=held_on,
        held=held_on,
        number=number,
        parents_participation=parents_participation,
    )
    for role, came in attendance:
        ReviewParticipant.objects.create(
            review=review, role=role, name="" if role == "child" else name, attendance=came
        )
    if views:
        ReviewViews.objects.create(review=review, of="child", text="I want to stay here.", given=views)
    for kind, answer in checks:
        CarePlanCheck.objects.create(review=review, kind=kind, answer=answer)
    if not_obtained:
        ReviewRecord.objects.create(review=review, child_views_not_obtained=not_obtained)
    return review


@pytest.fixture
def reviews(db):
    return {
        "abel": lac(
            "Abel",
            D(2025, 5, 6),
            attendance=[("child", "attended"), ("mother", "attended")],
            views="in_person",
            checks=[("permanence_plan", "yes"), ("health_assessment", "no"), ("contact", "no")],
        ),
        # The attendance list wins over the older field: the father only sent apologies.
        "bryn": lac(
            "Bryn",
            D(2025, 6, 3),
            parents_participation="attended",
            attendance=[("child", "sent_views"), ("father", "apologies")],
            views="written",
            checks=[("permanence_plan", "no")],
        ),
        # No attendance list: the older parents' participation counts.
        "cleo": lac(
            "Cleo",
            D(2025, 7, 1),
            number=1,
            parents_participation="attended",
            checks=[("care_plan", "yes")],
            not_obtained="Cleo was in hospital.",
        ),
        "dara": lac("Dara", D(2025, 9, 9)),  # held before the working record: nothing recorded
        "esme": lac(
            "Esme",
            D(2026, 1, 6),
            number=3,
            attendance=[("child", "attended"), ("other_parent", "attended")],
            views="advocate",
            checks=[("health_assessment", "no"), ("permanence_plan", "not_applicable")],
        ),
        "finn": lac(
            "Finn",
            D(2025, 2, 4),
            attendance=[("child", "attended"), ("mother", "attended")],
            views="online",
            checks=[("permanence_plan", "yes")],
        ),
        "gwen": review_due(ChildFactory(given_name="Gwen"), ReviewKind.LAC, due=D(2026, 4, 20)),
        "hugo": held_review(ChildFactory(given_name="Hugo"), ReviewKind.ICPC, due=D(2025, 8, 5), held=D(2025, 8, 5)),
    }


def recount(period):
    """The figures counted in Python from every review and record row."""
    held = [
        review
        for review in Review.objects.filter(kind=ReviewKind.LAC)
        if review.held_on and period.start <= review.held_on <= period.end
    ]
    counted = {"held": len(held), "views": {}, "not_obtained": 0, "parents": 0, "permanence": {}, "not_met": {}}
    for review in held:
        views = ReviewViews.objects.filter(review=review, of="child").first()
        record = ReviewRecord.objects.filter(review=review).first()
        if views:
            counted["views"][views.given] = counted["views"].get(views.given, 0) + 1
        elif record and record.child_views_not_obtained:
            counted["not_obtained"] += 1
        participants = list(ReviewParticipant.objects.filter(review=review))
        if participants:
            counted["parents"] += any(p.role in PARENT_ROLES and p.attendance == "attended" for p in participants)
        else:
            counted["parents"] += review.parents_participation == "attended"
        checks = {check.kind: check.answer for check in CarePlanCheck.objects.filter(review=review)}
        if review.number == 2:
            answer = checks.get("permanence_plan", "not_recorded")
            counted["permanence"][answer] = counted["permanence"].get(answer, 0) + 1
        for kind, answer in checks.items():
            if answer == "no":
                counted["not_met"][kind] = counted["not_met"].get(kind, 0) + 1
    return counted


def test_every_figure_is_the_recount_from_the_records(reviews):
    figures = selectors.lac_record_figures(PERIOD)
    recounted = recount(PERIOD)
    assert figures["held"] == recounted["held"] == 5
    assert {given: n for given, n in figures["child_views"].items() if n} == recounted["views"]
    assert figures["child_views_not_obtained"] == recounted["not_obtained"] == 1
    assert figures["parents_attended"] == recounted["parents"] == 3  # Abel's mother, Cleo's (older field), Esme's
    assert {answer: n for answer, n in figures["permanence"].items() if n} == recounted["permanence"]
    assert {kind: n for kind, n in figures["checks_not_met"].items() if n} == recounted["not_met"]
    assert figures == {
        "held": 5,
        "child_views": {"in_person": 1, "written": 1, "advocate": 1, "online": 0},
        "child_views_recorded": 3,
        "percent_child_views_recorded": 60,
        "child_views_not_obtained": 1,
        "child_views_not_recorded": 1,
        "parents_attended": 3,
        "percent_parents_attended": 60,
        "second_reviews": 3,
        "permanence": {"yes": 1, "no": 1, "not_applicable": 0, "not_recorded": 1},
        "percent_permanence_agreed": 50,
        "checks_recorded": 4,
        "checks_not_met": {
            "care_plan": 0,
            "permanence_plan": 1,
            "placement_plan": 0,
            "health_assessment": 2,
            "pep": 0,
            "pathway_plan": 0,
            "contact": 1,
            "delegated_authority": 0,
            "life_story": 0,
        },
        "any_check_not_met": 3,
    }


def test_an_iros_scope_and_last_year_are_counted_alike(reviews):
    last_year = selectors.lac_record_figures(reporting_year(YEAR - 1))
    assert (last_year["held"], last_year["child_views"]["online"], last_year["parents_attended"]) == (1, 1, 1)
    assert last_year["permanence"]["yes"] == 1
    one_child = selectors.lac_record_figures(PERIOD, children=Child.objects.filter(given_name="Bryn"))
    assert (one_child["held"], one_child["parents_attended"], one_child["permanence"]["no"]) == (1, 0, 1)


def test_the_figures_are_counted_in_three_queries(reviews, django_assert_num_queries):
    with django_assert_num_queries(3):  # the reviews, their child's views, their unmet checks
        selectors.lac_record_figures(PERIOD)


def listed(client, url):
    """The children named in the held list a dashboard figure links to."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return {name for name in NAMES if name in html}


def test_each_dashboard_figure_opens_the_reviews_it_counts(reviews, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    content = dashboard_lac_record({"lac_record": selectors.lac_record_figures(PERIOD)}, PERIOD)
    assert listed(client, content["views_recorded"].url) == {"Abel", "Bryn", "Esme"}
    in_person, written, advocate, online, not_obtained, not_recorded = content["views"]
    assert listed(client, in_person.url) == {"Abel"}
    assert listed(client, advocate.url) == {"Esme"}
    assert listed(client, online.url) == set()
    assert listed(client, not_obtained.url) == {"Cleo"}
    assert listed(client, not_recorded.url) == {"Dara"}
    assert listed(client, content["parents_attended"].url) == {"Abel", "Cleo", "Esme"}
    agreed, not_agreed, not_applicable, permanence_not_recorded = content["permanence"]
    assert listed(client, agreed.url) == {"Abel"}
    assert listed(client, not_agreed.url) == {"Bryn"}
    assert listed(client, permanence_not_recorded.url) == {"Dara"}
    health = next(figure for figure in content["checks_not_met"] if figure.label == "Health assessment in date")
    assert health.value == 2
    assert listed(client, health.url) == {"Abel", "Esme"}


def test_the_dashboard_shows_them(reviews, client, manager, clock):
    clock(ON)
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:dashboard")))
    views = {row[0]: row[1].split(":")[0] for row in tables.by_caption["How the child's views were given"][1:]}
    assert views == {
        "In person": "1",
        "Written": "1",
        "Through an advocate": "1",
        "Online consultation": "0",
        "Not obtained, with the reason recorded": "1",
        "Nothing recorded": "1",
    }
    checks = {row[0]: row[1].split(":")[0] for row in tables.by_caption["Care plan checks not met"][1:]}
    assert checks["Health assessment in date"] == "2"


def test_the_annual_report_has_them_with_last_year_beside(reviews, client, manager, clock):
    clock(ON)
    figures = services.draft(services.report_for_year(YEAR), ON).figures
    got = {
        key: (figures[key].this_year, figures[key].last_year)
        for key in (
            "lac.child_views_recorded",
            "lac.percent_child_views_recorded",
            "lac.child_views.not_obtained",
            "lac.parents_attended",
            "lac.percent_parents_attended",
            "lac.percent_permanence_agreed",
            "lac.check_not_met.health_assessment",
            "lac.any_check_not_met",
        )
    }
    assert got == {
        "lac.child_views_recorded": (3, 1),
        "lac.percent_child_views_recorded": (60, 100),
        "lac.child_views.not_obtained": (1, 0),
        "lac.parents_attended": (3, 1),
        "lac.percent_parents_attended": (60, 100),
        "lac.percent_permanence_agreed": (50, 100),
        "lac.check_not_met.health_assessment": (2, 0),
        "lac.any_check_not_met": (3, 0),
    }
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("lac-record", "Parents attended (%)") == ["60%", "100%"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows["Care plan check not met: Health assessment in date"][3:5] == ["2", "0"]
