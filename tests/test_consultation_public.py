"""The "have your say" pages: what a child, parent, carer or professional sees with their code,
without signing in. Each sees the right form, sends it once, and never sees answers again; a
closed, guessed or flooded link changes nothing; nothing of the record shows beyond the child's
first name and the review's date."""

import datetime
import logging
import re
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from gunicorn.config import Config

from audit.models import AuditEvent
from consultations import services, tokens
from consultations.models import ConsultationInvitation, ConsultationResponse, FormVersion, Purpose
from reviews.models import ReviewStatus
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, HeldReviewFactory, ReviewFactory
from tests.test_settings import settings_in_subprocess

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOB = datetime.date(2016, 3, 14)
SECRET_ANSWER = "Zanzibar-biscuits-under-the-stairs"


@pytest.fixture
def child(iro):
    child = ChildFactory(given_name="Robin", family_name="Quillfeather", local_child_id="QF88231", date_of_birth=DOB)
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    return child


@pytest.fixture
def review(child):
    return ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10), booked=True)


def link(review, iro, person_type="child", **options):
    return services.issue_invitation(review, person_type=person_type, by=iro, **options)


def url(code):
    return reverse("have_your_say:form", kwargs={"code": code})


def text(response):
    return response.content.decode()


CHILD_ANSWERS = {"going_well": "School", "feels_safe": "yes"}


# ---------------------------------------------------------------------------------------------
# Finding the form
# ---------------------------------------------------------------------------------------------


def test_a_code_typed_in_any_case_with_spaces_opens_the_form(client, review, iro):
    issued = link(review, iro)
    typed = issued.code.lower().replace("-", " ")
    response = client.post(reverse("have_your_say:start"), {"code": f"  {typed} "})
    assert response.status_code == 302
    assert response["Location"] == url(issued.code)
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "typed, message", [("", "Enter your code"), ("ABCD", "28 letters and numbers"), (None, "not recognised")]
)
def test_a_missing_malformed_or_unknown_code_is_an_error_on_the_start_page(client, typed, message):
    code = tokens.new_code() if typed is None else typed
    response = client.post(reverse("have_your_say:start"), {"code": code})
    assert response.status_code == 200
    assert "<title>Error:" in text(response)
    assert "govuk-error-summary" in text(response) and message in text(response)


# ---------------------------------------------------------------------------------------------
# Forms that fit the person
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "person_type, form, expected, not_expected",
    [
        (
            "child",
            FormVersion.CHILD_UNDER_8,
            ["How do you feel about where you live?", "face-happy.svg", "My mum"],
            ["Would you like an advocate?"],
        ),
        (
            "child",
            FormVersion.CHILD_8_TO_12,
            ["Is anything worrying you?", "run part of your meeting", "advocate"],
            ["face-happy"],
        ),
        (
            "child",
            FormVersion.CHILD_13_PLUS,
            ["chair part of your review", "Do you feel safe where you live?"],
            ["face-happy"],
        ),
        ("parent", "", ["What is going well for Robin?", "Robin’s review", "not want shared"], ["feel safe"]),
        ("carer", "", ["in your home", "support do you need"], ["feel safe"]),
        (
            "professional",
            "",
            ["What is working well for Robin?", "should not be shared with the family"],
            ["feel safe"],
        ),
        ("social_worker", "", ["What needs to happen next?"], ["feel safe"]),
    ],
)
def test_each_person_gets_the_form_in_words_that_fit_them(
    client, review, iro, person_type, form, expected, not_expected
):
    issued = link(review, iro, person_type, form=form)
    page = text(client.get(url(issued.code)))
    for words in expected:
        assert words in page
    for words in not_expected:
        assert words not in page
    assert "10 July 2030" in page


def test_the_form_gives_the_booked_date_else_the_due_date(client, child, iro):
    due = ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10))
    assert "10 July 2030" in text(client.get(url(link(due, iro, "carer").code)))
    due.status = ReviewStatus.BOOKED
    due.booked_for = datetime.datetime(2030, 7, 3, 14, tzinfo=datetime.UTC)
    due.save()
    page = text(client.get(url(link(due, iro, "carer").code)))
    assert "3 July 2030" in page and "10 July 2030" not in page


def test_only_the_youngest_childrens_form_has_read_aloud_buttons_hidden_until_the_browser_can_speak(
    client, review, iro
):
    young = text(client.get(url(link(review, iro, form=FormVersion.CHILD_UNDER_8).code)))
    buttons = re.findall(r"<button type=\"button\"[^>]*data-read-aloud[^>]*>", young)
    assert len(buttons) == 5 and all(" hidden" in button for button in buttons)
    assert "read-aloud.mjs" in young and "<script>" not in young
    older = text(client.get(url(link(review, iro, form=FormVersion.CHILD_13_PLUS).code)))
    assert "data-read-aloud" not in older and "read-aloud.mjs" not in older


