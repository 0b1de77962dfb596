"""The record of a child protection conference: quorum, the parents, the agencies' views and
dissent, the plan and its core group, the first core group meeting and its reminder."""

from datetime import date as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from children import services as children_services
from iro_portal.locking import ChangedByAnotherUser
from notifications.models import Notification, NotificationKind
from notifications.services import store_reminders
from reviews import conference_services, services, timescales
from reviews.conference_selectors import quorum
from reviews.models import (
    ConferenceAgency,
    ConferenceAttendee,
    ConferenceRecord,
    Review,
    ReviewKind,
    ReviewStatus,
)
from reviews.selectors import review_reminders
from tests.factories import AllocationFactory, ChildFactory, conference_record_ready

TODAY = D(2025, 4, 30)
ICPC_DAY = D(2025, 3, 20)


def person(agency, attendance="attended", name="A Person", **extra):
    return ConferenceAttendee(name=name, agency=agency, attendance=attendance, **extra)


class TestQuorum:
    def test_three_agencies_with_social_care_are_quorate(self):
        counted = quorum([person("social_care"), person("police"), person("health")])
        assert counted.quorate
        assert counted.summary == (
            "3 agencies attended (Children's social care, Police, Health (health visitor, school nurse or GP))."
        )

    def test_two_agencies_are_not(self):
        assert not quorum([person("social_care"), person("police"), person("police", name="Another")]).quorate

    def test_three_agencies_without_social_care_are_not(self):
        counted = quorum([person("police"), person("health"), person("education")])
        assert not counted.quorate
        assert "children's social care did not attend" in counted.summary

    def test_an_agency_that_only_sent_a_report_does_not_count(self):
        assert not quorum([person("social_care"), person("police"), person("health", attendance="report")]).quorate

    def test_apologies_and_family_do_not_count(self):
        attendees = [person("social_care"), person("police"), person("health", "apologies"), person("family")]
        assert not quorum(attendees).quorate

    def test_each_differently_named_other_agency_counts(self):
        attendees = [
            person("social_care"),
            person("other", agency_other="Housing"),
            person("other", agency_other="housing "),
        ]
        assert not quorum(attendees).quorate
        attendees.append(person("other", agency_other="Youth Offending Service"))
        assert quorum(attendees).quorate


@pytest.fixture
def child(db):
    return ChildFactory(date_of_birth=D(2015, 6, 1))


@pytest.fixture
def icpc(child, manager):
    children_services.record_strategy_discussion(child, by=manager, date=D(2025, 3, 3), section_47_enquiry_started=True)
    return Review.objects.get(child=child, kind=ReviewKind.ICPC, status=ReviewStatus.DUE)


def complete(review, by, outcome="plan_made", **fields):
    extra = {"category_of_abuse": "NEG"} if outcome == "plan_made" else {}
    return services.record_review_held(
        review,
        by=by,
        fields={"held_on": ICPC_DAY, "conference_outcome": outcome, **extra, **fields},
        today=TODAY,
    )


def refused(review, by, **kwargs):
    with pytest.raises(ValidationError) as error:
        complete(review, by, **kwargs)
    saved = Review.objects.get(pk=review.pk)
    assert saved.status == ReviewStatus.DUE and not saved.child.protection_plans.exists()
    return error.value.message_dict


