"""Synthetic oversight between reviews for the demo authority (demo/children.py histories,
demo/reviews.py reviews): what an IRO service using RAG tracking records.

- After each held LAC review, a post-review RAG rating by the review's chair on the day it was
  held: about 80% green, 18% amber and 2% red, the proportions the published annual reports
  show (a child's rating depends on the one before: drift persists). The next check is the date
  oversight.services.next_check_window proposes, or another day inside the window, counted to
  the due date of the next review in the cycle (the review outstanding when the rating is made).
- Green: a desktop mid-way review (rated) around the midpoint for most; amber and red: a
  follow-up with the social worker or on the case file when the next check comes, red often a
  second one. Some pre-meeting checks before reviews, quality-assurance alerts when the social
  worker's report was missing, a check between child protection conferences.
- In-Contact plans agreed at reviews with many children aged 8 and over (in the last three
  years), with contact recorded mostly on time; some children's contact has fallen behind.
- A case-file check or a conversation with the social worker in most quarters that had no
  other record, so that nearly every child has a record in every quarter (a few do not: the
  worklist has something to show).

Every record falls on a day the child needed an IRO (a period of care, a series of short breaks
or a protection plan), on or before the reference date, by the IRO allocated that day. As in
the other demo modules, everything is drawn from one random.Random in a fixed order, built in
memory and saved in bulk (demo.children.bulk_save); tests/test_seed_oversight_escalations.py checks
the rules.
"""

import bisect
import random
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import accumulate

from django.db import transaction

from children.selectors import age_on
from demo.children import add_years, bulk_save
from iro_portal.working_days import add_working_days, on_or_after, on_or_before
from oversight.models import ContactMethod, InContactPlan, OversightKind, OversightRecord, Rag
from oversight.services import next_check_window
from reviews import timescales
from reviews.cycles import lac_cycles
from reviews.models import ConferenceOutcome, ReviewKind, ReviewStatus

# The RAG rating after a review follows the one before (post-review or mid-way) in the cycle:
# drift persists, and most plans rated amber are back on track by the next review. The chain
# settles near 80% green, 18% amber, 2% red.
FIRST_RATING = {Rag.GREEN: 78, Rag.AMBER: 19.5, Rag.RED: 2.5}
NEXT_RATING = {
    Rag.GREEN: {Rag.GREEN: 91, Rag.AMBER: 8.3, Rag.RED: 0.7},
    Rag.AMBER: {Rag.GREEN: 53, Rag.AMBER: 42, Rag.RED: 5},
    Rag.RED: {Rag.GREEN: 30, Rag.AMBER: 56, Rag.RED: 14},
}
MIDWAY_RATING = {Rag.GREEN: 92, Rag.AMBER: 7, Rag.RED: 1}
# Most ratings take the proposed next check; the rest another day in the window.
PROPOSED_NEXT_CHECK = 0.7
MIDWAY_REVIEW = 0.88
AMBER_FOLLOW_UP = 0.9
RED_FOLLOW_UP = 0.95
RED_SECOND_FOLLOW_UP = 0.6
PRE_MEETING_CHECK = 0.25
CONTACT_BEFORE_REVIEW = 0.3
QUALITY_ALERT_WHEN_REPORT_MISSING = 0.6
CONFERENCE_MIDPOINT_CHECK = 0.75
# Quarters that still have no record get a case-file check or a call to the social worker.
QUARTER_FILL = 0.75
CURRENT_QUARTER_FILL = 0.8

# In-Contact plans: agreed at a held review with a child aged 8 or over, from three years back:
# often at the first such review, now and then at a later one.
IN_CONTACT_FROM_AGE = 8
IN_CONTACT_FIRST_OFFER = 0.55
IN_CONTACT_LATER_OFFER = 0.1
IN_CONTACT_CHANGED = 0.12
CONTACT_METHODS = {
    ContactMethod.VISIT: 30,
    ContactMethod.PHONE: 24,
    ContactMethod.TEXT: 20,
    ContactMethod.VIDEO: 16,
    ContactMethod.LETTER: 10,
}
CONTACT_EVERY_WEEKS = {4: 14, 6: 24, 8: 26, 10: 8, 12: 20, 16: 6, 26: 2}
CONTACT_LATE = 0.08
CONTACT_LAPSED = 0.1

