"""The version for children and young people: counts rounded to the nearest 10, nothing said about
fewer than 10, and shares of reviews called shares of reviews, since a child with two reviews
counts twice."""

import re
from datetime import date
from html import unescape

from django.template.loader import render_to_string

from reporting.annual_report import COUNT, Figure, Report
from reporting.models import Variant
from reporting.services import report_context

FIGURES = {
    "children.during": 96,
    "lac.held": 237,
    "lac.participated": 180,
    "lac.participation_counted": 200,
    "lac.participation.PN1": 150,
    "lac.participation.PN2": 5,
    "lac.participation.PN5": 3,
    "lac.participation.PN3": 20,
    "lac.participation.PN6": 5,
    "lac.child_chaired": 7,
}


def text_of(figures, action_plan=()):
    content = Report(
        year=2025,
        generated_on=date(2026, 6, 1),
        sections=[],
        figures={key: Figure(key=key, label=key, kind=COUNT, this_year=value) for key, value in figures.items()},
        narrative={},
        action_plan=list(action_plan),
        authority="Demo City Council",
    )
    html = render_to_string(
        "reporting/child_friendly_report.html", report_context(content, Variant.CHILD_FRIENDLY, for_pdf=True)
    )
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_counts_are_rounded_and_shares_of_reviews_say_reviews():
    text = text_of(FIGURES)
    assert "About 100 children and young people were in care at some time this year." in text
    assert "We held about 240 review meetings this year." in text
    assert "In 9 out of every 10 reviews of children aged 4 or over, the child took part." in text
    assert "In about 8 out of 10 reviews, the child came and spoke for themselves." in text
    assert "In about 1 out of 10 reviews, the child shared what they think in another way" in text


def test_groups_smaller_than_10_are_never_mentioned():
    text = text_of(FIGURES)
    assert "someone spoke for the child" not in text  # 8 reviews
    assert "chaired their own review" not in text  # 7 reviews
    assert "Demo City Council" in text
    sparse = text_of({"children.during": 9, "lac.held": 8, "lac.participated": 7, "lac.participation_counted": 8})
    assert "were in care at some time" not in sparse
    assert "We do not give numbers about reviews this year." in sparse


def plan_item(priority, progress):
    return {
        "priority": priority,
        "measure": "",
        "intended_impact": "",
        "action": "",
        "progress": progress,
        "progress_comment": "",
    }


def test_what_changed_tells_children_which_of_last_years_priorities_were_done():
    text = text_of(
        FIGURES,
        [
            plan_item("Meet every child before their review", "achieved"),
            plan_item("Offer every child an advocate", "partly_achieved"),
            plan_item("Hold reviews where children choose", "not_achieved"),
            plan_item("Write to children after each review", "carried_forward"),
            plan_item("A new priority for next year", ""),
        ],
    )
    assert (
        "Last year we said we would work on these things. We have done them, or made a start: "
        "Meet every child before their review Offer every child an advocate How to talk to an IRO"
    ) in text
    assert "Hold reviews where children choose" not in text and "Write to children" not in text