@pytest.mark.django_db
class TestDraft:
    def test_the_chair_saves_and_comes_back(self, icpc, iro):
        record = conference_services.save_conference_record(
            icpc, by=iro, fields={"parents_participation": "attended", "outline_plan": " Visits "}, expected_version=0
        )
        assert (record.version, record.outline_plan) == (1, "Visits")
        conference_services.add_attendee(
            icpc,
            by=iro,
            attendee={"name": "Sam", "agency": "social_care", "attendance": "attended", "view_on_plan": "plan"},
            expected_version=1,
        )
        saved = ConferenceRecord.objects.get(review=icpc)
        assert (saved.version, saved.attendees.count(), saved.quorate) == (2, 1, False)
        assert Review.objects.get(pk=icpc.pk).status == ReviewStatus.DUE
        assert AuditEvent.objects.filter(object_type="reviews.conferencerecord").count() == 2

    def test_a_stale_save_is_refused_and_changes_nothing(self, icpc, iro):
        conference_services.save_conference_record(icpc, by=iro, fields={"outline_plan": "One"}, expected_version=0)
        with pytest.raises(ChangedByAnotherUser):
            conference_services.save_conference_record(icpc, by=iro, fields={"outline_plan": "Two"}, expected_version=0)
        assert ConferenceRecord.objects.get(review=icpc).outline_plan == "One"

    @pytest.mark.parametrize(
        "attendee, field",
        [
            ({"name": "", "agency": "police", "attendance": "attended"}, "name"),
            ({"name": "X", "agency": "other", "attendance": "attended"}, "agency_other"),
            ({"name": "X", "agency": "police", "attendance": "maybe"}, "attendance"),
            ({"name": "X", "agency": "family", "attendance": "attended", "view_on_plan": "plan"}, "view_on_plan"),
            ({"name": "X", "agency": "police", "attendance": "attended", "dissent_reason": "No"}, "dissent_reason"),
        ],
    )
    def test_bad_attendees_are_refused(self, icpc, iro, attendee, field):
        with pytest.raises(ValidationError) as error:
            conference_services.add_attendee(icpc, by=iro, attendee=attendee, expected_version=0)
        assert field in error.value.message_dict
        assert not ConferenceAttendee.objects.exists() and not ConferenceRecord.objects.exists()

    def test_a_held_conference_record_no_longer_changes(self, icpc, iro):
        conference_record_ready(icpc)
        complete(icpc, iro)
        with pytest.raises(ValidationError, match="held, so its record can no longer change"):
            conference_services.save_conference_record(icpc, by=iro, fields={"outline_plan": "X"}, expected_version=1)

    def test_a_lac_review_has_no_conference_record(self, iro, looked_after_child):
        review = Review.objects.create(
            child=looked_after_child, kind="LAC", number=1, cycle_start=D(2025, 1, 1), due_date=D(2025, 2, 1)
        )
        with pytest.raises(ValidationError, match="Only a child protection conference"):
            conference_services.save_conference_record(review, by=iro, fields={}, expected_version=0)
        with pytest.raises(IntegrityError), transaction.atomic():
            ConferenceRecord.objects.create(review=review, kind="LAC")


@pytest.mark.django_db
class TestCompleting:
    def test_a_quorate_icpc_with_a_plan_makes_the_first_core_group_due(self, icpc, iro):
        conference_record_ready(icpc)
        complete(icpc, iro)
        record = ConferenceRecord.objects.get(review=icpc)
        assert record.first_core_group_due == timescales.first_core_group_due(ICPC_DAY) == D(2025, 4, 3)
        assert icpc.child.protection_plans.count() == 1

    def test_no_attendance_is_refused(self, icpc, iro):
        assert "attendance" in refused(icpc, iro)

    def test_nobody_attended_is_refused(self, icpc, iro):
        conference_record_ready(icpc, attendees=[("Sam", ConferenceAgency.SOCIAL_CARE)])
        ConferenceAttendee.objects.update(attendance="report")
        assert "attendance" in refused(icpc, iro)

    def test_without_quorum_the_reason_is_needed(self, icpc, iro):
        conference_record_ready(icpc, attendees=[("Sam", "social_care"), ("Pat", "police")], quorate=False)
        errors = refused(icpc, iro)
        assert errors["not_quorate_reason"] == [
            "The conference was not quorate: 2 agencies attended (Children's social care, Police). "
            "Record why it went ahead without quorum."
        ]
        ConferenceRecord.objects.update(not_quorate_reason="Health could not attend at short notice; risk high.")
        complete(Review.objects.get(pk=icpc.pk), iro)
        assert not ConferenceRecord.objects.get(review=icpc).quorate

    def test_a_plan_needs_a_lead_social_worker_an_outline_plan_and_a_core_group(self, icpc, iro):
        record = conference_record_ready(icpc, lead_social_worker="", outline_plan="")
        record.core_group.all().delete()
        errors = refused(icpc, iro)
        assert {"lead_social_worker", "outline_plan", "core_group"} <= set(errors)

    def test_no_plan_needs_none_of_them(self, icpc, iro):
        record = conference_record_ready(icpc, lead_social_worker="", outline_plan="")
        record.core_group.all().delete()
        complete(icpc, iro, outcome="no_plan")
        assert ConferenceRecord.objects.get(review=icpc).first_core_group_due is None

    def test_a_plan_still_needs_the_category_of_abuse(self, icpc, iro):
        conference_record_ready(icpc)
        assert "category_of_abuse" in refused(icpc, iro, category_of_abuse="")

    def test_dissent_needs_its_reason(self, icpc, iro):
        conference_record_ready(icpc)
        ConferenceAttendee.objects.filter(agency="police").update(view_on_plan="no_plan")
        ConferenceAttendee.objects.filter(agency="health").update(view_on_plan="plan")
        assert refused(icpc, iro)["dissent_reason"] == [
            "Record why PC Pat Patrol dissented from the decision, or change their agency's view."
        ]
        ConferenceAttendee.objects.filter(agency="police").update(dissent_reason="Risk is managed by the family.")
        complete(Review.objects.get(pk=icpc.pk), iro)

    def test_the_parents_part_and_the_report(self, icpc, iro):
        conference_record_ready(icpc, parents_participation="not_invited", parents_saw_report=None)
        errors = refused(icpc, iro)
        assert {"parents_participation_reason", "parents_saw_report"} <= set(errors)
        ConferenceRecord.objects.update(parents_saw_report=True)
        assert "parents_saw_report_on" in refused(icpc, iro)


