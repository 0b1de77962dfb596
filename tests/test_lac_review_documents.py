"""A held LAC review's record and the letter to the child: what each says (HTML and the tagged
PDF), the plain-words draft built from the decisions, the IRO's edited words kept and locked by
version, recording that the record was sent (which fills record_circulated, counted by the
quality standards; the letter does not), who may do what, and the same through the API."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from iro_portal.locking import ChangedByAnotherUser
from reporting.periods import Period
from reporting.selectors import lac_review_participation_and_quality
from reviews import document_services, letter_selectors, letter_services, record_services
from reviews.letter_models import ChildLetter
from reviews.models import Circulation, Review, ReviewDocument, ReviewDocumentKind
from reviews.record_models import ReviewRecord
from reviews.selectors import quality_standards
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import brought_into_care, sign_in
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

CHILD_SAID = "I want to see my brother more <b>often</b>."
CONTACT_NOTE = "Sibling contact has lapsed since the move."


def _version(review):
    record = ReviewRecord.objects.filter(review=review).first()
    return record.version if record else 0


def drafted_lac_review(iro, manager, *, held_days_ago=2, decisions=True):
    """A LAC review the IRO recorded through the working record, ready to complete: who came,
    the views, the care plan checks (the plan does not meet the child's needs) and two decisions."""
    today = timezone.localdate()
    child = ChildFactory(given_name="Robin", family_name="Testcase", date_of_birth=date(2012, 6, 1))
    brought_into_care(child, by=manager, start=today - timedelta(days=20), iro=iro)
    review = Review.objects.get(child=child, kind="LAC", status="due")
    record_services.save_attendance(
        review,
        by=iro,
        participants=[
            {"role": "child", "attendance": "attended"},
            {"role": "carer", "name": "Kim Carer", "attendance": "attended"},
            {"role": "mother", "name": "Mary Parent", "attendance": "apologies"},
            {"role": "social_worker", "name": "Sam Social", "attendance": "sent_views", "invited": True},
            {"role": "advocate", "name": "Ada Advocate", "attendance": "attended", "invited": False},
        ],
        expected_version=_version(review),
    )
    record_services.save_views(
        review,
        by=iro,
        views={
            "child": {"text": CHILD_SAID, "given": "in_person"},
            "carers": {"text": "Robin is settled and doing well at school.", "given": "written"},
            "social_worker": {"text": "The plan is on track apart from family time.", "given": "written"},
        },
        expected_version=_version(review),
    )
    record_services.save_care_plan_checks(
        review,
        by=iro,
        answers={
            "care_plan": {"answer": "yes", "note": "Updated last month."},
            "contact": {"answer": "no", "note": CONTACT_NOTE},
        },
        plan_meets_needs=False,
        expected_version=_version(review),
    )
    record_services.save_draft(
        review,
        by=iro,
        fields={"held_on": today - timedelta(days=held_days_ago), "participation_code": "PN1"},
        decisions=[
            {"description": "Restart sibling contact", "owner_name": "Sam Social", "due_date": today + timedelta(28)},
            {
                "description": "Book a dentist appointment.",
                "owner_name": "Kim Carer",
                "due_date": today + timedelta(14),
            },
        ]
        if decisions
        else [],
        expected_version=_version(review),
    )
    return review


def recorded_lac_review(iro, manager, *, decisions=True):
    """The drafted LAC review, completed: held two days ago."""
    review = drafted_lac_review(iro, manager, decisions=decisions)
    return record_services.complete_review(review, by=iro, expected_version=_version(review))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def lac(iro, manager):
    return recorded_lac_review(iro, manager)


def text_of(html):
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def saved_letter(review, iro, text=None):
    return letter_services.save_letter(
        review, by=iro, text=text or letter_selectors.draft_letter(review), expected_version=0
    )


class TestTheRecord:
    def test_the_record_reads_as_an_iro_service_writes_it(self, lac, iro):
        document = document_services.create_document(lac, kind=ReviewDocumentKind.REVIEW_RECORD, by=iro)
        words = text_of(document.html)
        for expected in (
            "Record of the LAC review 1",
            "Name Robin Testcase",
            "Date of birth 1 June 2012",
            "Legal status Full care order (C2)",
            "Placement",
            "Held on",
            f"Chair {iro.get_full_name()}, Independent Reviewing Officer",
            "PN1: attends and speaks for self",
            "Attended",
            "Robin Testcase (the child)",
            "Kim Carer (carer)",
            "Ada Advocate (advocate), not invited",
            "Gave apologies Mary Parent (mother)",
            "Sent their views Sam Social (social worker)",
            "The child's wishes and feelings",
            "Given: in person.",
            "The parents' views Not recorded.",
            "The social worker's report The plan is on track apart from family time. Given: written.",
            "Care plan up to date Yes Updated last month.",
            f"Contact arrangements, including siblings No {CONTACT_NOTE}",
            "Life-story work Not recorded",
            "Does the care plan meet the child's needs? No",
            "1 Restart sibling contact Sam Social",
            "2 Book a dentist appointment. Kim Carer",
            "Next review Due by",
        ):
            assert expected in words, expected
        assert "&lt;b&gt;often&lt;/b&gt;" in document.html and "<b>often" not in document.html

    def test_the_pdf_is_made_by_the_task_and_tagged_for_screen_readers(
        self, lac, iro, eager, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            document = document_services.create_document(lac, kind=ReviewDocumentKind.REVIEW_RECORD, by=iro)
        document.refresh_from_db()
        assert document.is_ready
        reader = PdfReader(io.BytesIO(bytes(document.content)))
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
        assert reader.metadata["/Title"] == "Record of the LAC review 1"
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert "Restart sibling contact" in text and CONTACT_NOTE in text

    def test_a_conference_has_no_lac_record_and_a_lac_review_no_conference_record(self, lac, iro):
        with pytest.raises(ValidationError, match="has no document of that kind"):
            document_services.create_document(lac, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=iro)


class TestTheLetter:
    def test_the_draft_is_built_from_the_decisions_in_plain_words(self, lac, iro):
        text = letter_selectors.draft_letter(lac)
        following = Review.objects.get(child=lac.child, kind="LAC", status="due")
        assert text.startswith("Dear Robin,")
        assert f"Thank you for coming to your review on {lac.held_on.day}" in text
        assert "Thank you for telling me what you think and feel." in text
        due = (timezone.localdate() + timedelta(28)).strftime("%-d %B %Y")
        assert f"1. Restart sibling contact. Sam Social will do this by {due}." in text
        assert "2. Book a dentist appointment. Kim Carer will do this by" in text
        assert f"Your next review will be by {following.due_date.strftime('%-d %B %Y')}." in text
        assert "ask for an advocate" in text and f"From {iro.get_full_name()}" in text
        sentences = [s for s in text.replace("\n", " ").split(". ") if s]
        assert max(len(s.split()) for s in sentences) <= 20, "short sentences"
        blocks = letter_selectors.letter_blocks(text)
        assert [b.lines[0] for b in blocks if b.kind == "heading"] == list(letter_selectors.LETTER_HEADINGS)
        assert [b.kind for b in blocks].count("numbered") == 1

    def test_with_no_decisions_the_draft_says_so(self, iro, manager):
        review = recorded_lac_review(iro, manager, decisions=False)
        assert "We did not need to decide anything new." in letter_selectors.draft_letter(review)

    def test_the_edited_words_are_kept_and_the_letter_is_made_from_them(self, lac, iro):
        assert letter_selectors.letter_text(lac) == (letter_selectors.draft_letter(lac), 0)
        with pytest.raises(ValidationError, match="Write the letter to Robin and save it first"):
            document_services.create_document(lac, kind=ReviewDocumentKind.CHILD_LETTER, by=iro)
        edited = "Dear Robin,\n\nIt was good to see you.\n\nWhat we decided\n\n1. You will see your brother.\n\n<script>x</script>"
        letter = saved_letter(lac, iro, edited)
        assert letter.version == 1 and letter_selectors.letter_text(lac) == (edited, 1)
        document = document_services.create_document(lac, kind=ReviewDocumentKind.CHILD_LETTER, by=iro)
        assert document.title == "Letter to Robin"
        assert '<h2 class="govuk-heading-m">What we decided</h2>' in document.html
        assert "<li>You will see your brother.</li>" in document.html
        assert "&lt;script&gt;" in document.html and "<script>" not in document.html
        assert AuditEvent.objects.filter(object_type="reviews.childletter", action="create").exists()

    def test_a_stale_save_is_refused_and_nothing_changes(self, lac, iro, manager):
        saved_letter(lac, iro, "Dear Robin,\n\nFirst words.")
        letter_services.save_letter(lac, by=manager, text="Dear Robin,\n\nThe manager's words.", expected_version=1)
        with pytest.raises(ChangedByAnotherUser, match="Someone else saved this letter"):
            letter_services.save_letter(lac, by=iro, text="Dear Robin,\n\nMine.", expected_version=1)
        assert ChildLetter.objects.get().text == "Dear Robin,\n\nThe manager's words."

    def test_an_empty_letter_or_an_unheld_review_is_refused(self, lac, iro, manager):
        with pytest.raises(ValidationError, match="Write the letter to Robin"):
            letter_services.save_letter(lac, by=iro, text=" \n ", expected_version=0)
        due = Review.objects.get(child=lac.child, kind="LAC", status="due")
        with pytest.raises(ValidationError, match="not recorded as held yet"):
            letter_services.save_letter(due, by=iro, text="Dear Robin", expected_version=0)
        assert not ChildLetter.objects.exists()


def ready(review, iro, kind):
    document = document_services.create_document(review, kind=kind, by=iro)
    ReviewDocument.objects.filter(pk=document.pk).update(status="ready", progress=100, content=b"%PDF-1.7 test")
    document.refresh_from_db()
    return document


CHILD = {"name": "Robin Testcase", "role": "child", "agency": "", "method": "by_hand"}
SOCIAL_WORKER = {"name": "Sam Social", "role": "agency", "agency": "Children's social care", "method": "secure_email"}


class TestCirculation:
    def test_sending_the_record_fills_record_circulated_and_the_figures_count_it(self, lac, iro, today):
        document = ready(lac, iro, ReviewDocumentKind.REVIEW_RECORD)
        period = Period(today - timedelta(days=30), today)
        before = lac_review_participation_and_quality(period, today)["quality"]["record"]
        assert (before["met"], before["pending"]) == (0, 1)
        document_services.record_circulation(
            document, by=iro, sent_on=today, recipients=[CHILD, SOCIAL_WORKER], expected_version=lac.version
        )
        lac.refresh_from_db()
        assert lac.record_circulated == today and lac.decisions_circulated == today
        standards = {s["label"]: s["outcome"] for s in quality_standards(lac)}
        assert standards["Full record circulated within 20 working days"] == "met"
        after = lac_review_participation_and_quality(period, today)["quality"]["record"]
        assert (after["met"], after["pending"], after["percent_met"]) == (1, 0, 100)

    def test_sending_the_letter_leaves_the_circulation_dates_alone(self, lac, iro, today):
        saved_letter(lac, iro)
        letter = ready(lac, iro, ReviewDocumentKind.CHILD_LETTER)
        document_services.record_circulation(
            letter, by=iro, sent_on=today, recipients=[CHILD], expected_version=lac.version
        )
        reread = Review.objects.get(pk=lac.pk)
        assert reread.record_circulated is None and reread.decisions_circulated is None
        assert reread.version == lac.version
        assert Circulation.objects.get().document == letter
        with pytest.raises(ChangedByAnotherUser):
            document_services.record_circulation(
                letter, by=iro, sent_on=today, recipients=[CHILD], expected_version=lac.version - 1
            )


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


class TestPages:
    def test_the_iro_writes_edits_and_makes_the_letter(
        self, client, lac, iro, eager, django_capture_on_commit_callbacks
    ):
        sign_in(client, iro)
        detail = client.get(reverse("reviews:detail", args=[lac.pk])).content.decode()
        assert "The record and the letter to Robin" in detail and "Make the record" in detail
        url = reverse("reviews:letter", args=[lac.pk])
        assert f'href="{url}"' in detail and "Write the letter to Robin" in detail
        page = client.get(url).content.decode()
        assert '<h1 class="govuk-heading-l">Letter to Robin</h1>' in page
        assert "1. Restart sibling contact. Sam Social will do this by" in page
        later = client.post(url, {"text": "Dear Robin,\n\nDraft one.", "version": 0, "later": "1"})
        assert later.status_code == 302 and not ReviewDocument.objects.exists()
        reopened = client.get(url).content.decode()
        assert "Draft one." in reopened and "See a new draft from the decisions as they are now" in reopened
        with django_capture_on_commit_callbacks(execute=True):
            made = client.post(url, {"text": "Dear Robin,\n\nDraft two.", "version": 1})
        assert made.status_code == 302
        document = ReviewDocument.objects.get(kind="child_letter")
        assert document.is_ready or ReviewDocument.objects.get(pk=document.pk).is_ready
        assert "Draft two." in client.get(reverse("reviews:document", args=[document.pk])).content.decode()
        pdf = client.get(reverse("reviews:document_pdf", args=[document.pk]))
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")

    def test_a_stale_letter_page_is_refused_with_a_message_and_the_words_kept_on_the_page(self, client, lac, iro):
        saved_letter(lac, iro, "Dear Robin,\n\nSaved by someone else.")
        sign_in(client, iro)
        response = client.post(reverse("reviews:letter", args=[lac.pk]), {"text": "Dear Robin,\n\nMine.", "version": 0})
        page = response.content.decode()
        assert response.status_code == 409 and "<title>Error:" in page
        assert "Someone else saved this letter" in page and "Mine." in page
        assert ChildLetter.objects.get().text.endswith("Saved by someone else.")

    def test_an_empty_letter_is_named_in_the_error_summary(self, client, lac, iro):
        sign_in(client, iro)
        response = client.post(reverse("reviews:letter", args=[lac.pk]), {"text": "", "version": 0})
        assert response.status_code == 400 and "Write the letter." in response.content.decode()

    def test_sending_the_record_from_the_page_counts_for_the_standard(self, client, lac, iro, today):
        document = ready(lac, iro, ReviewDocumentKind.REVIEW_RECORD)
        sign_in(client, iro)
        url = reverse("reviews:document_circulation", args=[document.pk])
        form = {**date_fields("sent_on", today), "version": lac.version}
        rows = {"recipients-TOTAL_FORMS": "1", "recipients-INITIAL_FORMS": "0"}
        rows |= {f"recipients-0-{key}": value for key, value in CHILD.items()}
        response = client.post(url, {**form, **rows})
        assert response.status_code == 302, response.content.decode()
        sent = client.get(response.url).content.decode()
        assert "Full record circulated within 20 working days: met" in sent and "Back to the review" in sent

    def test_who_may_write_the_letter(self, client, lac, iro, manager, other_iro, business_support):
        url = reverse("reviews:letter", args=[lac.pk])
        sign_in(client, manager)
        assert client.get(url).status_code == 200
        sign_in(client, business_support)
        assert client.get(url).status_code == 403
        assert "Write the letter" not in client.get(reverse("reviews:detail", args=[lac.pk])).content.decode()
        sign_in(client, other_iro)
        assert client.get(url).status_code == 404
        due = Review.objects.get(child=lac.child, kind="LAC", status="due")
        sign_in(client, iro)
        assert client.get(reverse("reviews:letter", args=[due.pk])).status_code == 302


class TestApi:
    def test_read_edit_make_and_send_the_letter_and_the_record(
        self, lac, iro, today, eager, django_capture_on_commit_callbacks
    ):
        client = api_client(iro)
        url = f"/api/v1/reviews/{lac.pk}/letter/"
        read = client.get(url).json()
        assert read["saved"] is False and read["version"] == 0 and read["text"].startswith("Dear Robin,")
        saved = client.put(url, {"text": "Dear Robin,\n\nFrom the API.", "version": 0}, format="json")
        assert saved.status_code == 200 and saved.json() == {
            "text": "Dear Robin,\n\nFrom the API.",
            "saved": True,
            "version": 1,
        }
        assert_error_shape(client.put(url, {"text": "Dear Robin", "version": 0}, format="json"), 409)
        assert_error_shape(client.put(url, {"text": "", "version": 1}, format="json"), 400, "text")
        assert client.put(f"/api/v1/reviews/{lac.pk}/", {}, format="json").status_code == 405
        with django_capture_on_commit_callbacks(execute=True):
            for kind in ("review_record", "child_letter"):
                made = client.post("/api/v1/review-documents/", {"review": lac.pk, "kind": kind}, format="json")
                assert made.status_code == 201, made.content
        listed = client.get("/api/v1/review-documents/", {"review": lac.pk}).json()["results"]
        assert {(d["kind"], d["title"], d["status"]) for d in listed} == {
            ("review_record", "Record of the LAC review 1", "ready"),
            ("child_letter", "Letter to Robin", "ready"),
        }
        record = next(d["id"] for d in listed if d["kind"] == "review_record")
        sent = client.post(
            f"/api/v1/review-documents/{record}/circulations/",
            {"sent_on": today.isoformat(), "recipients": [CHILD], "version": lac.version},
            format="json",
        )
        assert sent.status_code == 201, sent.content
        lac.refresh_from_db()
        assert lac.record_circulated == today

    def test_business_support_other_iros_and_conferences_get_no_letter(self, lac, other_iro, business_support):
        url = f"/api/v1/reviews/{lac.pk}/letter/"
        assert_error_shape(api_client(business_support).get(url), 403)
        assert_error_shape(api_client(other_iro).get(url), 404)

    def test_the_schema_describes_the_letter_and_the_new_kinds(self, iro):
        schema = api_client(iro).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        letter = schema["paths"]["/api/v1/reviews/{id}/letter/"]
        assert set(letter) >= {"get", "put"}
        assert "409" in letter["put"]["responses"]
        kinds = schema["components"]["schemas"]["ReviewDocumentKindEnum"]["enum"]
        assert {"review_record", "child_letter"} <= set(kinds)


def test_the_review_page_and_the_api_list_issue_a_fixed_number_of_queries(client, lac, iro, today):
    saved_letter(lac, iro)
    ready(lac, iro, ReviewDocumentKind.REVIEW_RECORD)
    first = ready(lac, iro, ReviewDocumentKind.CHILD_LETTER)
    document_services.record_circulation(first, by=iro, sent_on=today, recipients=[CHILD], expected_version=lac.version)
    sign_in(client, iro)
    api = api_client(iro)
    url = f"/api/v1/review-documents/?review={lac.pk}"

    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviews:detail", args=[lac.pk])).status_code == 200
        return len(queries)

    queries_for(api, url)  # the token's first use is recorded once
    few = (page_queries(), queries_for(api, url))
    for _ in range(3):
        ready(lac, iro, ReviewDocumentKind.REVIEW_RECORD)
        letter = ready(lac, iro, ReviewDocumentKind.CHILD_LETTER)
        document_services.record_circulation(
            letter, by=iro, sent_on=today, recipients=[CHILD], expected_version=lac.version
        )
    assert (page_queries(), queries_for(api, url)) == few