# Areas of drift an amber or red rating tracks (demo/escalations.py raises escalations on the
# same areas); the ones that only fit some children are filtered by situation.
DRIFT_AREAS = {
    "care_planning": 30,
    "placement": 18,
    "health": 8,
    "education": 9,
    "contact": 8,
    "statutory_visits": 7,
    "review_process": 5,
    "assessments": 6,
    "pathway": 6,
    "participation": 3,
    "identity": 2,
    "legal": 3,
    "safeguarding": 4,
}
SAME_AREA_AGAIN = 0.7

AMBER_TRACKING = {
    "care_planning": (
        "Permanence plan not yet presented to panel; tracking the panel date.",
        "Care plan not updated since the review; social worker asked to update it within four weeks.",
        "Life-story work agreed at the review has not started.",
        "Plan for long-term fostering not yet matched; tracking the matching meeting.",
        "Later-life letter still outstanding.",
    ),
    "placement": (
        "Placement plan meeting overdue; stability meeting requested.",
        "Carers asking for more support; tracking the support plan agreed at the review.",
        "Placement agreed as a bridge; tracking the search for a long-term home.",
        "Delegated authority not yet agreed with the carers.",
    ),
    "health": (
        "Review health assessment overdue; tracking the booking.",
        "CAMHS referral made but no appointment offered yet.",
        "Dental check-up not booked since the last review.",
        "Immunisations not brought up to date as agreed.",
    ),
    "education": (
        "PEP targets not updated this term; Virtual School asked to follow up.",
        "School attendance below 90%; tracking the attendance plan.",
        "EHC needs assessment requested but not started.",
        "No school place confirmed after the move; tracking the admission.",
    ),
    "contact": (
        "Family time arrangements not confirmed in writing to the family.",
        "Sibling contact agreed at the review has not happened.",
        "Supervision for family time not yet arranged.",
    ),
    "statutory_visits": (
        "Statutory visit overdue; tracking the next visit date.",
        "Child not seen alone on the last two visits.",
    ),
    "review_process": (
        "Social worker's report not shared before the review; tracking the updated care plan.",
        "Review decisions not yet acted on by the team.",
    ),
    "assessments": (
        "Parenting assessment running late; tracking the filing date.",
        "Updated child and family assessment not completed.",
        "Special guardianship assessment delayed.",
    ),
    "pathway": (
        "Pathway plan not completed; personal adviser not yet allocated.",
        "Staying put discussion not yet held with the carers.",
        "No plan yet for accommodation after 18.",
    ),
    "participation": (
        "Advocacy referral not made as agreed.",
        "The child's views not gathered for the care plan.",
    ),
    "identity": (
        "Cultural and religious needs not reflected in the placement plan.",
        "Access to the child's first language not yet arranged.",
    ),
    "legal": (
        "Final care plan for court not shared with the IRO.",
        "Evidence deadline at risk; tracking the filing.",
    ),
    "safeguarding": (
        "Two missing episodes since the review; return home interviews outstanding.",
        "Safety plan not reviewed after the incident at school.",
    ),
}
RED_TRACKING = {
    "care_planning": (
        "Permanence drift: the adoption match is delayed beyond the child's timescales.",
        "No care plan since the child came into care; manager to confirm the plan this week.",
        "Plan for return home stalled for six months with no decision.",
    ),
    "placement": (
        "Carers have given notice; no alternative home identified.",
        "Placed in unregistered provision; plan for a registered home needed now.",
        "Third placement move this year; placement stability meeting needed urgently.",
    ),
    "health": (
        "Self-harm increasing; urgent CAMHS referral not yet made.",
        "Medication not reviewed since the move; GP registration outstanding.",
    ),
    "education": (
        "Not in school for six weeks; no education provision in place.",
        "Permanent exclusion pending; no alternative provision agreed.",
    ),
    "contact": ("Unsupervised contact with a parent against the plan; risk assessment needed.",),
    "statutory_visits": ("No statutory visit for over eight weeks; manager asked to allocate a worker urgently.",),
    "review_process": ("No social worker allocated for two months; reports and plan missing.",),
    "assessments": ("Risk assessment not completed after the allegation; strategy discussion needed.",),
    "pathway": ("Young person turns 18 next month with no accommodation identified.",),
    "participation": ("The young person has disengaged and is not attending any meetings; plan for contact needed.",),
    "identity": ("Placement does not meet the child's cultural and religious needs; child distressed.",),
    "legal": ("Care plan filed without the IRO's view; final hearing next month.",),
    "safeguarding": (
        "Missing from the placement three times since the review; strategy meeting requested within 48 hours.",
        "Risk of criminal exploitation; safety plan not in place.",
        "Concerns about sexual exploitation; disruption plan needed.",
    ),
}
GREEN_TRACKING = (
    "Plan progressing; placement stable.",
    "Actions from the review on track.",
    "Settled at school and in the placement; no concerns.",
    "Care plan progressing; family time going well.",
    "Pathway plan on track.",
)
MIDWAY_TRACKING = {
    Rag.GREEN: (
        "Desktop mid-way review: actions from the review on track.",
        "Mid-way review: spoke to the carer; placement stable and the child settled.",
        "Mid-way review: PEP and health assessment up to date.",
        "Mid-way review: care plan progressing as agreed at the review.",
        "Mid-way review: spoke to the social worker and the child; no concerns.",
    ),
    Rag.AMBER: (
        "Mid-way review: some actions from the review have slipped; tracking them with the social worker.",
        "Mid-way review: health assessment still outstanding.",
        "Mid-way review: family time arrangements unclear; update requested.",
    ),
    Rag.RED: (
        "Mid-way review: placement at risk of breakdown; urgent update requested.",
        "Mid-way review: missing episodes since the review; strategy meeting requested.",
    ),
}
FOLLOW_UP_TRACKING = (
    "Follow-up: social worker confirmed the action is now booked.",
    "Follow-up: action completed; plan back on track.",
    "Follow-up: still outstanding; raised with the team manager.",
    "Follow-up: update received, partly progressed; will check again before the review.",
    "Follow-up: manager agreed a date for the outstanding action.",
    "Follow-up: no update from the social worker; reminder sent.",
)
CASE_FILE_TRACKING = (
    "Case-file check: statutory visits up to date.",
    "Case-file check: care plan updated after the review.",
    "Case-file check: review decisions actioned.",
    "Case-file check: PEP and health assessment on file.",
    "Case-file check: placement plan on file and signed.",
    "Case-file check: case notes show the child seen alone.",
)
SOCIAL_WORKER_TRACKING = (
    "Spoke to the social worker: actions progressing.",
    "Update from the team manager: plan on track.",
    "Spoke to the social worker about the child's school move.",
    "Social worker updated on family time; no concerns.",
    "Discussed the permanence plan with the social worker.",
)
PRE_MEETING_TRACKING = (
    "Pre-meeting check: reports read; spoke to the child and the carers.",
    "Pre-meeting check: care plan and PEP read before the review.",
    "Pre-meeting check: social worker's report not yet received; chased.",
)
QUALITY_ALERT_TRACKING = (
    "Quality-assurance alert: no social worker's report for the review.",
    "Quality-assurance alert: report missing; review held without it.",
)
CONTACT_TRACKING = {
    ContactMethod.VISIT: (
        "Visited the child at home.",
        "Visited at the placement; saw the child alone.",
        "Met the young person in town for lunch.",
    ),
    ContactMethod.PHONE: ("Phone call with the young person.", "Phone call with the child and the carer."),
    ContactMethod.TEXT: ("Text messages with the young person.", "Texted to check in; the young person replied."),
    ContactMethod.VIDEO: ("Video call with the child.", "Video call with the young person."),
    ContactMethod.LETTER: ("Wrote to the child after the review.", "Sent the child a card and a letter."),
}
CONFERENCE_CHECK_TRACKING = (
    "Mid-point check between conferences: core group meeting held; plan progressing.",
    "Mid-point check: spoke to the social worker; actions from the conference on track.",
    "Mid-point check: parenting assessment under way.",
    "Mid-point check: core group minutes read; attendance by the parents poor.",
)