def test_a_feedback_link_asks_two_questions(client, child, iro):
    held = HeldReviewFactory(child=child, due_date=datetime.date(2030, 7, 10))
    issued = link(held, iro, "parent", purpose=Purpose.FEEDBACK)
    page = text(client.get(url(issued.code)))
    assert "How well did the review listen to you?" in page and "The review was on 10 July 2030" in page
    assert "What is going well" not in page
    response = client.post(url(issued.code), {"listened_score": "4", "feedback_text": "Kind chair"})
    assert "Your answers have been sent" in text(response)
    reply = ConsultationResponse.objects.get()
    assert (reply.listened_score, reply.feedback_text) == (4, "Kind chair")


# ---------------------------------------------------------------------------------------------
# Sending, once
# ---------------------------------------------------------------------------------------------


def test_opening_a_link_records_the_first_open_only(client, review, iro):
    issued = link(review, iro)
    client.get(url(issued.code))
    first = ConsultationInvitation.objects.get().opened_at
    client.get(url(issued.code))
    invitation = ConsultationInvitation.objects.get()
    assert first is not None and invitation.opened_at == first and invitation.version == 1
    assert AuditEvent.objects.filter(object_id=str(invitation.pk), detail__opened=True).count() == 1


def test_a_child_sends_answers_without_javascript_and_sees_none_of_them_again(client, review, iro):
    issued = link(review, iro, form=FormVersion.CHILD_8_TO_12)
    answers = {
        "going_well": "Football",
        "worries": SECRET_ANSWER,
        "feels_safe": "yes",
        "wants_to_attend": "part",
        "wants_at_review": ["carer", "education"],
        "wants_to_chair": "not_sure",
        "wants_advocate": "yes",
    }
    response = client.post(url(issued.code), answers)
    assert response.status_code == 200
    assert "govuk-panel--confirmation" in text(response) and SECRET_ANSWER not in text(response)
    assert "You said you do not feel safe" not in text(response)
    reply = ConsultationResponse.objects.get()
    assert reply.worries == SECRET_ANSWER and reply.feels_safe is True and reply.wants_to_attend == "part"
    assert reply.wants_at_review == ["carer", "education"] and reply.wants_advocate is True
    assert reply.wants_to_chair is None and reply.answers == {"wants_to_chair_not_sure": True}
    again = client.get(url(issued.code))
    assert again.status_code == 410 and "already been used" in text(again) and SECRET_ANSWER not in text(again)


def test_a_reused_link_keeps_the_first_answers_and_logs_the_attempt(client, review, iro):
    issued = link(review, iro, "parent")
    client.post(url(issued.code), {"worries": SECRET_ANSWER})
    response = client.post(url(issued.code), {"worries": "Overwritten"})
    assert response.status_code == 410 and SECRET_ANSWER not in text(response)
    assert ConsultationResponse.objects.get().worries == SECRET_ANSWER
    invitation = ConsultationInvitation.objects.get()
    assert AuditEvent.objects.filter(object_id=str(invitation.pk), detail__refused="answered").count() == 1


def test_the_safety_question_must_be_answered_and_errors_are_summarised(client, review, iro):
    issued = link(review, iro, form=FormVersion.CHILD_UNDER_8)
    response = client.post(url(issued.code), {"anything_else": "Hello"})
    page = text(response)
    assert response.status_code == 200 and "<title>Error:" in page
    assert '<a href="#id_feels_safe">Choose whether you feel safe where you live</a>' in page
    assert "Hello</textarea>" in page  # kept while the person puts it right, before anything is sent
    assert not ConsultationResponse.objects.exists()


def test_an_empty_form_is_not_sent(client, review, iro):
    response = client.post(url(link(review, iro, "carer").code), {})
    assert "Answer at least one question" in text(response)
    assert not ConsultationResponse.objects.exists()


def test_a_child_who_does_not_feel_safe_is_told_their_iro_will_hear_today(client, review, iro):
    response = client.post(url(link(review, iro, form=FormVersion.CHILD_UNDER_8).code), {"feels_safe": "no"})
    page = text(response)
    assert "You said you do not feel safe" in page and "tell your IRO today" in page
    assert "999" in page and "0800 1111" in page
    assert ConsultationResponse.objects.get().feels_safe is False


