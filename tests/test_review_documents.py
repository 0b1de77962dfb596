"""The conference record and the parents' copy: what each says and leaves out, the tagged PDF,
recording that it was sent (which fills the circulation dates the quality standards judge),
who may do what, and the pages' query counts."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from children import services as children_services
from reviews import document_services
from reviews.models import (
    Circulation,
    Review,
    ReviewDocument,
    ReviewDocumentKind,
)
from reviews.selectors import quality_standards
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import sign_in
from tests.factories import AllocationFactory, ChildFactory, held_icpc

DISSENT = "Police believe the risk is lower than the chair found."


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def icpc(iro, manager):
    """An ICPC held two days ago that made a plan, with one agency dissenting."""
    return held_icpc(
        iro,
        manager,
        attendees=[
            {
                "name": "Ed Teacher",
                "agency": "education",
                "attendance": "attended",
                "view_on_plan": "no_plan",
                "dissent_reason": DISSENT,
            },
            {"name": "Gina GP", "agency": "health", "attendance": "apologies"},
        ],
    )


def text_of(html):
    """The words of an HTML fragment, tags and line breaks gone, as a reader meets them."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


@pytest.mark.django_db
class TestWhatTheDocumentsSay:
    def test_the_conference_record_reads_as_conference_minutes(self, icpc, iro):
        document = document_services.create_document(icpc, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=iro)
        words = text_of(document.html)
        for expected in (
            "Record of the initial child protection conference",
            "Robin Testcase, born",
            "Initial child protection conference",
            f"Chair {iro}",
            "Quorum Quorate: 4 agencies attended",
            "Sam Social Children's social care",
            "Apologies",
            "Gina GP",
            "Saw the social worker's report before the conference No",
            "Decision Child protection plan made",
            "Category of abuse Neglect",
            f"Ed Teacher (School or education): {DISSENT}",
            "Weekly visits by the social worker.",
            "Lead social worker Sam Social",
            "First core group meeting By",
            "Next review conference Due by",
        ):
            assert expected in words, expected

    def test_the_parents_copy_says_the_decision_and_plan_plainly_and_leaves_out_the_agencies_words(self, icpc, iro):
        document = document_services.create_document(icpc, kind=ReviewDocumentKind.PARENTS_COPY, by=iro)
        words = text_of(document.html)
        assert "What was decided at the initial child protection conference" in words
        assert "Robin needs a child protection plan" in words
        assert "under the category of neglect" in words
        assert "Weekly visits by the social worker." in words
        assert "The first core group meeting will be held by" in words
        assert "The next conference will be held by" in words
        assert "talk to Sam Social, Robin's lead social worker" in words
        for left_out in (DISSENT, "Ed Teacher", "PC Pat Patrol", "Gina GP", "Quorate", "No plan is needed"):
            assert left_out not in words, left_out

    def test_the_words_are_kept_as_made_and_a_correction_needs_a_new_document(self, icpc, iro):
        document = document_services.create_document(icpc, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=iro)
        icpc.conference_record.outline_plan = "Changed later."
        icpc.conference_record.save()
        document.refresh_from_db()
        assert "Weekly visits" in document.html and document.review_version == icpc.version

    def test_only_a_held_conference_has_a_record(self, iro, manager, today):
        child = ChildFactory()
        AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=400))
        children_services.record_strategy_discussion(
            child, by=manager, date=today - timedelta(days=5), section_47_enquiry_started=True
        )
        due = Review.objects.get(child=child, kind="ICPC")
        with pytest.raises(Exception, match="not recorded as held yet"):
            document_services.create_document(due, kind=ReviewDocumentKind.CONFERENCE_RECORD, by=iro)
        assert not ReviewDocument.objects.exists()


