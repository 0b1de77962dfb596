"""The demo's consultation links and replies: for most LAC reviews and conferences of the last 15
months and the next three weeks, links for the child (their age's form), the parents, the carers
and the social worker, some emailed and some shown to pass on; the replies that came back (more
from children and carers than from parents), a few links withdrawn, the rest closed by the review
or their expiry; after reviews held, feedback links with how well people felt listened to; and the
few children who said they do not feel safe, with the safety alerts their replies raised.

Everything is drawn from its own random stream, so the rest of the demo is the same with or without
it. Links and replies are saved in bulk, each code random and kept only as its hash (nobody needs
a demo link's code), with the times they would have had: a reply always before its review, a link's
`submitted_at` the moment of its reply. The alerts go through the service that raises them
(consultations.alerts) when the demo is seeded whole, and are written in bulk at national scale
(bench/seed_scale.py). Answers are short invented sentences: no names or places."""

import random
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from children.selectors import age_on
from consultations.alert_services import escalate_unanswered, record_alert_response
from consultations.alerts import raise_alert_if_needed
from consultations.models import (
    ADULT_FORMS,
    AlertReason,
    ConsultationInvitation,
    ConsultationResponse,
    Delivery,
    FormVersion,
    PersonType,
    Purpose,
    SafetyAlert,
    WantsToAttend,
    child_form_for_age,
)
from consultations.selectors import review_day
from consultations.tokens import code_hash, new_code
from demo.children import NAMES, bulk_save
from notifications.models import Notification, SubjectType
from reviews.models import ParticipationCode, Review, ReviewKind, ReviewStatus
from reviews.record_models import ParticipantRole

PAST_DAYS = 457
UPCOMING_DAYS = 21
SHARE_OF_REVIEWS = {ReviewKind.LAC: 0.7, ReviewKind.ICPC: 0.45, ReviewKind.RCPC: 0.5}
CHILD_FROM_AGE = {ReviewKind.LAC: 4, ReviewKind.ICPC: 8, ReviewKind.RCPC: 8}
RETURNED = {
    PersonType.CHILD: 0.64,
    PersonType.PARENT: 0.36,
    PersonType.CARER: 0.6,
    PersonType.SOCIAL_WORKER: 0.72,
}
FEEDBACK_SHARE = 0.6
FEEDBACK_RETURNED = {PersonType.CHILD: 0.45, PersonType.PARENT: 0.3, PersonType.CARER: 0.4}
LISTENED = {
    PersonType.CHILD: {5: 38, 4: 34, 3: 17, 2: 7, 1: 4},
    PersonType.PARENT: {5: 22, 4: 30, 3: 24, 2: 14, 1: 10},
    PersonType.CARER: {5: 40, 4: 38, 3: 15, 2: 5, 1: 2},
}
WITHDRAWN = 0.03
OPENED_UNANSWERED = 0.4
UNSAFE = 0.015
WATCHED_WORDS = 0.004
OPEN_ALERTS = 2
ALERT_ANSWERED_HOURS = (1, 2, 2, 3, 4, 6)

