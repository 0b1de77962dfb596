"""A conference chair makes the record of a held ICPC and the parents' copy, reads each in the
browser (at 390 px as a parent would on a phone), downloads the PDF and records who it was sent
to, ending on the confirmation. axe-core runs on every new page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import held_icpc

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_annual_report_journeys import PdfWorker
from .test_conference_journeys import check_narrow
from .test_review_journeys import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISSENT = "School believes the family can be supported without a plan."


@pytest.fixture
def pdf_worker(monkeypatch):
    from reviews import tasks

    worker = PdfWorker(tasks.render_review_document)
    # reviews.document_services imports the task from reviews.tasks when a document is made.
    monkeypatch.setattr(tasks, "render_review_document", worker)
    return worker


@pytest.fixture
def icpc_held(iro, manager):
    return held_icpc(
        iro,
        manager,
        outline_plan="The social worker visits every week.",
        attendees=[
            {
                "name": "Ed Teacher",
                "agency": "education",
                "attendance": "attended",
                "view_on_plan": "no_plan",
                "dissent_reason": DISSENT,
            }
        ],
    )


def make(page, pdf_worker, button):
    page.get_by_role("button", name=button).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is being prepared")
    expect(page.get_by_text("Being prepared").first).to_be_visible()
    assert len(pdf_worker.queued) == 1
    pdf_worker.work()
    page.reload()


def test_a_chair_makes_reads_downloads_and_sends_the_record(page, iro, icpc_held, pdf_worker, screenshot):
    review = icpc_held
    today = timezone.localdate()
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    make(page, pdf_worker, "Create the conference record")
    assert_no_axe_violations(page, "review page with a document")
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()

    page.get_by_role("link", name="Read it in the browser").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the initial child protection conference")
    expect(page.get_by_text(DISSENT)).to_be_visible()
    assert_no_axe_violations(page, "conference record in the browser")
    check_narrow(page, screenshot, "conference-record-document")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("link", name="Back to the conference").click()
    make(page, pdf_worker, "Create the parents' copy of the conference record")
    page.get_by_role("link", name="Read it in the browser").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What was decided at the initial child protection conference"
    )
    expect(page.get_by_text("Robin needs a child protection plan", exact=False)).to_be_visible()
    expect(page.get_by_text(DISSENT)).to_have_count(0)
    assert_no_axe_violations(page, "parents' copy in the browser")
    check_narrow(page, screenshot, "parents-copy-document")

    page.get_by_role("link", name="Back to the conference").click()
    send = page.get_by_role("link", name="Record that it was sent").first
    tab_to(page, send)  # by keyboard alone
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record that the parents' copy of the conference record was sent"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter the date it was sent")
    assert_no_axe_violations(page, "sending form with errors")
    fill_date(page, "Date it was sent", today)
    first = page.get_by_role("group", name="Recipient 1")
    first.get_by_label("Name").fill("Mary Parent")
    first.get_by_label("Parent or carer").check()
    first.get_by_label("Post").check()
    page.get_by_role("button", name="Add another recipient").click()
    second = page.get_by_role("group", name="Recipient 2")
    expect(second.get_by_label("Name")).to_be_focused()
    second.get_by_label("Name").fill("Pat Patrol")
    second.get_by_label("Agency or professional").check()
    second.get_by_label("Agency", exact=True).fill("Police")
    second.get_by_label("Secure email").check()
    assert_no_axe_violations(page, "sending form with two recipients")
    check_narrow(page, screenshot, "sending-form")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recorded as sent")
    expect(page.get_by_text("Mary Parent (parent or carer): post")).to_be_visible()
    expect(page.get_by_text("Full record circulated within 20 working days: met")).to_be_visible()
    assert_no_axe_violations(page, "sent confirmation")
    check_narrow(page, screenshot, "sent-confirmation")
