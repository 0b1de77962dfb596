"""The annual IRO report in the browser: a service manager writes and publishes it, a board member
reads and downloads the published version and can reach nothing else.

Journeys:
1. A service manager follows "Annual reports" from the navigation, opens last reporting year's
   draft, previews the board version (small numbers shown as "c"), writes the narrative (an
   achievements paragraph with a Markdown bullet list) and one action-plan priority (a row with a
   box left empty is refused first), sees them on the report, enters other activity (more foster
   carer reviews in time than held is refused first: GOV.UK error summary, focused, "Error: "
   title), opens the comparators, publishes, lands on version 1, reads the version for children
   and asks for the version's PDF (its progress page). axe-core runs on every page type reached,
   in each state (empty form, form with errors).
2. Keyboard only: the other activity form, by Tab, Shift+Tab, typing and Enter: the tab order
   follows the page, every focused box and the button show the GOV.UK focus style, a failed
   submit puts focus on the error summary, its link takes focus to the box, and the fix saves.
3. A board member lands on the list of published reports and asks for the published version's
   PDF: the progress page polls (static/js/document-status.mjs) while the worker makes it, then
   offers "Download the PDF" without a reload (axe-core on both states); once made, the PDF is
   served at once. Then the CSV (small numbers as "c"), the version for children (axe-core), and
   403 for a child's record and for the narrative form.
4. Keyboard only, a board member signs in and opens the published version; then, by Tab and Enter
   alone from the report page, downloads its PDF (made already), its CSV and its Word copy, each
   link showing the GOV.UK focus style, all three with small numbers as "c" (axe-core on the page).

Celery: `pdf_worker` stands in for the worker. The portal sends the real task when the request's
transaction commits; the stand-in records it and the test runs the real task when it chooses, so
the progress page can be seen both waiting and ready, and nothing is sent to the broker.

The data: three children who came into care in last reporting year (April to March before the
current one), allocated to Iris, each with a first LAC review held in it, so the report's
figures are 1 to 5 (shown as "c" in the board version).
"""

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from docx import Document
from playwright.sync_api import expect

from children import services as children_services
from reporting import services as report_services
from reporting.models import Variant
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.timescales import reporting_year_start
from tests.factories import TEST_PASSWORD, AllocationFactory, ChildFactory, record_attendance_and_views

from .axe import assert_no_axe_violations
from .helpers import keyboard_sign_in, sign_in, tab_to

AUTHORITY = settings.AUTHORITY_NAME
AUTHORITY_SLUG = slugify(AUTHORITY)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"
ACHIEVEMENTS = (
    "Every child in care had a named IRO all year.\n"
    "\n"
    "- Reviews were held in the child's home when they asked\n"
    "- Two young people chaired their own review"
)
END_OF_YEAR = "Looked after at the end of the year (31 March)"  # 3 children: "c" for the board
PRIORITY = {
    "Priority": "Children take part in their reviews",
    "How we will measure it": "Participation codes recorded at each review",
    "Intended impact": "Plans reflect what children say",
    "Action": "IROs meet each child before the review",
}


# --- The data ---------------------------------------------------------------------------------


@dataclass
class Authority:
    year: int  # the first calendar year of last reporting year
    label: str  # "April 2025 to March 2026"
    children: list


class PdfWorker:
    """Stands in for the Celery worker: records each PDF task the portal sends (once the request's
    transaction commits, as in production) and runs the real task when the test says so, so the
    progress page can be seen waiting, then polling its way to the download. Nothing is sent to a
    broker."""

    def __init__(self, task):
        self.task = task
        self.queued = []

    def delay(self, document_id):
        self.queued.append(document_id)

    def work(self):
        """Run every queued task, as a worker would; return the documents made."""
        done, self.queued = self.queued, []
        for document_id in done:
            self.task(document_id)
        return done


@pytest.fixture
def pdf_worker(monkeypatch):
    from reporting import tasks

    worker = PdfWorker(tasks.render_report_document)
    # reporting.services imports the task from reporting.tasks when a PDF is asked for.
    monkeypatch.setattr(tasks, "render_report_document", worker)
    return worker


