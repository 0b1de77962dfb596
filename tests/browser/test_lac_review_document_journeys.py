"""An IRO completes a LAC review, makes its record and reads it in the browser (at 390 px too),
downloads the PDF, then writes the letter to the child from the draft built from the decisions,
edits it, makes it and downloads it. axe-core runs on every new page."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.test_lac_review_documents import CHILD_SAID, drafted_lac_review

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_annual_report_journeys import PdfWorker
from .test_conference_journeys import check_narrow
from .test_review_document_journeys import make
from .test_review_journeys import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pdf_worker(monkeypatch):
    from reviews import tasks

    worker = PdfWorker(tasks.render_review_document)
    monkeypatch.setattr(tasks, "render_review_document", worker)
    return worker


@pytest.fixture
def review_drafted(iro, manager):
    return drafted_lac_review(iro, manager)


def download_answers_a_pdf(page, link_name):
    link = page.get_by_role("link", name=link_name).first
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_an_iro_completes_a_review_makes_the_record_and_writes_to_the_child(
    page, iro, review_drafted, pdf_worker, screenshot
):
    review = review_drafted
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("link", name="Record as held").click()
    page.get_by_role("link", name="Check your answers and complete the review").click()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")

    page.goto(f"/reviews/{review.pk}/")
    expect(page.get_by_role("heading", name="The record and the letter to Robin")).to_be_visible()
    make(page, pdf_worker, "Make the record")
    assert_no_axe_violations(page, "LAC review page with its record")
    page.get_by_role("link", name="Read it in the browser").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the LAC review 1")
    expect(page.get_by_text(CHILD_SAID)).to_be_visible()
    expect(page.get_by_role("cell", name="Restart sibling contact")).to_be_visible()
    assert_no_axe_violations(page, "LAC review record in the browser")
    check_narrow(page, screenshot, "lac-review-record-document")
    download_answers_a_pdf(page, "Download it as a PDF")

    page.get_by_role("link", name="Back to the review").click()
    tab_to(page, page.get_by_role("link", name="Write the letter to Robin"))  # by keyboard alone
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter to Robin")
    letter = page.get_by_label("Your letter")
    expect(letter).to_have_value(re.compile("What we decided"))
    draft = letter.input_value()
    assert "1. Restart sibling contact. Sam Social will do this by" in draft
    assert_no_axe_violations(page, "letter page")
    check_narrow(page, screenshot, "letter-page")

    letter.fill("")
    page.get_by_role("button", name="Save and make the letter").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write the letter.")
    assert_no_axe_violations(page, "letter page with an error")

    edited = draft.replace("Dear Robin,", "Dear Robin,\n\nIt was lovely to see you at your review.")
    page.get_by_label("Your letter").fill(edited)
    page.get_by_role("button", name="Save and make the letter").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is saved and being prepared")
    assert len(pdf_worker.queued) == 1
    pdf_worker.work()
    page.reload()
    assert_no_axe_violations(page, "LAC review page with its record and letter")
    page.get_by_role("link", name="Write the letter to Robin").click()
    expect(page.get_by_label("Your letter")).to_have_value(re.compile("It was lovely to see you"))
    page.get_by_text("See a new draft from the decisions as they are now").click()
    assert_no_axe_violations(page, "letter page with a saved letter and a new draft")
    page.get_by_role("link", name="Back to the review").click()
    page.get_by_role("link", name="Read it in the browser").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter to Robin")
    expect(page.get_by_text("It was lovely to see you at your review.")).to_be_visible()
    expect(page.get_by_role("heading", name="What we decided")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text="Restart sibling contact")).to_be_visible()
    assert_no_axe_violations(page, "letter to the child in the browser")
    check_narrow(page, screenshot, "letter-document")
    download_answers_a_pdf(page, "Download it as a PDF")

    # Sending the letter is recorded, and does not count as sending the record.
    page.get_by_role("link", name="Back to the review").click()
    page.get_by_role("link", name="Record that it was sent").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record that the letter to the child was sent")
    fill_date(page, "Date it was sent", timezone.localdate())
    first = page.get_by_role("group", name="Recipient 1")
    first.get_by_label("Name").fill("Robin Testcase")
    first.get_by_label("The child").check()
    first.get_by_label("By hand").check()
    assert_no_axe_violations(page, "sending the letter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recorded as sent")
    expect(page.get_by_text("Sending the letter does not count as sending the record.")).to_be_visible()
    assert_no_axe_violations(page, "letter sent confirmation")
    review.refresh_from_db()
    assert review.record_circulated is None
    page.problems.assert_none()
