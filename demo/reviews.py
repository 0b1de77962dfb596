"""Synthetic reviews and conferences for the demo authority that demo/children.py builds: the LAC
reviews of every period of care (or series of short breaks), the initial and review child
protection conferences, each with the record the chair would have made and the actions agreed,
and the review or conference outstanding today.

Due dates come from reviews.cycles, as the services schedule them: each review falls
due from the day the previous one was actually held, unplanned placement moves bring a review
forward, and what is outstanding today is what reviews.services.reschedule derives from the
child's record (tests/test_seed_reviews.py checks that). As in demo/children.py, everything is
drawn from one random.Random in a fixed order and saved in bulk (demo.children.bulk_save).

Plans come from demo/children.py with their dates fixed: a plan starts on the day of its initial
conference and, when the child is no longer at risk, ends on the day of the review conference
that ends it. A plan that ends for another reason (the child became looked after or moved away)
ends without a conference; its outstanding review conference is cancelled, as the services do.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from children.codes import SHORT_BREAK_LEGAL_STATUSES, PlanEndReason
from children.selectors import age_on
from demo.children import INITIAL_CONFERENCE_LATE, bulk_save
from demo.shares import Shares
from iro_portal.working_days import add_working_days, on_or_after, on_or_before
from reviews import timescales
from reviews.cycles import current_lac_cycle, lac_cycles, next_lac_review
from reviews.models import (
    ConferenceOutcome,
    LateReason,
    Review,
    ReviewAction,
    ReviewKind,
    ReviewStatus,
)

# Timeliness: a review held on time is held 0-15 working days before it falls due (mostly in the
# last week or two); a late one by days to weeks. Published IRO annual reports give 96-99% of LAC
# reviews in timescale. Each kind's share is exact in each reporting year (demo.shares), however
# few reviews there are.
LATE_SHARE = {ReviewKind.LAC: 0.025, ReviewKind.ICPC: INITIAL_CONFERENCE_LATE, ReviewKind.RCPC: 0.09}
EARLIEST_WORKING_DAYS_BEFORE_DUE = 15
MEAN_WORKING_DAYS_LATE = 6
MOST_WORKING_DAYS_LATE = 45
# Working days an initial conference takes after the strategy discussion when no plan is made.
INITIAL_CONFERENCE_WORKING_DAYS = (5, 15)
# The review conference that ends a plan may be up to this many working days late.
PLAN_ENDING_GRACE_WORKING_DAYS = 10

LATE_REASONS = {
    ReviewKind.LAC: {
        LateReason.IRO_UNAVAILABLE: 24,
        LateReason.AWAITING_ASSESSMENT: 20,
        LateReason.CHILD_UNAVAILABLE: 19,
        LateReason.FAMILY_UNAVAILABLE: 21,
        LateReason.OTHER: 16,
    },
    "conference": {
        LateReason.IRO_UNAVAILABLE: 30,
        LateReason.AWAITING_ASSESSMENT: 26,
        LateReason.FAMILY_UNAVAILABLE: 28,
        LateReason.OTHER: 16,
    },
}
OTHER_LATE_REASONS = {
    ReviewKind.LAC: (
        "Rearranged around the child's exams at school.",
        "Moved at the carers' request because of a family bereavement.",
        "Rescheduled so that the newly allocated social worker could attend.",
        "Venue not available on the planned date.",
        "The interpreter could not attend on the planned date.",
        "Moved to follow the final court hearing.",
        "Cancelled on the day because of illness and rearranged.",
        "The child had just moved placement; rearranged to let them settle.",
    ),
    "conference": (
        "Reports from partner agencies were not received in time.",
        "Rearranged so that the parents' solicitor could attend.",
        "No conference slot available on the planned date.",
        "Postponed for the outcome of the police investigation.",
        "Rearranged because a parent was in hospital.",
    ),
}

# SSDA903 REVIEW_CODE PN1-PN7 by age from the given year (PN0 is for under 4s); teenagers more
# often brief an advocate (PN5) or do not take part (PN7).
PARTICIPATION_BY_AGE = (
    (4, {"PN1": 30, "PN2": 8, "PN3": 10, "PN4": 6, "PN5": 12, "PN6": 26, "PN7": 8}),
    (10, {"PN1": 40, "PN2": 6, "PN3": 3, "PN4": 4, "PN5": 19, "PN6": 19, "PN7": 9}),
    (13, {"PN1": 33, "PN2": 5, "PN3": 2, "PN4": 3, "PN5": 25, "PN6": 15, "PN7": 17}),
)
DISABLED_PARTICIPATION = {"PN1": 16, "PN2": 12, "PN3": 24, "PN4": 10, "PN5": 10, "PN6": 20, "PN7": 8}
CHILD_CHAIRS_FROM_AGE = 13
CHILD_CHAIRS = 0.14
PARENTS_AT_LAC_REVIEWS = {"attended": 40, "views_given": 27, "did_not_participate": 23, "not_appropriate": 10}
PARENTS_OF_UASC = {"not_appropriate": 80, "views_given": 10, "did_not_participate": 10}
PARENTS_AT_CONFERENCES = {"attended": 76, "views_given": 11, "did_not_participate": 13}
# Ethnicities where a parent more often needs an interpreter.
INTERPRETER_ETHNICITIES = {"WOTH", "WROM", "AOTH", "ABAN", "BAFR", "BOTH", "CHNE", "OOTH"}

# Working days the social worker's report came before the review (standard: at least 3), and
# the decisions (standard: 5) and full record (standard: 20) were circulated after it.
REPORT_WORKING_DAYS_BEFORE = {(3, 12): 80, (0, 2): 14, None: 6}
DECISIONS_WORKING_DAYS_AFTER = {(0, 5): 86, (6, 15): 11, (16, 30): 3}
RECORD_WORKING_DAYS_AFTER = {(4, 20): 82, (21, 40): 15, (41, 60): 3}
ACTIONS_PER_REVIEW = {1: 10, 2: 24, 3: 31, 4: 22, 5: 13}
CATEGORY_CHANGES = 0.07
CATEGORIES_OF_ABUSE = {"NEG": 45, "EMO": 35, "PHY": 8, "SAB": 4, "MUL": 8}

# Agreed actions: (description, owner, when it fits). "carer" is whoever cares for the child in
# the placement at the time of the review. Actions are due 1-14 weeks after the review, except
# those with a deadline of their own (working days, in ACTION_DEADLINES).
LAC_ACTIONS = (
    ("Update the care plan with today's decisions and share it with the child and the carers.", "Social worker", "any"),
    ("Visit the child at least every six weeks and see them alone.", "Social worker", "any"),
    ("Complete the annual health assessment and share its recommendations.", "Health", "any"),
    ("Book the child's six-monthly dental check-up.", "carer", "any"),
    ("Tell the child about the advocacy service and make a referral if they want one.", "Social worker", "older"),
    ("Review family time arrangements and confirm them in writing to the family.", "Social worker", "any"),
    ("Refer to CAMHS for an assessment of the child's emotional wellbeing.", "Social worker", "older"),
    ("Complete a Strengths and Difficulties Questionnaire before the next review.", "carer", "older"),
    ("Start life-story work with the child.", "Social worker", "older"),
    ("Send the IRO the updated placement plan.", "Social worker", "any"),
    ("Check progress on the care plan midway to the next review.", "IRO", "any"),
    ("Agree the delegated authority form with the carers and share it.", "Social worker", "any"),
    ("Arrange a visit with the child's brothers and sisters before the next review.", "Social worker", "any"),
    ("Present the plan for permanence to the permanence panel.", "Social worker", "full_order"),
    (
        "Explore a special guardianship assessment with the family members caring for the child.",
        "Social worker",
        "family_carers",
    ),
    ("Hold the personal education plan meeting and share the targets.", "Virtual School", "school"),
    ("Apply for pupil premium plus funding for one-to-one tuition.", "Virtual School", "school"),
    ("Agree a plan with the school to improve attendance.", "Virtual School", "school"),
    ("Request an education, health and care needs assessment.", "Virtual School", "school"),
    ("Find an after-school activity the child would like to join.", "carer", "school"),
    ("Arrange the health visitor's developmental review.", "Health", "under_five"),
    ("Secure a nursery place with early years funding.", "Social worker", "under_five"),
    ("Bring the child's immunisations up to date.", "Health", "under_five"),
    ("Complete the pathway plan with the young person.", "Personal adviser", "sixteen"),
    ("Introduce the young person to their personal adviser.", "Leaving care team", "sixteen"),
    (
        "Help the young person open a bank account and get their National Insurance number.",
        "Personal adviser",
        "sixteen",
    ),
    ("Discuss staying put with the young person and the foster carers.", "Social worker", "sixteen_fostered"),
    ("Support the young person's application to college.", "Virtual School", "sixteen"),
    ("Check that an immigration solicitor is instructed and the asylum claim is progressing.", "Social worker", "uasc"),
    ("Arrange English language (ESOL) classes.", "Virtual School", "uasc"),
    ("Book an interpreter for health appointments.", "Health", "uasc"),
    ("File the final care plan with the court.", "Social worker", "proceedings"),
    ("Share the parenting assessment with the IRO before the next hearing.", "Social worker", "proceedings"),
    ("Complete the child permanence report.", "Social worker", "adoption"),
    ("Plan introductions with the prospective adopters.", "Social worker", "adoption"),
    ("Write the later-life letter.", "Social worker", "adoption"),
    ("Review the placement's risk assessment and missing-from-care protocol.", "Residential key worker", "residential"),
    ("Consider whether a foster family would now meet the child's needs.", "Social worker", "residential"),
    ("Review the short-break care plan with the parents.", "Social worker", "short_breaks"),
    ("Review the placement with parents assessment.", "Social worker", "with_parents"),
)
CONFERENCE_ACTIONS = (
    ("Hold the first core group meeting within 10 working days.", "Social worker", "plan_made"),
    ("Core group to meet every six weeks and review progress on the plan.", "Social worker", "plan"),
    ("Complete a parenting assessment.", "Social worker", "plan"),
    ("Parents to attend the parenting programme.", "Parent", "plan"),
    ("Health visitor to visit every two weeks and share any concerns.", "Health", "young"),
    ("School to monitor attendance and wellbeing and report concerns to the social worker.", "School", "school"),
    ("Refer the family to domestic abuse support services.", "Social worker", "plan"),
    ("Refer the parent to drug and alcohol services.", "Social worker", "plan"),
    ("Make unannounced home visits at least every 10 working days.", "Social worker", "plan"),
    ("See the child alone on every visit.", "Social worker", "plan"),
    ("Complete a Graded Care Profile 2 assessment of the home.", "Social worker", "neglect"),
    ("Offer the family a family group conference.", "Social worker", "any"),
    ("Chair to check the plan's progress with the social worker between conferences.", "IRO", "plan"),
    ("Step down to a child in need plan and review it within three months.", "Social worker", "no_plan"),
    ("Refer the family to early help for continuing support.", "Early help", "no_plan"),
)
ACTION_DEADLINES = {"Hold the first core group meeting within 10 working days.": 10}
ACTION_DUE_DAYS = (7, 100)
CARERS = (
    (("U1", "U2", "U3", "U4", "U5", "U6"), "Foster carer"),
    (("A3", "A4", "A5", "A6"), "Prospective adopters"),
    (("K1", "K2", "R1", "R2", "R3", "R5", "S1"), "Residential key worker"),
    (("P1",), "Parent"),
)


@dataclass
class SeededReview:
    """A review before saving; the chair is the IRO's index in the staff list until the accounts exist."""

    review: Review
    chair: int | None = None
    actions: list = field(default_factory=list)