@pytest.mark.django_db
class TestFirstCoreGroup:
    @pytest.fixture
    def held_icpc(self, icpc, iro):
        AllocationFactory(child=icpc.child, iro=iro, start_date=D(2025, 1, 1))
        conference_record_ready(icpc)
        return complete(icpc, iro)

    def test_recorded_after_the_conference(self, held_icpc, iro):
        record = conference_services.record_first_core_group(
            held_icpc, by=iro, held_on=D(2025, 4, 2), expected_version=1, today=TODAY
        )
        assert record.first_core_group_on_time and record.version == 2

    @pytest.mark.parametrize("day, message", [(D(2025, 3, 19), "before the conference"), (D(2025, 5, 1), "future")])
    def test_bad_dates_are_refused(self, held_icpc, iro, day, message):
        with pytest.raises(ValidationError, match=message):
            conference_services.record_first_core_group(held_icpc, by=iro, held_on=day, expected_version=1, today=TODAY)
        assert ConferenceRecord.objects.get(review=held_icpc).first_core_group_held is None

    def test_the_reminder_comes_once_when_due_and_not_recorded(self, held_icpc, iro):
        child_id = held_icpc.child_id

        def core_group_reminders(on):
            return [
                r
                for r in review_reminders(on, child_id, child_id)
                if r.kind == NotificationKind.FIRST_CORE_GROUP_NOT_RECORDED
            ]

        assert core_group_reminders(D(2025, 4, 2)) == []
        due = core_group_reminders(D(2025, 4, 3))
        assert [(r.recipient_id, r.due_date, r.step) for r in due] == [(iro.pk, D(2025, 4, 3), "once")]
        assert "was due by 3 April 2025 and is not recorded" in due[0].message
        later = core_group_reminders(D(2025, 4, 10))
        assert [(r.due_date, r.step) for r in later] == [(D(2025, 4, 3), "once")]  # the same reminder: stored once
        conference_services.record_first_core_group(
            held_icpc, by=iro, held_on=D(2025, 4, 8), expected_version=1, today=TODAY
        )
        assert core_group_reminders(D(2025, 4, 10)) == []

    def test_settled_when_recorded(self, held_icpc, iro):
        store_reminders(review_reminders(D(2025, 4, 4), held_icpc.child_id, held_icpc.child_id))
        reminder = Notification.objects.get(kind=NotificationKind.FIRST_CORE_GROUP_NOT_RECORDED)
        conference_services.record_first_core_group(
            held_icpc, by=iro, held_on=D(2025, 4, 3), expected_version=1, today=TODAY
        )
        reminder.refresh_from_db()
        assert reminder.read_at is not None