def test_text_is_kept_as_typed_and_shown_escaped_when_put_right(client, review, iro):
    issued = link(review, iro, form=FormVersion.CHILD_13_PLUS)
    page = text(client.post(url(issued.code), {"going_well": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# ---------------------------------------------------------------------------------------------
# Closed links change nothing
# ---------------------------------------------------------------------------------------------


def closed_by(how, invitation, iro):
    if how == "revoked":
        services.revoke_invitation(invitation, by=iro, expected_version=invitation.version)
    elif how == "expired":
        ConsultationInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        invitation.review.status = ReviewStatus.HELD
        invitation.review.held_on = invitation.review.due_date
        invitation.review.save()


@pytest.mark.parametrize("how, message", [("revoked", "withdrawn"), ("expired", "expired"), ("held", "expired")])
def test_a_withdrawn_expired_or_late_link_shows_why_and_changes_nothing(client, review, iro, how, message):
    issued = link(review, iro)
    closed_by(how, issued.invitation, iro)
    for response in (client.get(url(issued.code)), client.post(url(issued.code), CHILD_ANSWERS)):
        assert response.status_code == 410 and message in text(response)
        assert "Robin" not in text(response) and "<form" not in text(response)
    invitation = ConsultationInvitation.objects.get()
    assert invitation.opened_at is None and invitation.submitted_at is None
    assert not ConsultationResponse.objects.exists()


def test_a_guessed_or_malformed_code_opens_nothing(client, review, iro):
    link(review, iro)
    for code in (tokens.new_code(), "not-a-code", "A" * 200, "%00", "../../admin"):
        response = client.post(url(code) if "/" not in code else f"/have-your-say/{code}/", CHILD_ANSWERS)
        assert response.status_code == 404, code
    assert not ConsultationResponse.objects.exists()
    assert ConsultationInvitation.objects.get().opened_at is None


# ---------------------------------------------------------------------------------------------
# Floods
# ---------------------------------------------------------------------------------------------


def test_an_address_guessing_codes_is_stopped_even_for_a_real_code(client, review, iro, settings):
    settings.CONSULTATION_RATES = {**settings.CONSULTATION_RATES, "bad_code": "3/hour"}
    real = link(review, iro)
    statuses = [client.get(url(tokens.new_code())).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    blocked = client.get(url(real.code))
    assert blocked.status_code == 429 and "Robin" not in text(blocked)
    assert int(blocked["Retry-After"]) > 0
    assert client.post(reverse("have_your_say:start"), {"code": real.code}).status_code == 429
    assert client.get(url(real.code), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert AuditEvent.objects.filter(object_type="consultations.publicpages", object_id="bad_code").count() == 1


def test_a_flooded_link_is_refused_and_logged_once(client, review, iro, settings):
    settings.CONSULTATION_RATES = {**settings.CONSULTATION_RATES, "link": "4/hour"}
    issued = link(review, iro, "parent")
    addresses = [f"10.0.0.{number}" for number in range(8)]
    statuses = [client.get(url(issued.code), REMOTE_ADDR=where).status_code for where in addresses]
    assert statuses == [200] * 4 + [429] * 4
    response = client.post(url(issued.code), {"worries": "Flood"}, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 429
    assert not ConsultationResponse.objects.exists()
    invitation = ConsultationInvitation.objects.get()
    refusals = AuditEvent.objects.filter(object_id=str(invitation.pk), detail__refused="too many requests")
    assert refusals.count() == 1


def test_every_public_request_counts_against_its_address(client, settings):
    settings.CONSULTATION_RATES = {**settings.CONSULTATION_RATES, "address": "5/minute"}
    statuses = [client.get(reverse("have_your_say:start")).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    assert client.get(reverse("have_your_say:start"), REMOTE_ADDR="10.9.9.9").status_code == 200
    assert AuditEvent.objects.filter(object_type="consultations.publicpages", object_id="address").count() == 1


def test_a_rate_that_is_not_a_rate_stops_start_up(tmp_path):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "CONSULTATION_RATE_PER_LINK": "lots"},
        "settings.CONSULTATION_RATES",
    )
    assert result.returncode != 0 and "CONSULTATION_RATE_PER_LINK" in result.stderr


# ---------------------------------------------------------------------------------------------
# Nothing of the record, and the headers
# ---------------------------------------------------------------------------------------------


def every_public_page(client, review, iro, other_answer):
    """(name, response) for each page a person without an account can reach."""
    for person_type, form in (
        ("child", FormVersion.CHILD_UNDER_8),
        ("child", FormVersion.CHILD_8_TO_12),
        ("child", FormVersion.CHILD_13_PLUS),
        ("parent", ""),
        ("carer", ""),
        ("professional", ""),
    ):
        issued = link(review, iro, person_type, form=form)
        yield f"{form or person_type} form", client.get(url(issued.code))
        yield f"{form or person_type} form with errors", client.post(url(issued.code), {})
        answers = {"feels_safe": "no"} if person_type == "child" else {"going_well": "Fine"}
        yield f"{form or person_type} sent", client.post(url(issued.code), answers)
        yield f"{form or person_type} answered", client.get(url(issued.code))
    yield "start", client.get(reverse("have_your_say:start"))
    yield "unknown", client.get(url(tokens.new_code()))


def test_no_public_page_shows_more_of_the_record_than_the_first_name_and_date(client, review, iro, child):
    other = link(review, iro, "parent")
    services.submit_response(other.code, {"worries": SECRET_ANSWER})
    forbidden = [
        child.family_name,
        child.local_child_id,
        "14 March 2016",
        "2016-03-14",
        "14/03/2016",
        iro.first_name,
        iro.last_name,
        iro.username,
        SECRET_ANSWER,
    ]
    for name, response in every_public_page(client, review, iro, SECRET_ANSWER):
        page = text(response)
        for detail in forbidden:
            assert detail not in page, f"{detail!r} on the {name} page"
        if name.endswith(" form"):
            assert "Robin" in page and "10 July 2030" in page, name


def test_public_pages_are_never_cached_indexed_or_referred(client, review, iro):
    issued = link(review, iro)
    for response in (
        client.get(reverse("have_your_say:start")),
        client.get(url(issued.code)),
        client.post(url(issued.code), CHILD_ANSWERS),
        client.get(url(issued.code)),
        client.get(url(tokens.new_code())),
    ):
        assert response["Referrer-Policy"] == "strict-origin"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "sessionid" not in response.cookies


def test_csrf_is_checked_on_the_public_forms_and_refused_in_their_own_words(review, iro):
    strict = Client(enforce_csrf_checks=True)
    issued = link(review, iro)
    response = strict.post(url(issued.code), CHILD_ANSWERS)
    assert response.status_code == 403 and "Your answers were not sent" in text(response)
    assert "Sign out" not in text(response) and "Robin" not in text(response)
    assert not ConsultationResponse.objects.exists()


# ---------------------------------------------------------------------------------------------
# Staff sign-in lets these pages, and only these, through
# ---------------------------------------------------------------------------------------------


def views_open_without_signing_in(patterns, namespace=""):
    """The URL names whose views LoginRequiredMiddleware lets through (login_not_required)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from views_open_without_signing_in(pattern.url_patterns, pattern.namespace or namespace)
        elif getattr(pattern.callback, "login_required", True) is False:
            yield f"{namespace}:{pattern.name}" if namespace else str(pattern.name)


def test_only_the_have_your_say_pages_join_the_pages_open_without_signing_in():
    """The API's views are marked so by REST framework, which answers 401 itself."""
    found = {name for name in views_open_without_signing_in(get_resolver().url_patterns) if not name.startswith("api")}
    assert found == {
        "login",
        "signed_out",
        "admin:login",
        "operations:healthz",
        "have_your_say:start",
        "have_your_say:form",
    }


def test_a_signed_in_person_still_finishing_sign_in_can_open_a_link(client, review, iro, settings):
    settings.OTP_REQUIRED_FOR_ROLES = ["iro"]
    issued = link(review, iro)
    sign_in(client, iro)
    assert client.get(reverse("children:caseload")).status_code == 302
    assert client.get(url(issued.code)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Logs never keep a code
# ---------------------------------------------------------------------------------------------


def test_the_application_log_writes_code_in_place_of_a_links_code(review, iro):
    from iro_portal.logging import NoPersonalData

    code = link(review, iro).code
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Gone: %s", (url(code),), None)
    NoPersonalData().filter(record)
    assert record.msg == "Gone: /have-your-say/[code]/"


def test_the_access_log_writes_code_in_place_of_a_links_code(tmp_path):
    settings_file = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", settings_file["access_log_format"])
    config.set("accesslog", str(tmp_path / "access.log"))
    code = tokens.new_code()
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/have-your-say/{code}/",
        "PATH_INFO": f"/have-your-say/{code}/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=100, headers=[])
    settings_file["logger_class"](config).access(response, SimpleNamespace(headers=[]), environ, timedelta(0))
    line = (tmp_path / "access.log").read_text()
    assert '"POST /have-your-say/[code]/ HTTP/1.1"' in line and code not in line
