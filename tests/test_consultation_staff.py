"""The staff's side of consultation links: sending them to several people at once (by email, or
shown once to pass on), who has replied, withdrawing one, reading a reply, the feedback links
after the review, and the same through the API."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CoverArrangement, CoverLevel
from audit.models import AuditAction, AuditEvent
from consultations import emails, services, staff_services
from consultations.models import ConsultationInvitation, Delivery, FormVersion, Purpose
from consultations.selectors import LinkState, link_state
from consultations.staff_selectors import in_state
from reviews import services as review_services
from reviews.models import ReviewKind, ReviewStatus
from tests.api_helpers import api_client, queries_for
from tests.conftest import sign_in
from tests.factories import ChildFactory, IroFactory, ReviewFactory, record_attendance_and_views

CODE = re.compile(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}")


@pytest.fixture
def review(looked_after_child):
    return ReviewFactory(child=looked_after_child, due_date=datetime.date(2030, 7, 10), booked=True)


def people(*rows):
    """The send page's posted form: rows of field values, a fresh send key."""
    data = {"sending": "key-" + str(len(rows)), "people-TOTAL_FORMS": str(len(rows)), "people-INITIAL_FORMS": "0"}
    for number, row in enumerate(rows):
        data.update({f"people-{number}-{field}": value for field, value in row.items()})
    return data


CHILD_SHOWN = {"person_type": "child", "name": "Robin", "delivery": "shown"}
PARENT_EMAIL = {"person_type": "parent", "name": "Pat Parent", "delivery": "email", "email": "pat@example.org"}


def codes_in(page):
    return {match.group(0) for match in CODE.finditer(page)}