@pytest.fixture
def authority(iro, manager):
    year = reporting_year_start(timezone.localdate()).year - 1
    started = date(year, 5, 1)
    children = []
    for name in ("Avery Annual", "Blake Annual", "Casey Annual"):
        given_name, family_name = name.split()
        child = ChildFactory(given_name=given_name, family_name=family_name)
        children_services.record_care_episode(
            child,
            by=manager,
            start_date=started,
            reason_for_new_episode="S",
            legal_status="C2",
            category_of_need="N1",
            placement_type="U6",
            placement_provider="PR1",
        )
        AllocationFactory(child=child, iro=iro, start_date=started)
        review = Review.objects.get(child=child, kind=ReviewKind.LAC, number=1, status=ReviewStatus.DUE)
        review_services.record_review_held(
            record_attendance_and_views(review),
            by=iro,
            fields={"held_on": started + timedelta(days=14), "participation_code": "PN1"},
        )
        children.append(child)
    return Authority(year=year, label=f"April {year} to March {year + 1}", children=children)


def publish_the_report(authority, manager):
    report = report_services.report_for_year(authority.year)
    return report_services.publish(report, by=manager, confirmed=True)


# --- Reading the pages ------------------------------------------------------------------------


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


def focused_id(page):
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def error_summary(page):
    return page.locator(".govuk-error-summary")


def h1(page):
    return page.get_by_role("heading", level=1)


def version_link(kind, label):
    """A link in the list of reports: "PDF (April 2025 to March 2026, version 1)"; the visually
    hidden part is absolutely positioned, so the name may have a space before it."""
    return re.compile(rf"^{re.escape(kind)}\s*\({re.escape(label)}, version 1\)$")


def this_years_figure(page, measure):
    """The report table cell with this year's figure for a measure."""
    row = page.locator("main tr", has=page.get_by_role("rowheader", name=measure, exact=True))
    return row.locator("td").first


def suppressed_cells(page):
    return page.locator("main abbr", has_text=re.compile(r"^c$"))


# --- 1. A service manager writes and publishes the report --------------------------------------


