"""The IRO's working record of a LAC review: attendance, views, care plan checks and decisions,
saved as a draft and completed only when every rule of the record holds."""

from datetime import date as D
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from iro_portal.locking import ChangedByAnotherUser
from reviews import record_services, services
from reviews.models import Review, ReviewAction, ReviewStatus
from reviews.record_models import CarePlanCheck, ReviewParticipant, ReviewRecord, ReviewViews
from reviews.record_selectors import (
    COMPLETED,
    NOT_STARTED,
    check_applies,
    suggested_participation_code,
    task_statuses,
    working_record,
)
from tests.conftest import brought_into_care
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def due_review(iro, manager, *, dob=D(2012, 6, 1), days_in_care=20):
    child = ChildFactory(given_name="Robin", family_name="Testcase", date_of_birth=dob)
    brought_into_care(child, by=manager, start=timezone.localdate() - timedelta(days=days_in_care), iro=iro)
    return Review.objects.get(child=child, kind="LAC", status="due")


def version(review):
    record = ReviewRecord.objects.filter(review=review).first()
    return record.version if record else 0


def attend(review, iro, *rows):
    return record_services.save_attendance(review, by=iro, participants=list(rows), expected_version=version(review))


CHILD_ATTENDED = {"role": "child", "attendance": "attended"}
MOTHER_APOLOGIES = {"role": "mother", "name": "Sam Parent", "attendance": "apologies"}


def child_views(review, iro, given="in_person", text="I want to stay at my school."):
    return record_services.save_views(
        review, by=iro, views={"child": {"text": text, "given": given}}, expected_version=version(review)
    )


def draft(review, iro, **fields):
    held = fields.pop("held_on", timezone.localdate())
    return record_services.save_draft(
        review,
        by=iro,
        fields={"held_on": held, "participation_code": "PN1", **fields},
        expected_version=version(review),
    )


def complete(review, iro):
    return record_services.complete_review(review, by=iro, expected_version=version(review))


def refused_and_unchanged(review, iro, field, message):
    before = Review.objects.get(pk=review.pk)
    with pytest.raises(ValidationError) as error:
        complete(review, iro)
    assert any(message in text for text in error.value.message_dict[field]), error.value.message_dict
    after = Review.objects.get(pk=review.pk)
    assert (after.status, after.held_on, after.version) == (before.status, None, before.version)
    assert not ReviewAction.objects.filter(review=review).exists()
    assert ReviewRecord.objects.get(review=review).draft, "the draft is kept"