def hold(review, iro):
    """Record the review held through the service every way of completing one goes through."""
    record_attendance_and_views(review)
    return review_services.record_review_held(
        review,
        by=iro,
        fields={
            "held_on": datetime.date(2030, 7, 10),
            "participation_code": "PN1",
            "parents_participation": "attended",
            "child_consulted": True,
        },
        today=datetime.date(2030, 7, 10),
    )


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_iro_sends_links_by_email_and_to_pass_on_and_each_code_is_shown_once(client, iro, review):
    sign_in(client, iro)
    url = reverse("consultations:send", kwargs={"review_pk": review.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, people(CHILD_SHOWN, PARENT_EMAIL))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    (code,) = codes_in(page)
    assert emails.public_link(code) in page
    assert "Pat Parent" in page and "pat@example.org" in page

    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    body = message.subject + message.body
    assert "Robin" in body and "10 July 2030" in body and "for you only" in body
    assert "Looked-After" not in body
    (emailed_code,) = codes_in(message.body)
    assert emailed_code != code

    child_link, parent_link = ConsultationInvitation.objects.order_by("pk")
    assert child_link.delivery == Delivery.SHOWN and child_link.form == services.form_for(review, "child")
    assert parent_link.emailed_at is not None
    assert not any(code.replace("-", "") in str(value) for value in ConsultationInvitation.objects.values_list())

    again = client.post(url, people(CHILD_SHOWN, PARENT_EMAIL))
    assert again.status_code == 302
    assert ConsultationInvitation.objects.count() == 2 and len(mail.outbox) == 1
    consultation_page = client.get(reverse("consultations:review", kwargs={"review_pk": review.pk})).content.decode()
    assert not codes_in(consultation_page)
    assert "Pat Parent" in consultation_page and "Not opened" in consultation_page


@pytest.mark.django_db(transaction=True)
def test_a_link_the_mail_server_refuses_is_withdrawn_and_named_to_send_again(client, iro, review, monkeypatch):
    def refuse_one(subject, body, sender, to):
        if to == ["bounce@example.org"]:
            raise OSError("Connection refused")
        mail.send_mail(subject, body, sender, to)

    monkeypatch.setattr(emails, "send_mail", refuse_one)
    sign_in(client, iro)
    bounced = {**PARENT_EMAIL, "name": "Sam Carer", "person_type": "carer", "email": "bounce@example.org"}
    response = client.post(
        reverse("consultations:send", kwargs={"review_pk": review.pk}), people(PARENT_EMAIL, bounced)
    )
    page = response.content.decode()
    assert "Some emails could not be sent" in page
    not_sent = page[page.index('id="not-sent"') : page.index("</ul>", page.index('id="not-sent"'))]
    assert "Sam Carer" in not_sent and "Pat Parent" not in not_sent
    assert [message.to for message in mail.outbox] == [["pat@example.org"]]
    carer = ConsultationInvitation.objects.get(email="bounce@example.org")
    assert link_state(carer) == LinkState.REVOKED and carer.emailed_at is None


def test_the_send_page_asks_again_for_a_missing_address_and_adds_rows(client, iro, review):
    sign_in(client, iro)
    url = reverse("consultations:send", kwargs={"review_pk": review.pk})
    response = client.post(url, {**people({**PARENT_EMAIL, "email": ""}), "add_person": "1"})
    assert response.status_code == 200 and "Person 2" in response.content.decode()
    response = client.post(url, people({**PARENT_EMAIL, "email": ""}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error:" in page and "Enter the email address to send the link to" in page
    assert not ConsultationInvitation.objects.exists()


def test_the_child_may_be_given_a_younger_childs_form_but_not_an_older_one(iro):
    child = ChildFactory(date_of_birth=datetime.date(2020, 1, 1))
    review = ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10))
    sent = staff_services.send_links(
        review, [staff_services.Person("child", Delivery.SHOWN, form=FormVersion.CHILD_UNDER_8)], by=iro
    )
    assert sent.shown[0].invitation.form == FormVersion.CHILD_UNDER_8
    with pytest.raises(Exception, match="younger"):
        staff_services.send_links(
            review, [staff_services.Person("child", Delivery.SHOWN, form=FormVersion.CHILD_13_PLUS)], by=iro
        )


# ---------------------------------------------------------------------------------------------
# Who replied, in a fixed number of queries
# ---------------------------------------------------------------------------------------------


def links_in_every_state(review, iro):
    opened = services.issue_invitation(review, person_type="parent", by=iro, name="Opened Parent").invitation
    ConsultationInvitation.objects.filter(pk=opened.pk).update(opened_at=timezone.now())
    services.issue_invitation(review, person_type="carer", by=iro, name="Unopened Carer")
    answered = services.issue_invitation(review, person_type="child", by=iro, name="Robin")
    services.submit_response(answered.code, {"going_well": "<b>School</b>", "not_to_share": "About my brother."})
    withdrawn = services.issue_invitation(review, person_type="social_worker", by=iro, name="Sol Worker").invitation
    services.revoke_invitation(withdrawn, by=iro, expected_version=1)
    expired = services.issue_invitation(review, person_type="professional", by=iro, name="Old Teacher").invitation
    ConsultationInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    return answered.invitation


def test_the_page_shows_who_replied_in_a_fixed_number_of_queries(client, iro, review):
    sign_in(client, iro)
    url = reverse("consultations:review", kwargs={"review_pk": review.pk})
    services.issue_invitation(review, person_type="parent", by=iro)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    links_in_every_state(review, iro)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
    page = response.content.decode()
    for label in ("Opened, not replied", "Not opened", "Replied", "Withdrawn", "Expired"):
        assert f">{label}</strong>" in page, label
    detail = client.get(reverse("reviews:detail", kwargs={"pk": review.pk})).content.decode()
    assert url in detail


def test_in_state_agrees_with_link_state(review, iro):
    links_in_every_state(review, iro)
    invitations = ConsultationInvitation.objects.select_related("review")
    for state in (LinkState.OPEN, LinkState.ANSWERED, LinkState.REVOKED, LinkState.EXPIRED):
        expected = {invitation.pk for invitation in invitations if link_state(invitation) == state}
        assert expected and set(in_state(invitations, state).values_list("pk", flat=True)) == expected, state


def test_the_iro_withdraws_a_link_from_a_confirmation_page_and_a_stale_one_is_refused(client, iro, review):
    link = services.issue_invitation(review, person_type="parent", by=iro).invitation
    sign_in(client, iro)
    url = reverse("consultations:withdraw", kwargs={"pk": link.pk})
    assert "Withdraw the link" in client.get(url).content.decode()
    ConsultationInvitation.objects.filter(pk=link.pk).update(version=2)
    assert client.post(url, {"version": 1}).status_code == 409
    assert client.post(url, {"version": 2}).status_code == 302
    link.refresh_from_db()
    assert link_state(link) == LinkState.REVOKED and link.revoked_by == iro


# ---------------------------------------------------------------------------------------------
# Reading replies, and who may do what
# ---------------------------------------------------------------------------------------------


def test_the_iro_reads_a_reply_escaped_with_what_not_to_share_apart_and_audited(client, iro, review):
    answered = links_in_every_state(review, iro)
    sign_in(client, iro)
    response = client.get(reverse("consultations:reply", kwargs={"pk": answered.pk}))
    page = response.content.decode()
    assert "&lt;b&gt;School&lt;/b&gt;" in page and "<b>School</b>" not in page
    apart = page[page.index('id="not-to-share"') : page.index('id="answers"')]
    assert "Not for sharing" in apart and "About my brother." in apart
    assert page.count("About my brother.") == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="consultations.consultationresponse", user=iro
    ).exists()


def test_business_support_sends_and_sees_who_replied_but_not_what(client, business_support, iro, review):
    answered = links_in_every_state(review, iro)
    sign_in(client, business_support)
    page = client.get(reverse("consultations:review", kwargs={"review_pk": review.pk})).content.decode()
    assert "Replied" in page and "Read the reply" not in page and "Send links" in page
    assert client.get(reverse("consultations:reply", kwargs={"pk": answered.pk})).status_code == 403
    assert client.get(reverse("consultations:send", kwargs={"review_pk": review.pk})).status_code == 200