class _ReviewGenerator:
    def __init__(self, seed, today, iro_ftes):
        self.rng = random.Random(f"reviews-{seed}")
        late_rng = random.Random(f"reviews-{seed}-late")
        self.late = {kind: Shares(share, late_rng) for kind, share in LATE_SHARE.items()}
        self.today = today
        self.iro_weights = [float(fte) for fte in iro_ftes]
        self.moves_trigger_reviews = settings.UNPLANNED_MOVE_TRIGGERS_REVIEW
        self.reviews = []

    # Random helpers.

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def chance(self, probability):
        return self.rng.random() < probability

    def held_on(self, kind, due, earliest):
        """The day a review due on `due` is held: mostly 0-15 working days before (never before
        `earliest`), sometimes late by days to weeks."""
        if self.late[kind].next(timescales.reporting_year_start(due)):
            late = 1 + min(int(self.rng.expovariate(1 / MEAN_WORKING_DAYS_LATE)), MOST_WORKING_DAYS_LATE - 1)
            return add_working_days(due, late)
        return self.held_in_time(due, earliest)

    def held_in_time(self, due, earliest):
        last = on_or_before(due)
        most = EARLIEST_WORKING_DAYS_BEFORE_DUE
        early = min(int(self.rng.triangular(0, most + 1, 3)), most)
        day = add_working_days(last, -early)
        if day < earliest:
            day = min(on_or_after(earliest), last) if earliest <= last else (on_or_after(earliest))
        return day

    def working_days_from(self, day, spans):
        span = self.pick(spans)
        if span is None:
            return None
        return add_working_days(day, self.rng.randint(*span))

    # The whole authority.

    def build(self, histories):
        for history in histories:
            self.lac_reviews(history)
            self.conferences(history)
        return self.reviews

    # LAC reviews.

    def lac_reviews(self, history):
        episodes = history.episodes
        if not episodes:
            return
        current = current_lac_cycle(episodes, on=self.today)
        cycles = lac_cycles(episodes)
        for number, cycle in enumerate(cycles):
            is_last = number == len(cycles) - 1
            ongoing_series = cycle.short_breaks and history.short_break_series and is_last
            end = None if ongoing_series else cycle.end
            is_current = current is not None and is_last and current.start == cycle.start
            self.lac_cycle(history, cycle, end, is_current)

    def lac_cycle(self, history, cycle, end, is_current):
        """The reviews of one cycle up to its end (or today): held ones, then the outstanding
        review if the child is looked after today, or the one cancelled when care ended."""
        child = history.child
        start = cycle.start
        held = []
        while True:
            due = next_lac_review(cycle, held, count_moves=self.moves_trigger_reviews)
            since = held[-1] + timedelta(days=1) if held else start
            day = self.held_on(ReviewKind.LAC, due.due_date, since)
            review = Review(
                child=child,
                kind=ReviewKind.LAC,
                number=due.number,
                cycle_start=start,
                due_date=due.due_date,
                brought_forward_by_move=due.brought_forward_by_move,
            )
            if end is not None and day >= end:
                review.status = ReviewStatus.CANCELLED
                review.cancelled_reason = "The child ceased to be looked after."
                self.reviews.append(SeededReview(review))
                return
            if day > self.today:
                if is_current:
                    self.outstanding(review, day)
                return
            self.held_lac_review(history, review, day)
            held.append(day)

    def outstanding(self, review, planned):
        """Due, or booked for the planned day when that is soon and within the due window."""
        review.status = ReviewStatus.DUE
        if planned <= review.due_date and (planned - self.today).days <= 42 and self.chance(0.75):
            review.status = ReviewStatus.BOOKED
            hour = self.rng.choice((9, 10, 10, 11, 13, 14, 14, 15))
            minute = self.rng.choice((0, 0, 0, 30))
            review.booked_for = timezone.make_aware(datetime.combine(planned, time(hour, minute)))
        self.reviews.append(SeededReview(review))

    def held_lac_review(self, history, review, day):
        child = history.child
        age = age_on(child.date_of_birth, day)
        review.status = ReviewStatus.HELD
        review.held_on = day
        self.late_reason(review, ReviewKind.LAC)
        if age < 4:
            review.participation_code = "PN0"
        else:
            weights = (
                DISABLED_PARTICIPATION
                if child.has_disability
                else next(weights for lowest, weights in reversed(PARTICIPATION_BY_AGE) if age >= lowest)
            )
            review.participation_code = self.pick(weights)
        code = review.participation_code
        review.child_chaired = code == "PN1" and age >= CHILD_CHAIRS_FROM_AGE and self.chance(CHILD_CHAIRS)
        review.advocate_present = age >= 4 and self.chance(0.45 if code in ("PN2", "PN5") else 0.06)
        review.interpreter_used = self.chance(
            0.7 if child.is_uasc else 0.03 if child.ethnicity in INTERPRETER_ETHNICITIES else 0.002
        )
        review.parents_participation = self.pick(PARENTS_OF_UASC if child.is_uasc else PARENTS_AT_LAC_REVIEWS)
        review.child_consulted = age >= 4 and self.chance(0.2 if code == "PN7" else 0.95)
        self.paperwork(review)
        seeded = SeededReview(review, chair=self.chair(history, day))
        seeded.actions = self.actions(review, LAC_ACTIONS, self.lac_situation(history, day, age))
        self.reviews.append(seeded)

    def lac_situation(self, history, day, age):
        """What the agreed actions can be about: the child's age and placement on the day."""
        episode = None
        for candidate in history.episodes:
            if candidate.start_date <= day:
                episode = candidate
        placement = episode.placement_type if episode else ""
        status = episode.legal_status if episode else ""
        carer = next((name for placements, name in CARERS if placement in placements), "Key worker")
        fostered = placement.startswith("U")
        situation = {"any", "older" if age >= 4 else "under_five"}
        situation |= {
            "school" if 4 <= age < 16 else "",
            "sixteen" if age >= 16 else "",
            "sixteen_fostered" if age >= 16 and fostered else "",
            "uasc" if history.child.is_uasc else "",
            "proceedings" if status == "C1" else "",
            "full_order" if status == "C2" else "",
            "family_carers" if placement in ("U1", "U3") and status == "C2" else "",
            "adoption" if status == "E1" or placement.startswith("A") else "",
            "residential" if placement in ("K1", "K2", "R1") else "",
            "short_breaks" if status in SHORT_BREAK_LEGAL_STATUSES else "",
            "with_parents" if placement == "P1" else "",
        }
        return situation - {""}, carer

    # Child protection conferences.

    def conferences(self, history):
        """An initial conference for each strategy discussion that started section 47 enquiries
        (the plan's, held the day the plan starts, or one that found no plan was needed), then
        the review conferences of each plan."""
        discussions = sorted(d.date for d in history.strategy_discussions if d.section_47_enquiry_started)
        if not discussions:
            return
        plans = sorted(history.protection_plans, key=lambda plan: plan.start_date)
        open_plan_today = any(plan.end_date is None for plan in plans)
        for index, discussion in enumerate(discussions):
            following = discussions[index + 1] if index + 1 < len(discussions) else None
            plan = next(
                (
                    plan
                    for plan in plans
                    if discussion <= plan.start_date and (following is None or plan.start_date < following)
                ),
                None,
            )
            due = timescales.icpc_due(discussion)
            review = Review(child=history.child, kind=ReviewKind.ICPC, number=1, cycle_start=discussion, due_date=due)
            if plan is not None:
                self.initial_conference(history, review, plan.start_date, plan)
                self.review_conferences(history, plan)
                continue
            day = self.held_on(ReviewKind.ICPC, due, add_working_days(discussion, INITIAL_CONFERENCE_WORKING_DAYS[0]))
            during_a_plan = any(
                plan.start_date <= day and (plan.end_date is None or day < plan.end_date) for plan in plans
            )
            if following is not None and (day >= following or during_a_plan):
                continue  # overtaken by later enquiries, or the child was already on a plan
            if day > self.today:
                if not open_plan_today:
                    self.outstanding(review, day)
                continue
            self.initial_conference(history, review, day, None)

    def initial_conference(self, history, review, day, plan):
        review.status = ReviewStatus.HELD
        review.held_on = day
        review.protection_plan = plan
        if plan is not None:
            review.conference_outcome = ConferenceOutcome.PLAN_MADE
            review.category_of_abuse = plan.initial_category_of_abuse
        else:
            review.conference_outcome = ConferenceOutcome.NO_PLAN
        self.held_conference(history, review)

    def review_conferences(self, history, plan):
        """Review conferences from the initial one (the plan's start) until the plan ends or today.
        A plan the child no longer needs ends at a review conference on its end date; the ones
        before it are held on time and close enough to their due dates for that last one to be
        on time too (or up to two weeks late)."""
        start, end = plan.start_date, plan.end_date
        ends_at_conference = end is not None and plan.end_reason == PlanEndReason.NO_LONGER_AT_RISK
        category = plan.initial_category_of_abuse
        held = []
        while True:
            due = timescales.rcpc_due(start, held)
            review = Review(
                child=history.child,
                kind=ReviewKind.RCPC,
                number=len(held) + 1,
                cycle_start=start,
                due_date=due,
                protection_plan=plan,
            )
            since = held[-1] + timedelta(days=1) if held else start + timedelta(days=1)
            if ends_at_conference:
                still_to_come = self.review_conferences_before(end, due)
                if still_to_come == 0:
                    day = end
                else:
                    earliest = self.earliest_to_reach(end, still_to_come * timescales.LATER_RCPC_MONTHS)
                    day = self.held_in_time(due, max(since, min(earliest, due)))
            else:
                day = self.held_on(ReviewKind.RCPC, due, since)
            if end is not None and day >= end:
                if not ends_at_conference:
                    review.status = ReviewStatus.CANCELLED
                    review.cancelled_reason = "The child protection plan ended."
                    self.reviews.append(SeededReview(review))
                    return
                day = end
            if day > self.today:
                self.outstanding(review, day)
                return
            review.status = ReviewStatus.HELD
            review.held_on = day
            if day == end:
                review.conference_outcome = ConferenceOutcome.PLAN_ENDED
            else:
                review.conference_outcome = ConferenceOutcome.PLAN_CONTINUES
                if self.chance(CATEGORY_CHANGES):
                    category = self.pick({code: w for code, w in CATEGORIES_OF_ABUSE.items() if code != category})
                    review.category_of_abuse = category
                    plan.latest_category_of_abuse = category
            self.held_conference(history, review)
            if day == end:
                return
            held.append(day)

    def review_conferences_before(self, end, due):
        """How many review conferences, held when due, come between the one due on `due` and
        the one that ends the plan on `end` (0: this one ends it, a few days late at most)."""
        count = 0
        while end > add_working_days(
            timescales.add_months(due, count * timescales.LATER_RCPC_MONTHS), PLAN_ENDING_GRACE_WORKING_DAYS
        ):
            count += 1
        return count

    @staticmethod
    def earliest_to_reach(end, months):
        """The earliest day from which `months` months later is on or after `end`."""
        day = timescales.add_months(end, -months)
        while timescales.add_months(day, months) < end:
            day += timedelta(days=1)
        return day

    def held_conference(self, history, review):
        child = history.child
        age = age_on(child.date_of_birth, review.held_on)
        self.late_reason(review, "conference")
        review.parents_participation = self.pick(PARENTS_AT_CONFERENCES)
        review.child_consulted = self.chance(0.6 if age >= 10 else 0.3 if age >= 5 else 0)
        review.advocate_present = age >= 10 and self.chance(0.12)
        review.interpreter_used = self.chance(0.06 if child.ethnicity in INTERPRETER_ETHNICITIES else 0.005)
        self.paperwork(review)
        plan = review.protection_plan
        outcome = review.conference_outcome
        situation = {
            "any",
            "plan" if outcome in (ConferenceOutcome.PLAN_MADE, ConferenceOutcome.PLAN_CONTINUES) else "no_plan",
            "plan_made" if outcome == ConferenceOutcome.PLAN_MADE else "",
            "young" if age < 5 else "",
            "school" if 4 <= age < 16 else "",
            "neglect" if plan is not None and plan.current_category_of_abuse == "NEG" else "",
        } - {""}
        seeded = SeededReview(review, chair=self.chair(history, review.held_on))
        seeded.actions = self.actions(review, CONFERENCE_ACTIONS, (situation, "Social worker"))
        self.reviews.append(seeded)

    # The record of a held review.

    def late_reason(self, review, kind):
        if timescales.in_timescale(review.held_on, review.due_date):
            return
        review.late_reason = self.pick(LATE_REASONS[kind])
        if review.late_reason == LateReason.OTHER:
            review.late_reason_other = self.rng.choice(OTHER_LATE_REASONS[kind])

    def paperwork(self, review):
        """The social worker's report before the review; decisions and full record circulated
        after it (not yet, if that day has not come)."""
        held = review.held_on
        before = self.pick(REPORT_WORKING_DAYS_BEFORE)
        review.social_worker_report_received = (
            None if before is None else add_working_days(held, -self.rng.randint(*before))
        )
        decisions = self.working_days_from(held, DECISIONS_WORKING_DAYS_AFTER)
        record = max(self.working_days_from(held, RECORD_WORKING_DAYS_AFTER), decisions)
        review.decisions_circulated = decisions if decisions <= self.today else None
        review.record_circulated = record if record <= self.today else None

    def chair(self, history, day):
        """The IRO allocated to the child that day (or whose allocation ended that day, at the
        conference that ended the plan); for a child with no IRO, any IRO."""
        for iro, start, end in history.allocations:
            if start <= day and (end is None or day < end):
                return iro
        for iro, _start, end in history.allocations:
            if end == day:
                return iro
        return self.rng.choices(range(len(self.iro_weights)), weights=self.iro_weights)[0]

    def actions(self, review, templates, situation):
        """1-5 actions agreed at the review, due after it; most of those now due are done."""
        tags, carer = situation
        fitting = [template for template in templates if template[2] in tags]
        chosen = self.rng.sample(fitting, min(self.pick(ACTIONS_PER_REVIEW), len(fitting)))
        actions = []
        held = review.held_on
        for description, owner, _ in chosen:
            if description in ACTION_DEADLINES:
                due = add_working_days(held, ACTION_DEADLINES[description])
            else:
                due = on_or_after(held + timedelta(days=self.rng.randint(*ACTION_DUE_DAYS)))
            completed = None
            if due <= self.today and self.chance(0.85):
                latest = min(due + timedelta(days=21), self.today)
                completed = held + timedelta(days=self.rng.randint(1, (latest - held).days))
            elif held < self.today and self.chance(0.3):
                completed = held + timedelta(days=self.rng.randint(1, (self.today - held).days))
            actions.append(
                ReviewAction(
                    description=description,
                    owner_name=carer if owner == "carer" else owner,
                    due_date=due,
                    completed_on=completed,
                )
            )
        return actions