@pytest.mark.django_db
def test_the_pdf_is_made_by_the_task_tagged_for_screen_readers(icpc, iro, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.create_document(icpc, kind=ReviewDocumentKind.PARENTS_COPY, by=iro)
    document.refresh_from_db()
    assert document.is_ready and document.progress == 100
    reader = PdfReader(io.BytesIO(bytes(document.content)))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
    assert reader.metadata["/Title"] == "What was decided at the initial child protection conference"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Robin needs a child protection plan" in " ".join(text.split())
    assert DISSENT not in text


def ready_document(icpc, iro, kind=ReviewDocumentKind.CONFERENCE_RECORD):
    document = document_services.create_document(icpc, kind=kind, by=iro)
    ReviewDocument.objects.filter(pk=document.pk).update(status="ready", progress=100, content=b"%PDF-1.7 test")
    document.refresh_from_db()
    return document


PARENT = {"name": "Mary Parent", "role": "parent", "agency": "", "method": "post"}
POLICE = {"name": "PC Pat Patrol", "role": "agency", "agency": "Police", "method": "secure_email"}


@pytest.mark.django_db
class TestCirculation:
    def test_sending_fills_the_circulation_dates_and_meets_the_standard(self, icpc, iro, today):
        document = ready_document(icpc, iro)
        before = {s["label"]: s["outcome"] for s in quality_standards(icpc)}
        assert before["Full record circulated within 20 working days"] == "pending"
        document_services.record_circulation(
            document, by=iro, sent_on=today, recipients=[PARENT, POLICE], expected_version=icpc.version
        )
        icpc.refresh_from_db()
        assert icpc.record_circulated == today and icpc.decisions_circulated == today
        after = {s["label"]: s["outcome"] for s in quality_standards(icpc)}
        assert after["Full record circulated within 20 working days"] == "met"
        circulation = Circulation.objects.get()
        assert [r.name for r in circulation.recipients.all()] == ["Mary Parent", "PC Pat Patrol"]
        event = AuditEvent.objects.get(object_type="reviews.circulation")
        assert event.detail["recipients"][1] == {"name": "PC Pat Patrol", "role": "agency", "method": "secure_email"}

    def test_the_earliest_sending_counts(self, icpc, iro, today):
        document = ready_document(icpc, iro)
        yesterday = today - timedelta(days=1)
        document_services.record_circulation(
            document, by=iro, sent_on=yesterday, recipients=[PARENT], expected_version=icpc.version
        )
        icpc.refresh_from_db()
        document_services.record_circulation(
            document, by=iro, sent_on=today, recipients=[POLICE], expected_version=icpc.version
        )
        icpc.refresh_from_db()
        assert icpc.record_circulated == yesterday

    @pytest.mark.parametrize(
        "sent_on_days, recipients, message",
        [
            (1, [PARENT], "cannot be in the future"),
            (-5, [PARENT], "cannot be before the initial child protection conference was held"),
            (0, [], "Add at least one person"),
            (0, [{**POLICE, "agency": ""}], "Recipient 1: enter their agency."),
        ],
    )
    def test_bad_sendings_are_refused_and_change_nothing(self, icpc, iro, today, sent_on_days, recipients, message):
        document = ready_document(icpc, iro)
        with pytest.raises(Exception, match=message):
            document_services.record_circulation(
                document,
                by=iro,
                sent_on=today + timedelta(days=sent_on_days),
                recipients=recipients,
                expected_version=icpc.version,
            )
        icpc.refresh_from_db()
        assert icpc.record_circulated is None and not Circulation.objects.exists()

    def test_a_stale_page_is_refused_whole(self, icpc, iro, today):
        document = ready_document(icpc, iro)
        with pytest.raises(Exception, match="Someone else changed"):
            document_services.record_circulation(
                document, by=iro, sent_on=today, recipients=[PARENT], expected_version=icpc.version - 1
            )
        assert not Circulation.objects.exists()


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def recipients_post(*rows):
    data = {"recipients-TOTAL_FORMS": str(len(rows)), "recipients-INITIAL_FORMS": "0"}
    for number, row in enumerate(rows):
        data |= {f"recipients-{number}-{key}": value for key, value in row.items()}
    return data


@pytest.mark.django_db
class TestPages:
    def test_the_chair_creates_reads_downloads_and_records_sending(
        self, client, iro, icpc, today, eager, django_capture_on_commit_callbacks
    ):
        sign_in(client, iro)
        detail = reverse("reviews:detail", args=[icpc.pk])
        assert "Create the conference record" in client.get(detail).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reviews:create_document", args=[icpc.pk]), {"kind": "conference_record"})
        assert response.status_code == 302
        document = ReviewDocument.objects.get()
        page = client.get(detail).content.decode()
        assert "Ready" in page and reverse("reviews:document_pdf", args=[document.pk]) in page
        html = client.get(reverse("reviews:document", args=[document.pk])).content.decode()
        assert DISSENT in html and "Download it as a PDF" in html
        pdf = client.get(reverse("reviews:document_pdf", args=[document.pk]))
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
        url = reverse("reviews:document_circulation", args=[document.pk])
        form = {**date_fields("sent_on", today), "version": icpc.version}
        added = client.post(url, {**form, **recipients_post(PARENT), "add_recipient": "1"})
        assert added.status_code == 200 and "Recipient 2" in added.content.decode()
        response = client.post(url, {**form, **recipients_post(PARENT, POLICE)})
        assert response.status_code == 302, response.content.decode()
        sent = client.get(response.url).content.decode()
        assert "Recorded as sent" in sent and "Mary Parent (parent or carer): post" in sent
        assert "Full record circulated within 20 working days: met" in sent

    def test_a_half_filled_recipient_is_named_in_the_error_summary(self, client, iro, icpc, today):
        document = ready_document(icpc, iro)
        sign_in(client, iro)
        response = client.post(
            reverse("reviews:document_circulation", args=[document.pk]),
            {**date_fields("sent_on", today), "version": icpc.version, **recipients_post({"name": "Mary Parent"})},
        )
        page = response.content.decode()
        assert response.status_code == 400 and "<title>Error:" in page
        assert "Recipient 1: choose who they are" in page.replace("&#x27;", "'")
        assert not Circulation.objects.exists()

    def test_business_support_may_not_read_and_read_only_cover_may_not_send(
        self, client, business_support, board_member, other_iro, icpc, iro
    ):
        document = ready_document(icpc, iro)
        sign_in(client, business_support)
        assert (
            "Create the conference record" not in client.get(reverse("reviews:detail", args=[icpc.pk])).content.decode()
        )
        for name in ("reviews:document", "reviews:document_pdf", "reviews:document_circulation"):
            assert client.get(reverse(name, args=[document.pk])).status_code == 403
        sign_in(client, other_iro)
        assert client.get(reverse("reviews:document", args=[document.pk])).status_code == 404
        assert (
            client.post(reverse("reviews:create_document", args=[icpc.pk]), {"kind": "parents_copy"}).status_code == 404
        )

    def test_a_document_of_an_unheld_conference_is_refused_with_a_message(self, client, iro, manager, today):
        child = ChildFactory()
        AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=400))
        children_services.record_strategy_discussion(
            child, by=manager, date=today - timedelta(days=5), section_47_enquiry_started=True
        )
        due = Review.objects.get(child=child, kind="ICPC")
        sign_in(client, iro)
        response = client.post(
            reverse("reviews:create_document", args=[due.pk]), {"kind": "conference_record"}, follow=True
        )
        assert "is not recorded as held yet, so there is no record to make" in response.content.decode()
        assert not ReviewDocument.objects.exists()

    def test_a_manager_may_read_and_make_documents(self, client, manager, icpc, iro):
        document = ready_document(icpc, iro)
        sign_in(client, manager)
        assert client.get(reverse("reviews:document", args=[document.pk])).status_code == 200
        client.post(reverse("reviews:create_document", args=[icpc.pk]), {"kind": "parents_copy"})
        assert ReviewDocument.objects.filter(kind="parents_copy", created_by=manager).exists()


