"""Every HTML page type the other browser journeys leave out, and the failed state of every form
they only see empty, checked the same way: a "<page> – IRO Portal" title that no other page type
has ("Error: " first when a form fails), one h1, a main landmark and no axe-core violation.

One test per role walks its pages (live_server needs transaction=True, so each test builds its
own data). Two steps of the issue's journeys that no other file does keyboard-only are here too:
a service manager reallocating a child and an IRO rating the plan after a review.

On a failed check the page is saved as a PNG: in BROWSER_SCREENSHOT_DIR (the `screenshot`
fixture) when that is set, otherwise in the test's temporary folder, named in the failure.
"""

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from escalations import services as escalation_services
from escalations.codes import AreaOfConcern, Stage
from reporting import services as report_services
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.timescales import reporting_year_start
from tests.factories import AllocationFactory, ChildFactory, IroFactory, record_attendance_and_views

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "IRO Portal"
GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"


class Walk:
    """Checks each page type the same way and remembers its title, so that no two page types
    share one."""

    def __init__(self, page, screenshot, folder):
        self.page, self.screenshot, self.folder = page, screenshot, folder
        self.titles = {}

    def check(self, page_type, title, *, error=False):
        expected = f"{'Error: ' if error else ''}{title} – {SERVICE}"
        try:
            expect(self.page).to_have_title(expected)
            h1s = self.page.locator("h1, [role='heading'][aria-level='1']")
            assert h1s.count() == 1, f"{page_type}: {h1s.count()} h1 elements, not one: {h1s.all_inner_texts()}"
            expect(self.page.get_by_role("main")).to_have_count(1)
            # GOV.UK puts a back link before <main>, so the skip link lands on the error summary or heading.
            expect(self.page.locator("main .govuk-back-link")).to_have_count(0)
            summary = self.page.locator(".govuk-error-summary")
            if error:
                expect(summary).to_be_visible()
                expect(summary).to_be_focused()  # GOV.UK Frontend moves focus there so it is read out
            else:
                expect(summary).to_have_count(0)
            shared = [
                other
                for other, seen in self.titles.items()
                if other != page_type and seen.removeprefix("Error: ") == expected.removeprefix("Error: ")
            ]
            assert not shared, f"{page_type} has the same title as {shared}: {expected!r}"
            self.titles.setdefault(page_type, expected)
            assert_no_axe_violations(self.page, f"{page_type}{' with errors' if error else ''}")
        except AssertionError as failure:
            name = "every-page-" + re.sub(r"[^a-z0-9]+", "-", f"{page_type} {error and 'error' or ''}".lower()).strip(
                "-"
            )
            self.screenshot(self.page, name)
            if not os.environ.get("BROWSER_SCREENSHOT_DIR"):
                path = self.folder / f"{name}.png"
                self.page.screenshot(path=str(path), full_page=True)
                raise AssertionError(f"{failure}\n(screenshot: {path})") from failure
            raise

    def submit(self, button, status=400):
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name=button, exact=True).click()
        assert navigation.value.status == status, f"{button!r} answered {navigation.value.status}, not {status}"


@pytest.fixture
def walk(page, screenshot, tmp_path):
    return Walk(page, screenshot, tmp_path)


def child_in_care(name, *, iro, by, started):
    """A child looked after since `started` (so LAC review 1 is scheduled), allocated to `iro`."""
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


def first_review(child):
    return Review.objects.get(child=child, kind=ReviewKind.LAC, number=1)


def hold_first_review(child, *, iro, today):
    review = first_review(child)
    assert review.status == ReviewStatus.DUE
    return review_services.record_review_held(
        record_attendance_and_views(review),
        by=iro,
        today=today,
        fields={"held_on": today, "participation_code": "PN1"},
    )


def raise_escalation(child, *, iro, today):
    return escalation_services.raise_escalation(
        child,
        by=iro,
        today=today,
        areas=[AreaOfConcern.HEALTH],
        what_is_wrong="Health assessment overdue.",
        what_is_asked="Book it.",
        stage=Stage.TEAM_MANAGER,
        addressed_to_name="Tess Team",
        addressed_to_role="Team manager",
        raised_on=today,
    )


def not_a_date(prefix):
    """31 February in a list's GOV.UK date filter: refused with "Enter a real date"."""
    return f"{prefix}_day=31&{prefix}_month=2&{prefix}_year=2026"


