"""The consultation link itself: a code of 140 random bits, kept only as a hash, that opens one
person's form for one review until it is answered, withdrawn, expired or the review is held."""

import datetime
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent
from consultations import services, tokens
from consultations.models import (
    ConsultationInvitation,
    ConsultationResponse,
    Delivery,
    FormVersion,
    Purpose,
    SafetyAlert,
)
from consultations.selectors import LinkState, invitation_for_code, link_state
from reviews.models import ReviewKind, ReviewStatus
from tests.conftest import ON_POSTGRESQL
from tests.factories import ChildFactory, ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(looked_after_child):
    return ReviewFactory(child=looked_after_child, due_date=datetime.date(2030, 7, 10), booked=True)


def test_a_code_is_140_random_bits_grouped_for_reading():
    codes = {tokens.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}", code)
    assert tokens.CODE_LENGTH * 5 >= 128


def test_a_code_typed_by_hand_is_read_as_the_same_code():
    code = tokens.new_code()
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert tokens.code_hash(typed) == tokens.code_hash(code)
    assert tokens.code_hash(code[:-1]) is None
    assert tokens.code_hash(code[:-1] + "U") is None


def test_only_the_hash_of_the_code_is_stored(review, iro):
    issued = services.issue_invitation(review, person_type="parent", by=iro)
    stored = ConsultationInvitation.objects.get(pk=issued.invitation.pk)
    raw = tokens.normalise(issued.code)
    assert raw not in stored.token_hash and issued.code not in stored.token_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM consultations_consultationinvitation")
        assert not any(raw in str(value) for row in cursor.fetchall() for value in row)
    assert invitation_for_code(issued.code) == stored
    assert invitation_for_code(tokens.new_code()) is None


def test_the_child_gets_the_form_for_their_age_on_the_review_date(iro):
    child = ChildFactory(date_of_birth=datetime.date(2022, 7, 11))
    review = ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10))
    assert services.issue_invitation(review, person_type="child", by=iro).invitation.form == FormVersion.CHILD_UNDER_8
    review.due_date = datetime.date(2030, 7, 11)
    assert services.issue_invitation(review, person_type="child", by=iro).invitation.form == FormVersion.CHILD_8_TO_12
    review.due_date = datetime.date(2035, 7, 11)
    assert services.issue_invitation(review, person_type="child", by=iro).invitation.form == FormVersion.CHILD_13_PLUS
    chosen = services.issue_invitation(review, person_type="child", by=iro, form=FormVersion.CHILD_UNDER_8)
    assert chosen.invitation.form == FormVersion.CHILD_UNDER_8
    with pytest.raises(ValidationError):
        services.issue_invitation(review, person_type="parent", by=iro, form=FormVersion.CHILD_UNDER_8)


def test_an_emailed_link_needs_an_address(review, iro):
    with pytest.raises(ValidationError, match="email address"):
        services.issue_invitation(review, person_type="carer", by=iro, delivery=Delivery.EMAIL)
    assert not ConsultationInvitation.objects.exists()


def test_a_link_is_answered_once_and_the_reply_is_kept(review, iro):
    issued = services.issue_invitation(review, person_type="child", by=iro)
    response = services.submit_response(issued.code, {"going_well": "  School \r\n is good\x00 ", "feels_safe": True})
    assert response.going_well == "School \n is good"
    assert link_state(ConsultationInvitation.objects.get()) == LinkState.ANSWERED
    with pytest.raises(ValidationError, match="already been used"):
        services.submit_response(issued.code, {"going_well": "Changed"})
    assert ConsultationResponse.objects.get().going_well == "School \n is good"
    event = AuditEvent.objects.get(object_type="consultations.consultationresponse")
    assert event.user is None and event.child_id == review.child_id


def test_a_withdrawn_link_opens_nothing(review, iro):
    issued = services.issue_invitation(review, person_type="parent", by=iro)
    services.revoke_invitation(issued.invitation, by=iro, expected_version=1)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.submit_response(issued.code, {"worries": "x"})
    assert not ConsultationResponse.objects.exists()


def test_a_link_expires_after_its_days_and_when_the_review_is_held(review, iro, settings):
    issued = services.issue_invitation(review, person_type="parent", by=iro)
    invitation = issued.invitation
    assert link_state(invitation) == LinkState.OPEN
    later = invitation.expires_at + datetime.timedelta(seconds=1)
    assert link_state(invitation, now=later) == LinkState.EXPIRED
    review.status = ReviewStatus.HELD
    review.held_on = datetime.date(2030, 7, 10)
    review.save()
    invitation.refresh_from_db()
    assert link_state(invitation) == LinkState.EXPIRED
    with pytest.raises(ValidationError, match="expired"):
        services.submit_response(issued.code, {"worries": "x"})


def test_feedback_links_are_for_held_reviews_and_consultation_links_for_outstanding_ones(review, iro):
    with pytest.raises(ValidationError, match="after the review is held"):
        services.issue_invitation(review, person_type="child", by=iro, purpose=Purpose.FEEDBACK)
    review.status = ReviewStatus.HELD
    review.held_on = datetime.date(2030, 7, 10)
    review.save()
    with pytest.raises(ValidationError, match="before the review is held"):
        services.issue_invitation(review, person_type="child", by=iro)
    issued = services.issue_invitation(review, person_type="child", by=iro, purpose=Purpose.FEEDBACK)
    assert link_state(issued.invitation) == LinkState.OPEN
    assert issued.invitation.expires_at > timezone.now() + datetime.timedelta(days=27)


def test_a_conference_can_have_links_too(iro, looked_after_child):
    conference = ReviewFactory(child=looked_after_child, kind=ReviewKind.ICPC, number=1)
    assert services.issue_invitation(conference, person_type="parent", by=iro).invitation.pk


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="needs PostgreSQL: these tests race two real connections on row "
    "locks (SELECT ... FOR UPDATE), which SQLite does not have",
)
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_keep_one(iro, looked_after_child):
    review = ReviewFactory(child=looked_after_child, due_date=datetime.date(2030, 7, 10))
    issued = services.issue_invitation(review, person_type="parent", by=iro)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit(text):
        try:
            barrier.wait()
            services.submit_response(issued.code, {"worries": text})
            outcomes.append("kept")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(text,)) for text in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["kept", "refused"]
    assert ConsultationResponse.objects.count() == 1


def test_a_child_deleted_takes_their_links_replies_and_alerts_with_them(review, iro):
    issued = services.issue_invitation(review, person_type="child", by=iro)
    services.submit_response(issued.code, {"feels_safe": False})
    review.child.delete()
    assert not ConsultationInvitation.objects.exists() and not ConsultationResponse.objects.exists()
    assert not SafetyAlert.objects.exists()