def test_manager_edits_and_publishes_the_annual_report(page, manager, authority, pdf_worker, screenshot):
    titles = {}
    label = authority.label

    def check(where, expected_title):
        expect(page).to_have_title(f"{expected_title} – IRO Portal")
        assert expected_title not in titles.values(), f"{where} has the same title as another page: {expected_title}"
        titles[where] = expected_title
        assert_no_axe_violations(page, where)
        screenshot(page, "axe-report-" + re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-"))

    sign_in(page, manager)
    page.get_by_role("navigation").get_by_role("link", name="Annual reports", exact=True).click()
    expect(h1(page)).to_have_text("Annual IRO reports")
    expect(page.get_by_role("link", name="Annual reports", exact=True)).to_have_attribute("aria-current", "page")
    check("list of reports (manager)", "Annual IRO reports")

    page.get_by_role("link", name=re.compile(rf"^{label}\s*: open the draft$")).click()
    expect(h1(page)).to_have_text(f"Annual report of the Independent Reviewing Officer service, {label}")
    expect(page.locator("main")).to_contain_text("Not written yet.")
    # The full version shows the small numbers themselves.
    expect(this_years_figure(page, END_OF_YEAR)).to_have_text("3")
    expect(suppressed_cells(page)).to_have_count(0)
    check("draft report", f"Draft annual IRO report {label}, {AUTHORITY}")

    page.get_by_role("link", name="Show the board version (small numbers suppressed)").click()
    expect(page).to_have_url(re.compile(r"\?variant=board$"))
    expect(page.locator(".govuk-inset-text")).to_contain_text("shown as c")
    expect(this_years_figure(page, END_OF_YEAR)).to_have_text("c")
    expect(this_years_figure(page, END_OF_YEAR).locator("abbr")).to_have_attribute(
        "title", "suppressed: a small number"
    )
    check("draft report, board version", f"Draft annual IRO report {label} (board version), {AUTHORITY}")
    page.get_by_role("link", name="Show the full version").click()

    # The narrative: an achievements paragraph with a Markdown list, and one priority.
    page.get_by_role("link", name="Edit the narrative and action plan").click()
    expect(h1(page)).to_have_text("Narrative and action plan")
    check("narrative form", f"Narrative and action plan, annual IRO report {label}")

    page.get_by_label("Achievements this year").fill(ACHIEVEMENTS)
    first = page.get_by_role("group", name="Priority 1")
    # Three boxes of the four: refused, the empty box named.
    for box in ("Priority", "How we will measure it", "Intended impact"):
        first.get_by_label(box, exact=True).fill(PRIORITY[box])
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save the narrative and action plan").click()
    assert navigation.value.status == 400
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link")).to_have_count(1)
    expect(error_summary(page)).to_contain_text(
        "Enter the action for priority 1, or empty all four boxes of that priority."
    )
    expect(page.get_by_label("Achievements this year")).to_have_value(ACHIEVEMENTS)
    check("narrative form with errors", f"Error: Narrative and action plan, annual IRO report {label}")

    error_summary(page).get_by_role("link").click()
    action = page.get_by_role("group", name="Priority 1").get_by_label("Action", exact=True)
    expect(action).to_be_focused()
    action.fill(PRIORITY["Action"])
    page.get_by_role("button", name="Save the narrative and action plan").click()
    expect(success_banner(page)).to_contain_text("The narrative and action plan have been saved.")
    expect(h1(page)).to_have_text(f"Annual report of the Independent Reviewing Officer service, {label}")
    achievements = page.get_by_role("region", name="Achievements this year")
    expect(achievements.locator("p")).to_have_text("Every child in care had a named IRO all year.")
    expect(achievements.get_by_role("listitem")).to_have_text(
        [
            "Reviews were held in the child's home when they asked",
            "Two young people chaired their own review",
        ]
    )
    plan = page.get_by_role("table", name=f"Priorities for {label} and beyond")
    expect(plan.locator("tbody tr")).to_have_count(1)
    expect(plan.locator("tbody td")).to_have_text(list(PRIORITY.values()))

    # Other activity: more reviews in time than held is refused, then corrected.
    page.get_by_role("link", name="Enter other activity").click()
    expect(h1(page)).to_have_text("Other activity")
    page.get_by_label("Foster carer reviews held", exact=True).fill("4")
    page.get_by_label("Foster carer reviews held in time").fill("6")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save the figures").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(error_summary(page)).to_be_focused()
    message = "Reviews held in time cannot be more than the reviews held."
    expect(error_summary(page).get_by_role("link", name=message)).to_have_attribute(
        "href", "#id_fostering_reviews_in_time"
    )
    expect(page.locator("#id_fostering_reviews_in_time")).to_have_attribute(
        "aria-describedby", re.compile(r"fostering_reviews_in_time.*error|error.*fostering_reviews_in_time")
    )
    check("other activity form with errors", f"Error: Other activity, annual IRO report {label}")
    page.get_by_label("Foster carer reviews held in time").fill("3")
    page.get_by_role("button", name="Save the figures").click()
    expect(success_banner(page)).to_contain_text("The other activity figures have been saved.")

    page.get_by_role("link", name="Enter comparators").click()
    expect(h1(page)).to_have_text("Comparators")
    check("comparators form", f"Comparators, annual IRO report {label}")
    page.get_by_role("link", name="Back to the report").click()

    # Publish: version 1 needs no reason.
    page.get_by_role("link", name="Publish this report").click()
    expect(h1(page)).to_have_text("Publish the report")
    check("publish page", f"Publish the annual IRO report {label}")
    page.get_by_label("I have checked these and want to publish the report as it is").check()
    page.get_by_role("button", name="Publish the report").click()
    expect(page).to_have_url(re.compile(rf"/reports/{authority.year}/versions/1/$"))
    expect(success_banner(page)).to_contain_text("Version 1 of the report has been published.")
    expect(page.locator("main .govuk-caption-l")).to_contain_text("Published version 1")
    expect(page.get_by_role("region", name="Achievements this year").get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_role("link", name="Publish this report")).to_have_count(0)
    check("published version", f"Annual IRO report {label}, version 1, {AUTHORITY}")

    page.get_by_role("link", name="Read the version for children and young people").click()
    expect(h1(page)).to_have_text("What your IROs did this year")
    check("version for children", f"What your IROs did, {label}, {AUTHORITY}")
    page.go_back()

    # The version's PDF is asked for: its progress page, while the worker has not yet started.
    page.get_by_role("link", name="Download this version as a PDF").click()
    expect(h1(page)).to_have_text(f"PDF of the annual IRO report, {label}")
    expect(page.locator("main")).to_contain_text("Full report for managers, published version 1.")
    expect(page.get_by_role("status")).to_have_text("The PDF is being prepared: 0% done.")
    expect(page.locator("[data-download]")).to_be_hidden()
    check("PDF page, being prepared", f"PDF of the annual IRO report {label}")
    assert len(pdf_worker.queued) == 1, "Asking for the PDF sent no task (or more than one)"
    page.problems.assert_none()


# --- 2. Keyboard only: the other activity form --------------------------------------------------


OTHER_ACTIVITY_TAB_ORDER = [
    "id_child_population",
    "id_fostering_reviews_held",
    "id_fostering_reviews_in_time",
    "id_independent_visitor_matches",
    "id_advocacy_referrals",
    "id_complaints_received",
    "id_complaints_stage_1",
    "id_complaints_stage_2",
    "id_complaints_stage_3",
    "id_vacancies_fte",
    "id_training_sessions",
    "id_training_hours",
    "id_supervision_sessions_due",
    "id_supervision_sessions_held",
]


def test_keyboard_user_enters_other_activity(page, manager, authority):
    sign_in(page, manager)
    page.goto(f"/reports/{authority.year}/other-activity/")
    expect(h1(page)).to_have_text("Other activity")

    first = page.locator(f"#{OTHER_ACTIVITY_TAB_ORDER[0]}")
    assert not has_govuk_focus_style(first), "The first box looks focused before it has focus"
    tab_to(page, first)
    # Tab goes through the boxes in the order they are on the page, then to the button.
    typed = {"id_fostering_reviews_held": "4", "id_fostering_reviews_in_time": "6"}
    for position, field_id in enumerate(OTHER_ACTIVITY_TAB_ORDER):
        if position:
            page.keyboard.press("Tab")
        assert focused_id(page) == field_id, f"Tab reached {focused_id(page)!r}, not {field_id!r}"
        assert has_govuk_focus_style(page.locator(f"#{field_id}")), f"#{field_id} has no GOV.UK focus style"
        if field_id in typed:
            page.keyboard.type(typed[field_id])
    button = page.get_by_role("button", name="Save the figures")
    assert not has_govuk_focus_style(button), "The button looks focused before it has focus"
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    assert has_govuk_focus_style(button), "The focused 'Save the figures' button has no GOV.UK focus style"
    # Shift+Tab goes back to the last box.
    page.keyboard.press("Shift+Tab")
    assert focused_id(page) == OTHER_ACTIVITY_TAB_ORDER[-1]
    page.keyboard.press("Tab")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400

    # The error summary has focus, its link moves focus to the box, the fix saves.
    summary = error_summary(page)
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Other activity"))
    page.keyboard.press("Tab")
    error_link = summary.get_by_role("link", name="Reviews held in time cannot be more than the reviews held.")
    expect(error_link).to_be_focused()
    assert has_govuk_focus_style(error_link), "The focused error link has no GOV.UK focus style"
    page.keyboard.press("Enter")
    in_time = page.locator("#id_fostering_reviews_in_time")
    expect(in_time).to_be_focused()
    expect(in_time).to_have_value("6")
    assert has_govuk_focus_style(in_time), "The box in error has no GOV.UK focus style when focused"
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("3")
    tab_to(page, button, most_presses=15)
    assert has_govuk_focus_style(button), "The focused 'Save the figures' button has no GOV.UK focus style"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(success_banner(page)).to_contain_text("The other activity figures have been saved.")
    expect(page).to_have_url(re.compile(rf"/reports/{authority.year}/$"))
    page.problems.assert_none()


# --- 3. A board member reads and downloads the published report ---------------------------------


def test_board_member_downloads_the_published_report_and_reaches_nothing_else(
    page, board_member, manager, authority, pdf_worker, screenshot
):
    label = authority.label
    publish_the_report(authority, manager)

    sign_in(page, board_member)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(h1(page)).to_have_text("Annual IRO reports")
    expect(page.locator("main")).to_contain_text("shown as c")
    # Only the published year is listed, and no draft can be opened.
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile("open the draft"))).to_have_count(0)
    assert_no_axe_violations(page, "list of reports (board member)")
    screenshot(page, "report-list-board")

    # The PDF: the progress page polls while the worker makes it, then offers the download.
    page.get_by_role("link", name=version_link("PDF", label)).click()
    expect(h1(page)).to_have_text(f"PDF of the annual IRO report, {label}")
    expect(page.locator("main")).to_contain_text("Board version, small numbers suppressed, published version 1.")
    status = page.get_by_role("status")
    expect(status).to_have_text("The PDF is being prepared: 0% done.")
    download = page.locator("[data-download]")
    expect(download).to_be_hidden()
    expect(page.get_by_role("link", name="Refresh this page")).to_be_visible()
    assert_no_axe_violations(page, "PDF page, being prepared (board member)")
    assert len(pdf_worker.work()) == 1
    expect(status).to_have_text("The PDF is ready.", timeout=10_000)
    download_button = download.get_by_role("link", name="Download the PDF")
    expect(download_button).to_be_visible()
    expect(page.get_by_role("link", name="Refresh this page")).to_be_hidden()
    expect(page.locator("progress")).to_have_attribute("value", "100")
    assert_no_axe_violations(page, "PDF page, ready (board member)")
    screenshot(page, "report-pdf-ready-board")
    with page.expect_download() as download_info:
        download_button.click()
    pdf = download_info.value
    assert pdf.suggested_filename == f"{AUTHORITY_SLUG}-annual-iro-report-{authority.year}-v1-board.pdf"
    with open(pdf.path(), "rb") as pdf_file:
        assert pdf_file.read(5) == b"%PDF-"
    page.get_by_role("link", name="Back to the report").click()
    expect(page.locator("main .govuk-caption-l")).to_contain_text("Published version 1")
    expect(page).to_have_title(f"Annual IRO report {label}, version 1 (board version), {AUTHORITY} – IRO Portal")
    expect(page.get_by_role("link", name="Publish this report")).to_have_count(0)
    expect(page.get_by_role("link", name="Show the full version")).to_have_count(0)
    assert suppressed_cells(page).count() > 0, "The board member's version suppresses no small number"
    page.get_by_role("link", name="Annual reports", exact=True).click()
    expect(h1(page)).to_have_text("Annual IRO reports")

    # Once made, the version's PDF is served at once from the list.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=version_link("PDF", label)).click()
    assert download_info.value.suggested_filename == f"{AUTHORITY_SLUG}-annual-iro-report-{authority.year}-v1-board.pdf"
    assert not pdf_worker.queued, "A PDF already made was made again"

    # The CSV: small numbers suppressed.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=version_link("CSV", label)).click()
    download = download_info.value
    assert download.suggested_filename == f"{AUTHORITY_SLUG}-annual-iro-report-{authority.year}-v1-board.csv"
    with open(download.path(), encoding="utf-8", newline="") as csv_file:
        rows = list(csv.reader(csv_file))
    assert rows[0][3:5] == [label, f"April {authority.year - 1} to March {authority.year}"]
    at_the_end = [row for row in rows if row[:2] == ["Children looked after", END_OF_YEAR]]
    assert [row[2:5] for row in at_the_end] == [["count", "c", "0"]], at_the_end
    assert not any(row[3] in {"1", "2", "3", "4", "5"} for row in rows[1:] if row[2] == "count"), (
        f"A count from 1 to 5 is shown in the board CSV: {rows}"
    )

    # The version for children.
    page.get_by_role("link", name=version_link("version for children", label)).click()
    expect(h1(page)).to_have_text("What your IROs did this year")
    expect(page).to_have_title(f"What your IROs did, {label}, {AUTHORITY} – IRO Portal")
    # Three reviews are too few to mention: the section says so rather than being left empty.
    expect(page.locator("h2:has-text('Your reviews') + p")).to_have_text(
        re.compile(r"^We do not give numbers about reviews this year\.")
    )
    expect(page.locator("main")).not_to_contain_text(re.compile(r"\b3\b"))
    assert_no_axe_violations(page, "version for children (board member)")

    # Nothing about a child, and nothing to edit.
    child = authority.children[0]
    response = page.goto(f"/children/{child.pk}/")
    assert response.status == 403
    expect(h1(page)).to_have_text("You do not have permission to see this page")
    expect(page.locator("main")).not_to_contain_text(child.given_name)
    response = page.goto(f"/reports/{authority.year}/narrative/")
    assert response.status == 403
    expect(h1(page)).to_have_text("You do not have permission to see this page")
    page.problems.assert_none()


