"""Synthetic escalations (the IRO dispute resolution process) for the demo authority: what a
service records over three years, raised mostly where the IRO's RAG tracking (demo/oversight.py)
found drift.

- Volume: about one escalation a year for every 30 children in care (the published reports show
  one per 20 to 40), raised over the last three years while the child was looked after, by the
  IRO allocated that day, never two open at once for a child.
- One to three areas of concern, the rating's area first: care planning and permanence drift and
  placement the most common.
- Mostly raised informally with the social worker or team manager, some straight at a formal
  stage. Each step is answered (mostly on time, some late, a few not at all) and the escalation
  is resolved there or taken higher, stage by stage or bypassing one. Most are resolved
  informally or by the team manager, some by a service manager or head of service, a few by the
  director; about one in a 5,000-child authority is referred to Cafcass. A few are withdrawn,
  including those overtaken by the child leaving care.
- What had not happened by the reference date has not happened: the escalations still open
  then include some with a response overdue and at least one whose formal process has passed
  the 20 working-day limit.

Each step's response_due is escalations.timescales.response_due of the day it was sent, and
every escalation is one the services would have accepted, step by step (raise, record the
response, escalate, resolve or withdraw): tests/test_seed_oversight_escalations.py replays them.
As in the other demo modules, everything comes from one random.Random in a fixed order, built in
memory and saved in bulk (demo.children.bulk_save).
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from children.selectors import age_on, periods_of_care
from demo.children import NAMES, add_years, bulk_save
from demo.oversight import iro_on
from escalations import timescales
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from iro_portal.working_days import add_working_days, on_or_after, working_days_between
from oversight.models import Rag

# Chance that a rating leads to an escalation, and when it is raised after it (days): red at
# once, amber when the follow-up finds the drift continuing; now and then after a green rating.
RAISED_AFTER = {Rag.RED: (0.25, 0, 10), Rag.AMBER: (0.024, 35, 56), Rag.GREEN: (0.001, 20, 150)}
FIRST_STAGE = {
    Rag.RED: {Stage.INFORMAL: 66, Stage.TEAM_MANAGER: 24, Stage.SERVICE_MANAGER: 8, Stage.HEAD_OF_SERVICE: 2},
    "other": {Stage.INFORMAL: 86, Stage.TEAM_MANAGER: 11, Stage.SERVICE_MANAGER: 2.5, Stage.HEAD_OF_SERVICE: 0.5},
}
RESPONSES = {"on_time": 78, "late": 15, "none": 7}
DIRECTOR_RESPONSES = {"on_time": 70, "late": 30}
MEAN_WORKING_DAYS_LATE = 5
# Chance the response settles it at each stage (the director's always does).
RESOLVED_AT = {
    Stage.INFORMAL: 0.8,
    Stage.TEAM_MANAGER: 0.76,
    Stage.SERVICE_MANAGER: 0.72,
    Stage.HEAD_OF_SERVICE: 0.78,
    Stage.DIRECTOR: 1.0,
}
RESOLVED_WITHIN_WORKING_DAYS = 30
BYPASS_A_STAGE = 0.12
WITHDRAWN = 0.03
CAFCASS_REFERRAL_PER_CHILDREN = 5000
AREAS_NAMED = {1: 35, 2: 40, 3: 25}
# At least this many open today, and one more for every so many children looked after.
MINIMUM_OPEN = 3
OPEN_PER_CHILDREN_LOOKED_AFTER = 500

AREAS = {
    "care_planning": 30,
    "placement": 20,
    "health": 7,
    "education": 7,
    "contact": 7,
    "statutory_visits": 7,
    "review_process": 5,
    "assessments": 6,
    "pathway": 4,
    "participation": 3,
    "identity": 2,
    "legal": 3,
    "safeguarding": 5,
    "other": 2,
}
WHAT_IS_WRONG = {
    "care_planning": (
        "The plan for permanence has drifted: it was agreed at the review but has not been presented to panel.",
        "The care plan has not been updated since the child came into care.",
        "No decision on the plan for return home, six months after it was due.",
    ),
    "placement": (
        "The child has been placed in a home that does not meet their needs, with no plan to move them.",
        "The carers have given notice and no alternative placement has been identified.",
        "The placement plan meeting agreed at the review has not taken place.",
    ),
    "health": (
        "The review health assessment is three months overdue.",
        "The CAMHS referral agreed at the review has not been made.",
    ),
    "education": (
        "The child has been without a school place for six weeks.",
        "The PEP has not been updated this academic year.",
    ),
    "contact": (
        "Family time agreed at the review has not started.",
        "Sibling contact has stopped without a decision or an explanation to the child.",
    ),
    "statutory_visits": ("The child has not had a statutory visit for over eight weeks.",),
    "review_process": (
        "No social worker's report for the last two reviews.",
        "The social worker did not attend the review and sent no report.",
    ),
    "assessments": (
        "The special guardianship assessment has not started.",
        "The parenting assessment is overdue and the court timetable is at risk.",
    ),
    "pathway": ("The pathway plan has not been completed and the young person turns 18 soon.",),
    "participation": ("The young person asked for an advocate at the review; no referral has been made.",),
    "identity": ("The child's cultural and religious needs are not met in the placement.",),
    "legal": ("The final care plan was filed without taking account of the IRO's view.",),
    "safeguarding": (
        "Repeated missing episodes with no strategy meeting held.",
        "Risk of exploitation identified at the review; no safety plan in place.",
    ),
    "other": ("The child's savings have not been paid into their account.",),
}
WHAT_IS_ASKED = {
    "care_planning": (
        "A permanence planning meeting within 10 working days and a date for panel.",
        "An updated care plan, shared with the child and the IRO, within four weeks.",
    ),
    "placement": (
        "A placement stability meeting within 5 working days and a plan for a suitable home.",
        "A placement search and a named placement plan by the end of the month.",
    ),
    "health": ("The health assessment booked within 10 working days.",),
    "education": ("A school place or full-time education provision agreed within 10 working days.",),
    "contact": ("Family time arrangements confirmed in writing to the child and the family.",),
    "statutory_visits": ("A visit within 5 working days and an allocated social worker.",),
    "review_process": ("The social worker's report before the next review and the care plan updated.",),
    "assessments": ("A start date and an assessor named within 10 working days.",),
    "pathway": ("The pathway plan completed with the young person within four weeks.",),
    "participation": ("An advocacy referral made this week.",),
    "identity": ("The placement plan updated to show how the child's needs will be met.",),
    "legal": ("The local authority to reconsider the care plan before the final hearing.",),
    "safeguarding": ("A strategy meeting within 48 hours and a safety plan.",),
    "other": ("The payment made and confirmed to the IRO.",),
}
OUTCOMES = {
    "care_planning": (
        "Permanence planning meeting held; the plan goes to panel next month.",
        "Care plan updated and shared with the child.",
    ),
    "placement": (
        "Stability meeting held; extra support agreed for the carers.",
        "A suitable placement found; the child moved with a planned introduction.",
    ),
    "health": ("Health assessment completed.",),
    "education": ("School place confirmed; the child started this week.",),
    "contact": ("Family time restarted and confirmed in writing.",),
    "statutory_visits": ("Social worker allocated and the child visited.",),
    "review_process": ("Report provided and the care plan updated.",),
    "assessments": ("Assessment started with a named assessor.",),
    "pathway": ("Pathway plan completed with the young person.",),
    "participation": ("Advocate allocated.",),
    "identity": ("Placement plan updated; a mentor from the child's community arranged.",),
    "legal": ("Care plan reconsidered and the amended plan filed.",),
    "safeguarding": ("Strategy meeting held and a safety plan agreed.",),
    "other": ("Payment made.",),
}
UNRESOLVED_RESPONSES = (
    "Response received, but it gave no date for the action.",
    "The delay was explained, but no plan to resolve it was offered.",
    "The manager did not agree with the IRO's view.",
    "Resources could not be agreed at this level.",
    "Partial response: one action agreed, the main concern not addressed.",
)
WITHDRAWN_BEFORE_A_RESPONSE = (
    "The action was completed before a response was needed.",
    "Raised in error: the assessment had already been completed.",
)
WITHDRAWN_AFTER_THE_RESPONSE = (
    "The court's final order has overtaken the concern.",
    "The plan changed at the review, so the concern no longer applies.",
    "The child returned home with the agreement of the court.",
)
LEFT_CARE_REASON = "The child ceased to be looked after, so the escalation no longer needs pursuing."
ROLES = {
    Stage.TEAM_MANAGER: "Team manager",
    Stage.SERVICE_MANAGER: "Service manager",
    Stage.HEAD_OF_SERVICE: "Head of service",
    Stage.DIRECTOR: "Director of Children's Services",
    Stage.CAFCASS: "Cafcass Legal",
}
POOL_SIZES = {
    "social_worker": 40,
    Stage.TEAM_MANAGER: 10,
    Stage.SERVICE_MANAGER: 4,
    Stage.HEAD_OF_SERVICE: 2,
    Stage.DIRECTOR: 1,
    Stage.CAFCASS: 2,
}


@dataclass
class SeededStep:
    stage: int
    sent_on: date
    responded_on: date | None = None
    summary: str = ""
    name: str = ""
    role: str = ""


@dataclass
class SeededEscalation:
    """An escalation before saving; the IRO is an index into the IRO accounts."""

    history: object
    iro: int
    raised_on: date
    areas: list
    what_is_wrong: str = ""
    what_is_asked: str = ""
    steps: list = field(default_factory=list)
    status: str = EscalationStatus.OPEN
    closed_on: date | None = None
    closing_text: str = ""

    @property
    def is_open(self):
        return self.status == EscalationStatus.OPEN


def care_spans(history):
    """Spans the child was looked after (a series of short breaks is one span)."""
    periods = periods_of_care(history.episodes)
    if history.short_break_series and periods:
        return [(periods[0].start_date, None)]
    return [(period.start_date, period.end_date) for period in periods]


def span_on(spans, day):
    return next(((start, end) for start, end in spans if start <= day and (end is None or day < end)), None)


def cafcass_referrals_among(number_of_children):
    """How many escalations an authority of this size refers to Cafcass."""
    per = CAFCASS_REFERRAL_PER_CHILDREN
    return (number_of_children + per // 2) // per


class _EscalationGenerator:
    def __init__(self, seed, today, cafcass_referrals):
        self.rng = random.Random(f"escalations-{seed}")
        self.today = today
        self.window_start = add_years(today, -3)
        self.cafcass_referrals = cafcass_referrals
        self.escalations = []
        self.names = {pool: [self.person() for _ in range(size)] for pool, size in POOL_SIZES.items()}

    # Random helpers.

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def chance(self, probability):
        return self.rng.random() < probability

    def person(self):
        group = self.pick({"british": 70, "south_asian": 12, "african_caribbean": 12, "newly_arrived": 6})
        boys, girls, families = NAMES[group]
        return f"{self.rng.choice(boys + girls)} {self.rng.choice(families)}"

    def new(self, history, iro, raised, areas):
        """An escalation with what is wrong and what is asked, about its first area."""
        return SeededEscalation(
            history,
            iro,
            raised,
            areas,
            what_is_wrong=self.rng.choice(WHAT_IS_WRONG[areas[0]]),
            what_is_asked=self.rng.choice(WHAT_IS_ASKED[areas[0]]),
        )

    # The whole authority.

    def build(self, histories, ratings):
        self.histories = histories
        self.busy_until = {}
        self.spans = {}
        for index, history in enumerate(histories):
            self.child(index, history, ratings[index] if index < len(ratings) else [])
        self.make_sure_some_are_open()
        for _ in range(self.cafcass_referrals):
            self.cafcass_referral()
        return self.escalations

    def child(self, index, history, child_ratings):
        spans = self.spans[index] = care_spans(history)
        if not spans:
            return
        for rating in child_ratings:
            chance, earliest, latest = RAISED_AFTER[rating.rag]
            if not self.chance(chance):
                continue
            raised = on_or_after(rating.date + timedelta(days=self.rng.randint(earliest, latest)))
            if raised < self.window_start or raised > self.today or raised <= self.busy_until.get(index, date.min):
                continue
            span = span_on(spans, raised)
            iro = iro_on(history.allocations, raised)
            if span is None or iro is None:
                continue
            first = self.pick(FIRST_STAGE[Rag.RED if rating.rag == Rag.RED else "other"])
            escalation = self.new(history, iro, raised, self.areas(history, raised, rating.area))
            self.run(escalation, first, span[1])
            self.escalations.append(escalation)
            self.busy_until[index] = date.max if escalation.is_open else escalation.closed_on

    def areas(self, history, day, area):
        age = age_on(history.child.date_of_birth, day)
        weights = {name: weight for name, weight in AREAS.items() if name != "pathway" or age >= 15}
        chosen = [area] if area in weights else [self.pick(weights)]
        wanted = self.pick(AREAS_NAMED)
        while len(chosen) < wanted:
            extra = self.pick(weights)
            if extra not in chosen:
                chosen.append(extra)
        return chosen

    # One escalation, step by step.

    def run(self, escalation, stage, care_ends):
        """Take the escalation up the stages until it is resolved, then cut it at the reference
        date (what had not happened by then stays open) or at the end of care (withdrawn)."""
        sent = escalation.raised_on
        withdrawing = self.chance(WITHDRAWN)
        team_manager = self.rng.choice(self.names[Stage.TEAM_MANAGER])
        area = escalation.areas[0]
        while True:
            step = self.step(stage, sent, team_manager)
            escalation.steps.append(step)
            due = timescales.response_due(sent, stage)
            answer = self.pick(DIRECTOR_RESPONSES if stage == Stage.DIRECTOR else RESPONSES)
            if answer == "on_time":
                allowed = working_days_between(sent, due)
                step.responded_on = add_working_days(sent, self.rng.randint(min(1, allowed), allowed))
            elif answer == "late":
                late = 1 + min(int(self.rng.expovariate(1 / MEAN_WORKING_DAYS_LATE)), 29)
                step.responded_on = add_working_days(due, late)
            settled = step.responded_on is not None and self.chance(RESOLVED_AT[stage])
            step.summary = (
                ""
                if step.responded_on is None
                else (self.rng.choice(OUTCOMES[area]) if settled else self.rng.choice(UNRESOLVED_RESPONSES))
            )
            last_event = step.responded_on or due
            if withdrawing:
                escalation.status = EscalationStatus.WITHDRAWN
                if step.responded_on is None:
                    waited = self.rng.randint(min(1, working_days_between(sent, due)), working_days_between(sent, due))
                    escalation.closed_on = add_working_days(sent, waited)
                    escalation.closing_text = self.rng.choice(WITHDRAWN_BEFORE_A_RESPONSE)
                else:
                    escalation.closed_on = add_working_days(step.responded_on, self.rng.randint(0, 5))
                    escalation.closing_text = self.rng.choice(WITHDRAWN_AFTER_THE_RESPONSE)
                break
            if settled:
                escalation.status = EscalationStatus.RESOLVED
                # Resolved once the IRO sees the agreed action done: often days, sometimes weeks.
                escalation.closed_on = add_working_days(
                    step.responded_on, int(self.rng.triangular(0, RESOLVED_WITHIN_WORKING_DAYS, 4))
                )
                escalation.closing_text = self.rng.choice(OUTCOMES[area])
                break
            higher = stage + (2 if self.chance(BYPASS_A_STAGE) else 1)
            stage = Stage(min(higher, Stage.DIRECTOR))
            sent = add_working_days(last_event, self.rng.randint(1, 5))
        self.cut(escalation, care_ends)

    def step(self, stage, sent, team_manager):
        if stage == Stage.INFORMAL:
            if self.chance(0.55):
                name, role = self.rng.choice(self.names["social_worker"]), "Social worker"
            else:
                name, role = team_manager, "Team manager"
        elif stage == Stage.TEAM_MANAGER:
            name, role = team_manager, ROLES[stage]
        else:
            name, role = self.rng.choice(self.names[stage]), ROLES[stage]
        return SeededStep(stage=stage, sent_on=sent, name=name, role=role)

    def cut(self, escalation, care_ends):
        """Drop what happens after the reference date or the end of care; an escalation the
        child's leaving care overtook is withdrawn the day care ended."""
        cutoff = self.today if care_ends is None else min(self.today, care_ends - timedelta(days=1))
        kept = []
        for step in escalation.steps:
            if step.sent_on > cutoff:
                break
            kept.append(step)
            if step.responded_on is not None and step.responded_on > cutoff:
                step.responded_on, step.summary = None, ""
                break
        finished = len(kept) == len(escalation.steps) and escalation.closed_on is not None
        escalation.steps = kept
        if finished and escalation.closed_on <= cutoff:
            return
        escalation.status, escalation.closed_on, escalation.closing_text = EscalationStatus.OPEN, None, ""
        if care_ends is not None and care_ends <= self.today:
            escalation.status = EscalationStatus.WITHDRAWN
            escalation.closed_on = care_ends
            escalation.closing_text = LEFT_CARE_REASON

    # Escalations open today.

    def candidates(self, since):
        """Children looked after from `since` to today, with the same IRO throughout and no
        escalation open or raised since then: those with the most worrying latest rating first."""
        found = []
        for index, history in enumerate(self.histories):
            if self.busy_until.get(index, date.min) >= since or history.short_break_series:
                continue
            span = span_on(self.spans.get(index, ()), since)
            if span is None or span[1] is not None:
                continue
            iro = iro_on(history.allocations, since)
            if iro is None or iro != iro_on(history.allocations, self.today):
                continue
            found.append(index)
        return found

    def make_sure_some_are_open(self):
        """However few children, some escalations are open today, including one with a response
        overdue and one whose formal process has passed the limit (the lists and reminders then
        have something to show)."""
        limit = settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS
        open_now = [escalation for escalation in self.escalations if escalation.is_open]
        if not any(self.response_overdue(escalation) for escalation in open_now):
            self.forced(add_working_days(self.today, -self.rng.randint(9, 15)), [(Stage.INFORMAL, None)], open_now)
        if not any(self.formal_working_days(escalation) > limit for escalation in open_now):
            raised = add_working_days(self.today, -(limit + self.rng.randint(18, 25)))
            plan = [
                (Stage.INFORMAL, 7),
                (Stage.TEAM_MANAGER, 6),
                (Stage.SERVICE_MANAGER, 7),
                (Stage.HEAD_OF_SERVICE, None),
            ]
            self.forced(raised, plan, open_now, gaps=(2, 2, 3))
        looked_after = sum(1 for index in self.spans if span_on(self.spans[index], self.today))
        while len(open_now) < max(MINIMUM_OPEN, looked_after // OPEN_PER_CHILDREN_LOOKED_AFTER):
            if not self.forced(
                add_working_days(self.today, -self.rng.randint(0, 3)), [(Stage.INFORMAL, None)], open_now
            ):
                break  # a very small authority has no more children free to escalate about

    def response_overdue(self, escalation):
        current = escalation.steps[-1]
        return timescales.response_overdue(
            timescales.response_due(current.sent_on, current.stage), current.responded_on, self.today
        )

    def formal_working_days(self, escalation):
        started = next((step.sent_on for step in escalation.steps if Stage(step.stage).is_formal), None)
        return timescales.formal_process_working_days(started, self.today) or 0

    def forced(self, raised, plan, open_now, gaps=()):
        """An open escalation raised on `raised` for a child looked after since before it: each
        (stage, working days to the response) step answered, or not yet (None), the next stage
        sent `gaps` working days after the response. False when no child can have one."""
        candidates = self.candidates(raised)
        if not candidates:
            return False
        index = self.rng.choice(candidates)
        history = self.histories[index]
        escalation = self.new(
            history, iro_on(history.allocations, raised), raised, self.areas(history, raised, self.pick(AREAS))
        )
        team_manager = self.rng.choice(self.names[Stage.TEAM_MANAGER])
        sent = raised
        for number, (stage, answer_after) in enumerate(plan):
            step = self.step(stage, sent, team_manager)
            escalation.steps.append(step)
            if answer_after is None:
                break
            step.responded_on = add_working_days(sent, answer_after)
            step.summary = self.rng.choice(UNRESOLVED_RESPONSES)
            sent = add_working_days(step.responded_on, gaps[number] if number < len(gaps) else 1)
        self.cut(escalation, None)
        self.escalations.append(escalation)
        self.busy_until[index] = date.max
        open_now.append(escalation)
        return True

    def cafcass_referral(self):
        """The rare escalation the director cannot settle: referred to Cafcass, whose involvement
        resolves it. Raised some months ago for a child looked after since before then."""
        raised = add_working_days(self.today, -self.rng.randint(110, 180))
        candidates = self.candidates(raised)
        if not candidates:
            return
        index = self.rng.choice(candidates)
        history = self.histories[index]
        escalation = self.new(
            history,
            iro_on(history.allocations, raised),
            raised,
            ["care_planning", "legal"] + (["placement"] if self.chance(0.5) else []),
        )
        team_manager = self.rng.choice(self.names[Stage.TEAM_MANAGER])
        sent = raised
        for stage in (Stage.INFORMAL, Stage.TEAM_MANAGER, Stage.SERVICE_MANAGER, Stage.DIRECTOR, Stage.CAFCASS):
            step = self.step(stage, sent, team_manager)
            escalation.steps.append(step)
            due = timescales.response_due(sent, stage)
            step.responded_on = add_working_days(due, self.rng.randint(-2, 4) if stage != Stage.CAFCASS else 12)
            step.responded_on = max(step.responded_on, add_working_days(sent, 1))
            step.summary = (
                "Cafcass Legal took up the referral; the local authority agreed to return the care plan to court."
                if stage == Stage.CAFCASS
                else self.rng.choice(UNRESOLVED_RESPONSES)
            )
            sent = add_working_days(step.responded_on, self.rng.randint(2, 6))
        escalation.status = EscalationStatus.RESOLVED
        escalation.closed_on = add_working_days(escalation.steps[-1].responded_on, 3)
        escalation.closing_text = (
            "Referred to Cafcass after the director upheld the plan; the care plan was returned to court and "
            "amended to a plan for permanence with the child's family."
        )
        self.cut(escalation, None)
        self.escalations.append(escalation)
        self.busy_until[index] = date.max if escalation.is_open else escalation.closed_on


def build_escalations(histories, ratings, *, seed, today, cafcass_referrals=None):
    """Escalations for the demo children, in memory: `histories` from
    demo.children.build_local_authority, `ratings` (per history) from demo.oversight.build_oversight.
    A chunk of a larger authority passes its share of the authority's Cafcass referrals."""
    if cafcass_referrals is None:
        cafcass_referrals = cafcass_referrals_among(len(histories))
    return _EscalationGenerator(seed, today, cafcass_referrals).build(histories, ratings)


@transaction.atomic
def save_escalations(seeded, iros):
    """Save the escalations, their areas of concern and steps (after the children and IRO
    accounts); IROs are looked up by index in `iros`. Returns how many were saved."""
    escalations = []
    for item in seeded:
        escalation = Escalation(
            child=item.history.child,
            raised_by=iros[item.iro],
            raised_on=item.raised_on,
            what_is_wrong=item.what_is_wrong,
            what_is_asked=item.what_is_asked,
            status=item.status,
        )
        if item.status == EscalationStatus.RESOLVED:
            escalation.resolved_on = item.closed_on
            escalation.resolved_at_stage = item.steps[-1].stage
            escalation.outcome = item.closing_text
        elif item.status == EscalationStatus.WITHDRAWN:
            escalation.withdrawn_on = item.closed_on
            escalation.withdrawal_reason = item.closing_text
        escalations.append(escalation)
    bulk_save(Escalation, escalations)
    concerns = [
        EscalationConcern(escalation=escalation, area=area)
        for escalation, item in zip(escalations, seeded)
        for area in sorted(set(item.areas))
    ]
    steps = [
        EscalationStep(
            escalation=escalation,
            stage=step.stage,
            addressed_to_name=step.name,
            addressed_to_role=step.role,
            sent_on=step.sent_on,
            response_due=timescales.response_due(step.sent_on, step.stage),
            responded_on=step.responded_on,
            response_summary=step.summary,
        )
        for escalation, item in zip(escalations, seeded)
        for step in item.steps
    ]
    bulk_save(EscalationConcern, concerns)
    bulk_save(EscalationStep, steps)
    return {
        "escalations": len(escalations),
        "escalations_open": sum(escalation.status == EscalationStatus.OPEN for escalation in escalations),
        "escalation_steps": len(steps),
    }