GOING_WELL = {
    "young": (
        "I like my bedroom.",
        "I have a new friend at school.",
        "I like going to the park on Saturdays.",
        "I can ride my bike now.",
        "My carer reads me stories.",
    ),
    "child": (
        "School is better this year and I have more friends.",
        "I like living here and I want to stay.",
        "I joined a football club and I go every week.",
        "I get on well with my carer's family.",
        "I am doing well at maths.",
        "I see my brother every month now.",
    ),
    "teen": (
        "I have started college and I like the course.",
        "Things are calmer at home and I get on with my carers.",
        "I got a part-time job at the weekend.",
        "My attendance is much better than last year.",
        "I have more say in what happens to me now.",
        "My social worker listens to me.",
    ),
    PersonType.PARENT: (
        "Contact has been going well and the children seem happy to see me.",
        "I have finished the parenting course.",
        "I have been keeping to the agreement about contact.",
        "The social worker keeps me updated.",
    ),
    PersonType.CARER: (
        "Settled well, eating and sleeping much better.",
        "Attendance at school is now over 95 per cent.",
        "Enjoys the after-school club and has made friends there.",
        "Much more open with us about how the week has gone.",
    ),
    PersonType.SOCIAL_WORKER: (
        "The placement is stable and the care plan is on track.",
        "Health and dental checks are up to date.",
        "The personal education plan targets are being met.",
        "Family time is consistent and well supported.",
    ),
}
WORRIES = {
    "young": ("", "I miss my mum.", "I don't like the dark.", "Sometimes I feel sad at bedtime."),
    "child": (
        "",
        "I worry about my mum.",
        "I don't like it when my social worker changes.",
        "Sometimes I get told off at school for things that aren't my fault.",
        "I want to know if I am moving.",
    ),
    "teen": (
        "",
        "I worry about what happens when I turn 18.",
        "I don't always know who to talk to.",
        "I want more time with my friends and less time being checked on.",
        "Money for when I leave care.",
    ),
    PersonType.PARENT: (
        "I would like more contact.",
        "I am not told about school reports.",
        "Contact is sometimes cancelled at short notice.",
        "",
    ),
    PersonType.CARER: (
        "",
        "Waiting a long time for the therapy referral.",
        "Contact arrangements change often, which unsettles everyone.",
        "The delegated authority form still needs signing.",
    ),
    PersonType.SOCIAL_WORKER: (
        "",
        "The health assessment is overdue.",
        "Life-story work has not started yet.",
        "Sibling contact needs to be arranged more often.",
    ),
}
WISHES = {
    "young": ("To stay here.", "To see my nan.", "To have a party for my birthday.", ""),
    "child": (
        "To stay at my school.",
        "To see my brother and sister more.",
        "To go on a school trip.",
        "To have my meeting after school.",
    ),
    "teen": (
        "To stay here until I am ready to move on.",
        "To have a say in where I live next.",
        "To learn to drive.",
        "Fewer meetings, and shorter ones.",
    ),
    PersonType.PARENT: ("More contact at weekends.", "To be told how they are doing at school.", ""),
    PersonType.CARER: ("To keep the placement stable.", "A plan for the summer holidays.", ""),
    PersonType.SOCIAL_WORKER: ("Keep the placement as it is.", "Start planning for leaving care.", ""),
}
ANYTHING_ELSE = ("", "", "", "Thank you for asking me.", "Can the meeting be short?", "No.")
NOT_TO_SHARE = ("", "", "", "", "What I said about school.", "What I said about my dad.")
WHERE_AND_WHEN = ("", "", "At home after school.", "At school in the afternoon.", "Online.", "Not in school time.")
FEEDBACK_TEXT = {
    PersonType.CHILD: ("", "", "It was good.", "It was too long.", "I liked that I could say what I wanted."),
    PersonType.PARENT: ("", "", "I felt listened to.", "I did not get the papers before the meeting."),
    PersonType.CARER: ("", "", "Well chaired and to the point.", "Good to have the school there."),
}
UNSAFE_WORRIES = (
    "There is a lot of shouting at home at night.",
    "Someone keeps coming to the house and I don't like it.",
    "I don't want to go back there at the weekend.",
)
WATCHED_WORRIES = ("I am scared the placement will end.", "I am frightened about going to court.")
FACES = ("happy", "happy", "okay", "sad")
ALERT_ACTIONS = (
    "Rang the social worker, who visited the same day and saw the child alone. Safety plan agreed with the carers.",
    "Spoke to the child by phone with their carer's agreement; the duty team visited this afternoon.",
    "Passed to the duty social work team, who saw the child at school today. Strategy discussion booked.",
)


@dataclass
class Planned:
    """A link before saving, with the reply (if one came back) and whether it raises an alert."""

    invitation: ConsultationInvitation
    response: ConsultationResponse | None = None
    alert: str = ""
    matched: str = ""
    upcoming: bool = False