class TestCompleting:
    def test_without_attendance_is_refused_and_nothing_changes(self, iro, manager):
        review = due_review(iro, manager)
        child_views(review, iro)
        draft(review, iro)
        refused_and_unchanged(review, iro, "attendance", "Record who was invited to the review and who came")

    def test_without_the_childs_views_is_refused_unless_the_reason_is_recorded(self, iro, manager):
        review = due_review(iro, manager)
        attend(review, iro, CHILD_ATTENDED)
        draft(review, iro)
        refused_and_unchanged(review, iro, "views", "Record the child's wishes and feelings")
        record_services.save_views(
            review,
            by=iro,
            views={},
            child_views_not_obtained="Robin was unwell and asked to give views next time.",
            expected_version=version(review),
        )
        assert complete(review, iro).status == ReviewStatus.HELD

    def test_a_decision_without_an_owner_or_a_date_is_refused(self, iro, manager):
        review = due_review(iro, manager)
        attend(review, iro, CHILD_ATTENDED)
        child_views(review, iro)
        draft(review, iro)
        record_services.save_draft(
            review,
            by=iro,
            decisions=[
                {"description": "Book a dental check", "owner_name": "", "due_date": timezone.localdate()},
                {"description": "Update the care plan", "owner_name": "Social worker", "due_date": None},
            ],
            expected_version=version(review),
        )
        with pytest.raises(ValidationError) as error:
            complete(review, iro)
        assert error.value.message_dict["actions"] == [
            "Action 1: enter who will do it.",
            "Action 2: enter the date it is due by.",
        ]
        assert Review.objects.get(pk=review.pk).status == ReviewStatus.DUE

    @pytest.mark.parametrize(
        ("attendance", "code", "message"),
        [
            ("attended", "PN5", "recorded as attending the review, so the code cannot be PN5"),
            ("apologies", "PN1", "recorded as not attending the review, so the code cannot be PN1"),
        ],
    )
    def test_a_code_contradicting_the_childs_attendance_is_refused(self, iro, manager, attendance, code, message):
        review = due_review(iro, manager)
        attend(review, iro, {"role": "child", "attendance": attendance})
        child_views(review, iro)
        draft(review, iro, participation_code=code)
        refused_and_unchanged(review, iro, "participation_code", message)

    def test_complete_records_it_held_with_numbered_decisions_and_the_next_review_due(self, iro, manager):
        review = due_review(iro, manager)
        attend(review, iro, CHILD_ATTENDED, MOTHER_APOLOGIES)
        child_views(review, iro)
        draft(review, iro, advocate_present=True)
        today = timezone.localdate()
        record_services.save_draft(
            review,
            by=iro,
            decisions=[
                {"description": "Book a dental check", "owner_name": "Carer", "due_date": today + timedelta(days=30)},
                {
                    "description": "Update the PEP",
                    "owner_name": "Social worker",
                    "due_date": today + timedelta(days=20),
                },
            ],
            expected_version=version(review),
        )
        held = complete(review, iro)
        assert (held.status, held.held_on, held.advocate_present, held.chair) == ("held", today, True, iro)
        assert [(a.title, a.description) for a in held.actions.order_by("number")] == [
            ("Decision 1", "Book a dental check"),
            ("Decision 2", "Update the PEP"),
        ]
        assert ReviewRecord.objects.get(review=review).draft == {}
        assert Review.objects.filter(child=review.child, status="due", number=2).exists()
        services.update_held_review(
            held,
            by=iro,
            fields={},
            new_actions=[{"description": "Life-story book", "owner_name": "Carer", "due_date": today}],
            expected_version=held.version,
        )
        assert ReviewAction.objects.get(description="Life-story book").number == 3


class TestAttendance:
    def test_saved_kept_updated_and_removed_as_the_list_says_with_an_audit_event(self, iro, manager):
        review = due_review(iro, manager)
        attend(review, iro, CHILD_ATTENDED, MOTHER_APOLOGIES)
        child, mother = ReviewParticipant.objects.filter(review=review).order_by("id")
        attend(review, iro, {**CHILD_ATTENDED, "id": child.pk, "attendance": "sent_views"})
        rows = list(ReviewParticipant.objects.filter(review=review))
        assert [(row.pk, row.attendance, row.version) for row in rows] == [(child.pk, "sent_views", 2)]
        assert AuditEvent.objects.filter(object_type="reviews.reviewrecord", action="update").count() == 2

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([{"role": "mother", "name": "", "attendance": "attended"}], "Person 1: enter their name."),
            ([{"role": "nobody", "name": "X", "attendance": "attended"}], "Person 1: choose their role."),
            ([{"role": "carer", "name": "Pat", "attendance": ""}], "Person 1: choose what happened."),
            ([CHILD_ATTENDED, CHILD_ATTENDED], "The child can be listed only once."),
        ],
    )
    def test_bad_rows_are_refused_and_nothing_is_saved(self, iro, manager, rows, message):
        review = due_review(iro, manager)
        with pytest.raises(ValidationError) as error:
            attend(review, iro, *rows)
        assert message in error.value.message_dict["participants"]
        assert not ReviewParticipant.objects.exists() and not ReviewRecord.objects.exists()

    def test_a_stale_page_is_refused(self, iro, manager):
        review = due_review(iro, manager)
        attend(review, iro, CHILD_ATTENDED)
        with pytest.raises(ChangedByAnotherUser):
            record_services.save_attendance(review, by=iro, participants=[MOTHER_APOLOGIES], expected_version=0)
        assert list(ReviewParticipant.objects.values_list("role", flat=True)) == ["child"]