def clear_date(page, group):
    fieldset = page.get_by_role("group", name=group)
    for part in ("Day", "Month", "Year"):
        fieldset.get_by_label(part, exact=True).fill("")


def has_govuk_focus_style(locator):
    """Whether the element, something inside it or (for a GOV.UK radio, whose input is invisible)
    the circle drawn before its label is painted with the GOV.UK focus yellow."""
    return locator.evaluate(
        """(element, yellow) => {
            const painted = (style) => style.backgroundColor === yellow
                || (style.outlineStyle !== "none" && style.outlineColor === yellow)
                || style.boxShadow.includes(yellow);
            const labels = Array.from(element.labels || []);
            return [element, ...element.querySelectorAll("*")].some((node) => painted(getComputedStyle(node)))
                || labels.some((label) => painted(getComputedStyle(label, "::before")));
        }""",
        GOVUK_FOCUS_YELLOW,
    )


def assert_focused_with_govuk_style(locator, what):
    expect(locator).to_be_focused()
    assert has_govuk_focus_style(locator), f"The focused {what} has no visible GOV.UK focus style"


# --- An IRO ---------------------------------------------------------------------------------------


def test_iro_page_types_and_failed_forms(page, walk, iro, manager):
    today = timezone.localdate()
    started = today - timedelta(days=20)
    due = child_in_care("Jamie Bookcase", iro=iro, by=manager, started=started)
    held = child_in_care("Kit Heldcase", iro=iro, by=manager, started=started)
    held_review = hold_first_review(held, iro=iro, today=today)
    escalation = raise_escalation(held, iro=iro, today=today)

    sign_in(page, iro)

    # The inbox with nothing in it.
    page.get_by_role("link", name=re.compile(r"^Reminders")).click()
    expect(page.locator("main")).to_contain_text(re.compile(r"no reminders", re.IGNORECASE))
    walk.check("reminders inbox", "Reminders")

    # Book a review: nothing entered.
    page.goto(f"/reviews/{first_review(due).pk}/book/")
    walk.check("book a review", f"Book LAC review 1 for {due.full_name}")
    walk.submit("Save booking")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the review is booked for")
    walk.check("book a review", f"Book LAC review 1 for {due.full_name}", error=True)

    # Correct a held review through its task list: the date it was held taken away.
    page.goto(f"/reviews/{held_review.pk}/record/lac/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the record of LAC review 1")
    walk.check("edit a held review", f"Edit the record of LAC review 1 for {held.full_name}")
    page.get_by_role("link", name="The meeting", exact=True).click()
    walk.check("correct a held review's task", f"The meeting: LAC review 1 for {held.full_name}")
    clear_date(page, "Date the review was held")
    walk.submit("Save and continue")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the review was held")
    walk.check("correct a held review's task", f"The meeting: LAC review 1 for {held.full_name}", error=True)

    # Rate the plan: no rating chosen.
    page.goto(f"/oversight/review/{held_review.pk}/rate/")
    walk.check("rate the plan", f"Rate the plan after LAC review 1 for {held.full_name}")
    walk.submit("Save rating")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a RAG rating for the plan")
    walk.check("rate the plan", f"Rate the plan after LAC review 1 for {held.full_name}", error=True)

    # The In-Contact plan: no way of keeping in touch chosen.
    page.goto(f"/oversight/child/{held.pk}/in-contact/")
    walk.check("In-Contact plan", f"In-Contact plan for {held.full_name}")
    walk.submit("Save plan")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose how you and the child will keep in touch")
    walk.check("In-Contact plan", f"In-Contact plan for {held.full_name}", error=True)

    # Each step of the escalation, submitted empty.
    for path, title, button, message in (
        ("escalate", "Escalate to a higher stage", "Escalate", "Choose the stage you are escalating to"),
        ("response", "Record the response", "Save response", "Summarise the response"),
        ("resolve", "Resolve the escalation", "Resolve", "Describe the outcome of the escalation"),
        ("withdraw", "Withdraw the escalation", "Withdraw", "Give the reason for withdrawing the escalation"),
    ):
        page.goto(f"/escalations/{escalation.pk}/{path}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        walk.check(title, f"{title} for {held.full_name}")
        walk.submit(button)
        expect(page.locator(".govuk-error-summary")).to_contain_text(message)
        walk.check(title, f"{title} for {held.full_name}", error=True)

    # Withdrawn: the escalation's page in that state, its status in words.
    page.get_by_label("Why are you withdrawing the escalation?").fill("Raised in error.")
    walk.submit("Withdraw", status=200)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is withdrawn")
    expect(page.locator("main")).to_contain_text("Withdrawn")
    walk.check("escalation", f"Escalation for {held.full_name}")

    # The lists' filters with a date that does not exist.
    page.goto("/escalations/?" + not_a_date("raised_from"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    walk.check("my escalations", "My escalations", error=True)
    page.goto("/children/?" + not_a_date("started_from"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    walk.check("my children", "My children", error=True)

    # A page that does not exist.
    response = page.goto("/children/999999999/")
    assert response.status == 404
    walk.check("page not found", "Page not found")
    page.problems.assert_none()


def test_keyboard_user_rates_the_plan_after_a_review(page, iro, manager):
    """The IRO's RAG rating by keyboard alone: tab order, visible focus, the error summary
    focused on a failed submit and its link leading to the radios."""
    today = timezone.localdate()
    child = child_in_care("Lee Keyboard", iro=iro, by=manager, started=today - timedelta(days=20))
    review = hold_first_review(child, iro=iro, today=today)
    sign_in(page, iro)
    page.goto(f"/oversight/review/{review.pk}/rate/")

    red = page.get_by_label("Red", exact=True)
    tracking = page.get_by_label("What are you tracking?")
    button = page.get_by_role("button", name="Save rating")
    details = page.locator("summary", has_text="What the ratings mean")
    assert not has_govuk_focus_style(red), "The Red radio looks focused before it has focus"
    tab_to(page, details)
    assert_focused_with_govuk_style(details, "'What the ratings mean' summary")
    page.keyboard.press("Tab")
    assert_focused_with_govuk_style(red, "Red radio")
    page.keyboard.press("Tab")  # a radio group is one tab stop
    expect(tracking).to_be_focused()
    tab_to(page, button, most_presses=8)
    assert_focused_with_govuk_style(button, "'Save rating' button")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Rate the plan"))
    page.keyboard.press("Tab")
    error_link = summary.get_by_role("link", name="Choose a RAG rating for the plan")
    assert_focused_with_govuk_style(error_link, "error link")
    page.keyboard.press("Enter")
    expect(red).to_be_focused()
    page.keyboard.press("Space")
    expect(red).to_be_checked()
    page.keyboard.press("Tab")
    expect(tracking).to_be_focused()
    page.keyboard.type("Contact with birth family")
    tab_to(page, button, most_presses=8)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("plan is rated red")
    # The rating is written, not only coloured.
    expect(page.locator("main .govuk-tag--red", has_text="Red").first).to_be_visible()
    page.problems.assert_none()


# --- A service manager ----------------------------------------------------------------------------


def test_manager_page_types_and_failed_forms(page, walk, manager, iro):
    today = timezone.localdate()
    child = child_in_care("Rowan Reopencase", iro=iro, by=manager, started=today - timedelta(days=60))
    escalation = raise_escalation(child, iro=iro, today=today)
    escalation_services.resolve(escalation, by=iro, outcome="Assessment booked.", resolved_on=today, today=today)
    year = reporting_year_start(today).year - 1
    label = f"April {year} to March {year + 1}"
    report_services.publish(report_services.report_for_year(year), by=manager, confirmed=True)

    sign_in(page, manager)

    # Reopen a resolved escalation: no reason given.
    page.goto(f"/escalations/{escalation.pk}/")
    page.get_by_role("link", name="Reopen the escalation").click()
    walk.check("Reopen the escalation", f"Reopen the escalation for {child.full_name}")
    walk.submit("Reopen")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason for reopening the escalation")
    walk.check("Reopen the escalation", f"Reopen the escalation for {child.full_name}", error=True)

    # The managers' lists with a date that does not exist.
    page.goto("/escalations/?" + not_a_date("raised_from"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    walk.check("escalations by stage", "Escalations", error=True)
    page.goto("/children/?" + not_a_date("started_from"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    walk.check("children", "Children", error=True)

    # The caseload of every IRO, and with a choice that is not in its list.
    page.goto("/dashboard/caseloads/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload of every IRO")
    walk.check("caseload of every IRO", "Caseload of every IRO")
    page.goto("/dashboard/caseloads/?show=everybody")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select which IROs to show from the list")
    walk.check("caseload of every IRO", "Caseload of every IRO", error=True)

    # Comparators: a measure chosen with no figure.
    page.goto(f"/reports/{year}/comparators/")
    page.get_by_role("group", name="Comparator 1").get_by_label("Measure").select_option(index=1)
    walk.submit("Save the comparators")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the statistical neighbours figure")
    walk.check("comparators", f"Comparators, annual IRO report {label}", error=True)

    # The key highlights, each sentence drafted from the figures.
    page.goto(f"/reports/{year}/highlights/")
    walk.check("key highlights", f"Key highlights, annual IRO report {label}")

    # Local targets: a measure chosen with no target.
    page.goto(f"/reports/{year}/targets/")
    walk.check("targets", f"Local targets, annual IRO report {label}")
    page.get_by_role("group", name="Target 1").get_by_label("Measure").select_option(index=1)
    walk.submit("Save the targets")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the target, for example 98.")
    walk.check("targets", f"Local targets, annual IRO report {label}", error=True)

    # A second version with no reason.
    page.goto(f"/reports/{year}/publish/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish a new version")
    walk.check("publish", f"Publish the annual IRO report {label}")
    walk.submit("Publish version 2")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for publishing a new version")
    walk.check("publish", f"Publish the annual IRO report {label}", error=True)
    page.problems.assert_none()


def test_keyboard_user_reallocates_a_child(page, manager, iro):
    """The manager's reallocation by keyboard alone: the tab order follows the form, every stop
    shows the GOV.UK focus style, a failed submit focuses the error summary, its link the box."""
    other = IroFactory(first_name="Nia", last_name="Newiro")
    today = timezone.localdate()
    child = child_in_care("Sky Reallocate", iro=iro, by=manager, started=today - timedelta(days=60))
    sign_in(page, manager)
    page.goto(f"/children/{child.pk}/allocate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reallocate an IRO")

    choose = page.get_by_label("Independent Reviewing Officer")
    date = page.get_by_role("group", name="Date the allocation starts")
    day, month, year = (date.get_by_label(part, exact=True) for part in ("Day", "Month", "Year"))
    button = page.get_by_role("button", name="Save allocation")
    assert not has_govuk_focus_style(choose), "The IRO select looks focused before it has focus"
    tab_to(page, choose)
    assert_focused_with_govuk_style(choose, "IRO select")
    for box, what in ((day, "Day box"), (month, "Month box"), (year, "Year box")):
        page.keyboard.press("Tab")
        assert_focused_with_govuk_style(box, what)
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.press("Backspace")
    page.keyboard.press("Tab")
    assert_focused_with_govuk_style(button, "'Save allocation' button")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Allocate an IRO"))
    page.keyboard.press("Tab")
    assert_focused_with_govuk_style(summary.get_by_role("link").first, "first error link")
    page.keyboard.press("Enter")
    expect(choose).to_be_focused()
    page.keyboard.type("Nia")  # the type-ahead lists the IROs whose names hold it
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(choose).to_have_value(re.compile(r"^Nia Newiro \("))
    expect(page.locator("#id_iro-select")).to_have_value(str(other.pk)), "the hidden select carries the choice"
    for part in (str(today.day), str(today.month), str(today.year)):
        page.keyboard.press("Tab")
        page.keyboard.type(part)
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(page.get_by_text(f"{other.get_full_name()}, since")).to_be_visible()
    page.problems.assert_none()


# --- A board member -------------------------------------------------------------------------------


def test_board_member_before_anything_is_published(page, walk, board_member, iro, manager):
    child = child_in_care("Ash Boardcase", iro=iro, by=manager, started=timezone.localdate() - timedelta(days=30))
    sign_in(page, board_member)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.locator("main")).not_to_contain_text("open the draft")
    walk.check("annual reports (none published)", "Annual IRO reports")

    response = page.goto(f"/children/{child.pk}/")
    assert response.status == 403
    expect(page.locator("main")).not_to_contain_text(child.family_name)
    walk.check("no permission", "You do not have permission to see this page")
    page.problems.assert_none()