@dataclass
class Plan:
    consultation: list[Planned] = field(default_factory=list)
    feedback: list[Planned] = field(default_factory=list)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def demo_now(today: date) -> datetime:
    """The demo's present moment: now when seeding as at today, else late afternoon on `today`."""
    now = timezone.now()
    return now if today >= timezone.localdate(now) else _at(today, 17)


@contextmanager
def keeping_times(model, *names):
    """Save the times given rather than the moment of saving: a demo's records happened earlier."""
    fields = [model._meta.get_field(name) for name in names]
    for each in fields:
        each.auto_now_add = False
    try:
        yield
    finally:
        for each in fields:
            each.auto_now_add = True


class _Builder:
    def __init__(self, seed, today):
        self.rng = random.Random(f"consultations-{seed}")
        self.today = today
        self.now = demo_now(today)
        boys, girls, families = NAMES["british"]
        self.mothers, self.fathers, self.families = girls, boys, families

    def chance(self, share):
        return self.rng.random() < share

    def moment(self, earliest: datetime, latest: datetime) -> datetime:
        if latest <= earliest:
            return earliest
        return earliest + timedelta(seconds=self.rng.randint(0, int((latest - earliest).total_seconds())))

    def reply_time(self, earliest: datetime, latest: datetime) -> datetime:
        """A moment between the two, moved into the waking day (7am to 10pm) when it can be."""
        moment = self.moment(earliest, latest)
        local = timezone.localtime(moment)
        if not 7 <= local.hour < 22:
            awake = local.replace(hour=self.rng.randint(7, 21))
            if earliest <= awake <= latest:
                return awake
        return moment

    def working_time(self, day: date) -> datetime:
        return _at(day, self.rng.randint(8, 17), self.rng.randint(0, 59))

    def people(self, review, age):
        people = []
        if age >= CHILD_FROM_AGE[review.kind]:
            people.append((PersonType.CHILD, review.child.given_name, ""))
        family = self.rng.choice(self.families)
        if self.chance(0.85):
            people.append((PersonType.PARENT, f"{self.rng.choice(self.mothers)} {family}", "mother"))
        if self.chance(0.45):
            people.append((PersonType.PARENT, f"{self.rng.choice(self.fathers)} {family}", "father"))
        if review.kind == ReviewKind.LAC and self.chance(0.9):
            people.append((PersonType.CARER, f"{self.rng.choice(self.mothers)} {self.rng.choice(self.families)}", ""))
        if self.chance(0.95):
            people.append((PersonType.SOCIAL_WORKER, "", "social.worker"))
        return people

    def plan(self, reviews: Iterable[Review], fallback_by: int) -> Plan:
        plan = Plan()
        since = self.today - timedelta(days=PAST_DAYS)
        until = self.today + timedelta(days=UPCOMING_DAYS)
        for review in reviews:
            if review.kind not in SHARE_OF_REVIEWS or review.status == ReviewStatus.CANCELLED:
                continue
            day = review_day(review)
            if not since <= day <= until or not self.chance(SHARE_OF_REVIEWS[review.kind]):
                continue
            held = review.status == ReviewStatus.HELD
            if held and day > self.today:
                continue
            self.review_links(plan, review, day, held, review.chair_id or fallback_by)
        return plan

    def review_links(self, plan, review, day, held, by):
        age = age_on(review.child.date_of_birth, day)
        sent_on = day - timedelta(days=self.rng.randint(10, 21))
        if sent_on > self.today:
            return
        created = self.working_time(sent_on)
        if created > self.now:
            created = self.now - timedelta(hours=1)
        feedback = held and self.chance(FEEDBACK_SHARE)
        for person_type, name, email_name in self.people(review, age):
            invitation = self.invitation(review, Purpose.CONSULTATION, person_type, name, email_name, created, by)
            invitation.form = child_form_for_age(age) if person_type == PersonType.CHILD else ADULT_FORMS[person_type]
            planned = Planned(invitation, upcoming=not held)
            closes = min(invitation.expires_at, _at(day, 9) if held else self.now)
            if self.replies(review, person_type, held):
                submitted = self.reply_time(created + timedelta(hours=2), closes - timedelta(hours=1))
                if submitted > created and submitted < self.now:
                    invitation.opened_at = submitted - timedelta(minutes=self.rng.randint(3, 25))
                    invitation.submitted_at = submitted
                    planned.response = self.response(planned, age)
            if invitation.submitted_at is None:
                if self.chance(OPENED_UNANSWERED):
                    invitation.opened_at = self.moment(created, closes)
                if self.chance(WITHDRAWN):
                    invitation.revoked_at = self.moment(invitation.opened_at or created, closes)
                    invitation.revoked_by_id = by
            plan.consultation.append(planned)
            if feedback and person_type in FEEDBACK_RETURNED:
                if (asked := self.feedback(planned, review, day, by)) is not None:
                    plan.feedback.append(asked)

    def replies(self, review, person_type, held):
        if person_type == PersonType.CHILD and held and review.kind == ReviewKind.LAC:
            if review.participation_code == ParticipationCode.PN6:
                return True
            if review.participation_code in (ParticipationCode.PN7, ParticipationCode.PN0):
                return False
        return self.chance(RETURNED[person_type])

    def invitation(self, review, purpose, person_type, name, email_name, created, by):
        emailed = person_type != PersonType.CHILD or self.chance(0.3)
        if emailed and person_type == PersonType.SOCIAL_WORKER:
            email = f"{email_name}.{self.rng.randint(100, 9999)}@example.org"
        elif emailed:
            email = f"{(name or 'young.person').split()[0].lower()}.{self.rng.randint(10, 999)}@example.com"
        else:
            email = ""
        days = settings.CONSULTATION_LINK_DAYS if purpose == Purpose.CONSULTATION else settings.FEEDBACK_LINK_DAYS
        return ConsultationInvitation(
            review=review,
            purpose=purpose,
            person_type=person_type,
            name=name,
            email=email,
            delivery=Delivery.EMAIL if email else Delivery.SHOWN,
            token_hash=code_hash(new_code()),
            expires_at=created + timedelta(days=days),
            created_by_id=by,
            created_at=created,
            emailed_at=created + timedelta(minutes=1) if email else None,
        )

    def response(self, planned, age):
        invitation = planned.invitation
        person_type = invitation.person_type
        pool = person_type
        if person_type == PersonType.CHILD:
            pool = "young" if age < 8 else "child" if age < 13 else "teen"
        response = ConsultationResponse(
            invitation=invitation,
            submitted_at=invitation.submitted_at,
            going_well=self.rng.choice(GOING_WELL[pool]),
            worries=self.rng.choice(WORRIES[pool]),
            wishes=self.rng.choice(WISHES[pool]),
            anything_else=self.rng.choice(ANYTHING_ELSE),
            wants_to_attend=self.rng.choice(
                (WantsToAttend.YES, WantsToAttend.YES, WantsToAttend.PART, WantsToAttend.NO)
            ),
        )
        if person_type == PersonType.CHILD:
            response.feels_safe = True
            response.wants_at_review = self.rng.sample(
                [
                    ParticipantRole.CARER,
                    ParticipantRole.SOCIAL_WORKER,
                    ParticipantRole.MOTHER,
                    ParticipantRole.EDUCATION,
                ],
                self.rng.randint(1, 3),
            )
            if age < 8:
                response.answers = {"how_things_are": self.rng.choice(FACES)}
                response.worries = response.wishes = response.anything_else = ""
            else:
                response.where_and_when = self.rng.choice(WHERE_AND_WHEN)
                response.wants_advocate = self.chance(0.2)
                response.wants_to_chair = age >= 12 and self.chance(0.15)
                response.not_to_share = self.rng.choice(NOT_TO_SHARE)
            if self.chance(UNSAFE):
                planned.response = response
                self.unsafe(planned)
        elif person_type in (PersonType.PARENT, PersonType.CARER) and self.chance(WATCHED_WORDS):
            response.worries = self.rng.choice(WATCHED_WORRIES)
            planned.alert = AlertReason.WATCHED_WORDS
            planned.matched = "scared" if "scared" in response.worries else "frightened"
        return response

    def unsafe(self, planned):
        """The child says they do not feel safe, and (unless their form is the youngest's, all
        pictures) what worries them."""
        planned.response.feels_safe = False
        if planned.invitation.form != FormVersion.CHILD_UNDER_8:
            planned.response.worries = self.rng.choice(UNSAFE_WORRIES)
        planned.alert = AlertReason.FEELS_UNSAFE

    def open_alerts(self, plan):
        """Make sure a child replying before a review still to come said today they do not feel
        safe, so the alerts list has alerts still open (OPEN_ALERTS of them)."""
        candidates = [
            planned
            for planned in plan.consultation
            if planned.upcoming
            and planned.response is not None
            and planned.invitation.person_type == PersonType.CHILD
            and planned.invitation.expires_at > self.now
        ]
        wanted = OPEN_ALERTS - sum(bool(planned.alert) for planned in candidates)
        quiet = [planned for planned in candidates if not planned.alert]
        for planned in self.rng.sample(quiet, min(max(wanted, 0), len(quiet))):
            self.unsafe(planned)

    def feedback(self, consultation, review, day, by):
        first = consultation.invitation
        created = self.working_time(day + timedelta(days=self.rng.randint(1, 3)))
        if created > self.now:
            return None
        invitation = self.invitation(
            review, Purpose.FEEDBACK, first.person_type, first.name, "social.worker", created, by
        )
        invitation.form, invitation.follows = first.form, first
        planned = Planned(invitation)
        if self.chance(FEEDBACK_RETURNED[first.person_type]):
            submitted = self.reply_time(created + timedelta(hours=3), min(invitation.expires_at, self.now))
            if created < submitted < self.now:
                invitation.opened_at = submitted - timedelta(minutes=self.rng.randint(2, 10))
                invitation.submitted_at = submitted
                scores = LISTENED[first.person_type]
                planned.response = ConsultationResponse(
                    invitation=invitation,
                    submitted_at=submitted,
                    listened_score=self.rng.choices(list(scores), weights=list(scores.values()))[0],
                    feedback_text=self.rng.choice(FEEDBACK_TEXT[first.person_type]),
                )
        return planned


