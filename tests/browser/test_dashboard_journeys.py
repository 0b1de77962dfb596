"""The dashboard in the browser, and the filtered lists its figures open.

Journeys:
1. A service manager lands on the dashboard (their home page), follows the "late" and
   "overdue now" LAC review figures to the lists behind them (same number in the list's
   caption, the right children listed), then changes the period to the previous reporting
   year, to custom dates, and to an invalid range (GOV.UK error summary, "Error: " title,
   error linked to its field).
2. Keyboard only: open "Change the period", choose a reporting year and submit, with a
   visible GOV.UK focus style on the summary and on the button.
3. An IRO opens "My dashboard" from the navigation: only their own children are counted, and
   a figure opens a list of only their child.
4. A board member is refused the dashboard.
5. axe-core on the dashboard (manager, with period errors, IRO), held reviews (more filters
   open, invalid date), children (more filters open, as an IRO) and escalations (manager,
   resolved; IRO, filtered); every title distinct; each chart an image with an accessible
   name and a table beside it.
6. Every number's link on the dashboard names what it counts (no two alike), so a
   screen-reader user's list of links makes sense.
7. A service manager sees on the dashboard only the IROs outside the IRO Handbook range,
   follows "See the caseload of every IRO", moves to the next page by keyboard, filters the
   list to the IROs below the range (the page links keep the filter), and axe-core passes there.
8. A service manager follows the figures from the review records (the child's views and how
   they were given, a care plan check not met; conferences quorate, not quorate, the first core
   group within 10 working days) to the reviews they count; axe-core passes on the filtered list.

The data are small and relative to timezone.localdate(): for Iris (the IRO) one LAC review held
today in timescale, one held today late and one overdue, with RAG ratings and an open
escalation; for Owen (a second IRO) one LAC review held today late and a resolved escalation.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from children.models import Child
from escalations import services as escalation_services
from escalations.codes import AreaOfConcern, Stage
from oversight import services as oversight_services
from oversight.models import OversightKind, Rag
from reviews import services as review_services
from reviews.models import LateReason, Review, ReviewKind, ReviewStatus
from reviews.record_models import CarePlanCheck, CarePlanCheckKind, CheckAnswer
from reviews.timescales import first_core_group_due, reporting_year_start
from tests.factories import (
    AllocationFactory,
    ChildFactory,
    HeldReviewFactory,
    IroFactory,
    conference_record_ready,
    record_attendance_and_views,
)

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAC = ReviewKind.LAC.label
GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"
TIMELINESS_CHART = ("LAC reviews held in timescale, by month", "LAC reviews held in timescale by month")
RAG_CHART = ("Current RAG ratings of children looked after", "Current RAG ratings")
MANAGER_CHARTS = [
    # (the chart's accessible name, the caption of a table beside it)
    TIMELINESS_CHART,
    # Iris (3 children) and Owen (1), each on 1 FTE: both below the range.
    ("IROs outside the IRO Handbook range", "2 IROs below 50 children per full-time IRO, lowest first"),
    RAG_CHART,
]
IRO_CHARTS = [TIMELINESS_CHART, ("Children per full-time IRO", "Caseload of each IRO"), RAG_CHART]


# --- The data: children, their reviews, ratings and escalations -------------------------------


@dataclass
class Caseloads:
    today: date
    in_timescale: Child  # Iris's: LAC review 1 held today, before its due date; rated green
    late: Child  # Iris's: LAC review 1 held today, after its due date; rated red
    overdue: Child  # Iris's: LAC review 1 overdue, not held; an open escalation
    other_iros_late: Child  # Owen's: LAC review 1 held today, late; rated amber; a resolved escalation


def child_looked_after_since(name, *, started, iro, by):
    given_name, family_name = name.split()
    child = ChildFactory(given_name=given_name, family_name=family_name)
    children_services.record_care_episode(
        child,
        by=by,
        start_date=started,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=started)
    return child


def first_lac_review(child):
    return Review.objects.get(child=child, kind=ReviewKind.LAC, number=1, status=ReviewStatus.DUE)


def hold_first_lac_review(child, *, iro, today, late_reason=""):
    return review_services.record_review_held(
        record_attendance_and_views(first_lac_review(child)),
        by=iro,
        today=today,
        fields={"held_on": today, "participation_code": "PN1", "late_reason": late_reason},
    )


def rate_the_plan(child, review, *, iro, rag, today):
    oversight_services.record_oversight(
        child,
        by=iro,
        kind=OversightKind.POST_REVIEW,
        date=today,
        rag=rag,
        review=review,
        tracking="Placement stability",
        today=today,
    )


def raise_escalation(child, *, iro, raised_on, today, area):
    return escalation_services.raise_escalation(
        child,
        by=iro,
        today=today,
        areas=[area],
        what_is_wrong="Health assessment overdue.",
        what_is_asked="Book it.",
        stage=Stage.TEAM_MANAGER,
        addressed_to_name="Tess Team",
        addressed_to_role="Team manager",
        raised_on=raised_on,
    )


@pytest.fixture
def caseloads(iro, other_iro, manager):
    today = timezone.localdate()
    recently, two_months_ago = today - timedelta(days=7), today - timedelta(days=60)
    in_timescale = child_looked_after_since("Avery Intime", started=recently, iro=iro, by=manager)
    late = child_looked_after_since("Blake Latecase", started=two_months_ago, iro=iro, by=manager)
    overdue = child_looked_after_since("Casey Overduecase", started=two_months_ago, iro=iro, by=manager)
    other_iros_late = child_looked_after_since("Dana Otheriro", started=two_months_ago, iro=other_iro, by=manager)

    review = hold_first_lac_review(in_timescale, iro=iro, today=today)
    rate_the_plan(in_timescale, review, iro=iro, rag=Rag.GREEN, today=today)
    review = hold_first_lac_review(late, iro=iro, today=today, late_reason=LateReason.IRO_UNAVAILABLE)
    rate_the_plan(late, review, iro=iro, rag=Rag.RED, today=today)
    review = hold_first_lac_review(
        other_iros_late, iro=other_iro, today=today, late_reason=LateReason.CHILD_UNAVAILABLE
    )
    rate_the_plan(other_iros_late, review, iro=other_iro, rag=Rag.AMBER, today=today)

    raise_escalation(overdue, iro=iro, raised_on=today - timedelta(days=3), today=today, area=AreaOfConcern.HEALTH)
    resolved = raise_escalation(
        other_iros_late, iro=other_iro, raised_on=today - timedelta(days=20), today=today, area=AreaOfConcern.PLACEMENT
    )
    escalation_services.resolve(
        resolved, by=other_iro, outcome="Placement support agreed.", resolved_on=today, today=today
    )
    return Caseloads(today, in_timescale, late, overdue, other_iros_late)


# --- Reading the pages ------------------------------------------------------------------------


def figure(page, about, value):
    """A dashboard number: a link whose accessible name is "<value>: <about>, open the list".
    The visually hidden part is absolutely positioned, so the name may have a space before ":"."""
    return page.get_by_role("link", name=re.compile(rf"^{value}\s*:\s*{re.escape(about)}, open the list$"))


def period_shown(page):
    return page.locator("main p.govuk-body-l")


def period_label(start, end):
    return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"


def list_caption(page):
    return page.locator("main table caption").first


def open_change_the_period(page):
    details = page.locator("details", has=page.locator("summary", has_text="Change the period"))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(page.get_by_label("Reporting year")).to_be_visible()
    return details


def fill_date(page, group, day):
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def previous_reporting_year(year_start):
    return date(year_start.year - 1, 4, 1), year_start - timedelta(days=1)


def reporting_year_label(first_year):
    return f"April {first_year} to March {first_year + 1}"


def has_govuk_focus_style(locator):
    """Whether the element, or something inside it, is painted with the GOV.UK focus yellow
    (as a background, an outline or a box-shadow)."""
    return locator.evaluate(
        """(element, yellow) => [element, ...element.querySelectorAll("*")].some((node) => {
            const style = getComputedStyle(node);
            return style.backgroundColor === yellow
                || (style.outlineStyle !== "none" && style.outlineColor === yellow)
                || style.boxShadow.includes(yellow);
        })""",
        GOVUK_FOCUS_YELLOW,
    )


def assert_charts_are_images_with_tables(page, charts):
    for name, caption in charts:
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        # The chart's grid column has a sibling column holding the table of the same figures.
        beside = chart.locator(
            "xpath=ancestor::div[contains(@class, 'govuk-grid-column')][1]"
            "/following-sibling::div[contains(@class, 'govuk-grid-column')][1]"
        )
        expect(beside.get_by_role("table", name=caption)).to_be_visible()


# --- 1. A service manager: figures, the lists behind them, and the period ----------------------


def test_manager_follows_figures_to_their_lists_and_changes_the_period(page, manager, caseloads, screenshot):
    today = caseloads.today
    year_start = reporting_year_start(today)
    sign_in(page, manager)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_attribute("aria-current", "page")
    expect(period_shown(page)).to_have_text(period_label(year_start, today))
    expect(figure(page, f"{LAC} held", 3)).to_be_visible()
    expect(figure(page, f"{LAC} held in timescale", 1)).to_be_visible()
    screenshot(page, "dashboard-manager")

    # "2 late" opens a list of the two children whose reviews were late, and nobody else.
    figure(page, f"{LAC} held late", 2).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews held")
    expect(list_caption(page)).to_have_text("2 reviews held")
    rows = page.locator("main tbody tr")
    expect(rows.filter(has_text=caseloads.late.full_name)).to_contain_text("Late")
    expect(rows.filter(has_text=caseloads.other_iros_late.full_name)).to_contain_text("Late")
    expect(rows.filter(has_text=caseloads.in_timescale.full_name)).to_have_count(0)
    page.go_back()

    # "1 overdue now" opens the one overdue review.
    figure(page, f"{LAC} overdue now", 1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews due")
    expect(list_caption(page)).to_have_text("1 review due or booked")
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main tbody tr")).to_contain_text(caseloads.overdue.full_name)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    # The previous reporting year: every review here was held this year, so none then.
    open_change_the_period(page)
    page.get_by_label("Reporting year").select_option(label=reporting_year_label(year_start.year - 1))
    page.get_by_role("button", name="Show figures").click()
    expect(period_shown(page)).to_have_text(period_label(*previous_reporting_year(year_start)))
    expect(figure(page, f"{LAC} held", 0)).to_be_visible()
    expect(figure(page, f"{LAC} held late", 0)).to_be_visible()
    open_change_the_period(page)
    expect(page.get_by_label("Reporting year")).to_have_value(str(year_start.year - 1))
    # Figures "now" do not depend on the period.
    expect(figure(page, f"{LAC} overdue now", 1)).to_be_visible()

    # Custom dates: the last ten days, which hold all three reviews.
    open_change_the_period(page)
    page.get_by_label("Reporting year").select_option("")
    fill_date(page, "From", today - timedelta(days=10))
    fill_date(page, "To", today)
    page.get_by_role("button", name="Show figures").click()
    expect(period_shown(page)).to_have_text(period_label(today - timedelta(days=10), today))
    expect(figure(page, f"{LAC} held", 3)).to_be_visible()
    expect(page).to_have_title("Dashboard – IRO Portal")

    # Start after end: refused, with the GOV.UK error pattern.
    open_change_the_period(page)
    fill_date(page, "From", today)
    fill_date(page, "To", today - timedelta(days=10))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Show figures").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(re.compile(r"^Error: Dashboard"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    message = "The end date must be the same as or after the start date."
    error_link = summary.get_by_role("link", name=message)
    expect(error_link).to_have_attribute("href", "#id_end_day")
    expect(page.get_by_role("group", name="To")).to_contain_text(f"Error: {message}")
    error_link.click()
    expect(page.get_by_role("group", name="To").get_by_label("Day")).to_be_focused()
    # An invalid period shows the year to date rather than nothing.
    expect(period_shown(page)).to_have_text(period_label(year_start, today))
    screenshot(page, "dashboard-period-error")
    page.problems.assert_none()


# --- 2. Keyboard only ---------------------------------------------------------------------------


def test_keyboard_user_changes_the_period_with_visible_focus(page, manager, caseloads):
    year_start = reporting_year_start(caseloads.today)
    sign_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    summary = page.locator("summary", has_text="Change the period")
    assert not has_govuk_focus_style(summary), "The summary looks focused before it has focus"
    tab_to(page, summary)
    expect(summary).to_be_focused()
    assert has_govuk_focus_style(summary), "The focused 'Change the period' summary has no GOV.UK focus style"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Reporting year")).to_be_visible()

    year = page.get_by_label("Reporting year")
    page.keyboard.press("Tab")
    expect(year).to_be_focused()
    assert has_govuk_focus_style(year), "The focused 'Reporting year' select has no GOV.UK focus style"
    page.keyboard.press("ArrowDown")  # from "…, to date" to the previous reporting year
    expect(year).to_have_value(str(year_start.year - 1))

    button = page.get_by_role("button", name="Show figures")
    assert not has_govuk_focus_style(button), "The button looks focused before it has focus"
    tab_to(page, button, most_presses=10)
    assert has_govuk_focus_style(button), "The focused 'Show figures' button has no GOV.UK focus style"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]year={year_start.year - 1}(&|$)"))
    expect(period_shown(page)).to_have_text(period_label(*previous_reporting_year(year_start)))
    expect(figure(page, f"{LAC} held", 0)).to_be_visible()
    page.problems.assert_none()


# --- 3. An IRO's own dashboard -----------------------------------------------------------------


def test_iro_sees_only_their_own_childrens_figures(page, iro, caseloads, screenshot):
    sign_in(page, iro)
    page.get_by_role("link", name="My dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    expect(page).to_have_title("My dashboard – IRO Portal")
    expect(page.locator("main")).to_contain_text("Figures for the children allocated to you now.")
    # Owen's child's late review is not counted: two held, one late (the manager sees 3 and 2).
    expect(figure(page, f"{LAC} held", 2)).to_be_visible()
    expect(figure(page, f"{LAC} held in timescale", 1)).to_be_visible()
    expect(figure(page, f"{LAC} held late", 1)).to_be_visible()
    expect(figure(page, f"{LAC} overdue now", 1)).to_be_visible()
    expect(figure(page, "children rated Amber", 0)).to_be_visible()
    screenshot(page, "dashboard-iro")

    figure(page, f"{LAC} held late", 1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews held")
    expect(list_caption(page)).to_have_text("1 review held")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(caseloads.late.full_name)
    expect(page.locator("main")).not_to_contain_text(caseloads.other_iros_late.full_name)
    page.problems.assert_none()


# --- 4. A board member -------------------------------------------------------------------------


def test_board_member_cannot_reach_the_dashboard(page, board_member, caseloads):
    sign_in(page, board_member)
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_count(0)
    response = page.goto("/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    expect(page.locator("main")).not_to_contain_text(caseloads.late.full_name)
    page.problems.assert_none()


# --- 5. Accessibility of the dashboard and the lists its figures open --------------------------


def test_dashboard_and_its_lists_pass_axe(page, manager, iro, caseloads, screenshot):
    titles = {}

    def check(where, expected_title):
        expect(page).to_have_title(expected_title)
        assert expected_title not in titles.values(), f"{where} has the same title as another page: {expected_title}"
        titles[where] = expected_title
        assert_no_axe_violations(page, where)
        screenshot(page, "axe-" + re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-"))

    sign_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    assert_charts_are_images_with_tables(page, MANAGER_CHARTS)
    check("dashboard (manager)", "Dashboard – IRO Portal")

    page.goto("/dashboard/?start_day=31&start_month=2&start_year=2026&end_day=1&end_month=1&end_year=2026")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator("details", has_text="Change the period")).to_have_attribute("open", "")
    check("dashboard with period errors", "Error: Dashboard – IRO Portal")

    page.goto("/reviews/held/?kind=LAC&timeliness=late&participation=participated&late_reason=iro_unavailable")
    more = page.locator("details", has_text="Participation and quality")
    expect(more).to_have_attribute("open", "")
    expect(page.get_by_label("Reason for lateness")).to_have_value(LateReason.IRO_UNAVAILABLE)
    expect(list_caption(page)).to_have_text("1 review held")
    check("held reviews, filtered (manager)", "Reviews held – IRO Portal")

    page.goto("/reviews/held/?held_from_day=30&held_from_month=2&held_from_year=2026")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    check("held reviews with an invalid date", "Error: Reviews held – IRO Portal")

    page.goto("/children/?rag=red&care_status=looked_after")
    expect(page.locator("details", has_text="Oversight, plans and care dates")).to_have_attribute("open", "")
    expect(list_caption(page)).to_have_text("1 child matches")
    expect(page.locator("main tbody")).to_contain_text(caseloads.late.full_name)
    check("children rated red (manager)", "Children – IRO Portal")

    page.goto("/escalations/?status=resolved")
    team_manager = page.get_by_role("region", name="Team manager")
    expect(team_manager.locator("caption")).to_have_text("Team manager: 1 resolved")
    expect(team_manager.locator("tbody")).to_contain_text(caseloads.other_iros_late.full_name)
    expect(page.locator("main")).not_to_contain_text(caseloads.overdue.full_name)
    check("resolved escalations (manager)", "Escalations – IRO Portal")

    page.context.clear_cookies()
    sign_in(page, iro)
    page.get_by_role("link", name="My dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My dashboard")
    assert_charts_are_images_with_tables(page, IRO_CHARTS)
    expect(page.get_by_role("link", name="See the caseload of every IRO")).to_have_count(0)
    check("dashboard (IRO)", "My dashboard – IRO Portal")

    page.goto("/children/?care_status=looked_after&rag=green")
    expect(page.locator("details", has_text="Oversight, plans and care dates")).to_have_attribute("open", "")
    expect(list_caption(page)).to_have_text("1 child matches")
    expect(page.locator("main tbody")).to_contain_text(caseloads.in_timescale.full_name)
    check("children rated green (IRO)", "My children – IRO Portal")

    page.goto(f"/escalations/?status=open&stage={Stage.TEAM_MANAGER.value}&area={AreaOfConcern.HEALTH}")
    expect(list_caption(page)).to_have_text("1 escalation")
    expect(page.locator("main tbody")).to_contain_text(caseloads.overdue.full_name)
    check("open escalations, filtered (IRO)", "My escalations – IRO Portal")
    page.problems.assert_none()


# --- 6. Figure links a screen reader can tell apart ------------------------------------------


def figure_link_names(page):
    """What a screen reader's list of links says for each dashboard number, without the number."""
    return page.locator("main a").evaluate_all(
        """(links) => links
            .map((link) => link.textContent.replace(/\\s+/g, " ").trim())
            .filter((name) => name.endsWith(", open the list"))
            .map((name) => name.replace(/^[0-9]+\\s*:\\s*/, ""))"""
    )