def build_reviews(histories, *, seed, today, iro_ftes):
    """The reviews and conferences of the demo children (demo.children histories), in memory.
    Sets a plan's latest category of abuse when a review conference changes it, so call this
    before the plans are saved. `iro_ftes` weights the choice of chair for children with no IRO."""
    return _ReviewGenerator(seed, today, iro_ftes).build(histories)


@transaction.atomic
def save_reviews(seeded_reviews, iros):
    """Save the reviews (after the children and plans they belong to) and their actions; chairs
    are looked up by index in `iros`. Returns how many of each were saved."""
    reviews = []
    actions = []
    for seeded in seeded_reviews:
        review = seeded.review
        if seeded.chair is not None:
            review.chair = iros[seeded.chair]
        reviews.append(review)
    bulk_save(Review, reviews)
    for seeded in seeded_reviews:
        for number, action in enumerate(seeded.actions, start=1):
            action.review = seeded.review
            action.number = number
            if action.owner_name == "IRO":
                action.owner = seeded.review.chair
            actions.append(action)
    bulk_save(ReviewAction, actions)
    held = [review for review in reviews if review.status == ReviewStatus.HELD]
    return {
        "reviews": len(reviews),
        "lac_reviews_held": sum(review.kind == ReviewKind.LAC for review in held),
        "conferences_held": sum(review.kind != ReviewKind.LAC for review in held),
        "reviews_outstanding": sum(review.status in (ReviewStatus.DUE, ReviewStatus.BOOKED) for review in reviews),
        "review_actions": len(actions),
    }