def _fallback_by() -> int | None:
    return (
        User.objects.filter(role__in=(Role.IRO, Role.SERVICE_MANAGER), is_active=True)
        .order_by("role", "pk")
        .values_list("pk", flat=True)
        .first()
    )


def _save_links(plan: Plan) -> list[Planned]:
    with keeping_times(ConsultationInvitation, "created_at"):
        bulk_save(ConsultationInvitation, [planned.invitation for planned in plan.consultation])
        bulk_save(ConsultationInvitation, [planned.invitation for planned in plan.feedback])
    replied = [planned for planned in (*plan.consultation, *plan.feedback) if planned.response is not None]
    for planned in replied:
        planned.response.invitation_id = planned.invitation.pk
    with keeping_times(ConsultationResponse, "submitted_at"):
        ConsultationResponse.objects.bulk_create([planned.response for planned in replied], batch_size=2000)
    return [planned for planned in replied if planned.alert]


@dataclass(frozen=True)
class Fate:
    """When an alert is raised, how many hours later it is answered (None: still open), whether
    it was passed to the managers, and what was done."""

    planned: Planned
    raised: datetime
    hours: int | None
    escalated: bool
    action: str


def _alert_fates(rng, alerting: list[Planned], now: datetime):
    """When each alert is raised and what became of it: answered within hours, except one or two
    about a review still to come, raised today, left open (the older of them passed on to the
    managers)."""
    upcoming = [planned for planned in alerting if planned.upcoming and planned.invitation.expires_at > now]
    open_ones = upcoming[-OPEN_ALERTS:]
    fates = []
    for planned in alerting:
        if planned in open_ones:
            older = planned is open_ones[0] and len(open_ones) > 1
            raised = now - (timedelta(hours=5) if older else timedelta(minutes=30))
            raised = max(raised, planned.invitation.created_at + timedelta(minutes=15))
            fates.append(Fate(planned, raised, None, older, ""))
        else:
            hours, action = rng.choice(ALERT_ANSWERED_HOURS), rng.choice(ALERT_ACTIONS)
            fates.append(Fate(planned, planned.response.submitted_at, hours, False, action))
    return fates