def test_keyboard_user_on_the_board_signs_in_and_downloads_the_published_pdf(
    page, board_member, manager, authority, pdf_worker
):
    label = authority.label
    publish_the_report(authority, manager)
    page.goto("/sign-in/")
    keyboard_sign_in(page, board_member.username, TEST_PASSWORD)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    tab_to(page, page.get_by_role("link", name=version_link("PDF", label)))
    page.keyboard.press("Enter")
    expect(h1(page)).to_have_text(f"PDF of the annual IRO report, {label}")
    assert len(pdf_worker.work()) == 1
    download = page.locator("[data-download]").get_by_role("link", name="Download the PDF")
    expect(download).to_be_visible(timeout=10_000)
    tab_to(page, download)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    assert download_info.value.suggested_filename == f"{AUTHORITY_SLUG}-annual-iro-report-{authority.year}-v1-board.pdf"


def test_keyboard_user_on_the_board_downloads_the_pdf_the_csv_and_the_word_copy_from_the_report(
    page, board_member, manager, authority, pdf_worker
):
    label = authority.label
    version = publish_the_report(authority, manager)
    report_services.request_document(version.report, variant=Variant.BOARD, by=manager, published=version)
    assert len(pdf_worker.work()) == 1
    page.goto("/sign-in/")
    keyboard_sign_in(page, board_member.username, TEST_PASSWORD)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    tab_to(page, page.get_by_role("link", name=version_link("read online", label)))
    page.keyboard.press("Enter")
    expect(page.locator("main .govuk-caption-l")).to_contain_text("Published version 1")
    assert_no_axe_violations(page, "published report (board member, keyboard)")

    downloads = {}
    for link, suffix in (
        ("Download this version as a PDF", "pdf"),
        ("Download the figures as a spreadsheet (CSV)", "csv"),
        ("Download this version as a Word document", "docx"),
    ):
        target = page.get_by_role("link", name=link, exact=True)
        tab_to(page, target)
        assert has_govuk_focus_style(target), f"{link} shows no focus style"
        with page.expect_download() as download_info:
            page.keyboard.press("Enter")
        downloads[suffix] = download_info.value
    for suffix, download in downloads.items():
        assert download.suggested_filename == f"{AUTHORITY_SLUG}-annual-iro-report-{authority.year}-v1-board.{suffix}"
    with open(downloads["pdf"].path(), "rb") as pdf_file:
        assert pdf_file.read(5) == b"%PDF-"
    with open(downloads["csv"].path(), encoding="utf-8", newline="") as csv_file:
        at_the_end = [row[2:5] for row in csv.reader(csv_file) if row[1:2] == [END_OF_YEAR]]
    word = Document(downloads["docx"].path())
    assert word.paragraphs[0].text == f"Annual report of the Independent Reviewing Officer service, {label}"
    word_rows = [[cell.text for cell in row.cells] for table in word.tables for row in table.rows]
    assert at_the_end == [["count", "c", "0"]] and [END_OF_YEAR, "c", "0"] in word_rows
    assert not pdf_worker.queued, "The board's stored PDF was made again"
    page.problems.assert_none()