def test_every_dashboard_figure_link_says_what_it_counts(page, manager, caseloads):
    """A list of links that says "0: Held, open the list" eight times tells a screen-reader user
    nothing: each number's link names the figure, and the month table names the month."""
    sign_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    names = figure_link_names(page)
    assert len(names) > 50, names
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert not duplicated, f"Figure links with the same name as another: {duplicated}"
    expect(figure(page, f"LAC reviews held in {caseloads.today:%B %Y}", 3)).to_be_visible()


# --- 7. The caseload of every IRO ----------------------------------------------------------------


def follow_by_keyboard(page, link, most_presses):
    """Tab to a link, check it shows the GOV.UK focus style, and follow it with Enter."""
    tab_to(page, link, most_presses=most_presses)
    assert has_govuk_focus_style(link), "The focused link has no GOV.UK focus style"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def caseload_names(page):
    """The IROs in the caseload table, in order."""
    return page.locator("main table tbody th").all_inner_texts()


def test_manager_pages_through_every_iros_caseload_by_keyboard(page, manager, caseloads, settings, screenshot):
    settings.CHILDREN_LIST_PAGE_SIZE = 5
    # Seven IROs with no children, before Iris Reviewer and Owen Other by name: nine IROs, two pages.
    numbered = [IroFactory(first_name="Ida", last_name=f"Number{number}") for number in range(7)]
    sign_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    # Every IRO is below the range: all nine on the dashboard (it lists up to ten), the fewest children first.
    below = page.get_by_role("table", name="9 IROs below 50 children per full-time IRO, lowest first")
    expect(below.locator("tbody th")).to_have_text([*map(str, numbered), "Owen Other", "Iris Reviewer"])

    follow_by_keyboard(page, page.get_by_role("link", name="See the caseload of every IRO"), most_presses=250)
    expect(page).to_have_url(re.compile(r"/dashboard/caseloads/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload of every IRO")
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_attribute("aria-current", "page")
    expect(list_caption(page)).to_have_text("9 IROs")
    expect(page.locator("main")).to_contain_text("Showing 1 to 5 of 9")
    assert caseload_names(page) == [str(iro) for iro in numbered[:5]]
    assert_charts_are_images_with_tables(page, [("Children per full-time IRO", "9 IROs")])
    screenshot(page, "caseloads-page-1")

    follow_by_keyboard(page, page.get_by_role("link", name="Next page"), most_presses=80)
    expect(page).to_have_url(re.compile(r"[?&]page=2$"))
    expect(page.locator("main")).to_contain_text("Showing 6 to 9 of 9")
    assert caseload_names(page) == [str(iro) for iro in numbered[5:]] + ["Iris Reviewer", "Owen Other"]
    expect(page.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")

    # Iris and Owen hold children; the list sorted by children per full-time IRO, highest first.
    page.get_by_label("Show").select_option(label="Below 50 children per full-time IRO")
    page.get_by_label("Sort by").select_option(label="Most children per full-time IRO first")
    page.get_by_role("button", name="Apply filters").click()
    expect(list_caption(page)).to_have_text("9 IROs below 50 children per full-time IRO")
    assert caseload_names(page)[:2] == ["Iris Reviewer", "Owen Other"]
    expect(page.get_by_label("Show")).to_have_value("below")
    page.get_by_role("link", name="Page 2").click()
    expect(page).to_have_url(re.compile(r"[?&]show=below&order=highest&page=2$"))
    expect(page.get_by_label("Sort by")).to_have_value("highest")
    expect(page.locator("main")).to_contain_text("Showing 6 to 9 of 9")
    expect(page).to_have_title("Caseload of every IRO – IRO Portal")
    assert_no_axe_violations(page, "caseload of every IRO, filtered, page 2")
    screenshot(page, "caseloads-filtered-page-2")

    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.problems.assert_none()


# --- 8. The conference figures and the conferences they count -----------------------------------


def test_manager_follows_the_review_record_figures_to_the_reviews_counted(page, manager, screenshot):
    today = timezone.localdate()
    heard = ChildFactory(given_name="Harper", family_name="Heard")
    lac = HeldReviewFactory(child=heard, kind=ReviewKind.LAC, number=2, due_date=today, held_on=today)
    record_attendance_and_views(lac)
    CarePlanCheck.objects.create(review=lac, kind=CarePlanCheckKind.HEALTH_ASSESSMENT, answer=CheckAnswer.NO)
    quorate = ChildFactory(given_name="Quinn", family_name="Quorate")
    not_quorate = ChildFactory(given_name="Noel", family_name="Fewagencies")
    icpc = HeldReviewFactory(child=quorate, kind=ReviewKind.ICPC, number=1, due_date=today, held_on=today)
    due = first_core_group_due(today)
    conference_record_ready(icpc, first_core_group_due=due, first_core_group_held=today)
    rcpc = HeldReviewFactory(child=not_quorate, kind=ReviewKind.RCPC, number=1, due_date=today, held_on=today)
    conference_record_ready(
        rcpc,
        attendees=[("Sam Social", "social_care"), ("PC Pat Patrol", "police")],
        quorate=False,
        not_quorate_reason="The child was at immediate risk.",
    )

    sign_in(page, manager)
    expect(page.get_by_role("heading", level=2, name="Child protection conferences")).to_be_visible()
    screenshot(page, "dashboard-conferences")
    figure(page, "the child's views: In person", 1).click()
    expect(list_caption(page)).to_have_text("1 review held")
    expect(page.locator("main tbody tr")).to_contain_text(heard.full_name)
    expect(page.get_by_label("The child's views")).to_have_value("in_person")
    page.go_back()
    figure(page, "care plan check not met: Health assessment in date", 1).click()
    expect(page.locator("main tbody tr")).to_contain_text(heard.full_name)
    assert_no_axe_violations(page, "held reviews, a care plan check not met")
    page.go_back()

    figure(page, f"{ReviewKind.ICPC.label}: quorate", 1).click()
    expect(list_caption(page)).to_have_text("1 review held")
    expect(page.locator("main tbody tr")).to_contain_text(quorate.full_name)
    expect(page.get_by_label("Conference quorate (as recorded)")).to_have_value("yes")
    expect(page).to_have_title("Reviews held – IRO Portal")
    assert_no_axe_violations(page, "held reviews, quorate conferences")
    screenshot(page, "held-quorate-conferences")
    page.go_back()

    figure(page, f"{ReviewKind.RCPC.label}: not quorate", 1).click()
    expect(list_caption(page)).to_have_text("1 review held")
    expect(page.locator("main tbody tr")).to_contain_text(not_quorate.full_name)
    page.go_back()

    figure(page, "first core group meeting: Within 10 working days", 1).click()
    expect(list_caption(page)).to_have_text("1 review held")
    expect(page.locator("main tbody tr")).to_contain_text(quorate.full_name)
    expect(page.get_by_label("First core group meeting after an ICPC that made a plan")).to_have_value("met")
    page.problems.assert_none()