@dataclass(slots=True)
class SeededRecord:
    """An oversight record before saving: the IRO as an index into the IRO accounts, the review
    rated as its demo.reviews.SeededReview. (The model instances are made when saving, once the
    children, accounts and reviews have ids: building 100,000 of them with their relations unset
    costs more than the rest of the generation.)"""

    child: object
    date: object
    kind: str
    rag: str
    tracking: str
    next_check_date: object
    iro: int
    review: object = None


@dataclass
class SeededPlan:
    plan: InContactPlan
    agreed_by: int


@dataclass(frozen=True)
class Rating:
    """A rating made, for demo/escalations.py to raise escalations from."""

    date: object
    rag: str
    area: str
    kind: str


@dataclass
class SeededOversight:
    records: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    # Per history (same order as the histories): the ratings made, oldest first.
    ratings: list = field(default_factory=list)


def iro_on(allocations, day):
    """The IRO (index) allocated on `day`, as children.selectors.allocation_on."""
    for iro, start, end in allocations:
        if start <= day and (end is None or day < end):
            return iro
    return None


class _OversightGenerator:
    def __init__(self, seed, today):
        self.rng = random.Random(f"oversight-{seed}")
        self.today = today
        self.window_start = add_years(today, -3)
        self.result = SeededOversight()
        self.cumulative = {}

    # Random helpers.

    def pick(self, weights):
        """A key of `weights` drawn by weight (as random.choices with weights, which is what it
        computes; the cumulative weights are kept, with the dict so that its id stays its own)."""
        cached = self.cumulative.get(id(weights))
        if cached is None:
            cached = self.cumulative[id(weights)] = (weights, list(weights), list(accumulate(weights.values())))
        return self.rng.choices(cached[1], cum_weights=cached[2])[0]

    def chance(self, probability):
        return self.rng.random() < probability

    def working_day(self, day, first, last):
        """The working day on or after `day` (else on or before it) within [first, last], or None."""
        if last < first:
            return None
        day = min(max(day, first), last)
        after = on_or_after(day)
        if after <= last:
            return after
        before = on_or_before(day)
        return before if before >= first else None

    def day_between(self, first, last):
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    # The whole authority.

    def build(self, histories, seeded_reviews):
        reviews = {}
        for seeded in seeded_reviews:
            reviews.setdefault(id(seeded.review.child), []).append(seeded)
        for history in histories:
            self.child(history, reviews.get(id(history.child), []))
        return self.result

    def child(self, history, seeded_reviews):
        self.history = history
        self.dates = []
        self.ratings = []
        self.area = None
        self.plan = None
        self.offered_plan = False
        lac = {}
        conferences = []
        for seeded in seeded_reviews:
            if seeded.review.kind == ReviewKind.LAC:
                lac.setdefault(seeded.review.cycle_start, []).append(seeded)
            else:
                conferences.append(seeded)
        cycles = lac_cycles(history.episodes)
        for number, cycle in enumerate(cycles):
            is_last = number == len(cycles) - 1
            ongoing_series = cycle.short_breaks and history.short_break_series and is_last
            end = None if ongoing_series else cycle.end
            reviews = sorted(lac.get(cycle.start, []), key=lambda seeded: seeded.review.number)
            self.lac_cycle(cycle.start, end, reviews)
        self.conference_checks(conferences)
        self.fill_quarters()
        self.result.ratings.append(self.ratings)

    def add(self, day, kind, *, rag="", tracking="", next_check=None, review=None, iro=None):
        iro = iro_on(self.history.allocations, day) if iro is None else iro
        self.result.records.append(SeededRecord(self.history.child, day, kind, rag, tracking, next_check, iro, review))
        bisect.insort(self.dates, day)

    # LAC reviews and what follows them.

    def lac_cycle(self, start, end, reviews):
        """Ratings after each held review of a cycle, and what the IRO does until the next one."""
        rag = None
        last_allowed = self.today if end is None else min(self.today, end - timedelta(days=1))
        held = [seeded for seeded in reviews if seeded.review.status == ReviewStatus.HELD]
        previous_held = None
        for index, seeded in enumerate(reviews):
            review = seeded.review
            if review.status != ReviewStatus.HELD:
                continue
            day = review.held_on
            following = reviews[index + 1].review if index + 1 < len(reviews) else None
            next_due = following.due_date if following is not None else None
            later = [other.review.held_on for other in held if other.review.held_on > day]
            # Records between this review and the next (or the end of care, or today).
            until = min(later[0] - timedelta(days=1), last_allowed) if later else last_allowed
            self.before_review(review, previous_held or start)
            rag = self.post_review_rating(seeded, rag, next_due, until)
            if review.social_worker_report_received is None and self.chance(QUALITY_ALERT_WHEN_REPORT_MISSING):
                alert = self.working_day(day + timedelta(days=1), day, until)
                if alert is not None:
                    tracking = self.rng.choice(QUALITY_ALERT_TRACKING)
                    self.add(alert, OversightKind.QUALITY_ASSURANCE_ALERT, tracking=tracking)
            self.in_contact(seeded)
            previous_held = day + timedelta(days=1)
        if self.plan is not None:
            # Care ended: so did keeping in touch under the plan.
            if end is not None:
                self.end_plan(end)
            else:
                self.contacts(self.plan, last_allowed)
                self.plan = None

    def before_review(self, review, earliest):
        day = review.held_on
        if self.chance(PRE_MEETING_CHECK):
            check = add_working_days(day, -2)
            if check >= earliest:
                self.add(check, OversightKind.PRE_MEETING_CHECK, tracking=self.rng.choice(PRE_MEETING_TRACKING))
        child = self.history.child
        if self.plan is None and age_on(child.date_of_birth, day) >= 4 and self.chance(CONTACT_BEFORE_REVIEW):
            contact = self.working_day(day - timedelta(days=self.rng.randint(1, 15)), earliest, day - timedelta(days=1))
            if contact is not None:
                method = self.pick({ContactMethod.VISIT: 70, ContactMethod.PHONE: 20, ContactMethod.VIDEO: 10})
                self.add(contact, OversightKind.CONTACT_WITH_CHILD, tracking=self.rng.choice(CONTACT_TRACKING[method]))

    def next_rating(self, previous):
        return self.pick(FIRST_RATING if previous is None else NEXT_RATING[previous])

    def drift_area(self, day):
        """The area an amber or red rating tracks: mostly the one tracked before."""
        if self.area is not None and self.chance(SAME_AREA_AGAIN):
            return self.area
        child = self.history.child
        age = age_on(child.date_of_birth, day)
        weights = {
            area: weight
            for area, weight in DRIFT_AREAS.items()
            if (area != "pathway" or age >= 15) and (area != "education" or 4 <= age < 18)
        }
        self.area = self.pick(weights)
        return self.area

    def next_check(self, rag, day, next_due):
        """The proposed next check, or another day in the window (a working day where possible)."""
        window = next_check_window(rag, day, next_due)
        if self.chance(PROPOSED_NEXT_CHECK):
            return window.proposed
        chosen = self.day_between(window.earliest, window.latest)
        return self.working_day(chosen, window.earliest, window.latest) or chosen

    def post_review_rating(self, seeded, previous, next_due, until):
        review = seeded.review
        day = review.held_on
        rag = self.next_rating(previous)
        next_check = self.next_check(rag, day, next_due)
        self.add(
            day,
            OversightKind.POST_REVIEW,
            rag=rag,
            tracking=self.tracking(rag, day),
            next_check=next_check,
            review=seeded,
            iro=seeded.chair,
        )
        self.ratings.append(Rating(day, rag, self.area if rag != Rag.GREEN else "", OversightKind.POST_REVIEW))
        return self.follow_up(rag, day, next_check, next_due, until)

    def tracking(self, rag, day):
        if rag == Rag.GREEN:
            return self.rng.choice(GREEN_TRACKING) if self.chance(0.4) else ""
        area = self.drift_area(day)
        return self.rng.choice((AMBER_TRACKING if rag == Rag.AMBER else RED_TRACKING)[area])

    def follow_up(self, rag, day, next_check, next_due, until):
        """What the IRO does when the next check comes; returns the latest rating."""
        first = day + timedelta(days=1)
        if rag == Rag.GREEN:
            if not self.chance(MIDWAY_REVIEW):
                return rag
            target = next_check + timedelta(days=self.rng.randint(-5, 5))
            midway = self.working_day(target, first, until) if target <= until else None
            if midway is None:
                return rag
            midway_rag = self.pick(MIDWAY_RATING)
            if midway_rag != Rag.GREEN:
                self.drift_area(midway)
            midway_check = next_check_window(midway_rag, midway, next_due).proposed
            self.add(
                midway,
                OversightKind.MIDWAY_REVIEW,
                rag=midway_rag,
                tracking=self.rng.choice(MIDWAY_TRACKING[midway_rag]),
                next_check=midway_check,
            )
            self.ratings.append(
                Rating(midway, midway_rag, self.area if midway_rag != Rag.GREEN else "", OversightKind.MIDWAY_REVIEW)
            )
            if midway_rag != Rag.GREEN:
                self.drift_follow_up(midway_rag, midway_check, midway + timedelta(days=1), until)
            return midway_rag
        self.drift_follow_up(rag, next_check, first, until)
        return rag

    def drift_follow_up(self, rag, next_check, first, until):
        if rag == Rag.AMBER:
            if self.chance(AMBER_FOLLOW_UP):
                self.check(next_check + timedelta(days=self.rng.randint(-3, 7)), first, until, FOLLOW_UP_TRACKING)
            return
        if self.chance(RED_FOLLOW_UP):
            day = self.check(next_check + timedelta(days=self.rng.randint(-7, 3)), first, until, FOLLOW_UP_TRACKING)
            if day is not None and self.chance(RED_SECOND_FOLLOW_UP):
                self.check(
                    day + timedelta(days=self.rng.randint(14, 28)), day + timedelta(days=1), until, FOLLOW_UP_TRACKING
                )

    def check(self, day, first, until, phrases=None):
        """A conversation with the social worker or a look at the case file, on a working day
        near `day` within [first, until]; none if `day` is after `until` (the next review came
        first, care ended, or the day has not come yet). Without `phrases`, the note fits the kind."""
        if day > until:
            return None
        day = self.working_day(day, first, until)
        if day is None:
            return None
        kind = self.pick({OversightKind.CONTACT_WITH_SOCIAL_WORKER: 60, OversightKind.CASE_FILE_CHECK: 40})
        if phrases is None:
            phrases = SOCIAL_WORKER_TRACKING if kind == OversightKind.CONTACT_WITH_SOCIAL_WORKER else CASE_FILE_TRACKING
        self.add(day, kind, tracking=self.rng.choice(phrases))
        return day

    # In-Contact plans.

    def in_contact(self, seeded):
        """At a held review the IRO may agree how to keep in touch, or change what was agreed."""
        review = seeded.review
        day = review.held_on
        if day < self.window_start or age_on(self.history.child.date_of_birth, day) < IN_CONTACT_FROM_AGE:
            return
        if self.plan is None:
            offer = IN_CONTACT_LATER_OFFER if self.offered_plan else IN_CONTACT_FIRST_OFFER
            self.offered_plan = True
            if not self.chance(offer):
                return
            current = None
        elif not self.chance(IN_CONTACT_CHANGED):
            return
        else:
            current = (self.plan.method, self.plan.every_weeks)
            self.end_plan(day)
        method, every_weeks = self.pick(CONTACT_METHODS), self.pick(CONTACT_EVERY_WEEKS)
        while (method, every_weeks) == current:
            method, every_weeks = self.pick(CONTACT_METHODS), self.pick(CONTACT_EVERY_WEEKS)
        plan = InContactPlan(child=self.history.child, method=method, every_weeks=every_weeks, agreed_on=day)
        self.result.plans.append(SeededPlan(plan, seeded.chair))
        self.plan = plan

    def end_plan(self, day):
        plan = self.plan
        plan.ended_on = day
        self.contacts(plan, day - timedelta(days=1))
        self.plan = None

    def contacts(self, plan, until):
        """Contact with the child under the plan, mostly within the agreed interval; for some
        children it lapses and falls behind."""
        until = min(until, self.today)
        interval = plan.every_weeks * 7
        lapse_after = None
        if plan.ended_on is None and self.chance(CONTACT_LAPSED):
            lapse_after = self.today - timedelta(days=interval + self.rng.randint(1, 60))
        last = plan.agreed_on
        while True:
            if self.chance(CONTACT_LATE):
                gap = interval + self.rng.randint(1, 21)
            else:
                gap = interval - self.rng.randint(0, min(10, interval // 3))
            day = self.working_day(last + timedelta(days=gap), last + timedelta(days=1), until)
            if day is None or day <= last or (lapse_after is not None and day > lapse_after):
                return
            self.add(day, OversightKind.CONTACT_WITH_CHILD, tracking=self.rng.choice(CONTACT_TRACKING[plan.method]))
            last = day

    # Child protection plans: a check between conferences.

    def conference_checks(self, conferences):
        by_plan = {}
        for seeded in conferences:
            plan = seeded.review.protection_plan
            if plan is not None:
                by_plan.setdefault(id(plan), []).append(seeded)
        for seeded_reviews in by_plan.values():
            seeded_reviews.sort(key=lambda seeded: (seeded.review.kind != ReviewKind.ICPC, seeded.review.number))
            for index, seeded in enumerate(seeded_reviews):
                review = seeded.review
                if review.status != ReviewStatus.HELD or review.conference_outcome not in (
                    ConferenceOutcome.PLAN_MADE,
                    ConferenceOutcome.PLAN_CONTINUES,
                ):
                    continue
                following = seeded_reviews[index + 1].review if index + 1 < len(seeded_reviews) else None
                if following is None or not self.chance(CONFERENCE_MIDPOINT_CHECK):
                    continue
                plan = review.protection_plan
                last = self.today
                if plan.end_date is not None:
                    last = min(last, plan.end_date - timedelta(days=1))
                if following.held_on is not None:
                    last = min(last, following.held_on - timedelta(days=1))
                midpoint = review.held_on + (following.due_date - review.held_on) / 2
                self.check(
                    midpoint + timedelta(days=self.rng.randint(-7, 7)),
                    review.held_on + timedelta(days=1),
                    last,
                    CONFERENCE_CHECK_TRACKING,
                )

    # The quarterly footprint.

    def fill_quarters(self):
        """Most quarters the child needed an IRO in, but which have no record yet, get one."""
        for start, end in self.history.involvement():
            last_day = self.today if end is None else min(self.today, end - timedelta(days=1))
            quarter = timescales.quarter_start(start)
            while quarter <= last_day:
                quarter_end = timescales.quarter_end(quarter)
                first, last = max(quarter, start), min(quarter_end, last_day)
                index = bisect.bisect_left(self.dates, first)
                recorded = index < len(self.dates) and self.dates[index] <= last
                if not recorded and first <= last:
                    fill = CURRENT_QUARTER_FILL if quarter_end >= self.today else QUARTER_FILL
                    if self.chance(fill):
                        self.check(self.day_between(first, last), first, last)
                quarter = quarter_end + timedelta(days=1)


def build_oversight(histories, seeded_reviews, *, seed, today):
    """Oversight records and In-Contact plans for the demo children, in memory: `histories` from
    demo.children.build_local_authority, `seeded_reviews` from demo.reviews.build_reviews."""
    return _OversightGenerator(seed, today).build(histories, seeded_reviews)


@transaction.atomic
def save_oversight(seeded, iros):
    """Save the records (after the children, IRO accounts and reviews) and the In-Contact plans;
    IROs are looked up by index in `iros`. Returns how many of each were saved."""
    iro_ids = [iro.pk for iro in iros]
    records = [
        OversightRecord(
            child_id=item.child.pk,
            iro_id=iro_ids[item.iro],
            date=item.date,
            kind=item.kind,
            rag=item.rag,
            tracking=item.tracking,
            next_check_date=item.next_check_date,
            review_id=None if item.review is None else item.review.review.pk,
        )
        for item in seeded.records
    ]
    plans = []
    for item in seeded.plans:
        item.plan.agreed_by_id = iro_ids[item.agreed_by]
        plans.append(item.plan)
    bulk_save(OversightRecord, records)
    bulk_save(InContactPlan, plans)
    return {
        "oversight_records": len(records),
        "rag_ratings": sum(bool(item.rag) for item in seeded.records),
        "in_contact_plans": len(plans),
    }
