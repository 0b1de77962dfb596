"""The record of each demo conference held: who attended from which agency (so quorum), the
parents' part, the agencies' views and the odd dissent, the outline plan, the lead social worker
and the core group, and after an ICPC that made a plan its first core group meeting. Drawn from
its own random stream, so that the rest of the demo is the same with or without it. Names are
combinations of common names: nobody real is described."""

import random
from datetime import timedelta

from children.selectors import age_on
from demo.children import NAMES, bulk_save
from iro_portal.working_days import add_working_days
from reviews import timescales
from reviews.conference_selectors import PLAN_DECISIONS, quorum
from reviews.models import (
    ConferenceAgency,
    ConferenceAttendance,
    ConferenceAttendee,
    ConferenceOutcome,
    ConferenceParentsParticipation,
    ConferenceRecord,
    CoreGroupMember,
    PlanView,
    Review,
    ReviewKind,
    ReviewStatus,
)

# How often each agency is invited, and then attends, sends a report or sends apologies.
AGENCIES = {
    ConferenceAgency.POLICE: (0.95, {"attended": 80, "report": 12, "apologies": 8}),
    ConferenceAgency.HEALTH: (0.95, {"attended": 78, "report": 16, "apologies": 6}),
    ConferenceAgency.EDUCATION: (0.85, {"attended": 75, "report": 20, "apologies": 5}),
    ConferenceAgency.PROBATION: (0.12, {"attended": 60, "report": 30, "apologies": 10}),
}
OTHER_AGENCIES = ("Housing", "Substance misuse service", "Domestic abuse service", "Youth justice service")
PARENTS = {
    "attended": ConferenceParentsParticipation.ATTENDED,
    "views_given": ConferenceParentsParticipation.CONTRIBUTED,
    "did_not_participate": ConferenceParentsParticipation.DID_NOT_TAKE_PART,
}
PARENTS_REASONS = (
    "Invited by letter and phone; did not respond.",
    "Said they did not wish to attend; the social worker shared the report with them.",
    "Unwell on the day; offered a meeting with the chair afterwards.",
)
NOT_QUORATE_REASONS = (
    "The police officer was called away at short notice; the risk to the child meant the conference "
    "could not wait. The police report was read out.",
    "Health could not attend and sent a report; the chair judged that postponing would leave the child at risk.",
)
DISSENT_REASONS = {
    PlanView.PLAN: "Concerned that the risk remains high without a plan.",
    PlanView.NO_PLAN: "Considers that support under a child in need plan would be enough.",
}
OUTLINE_PLANS = (
    "Social worker to visit at least every 10 working days, seeing the child alone. Parents to attend a "
    "parenting programme. Health visitor to monitor growth and development. School to report attendance weekly.",
    "Safety plan agreed with the parents. Referral to the domestic abuse service. Core group to meet monthly. "
    "School to share any concerns the same day.",
    "Unannounced visits by the social worker. Parent to engage with the substance misuse service and agree "
    "to testing. GP to review the family's health needs.",
)
DISSENT = 0.06
REPORT_SEEN = 0.82
FIRST_CORE_GROUP_WORKING_DAYS_LATE = {0: 88, 3: 8, 8: 4}


class _ConferenceRecords:
    def __init__(self, seed, today):
        self.rng = random.Random(f"conferences-{seed}")
        self.today = today
        boys, girls, families = NAMES["british"]
        self.given, self.families = (*boys, *girls), families

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def name(self):
        return f"{self.rng.choice(self.given)} {self.rng.choice(self.families)}"

    def build(self, review, age):
        held = review.held_on
        decided = PlanView.PLAN if review.conference_outcome in PLAN_DECISIONS else PlanView.NO_PLAN
        social_worker = self.name()
        record = ConferenceRecord(
            review=review,
            kind=review.kind,
            lead_social_worker=social_worker if decided == PlanView.PLAN else "",
            outline_plan=self.rng.choice(OUTLINE_PLANS) if decided == PlanView.PLAN else "",
        )
        attendees = [self.attendee(record, social_worker, ConferenceAgency.SOCIAL_CARE, "attended", decided)]
        for agency, (invited, attendance) in AGENCIES.items():
            if agency == ConferenceAgency.EDUCATION and not 4 <= age < 18:
                continue
            if self.rng.random() < invited:
                attendees.append(self.attendee(record, self.name(), agency, self.pick(attendance), decided))
        if self.rng.random() < 0.2:
            other = self.attendee(record, self.name(), ConferenceAgency.OTHER, "attended", decided)
            other.agency_other = self.rng.choice(OTHER_AGENCIES)
            attendees.append(other)
        self.parents(record, review, attendees)
        record.quorate = quorum(attendees).quorate
        if not record.quorate:
            record.not_quorate_reason = self.rng.choice(NOT_QUORATE_REASONS)
        core_group = []
        if decided == PlanView.PLAN:
            core_group = [
                CoreGroupMember(record=record, name=a.name, agency=a.agency, agency_other=a.agency_other)
                for a in attendees
                if a.agency != ConferenceAgency.POLICE
            ]
        if review.kind == ReviewKind.ICPC and review.conference_outcome == ConferenceOutcome.PLAN_MADE:
            record.first_core_group_due = timescales.first_core_group_due(held)
            late = self.pick(FIRST_CORE_GROUP_WORKING_DAYS_LATE)
            day = add_working_days(record.first_core_group_due, late) if late else held + timedelta(days=7)
            record.first_core_group_held = day if day <= self.today else None
        return record, attendees, core_group

    def attendee(self, record, name, agency, attendance, decided):
        attendee = ConferenceAttendee(record=record, name=name, agency=agency, attendance=attendance)
        if attendance != ConferenceAttendance.APOLOGIES:
            dissents = self.rng.random() < DISSENT and agency != ConferenceAgency.SOCIAL_CARE
            attendee.view_on_plan = (
                (PlanView.NO_PLAN if decided == PlanView.PLAN else PlanView.PLAN) if dissents else decided
            )
            attendee.dissent_reason = DISSENT_REASONS[attendee.view_on_plan] if dissents else ""
        return attendee

    def parents(self, record, review, attendees):
        record.parents_participation = PARENTS.get(
            review.parents_participation, ConferenceParentsParticipation.ATTENDED
        )
        if record.parents_participation == ConferenceParentsParticipation.DID_NOT_TAKE_PART:
            record.parents_participation_reason = self.rng.choice(PARENTS_REASONS)
        if record.parents_participation == ConferenceParentsParticipation.ATTENDED:
            attendees.append(
                ConferenceAttendee(
                    record=record, name=self.name(), agency=ConferenceAgency.FAMILY, attendance="attended"
                )
            )
        record.parents_saw_report = self.rng.random() < REPORT_SEEN
        if record.parents_saw_report:
            record.parents_saw_report_on = add_working_days(review.held_on, -self.rng.randint(1, 3))


def save_conference_records(reviews: list[Review], *, seed, today) -> int:
    """Save a record, attendance and core group for each conference held among `reviews` (saved)."""
    builder = _ConferenceRecords(seed, today)
    records, attendees, members = [], [], []
    for review in reviews:
        if review.kind == ReviewKind.LAC or review.status != ReviewStatus.HELD:
            continue
        age = age_on(review.child.date_of_birth, review.held_on)
        record, people, core_group = builder.build(review, age)
        records.append(record)
        attendees += people
        members += core_group
    bulk_save(ConferenceRecord, records)
    bulk_save(ConferenceAttendee, attendees)
    bulk_save(CoreGroupMember, members)
    return len(records)