def _reply_sent_at(response, moment):
    """Move a reply (and its link's opening) to the moment its alert, left open, was raised."""
    response.submitted_at = response.invitation.submitted_at = moment
    ConsultationResponse.objects.filter(pk=response.pk).update(submitted_at=moment)
    ConsultationInvitation.objects.filter(pk=response.invitation_id).update(
        submitted_at=moment, opened_at=moment - timedelta(minutes=9)
    )


def _raise_through_service(fates, now):
    """Raise each alert as a reply raises it, then date it and its notifications as it happened."""
    escalate_at = None
    for fate in fates:
        planned, raised, hours = fate.planned, fate.raised, fate.hours
        response = planned.response
        alert = raise_alert_if_needed(response)
        SafetyAlert.objects.filter(pk=alert.pk).update(raised_at=raised)
        Notification.objects.filter(subject_type=SubjectType.SAFETY_ALERT, subject_id=alert.pk).update(
            due_date=timezone.localdate(raised)
        )
        alert.raised_at = raised
        if raised != response.submitted_at:
            _reply_sent_at(response, raised)
        if hours is not None:
            by = planned.invitation.created_by
            alert = record_alert_response(alert, by=by, action_taken=fate.action, expected_version=alert.version)
            SafetyAlert.objects.filter(pk=alert.pk).update(responded_at=raised + timedelta(hours=hours))
        if fate.escalated:
            escalate_at = raised + timedelta(minutes=settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES + 5)
    if escalate_at is not None:
        escalate_unanswered(now=min(escalate_at, now))