@pytest.mark.django_db
def test_the_reviews_page_issues_a_fixed_number_of_queries_however_many_documents(client, iro, icpc, today):
    sign_in(client, iro)
    document = ready_document(icpc, iro)
    document_services.record_circulation(
        document, by=iro, sent_on=today, recipients=[PARENT], expected_version=icpc.version
    )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviews:detail", args=[icpc.pk])).status_code == 200
        return len(queries)

    few = count()
    for _ in range(3):
        icpc.refresh_from_db()
        copy = ready_document(icpc, iro, kind=ReviewDocumentKind.PARENTS_COPY)
        document_services.record_circulation(
            copy, by=iro, sent_on=today, recipients=[PARENT, POLICE], expected_version=icpc.version
        )
    assert count() == few


DOCUMENTS_API = "/api/v1/review-documents/"


@pytest.mark.django_db
class TestApi:
    def test_make_poll_download_and_send_through_the_api(
        self, icpc, iro, today, eager, django_capture_on_commit_callbacks
    ):
        client = api_client(iro)
        with django_capture_on_commit_callbacks(execute=True):
            made = client.post(DOCUMENTS_API, {"review": icpc.pk, "kind": "conference_record"}, format="json")
        assert made.status_code == 201, made.content
        document_id = made.json()["id"]
        listed = client.get(DOCUMENTS_API, {"review": icpc.pk}).json()["results"]
        assert [(d["id"], d["status"], d["kind"]) for d in listed] == [(document_id, "ready", "conference_record")]
        pdf = client.get(f"{DOCUMENTS_API}{document_id}/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        sent = client.post(
            f"{DOCUMENTS_API}{document_id}/circulations/",
            {"sent_on": today.isoformat(), "recipients": [PARENT, POLICE], "version": icpc.version},
            format="json",
        )
        assert sent.status_code == 201, sent.content
        assert [r["name"] for r in sent.json()["circulations"][0]["recipients"]] == ["Mary Parent", "PC Pat Patrol"]
        icpc.refresh_from_db()
        assert icpc.record_circulated == today

    def test_bad_input_and_stale_versions_are_refused_with_the_usual_shape(self, icpc, iro, today):
        document = ready_document(icpc, iro)
        client = api_client(iro)
        path = f"{DOCUMENTS_API}{document.pk}/circulations/"
        future = {"sent_on": (today + timedelta(days=1)).isoformat(), "recipients": [PARENT], "version": icpc.version}
        assert_error_shape(client.post(path, future, format="json"), 400, "sent_on")
        empty = {"sent_on": today.isoformat(), "recipients": [], "version": icpc.version}
        assert_error_shape(client.post(path, empty, format="json"), 400, "recipients")
        stale = {"sent_on": today.isoformat(), "recipients": [PARENT], "version": icpc.version - 1}
        assert_error_shape(client.post(path, stale, format="json"), 409)
        assert not Circulation.objects.exists()

    def test_business_support_and_other_iros_get_nothing(self, icpc, iro, other_iro, business_support):
        document = ready_document(icpc, iro)
        assert_error_shape(api_client(business_support).get(DOCUMENTS_API), 403)
        assert api_client(other_iro).get(DOCUMENTS_API).json()["results"] == []
        assert_error_shape(api_client(other_iro).get(f"{DOCUMENTS_API}{document.pk}/pdf/"), 404)

    def test_the_list_issues_a_fixed_number_of_queries(self, icpc, iro, today):
        client = api_client(iro)
        document = ready_document(icpc, iro)
        document_services.record_circulation(
            document, by=iro, sent_on=today, recipients=[PARENT], expected_version=icpc.version
        )
        queries_for(client, DOCUMENTS_API)  # the token's first use is recorded once
        few = queries_for(client, DOCUMENTS_API)
        for _ in range(3):
            icpc.refresh_from_db()
            copy = ready_document(icpc, iro, kind=ReviewDocumentKind.PARENTS_COPY)
            document_services.record_circulation(
                copy, by=iro, sent_on=today, recipients=[PARENT, POLICE], expected_version=icpc.version
            )
        assert queries_for(client, DOCUMENTS_API) == few