class TestViews:
    def test_text_is_kept_plain_with_control_characters_removed_and_line_endings_normalised(self, iro, manager):
        review = due_review(iro, manager)
        child_views(review, iro, text="  I like\r\nmy room\x00 <b>and</b> my cat\x07  ")
        assert ReviewViews.objects.get(review=review).text == "I like\nmy room <b>and</b> my cat"

    def test_how_the_views_were_given_is_required_with_text(self, iro, manager):
        review = due_review(iro, manager)
        with pytest.raises(ValidationError) as error:
            record_services.save_views(
                review, by=iro, views={"parents": {"text": "We agree", "given": ""}}, expected_version=0
            )
        assert error.value.message_dict == {"parents_given": ["Choose how the parents' views were given."]}
        assert not ReviewViews.objects.exists()


class TestCarePlanChecks:
    def test_which_checks_apply(self):
        assert not check_applies("permanence_plan", review_number=1, age=10)
        assert check_applies("permanence_plan", review_number=2, age=10)
        assert check_applies("pep", review_number=1, age=5) and not check_applies("pep", review_number=1, age=4)
        assert not check_applies("pep", review_number=1, age=16)
        assert check_applies("pathway_plan", review_number=1, age=16)
        assert not check_applies("pathway_plan", review_number=1, age=15)

    def test_not_applicable_is_refused_for_a_check_that_applies(self, iro, manager):
        review = due_review(iro, manager)  # a child of school age, at the first review
        with pytest.raises(ValidationError) as error:
            record_services.save_care_plan_checks(
                review,
                by=iro,
                answers={"pep": {"answer": "not_applicable"}, "permanence_plan": {"answer": "not_applicable"}},
                plan_meets_needs=True,
                expected_version=0,
            )
        assert list(error.value.message_dict) == ["pep_answer"]
        assert "The child is of school age." in error.value.message_dict["pep_answer"][0]
        assert not CarePlanCheck.objects.exists()

    def test_unmet_checks_fill_the_escalation(self, iro, manager):
        review = due_review(iro, manager)
        record_services.save_care_plan_checks(
            review,
            by=iro,
            answers={
                "health_assessment": {"answer": "no", "note": "Overdue since March"},
                "care_plan": {"answer": "yes"},
            },
            plan_meets_needs=False,
            expected_version=0,
        )
        from reviews.record_selectors import escalation_prefill

        prefill = escalation_prefill(working_record(review))
        assert prefill["areas"] == ["health"]
        assert "Health assessment in date: Overdue since March" in prefill["what_is_wrong"]


class TestSuggestedCode:
    @pytest.mark.parametrize(
        ("age", "attendance", "given", "code"),
        [
            (3, "attended", "in_person", "PN0"),
            (10, "attended", "in_person", "PN1"),
            (10, "attended", "advocate", "PN2"),
            (10, "attended", None, "PN4"),
            (10, "apologies", "advocate", "PN5"),
            (10, "sent_views", "written", "PN6"),
            (10, "did_not_respond", None, "PN7"),
            (10, None, None, None),
        ],
    )
    def test_from_attendance_and_how_views_were_given(self, age, attendance, given, code):
        assert suggested_participation_code(age, attendance, given) == code


def test_task_statuses_follow_what_was_saved(iro, manager):
    review = due_review(iro, manager)
    assert set(task_statuses(working_record(review)).values()) == {NOT_STARTED}
    attend(review, iro, CHILD_ATTENDED)
    child_views(review, iro)
    statuses = task_statuses(working_record(review))
    assert (statuses["attendance"], statuses["views"], statuses["meeting"]) == (COMPLETED, COMPLETED, NOT_STARTED)