def _alerts_in_bulk(fates):
    alerts = []
    for fate in fates:
        planned, raised, hours = fate.planned, fate.raised, fate.hours
        response = planned.response
        if raised != response.submitted_at:
            _reply_sent_at(response, raised)
        answered = hours is not None
        alerts.append(
            SafetyAlert(
                response=response,
                review_id=planned.invitation.review_id,
                reason=planned.alert,
                matched_words=planned.matched,
                raised_at=raised,
                responded_at=raised + timedelta(hours=hours) if answered else None,
                responded_by_id=planned.invitation.created_by_id if answered else None,
                action_taken=fate.action,
                escalated_at=raised + timedelta(minutes=settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES)
                if fate.escalated
                else None,
            )
        )
    bulk_save(SafetyAlert, alerts)


@transaction.atomic
def save_consultations(reviews: Iterable[Review], *, seed, today, through_services=True) -> dict[str, int]:
    """Save links, replies and alerts for the consulted reviews among `reviews` (saved, with
    their children). With `through_services` the alerts are raised by the service replies use
    (the watched words must be saved first); without, written in bulk."""
    fallback = _fallback_by()
    if fallback is None:
        return {"consultation_links": 0, "consultation_replies": 0, "feedback_replies": 0, "safety_alerts": 0}
    builder = _Builder(seed, today)
    plan = builder.plan(reviews, fallback)
    builder.open_alerts(plan)
    alerting = _save_links(plan)
    fates = _alert_fates(builder.rng, alerting, builder.now)
    if through_services:
        _raise_through_service(fates, builder.now)
    else:
        _alerts_in_bulk(fates)
    return {
        "consultation_links": len(plan.consultation) + len(plan.feedback),
        "consultation_replies": sum(planned.response is not None for planned in plan.consultation),
        "feedback_replies": sum(planned.response is not None for planned in plan.feedback),
        "safety_alerts": len(fates),
    }