def test_who_may_not_send_or_read(client, other_iro, board_member, manager, iro, review):
    answered = links_in_every_state(review, iro)
    review_page = reverse("consultations:review", kwargs={"review_pk": review.pk})
    send_page = reverse("consultations:send", kwargs={"review_pk": review.pk})
    sign_in(client, other_iro)
    assert client.get(review_page).status_code == 404
    CoverArrangement.objects.create(
        covering_iro=other_iro,
        covered_iro=iro,
        level=CoverLevel.READ,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=7),
        reason="Annual leave",
        granted_by=manager,
    )
    assert client.get(review_page).status_code == 200
    assert client.get(send_page).status_code == 403
    sign_in(client, board_member)
    assert client.get(review_page).status_code == 403
    assert client.get(reverse("consultations:reply", kwargs={"pk": answered.pk})).status_code == 403
    sign_in(client, manager)
    assert client.get(review_page).status_code == 200
    assert client.get(send_page).status_code == 403
    assert client.get(reverse("consultations:reply", kwargs={"pk": answered.pk})).status_code == 200


# ---------------------------------------------------------------------------------------------
# Feedback after the review
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_holding_the_review_emails_feedback_links_to_those_emailed_once(client, iro, review):
    sign_in(client, iro)
    client.post(reverse("consultations:send", kwargs={"review_pk": review.pk}), people(CHILD_SHOWN, PARENT_EMAIL))
    mail.outbox.clear()
    hold(review, iro)
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"] and "How did Robin's review go?" == message.subject
    assert "Looked-After" not in message.body
    parent_link = ConsultationInvitation.objects.get(purpose=Purpose.CONSULTATION, email="pat@example.org")
    feedback = ConsultationInvitation.objects.get(purpose=Purpose.FEEDBACK)
    assert feedback.follows == parent_link and feedback.emailed_at is not None
    staff_services.email_feedback_links(review)
    assert len(mail.outbox) == 1 and ConsultationInvitation.objects.filter(purpose=Purpose.FEEDBACK).count() == 1

    page_url = reverse("consultations:review", kwargs={"review_pk": review.pk})
    assert "Make feedback links" in client.get(page_url).content.decode()
    made = client.post(reverse("consultations:feedback_links", kwargs={"review_pk": review.pk}))
    assert "no-store" in made["Cache-Control"] and len(codes_in(made.content.decode())) == 1
    assert client.post(reverse("consultations:feedback_links", kwargs={"review_pk": review.pk})).status_code == 302
    assert ConsultationInvitation.objects.filter(purpose=Purpose.FEEDBACK).count() == 2
    assert "Make feedback links" not in client.get(page_url).content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------

API = "/api/v1/consultation-invitations/"


def test_the_api_lists_filters_creates_and_withdraws(iro, review):
    links_in_every_state(review, iro)
    client = api_client(iro)
    assert client.get(API, {"review": review.pk}).json()["count"] == 5
    replied = client.get(API, {"state": "answered"}).json()["results"]
    assert [row["name"] for row in replied] == ["Robin"]
    assert client.get(API, {"purpose": "feedback"}).json()["count"] == 0

    created = client.post(API, {"review": review.pk, "person_type": "carer", "delivery": "shown"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert CODE.fullmatch(body["code"]) and body["link"] == emails.public_link(body["code"])
    assert "code" not in client.get(f"{API}{body['id']}/").json()

    withdraw = f"{API}{body['id']}/withdraw/"
    assert client.post(withdraw, {"version": body["version"] + 1}, format="json").status_code == 409
    withdrawn = client.post(withdraw, {"version": body["version"]}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "revoked"


def test_the_api_reads_replies_for_the_iro_only(iro, business_support, other_iro, board_member, review):
    answered = links_in_every_state(review, iro)
    url = f"{API}{answered.pk}/reply/"
    assert api_client(iro).get(url).json()["going_well"] == "<b>School</b>"
    assert api_client(business_support).get(url).status_code == 403
    assert api_client(other_iro).get(url).status_code == 404
    assert api_client(board_member).get(API).status_code == 403
    created = api_client(other_iro).post(
        API, {"review": review.pk, "person_type": "carer", "delivery": "shown"}, format="json"
    )
    assert created.status_code == 404
    someone = IroFactory()
    assert api_client(someone).get(f"{API}{answered.pk}/").status_code == 404


def test_the_api_list_takes_a_fixed_number_of_queries(iro, review):
    client = api_client(iro)
    services.issue_invitation(review, person_type="parent", by=iro)
    queries_for(client, API)  # the first call also records when the token was last used
    few = queries_for(client, API)
    links_in_every_state(review, iro)
    assert queries_for(client, API) == few


def test_links_are_sent_for_a_conference_too(client, business_support, looked_after_child):
    conference = ReviewFactory(
        child=looked_after_child, kind=ReviewKind.ICPC, number=1, due_date=datetime.date(2030, 7, 10)
    )
    sign_in(client, business_support)
    response = client.post(
        reverse("consultations:send", kwargs={"review_pk": conference.pk}),
        people({"person_type": "social_worker", "name": "Sam Social", "delivery": "shown"}),
    )
    assert response.status_code == 200 and len(codes_in(response.content.decode())) == 1
    page = client.get(reverse("consultations:review", kwargs={"review_pk": conference.pk})).content.decode()
    assert "Initial child protection conference" in page and "Sam Social" in page
