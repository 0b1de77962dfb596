"""Reads about the IRO's working record of a LAC review: the participation code the attendance
suggests, which care plan checks apply, each task's status, and what completing still needs."""

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery

from children.selectors import age_on

from . import timescales
from .models import ParentsParticipation, ParticipationCode, Review, ReviewAction, ReviewStatus
from .online_replies import NO_REPLIES, OnlineReplies, online_replies
from .record_models import (
    PARENT_ROLES,
    Attendance,
    CarePlanCheck,
    CarePlanCheckKind,
    CheckAnswer,
    ParticipantRole,
    ReviewParticipant,
    ReviewRecord,
    ReviewViews,
    ViewsGiven,
    ViewsOf,
)
from .selectors import participation_code_problem

ATTENDING_CODES = (ParticipationCode.PN1, ParticipationCode.PN2, ParticipationCode.PN3, ParticipationCode.PN4)
NOT_ATTENDING_CODES = (ParticipationCode.PN5, ParticipationCode.PN6, ParticipationCode.PN7)

CHECK_AREAS = {
    CarePlanCheckKind.CARE_PLAN: "care_planning",
    CarePlanCheckKind.PERMANENCE_PLAN: "care_planning",
    CarePlanCheckKind.PLACEMENT_PLAN: "placement",
    CarePlanCheckKind.HEALTH_ASSESSMENT: "health",
    CarePlanCheckKind.PEP: "education",
    CarePlanCheckKind.PATHWAY_PLAN: "pathway",
    CarePlanCheckKind.CONTACT: "contact",
    CarePlanCheckKind.DELEGATED_AUTHORITY: "placement",
    CarePlanCheckKind.LIFE_STORY: "identity",
}
"""The escalation's area of concern each unmet check belongs to (escalations.codes.AreaOfConcern)."""


# The LAC review record's figures (reporting.selectors.lac_record_figures) and the held reviews
# list's filters that open them, as SQL over Review rows: one rule for both.

CHILD_VIEWS_NOT_OBTAINED = "not_obtained"
CHILD_VIEWS_NOT_RECORDED = "not_recorded"
CHILD_VIEWS_OUTCOMES = [
    *ViewsGiven.choices,
    (CHILD_VIEWS_NOT_OBTAINED, "Not obtained, with the reason recorded"),
    (CHILD_VIEWS_NOT_RECORDED, "Nothing recorded"),
]


def child_views_given() -> Subquery:
    """How the child's wishes and feelings were given for each review; NULL where not recorded."""
    return Subquery(ReviewViews.objects.filter(review=OuterRef("pk"), of=ViewsOf.CHILD).values("given")[:1])


def child_views_recorded() -> Exists:
    """The child's wishes and feelings were recorded for the review, however given."""
    return Exists(ReviewViews.objects.filter(review=OuterRef("pk"), of=ViewsOf.CHILD))


def child_views_not_obtained() -> Exists:
    """The IRO recorded why the child's views were not obtained."""
    return Exists(ReviewRecord.objects.filter(review=OuterRef("pk")).exclude(child_views_not_obtained=""))


def child_views_only_not_obtained() -> Q:
    """No views of the child recorded, and the IRO recorded why they were not obtained."""
    return ~Q(child_views_recorded()) & Q(child_views_not_obtained())


def parents_attended() -> ExpressionWrapper:
    """Whether a LAC review's parents attended. Where the IRO recorded who was invited and who
    came (the review's participants), a mother, father or other parent recorded as attending
    counts: the rows name who came. A review without them (held before the working record, or
    imported) falls back on its parents' participation, "attended"."""
    participants = ReviewParticipant.objects.filter(review=OuterRef("pk"))
    attended = Q(Exists(participants.filter(role__in=PARENT_ROLES, attendance=Attendance.ATTENDED))) | (
        ~Q(Exists(participants)) & Q(parents_participation=ParentsParticipation.ATTENDED)
    )
    return ExpressionWrapper(attended, output_field=BooleanField())


def care_plan_checked(kind: str | None = None, answer: str | None = None) -> Exists:
    """The review has a care plan check (of `kind`, answered `answer`; any, where not given)."""
    checks = CarePlanCheck.objects.filter(review=OuterRef("pk"))
    if kind is not None:
        checks = checks.filter(kind=kind)
    if answer is not None:
        checks = checks.filter(answer=answer)
    return Exists(checks)


def check_answer(kind: str) -> Subquery:
    """The review's answer to one care plan check; NULL where it was not answered."""
    return Subquery(CarePlanCheck.objects.filter(review=OuterRef("pk"), kind=kind).values("answer")[:1])


CHECK_NOT_RECORDED = "not_recorded"


def permanence_review(review: str = "") -> Q:
    """The review by which the permanence plan should be agreed: the second of the period of care.
    `review` is the path to the review from the records queried ("review__" from its checks)."""
    return Q(**{f"{review}number": timescales.PERMANENCE_PLAN_BY_REVIEW})


def review_day(review: Review, draft_held_on: date | None = None) -> date:
    """The day the review's rules are judged on: held, drafted, booked, or else due."""
    if review.held_on:
        return review.held_on
    if draft_held_on:
        return draft_held_on
    if review.booked_for:
        return review.booked_for.date()
    return review.due_date


def suggested_participation_code(
    age: int,
    child_attendance: str | None,
    child_views_given: str | None,
    *,
    replied_online: bool = False,
    advocate_attended: bool = False,
) -> ParticipationCode | None:
    """The code the child's attendance and how their views were given point to; the IRO
    confirms it or picks another (PN3, conveying views non-verbally, is the IRO's to judge).
    PN0 for a child under 4, by the same rule the record is checked against. A child who did
    not come conveyed their views through a facilitative medium (PN6) when they were written or
    sent online, the online reply counting before the IRO records it; but an advocate who came
    to the review in their place spoke for them (PN5), as for views given through an advocate or
    to the IRO in person (the DfE's REVIEW_CODE list)."""
    if participation_code_problem(age, ParticipationCode.PN1) is not None:
        return ParticipationCode.PN0
    if child_attendance is None:
        return None
    if child_attendance == Attendance.ATTENDED:
        if child_views_given is None:
            return ParticipationCode.PN4
        return ParticipationCode.PN2 if child_views_given == ViewsGiven.ADVOCATE else ParticipationCode.PN1
    if child_views_given in (ViewsGiven.ADVOCATE, ViewsGiven.IN_PERSON):
        return ParticipationCode.PN5
    if child_views_given is None and not replied_online:
        return ParticipationCode.PN7
    return ParticipationCode.PN5 if advocate_attended else ParticipationCode.PN6


def participation_contradiction(code: str, child_attendance: str | None) -> str | None:
    """A participation code that says the opposite of the child's recorded attendance."""
    if child_attendance is None or not code:
        return None
    attended = child_attendance == Attendance.ATTENDED
    if attended and code in NOT_ATTENDING_CODES:
        return f"The child is recorded as attending the review, so the code cannot be {code}, which is for a child who did not attend."
    if not attended and code in ATTENDING_CODES:
        return f"The child is recorded as not attending the review, so the code cannot be {code}, which is for a child who attended."
    return None


def check_applies(kind: str, *, review_number: int, age: int) -> bool:
    """Whether a care plan check is expected at this review: the permanence plan by the second
    review, the personal education plan at school age, the pathway plan at 16 and over."""
    if kind == CarePlanCheckKind.PERMANENCE_PLAN:
        return review_number >= timescales.PERMANENCE_PLAN_BY_REVIEW
    if kind == CarePlanCheckKind.PEP:
        return timescales.SCHOOL_AGE_FROM <= age < timescales.SCHOOL_AGE_UNTIL
    if kind == CarePlanCheckKind.PATHWAY_PLAN:
        return age >= timescales.PATHWAY_PLAN_FROM_AGE
    return True


@dataclass(frozen=True)
class WorkingRecord:
    """Everything the task list, the task pages and check your answers show, read in a fixed
    number of queries."""

    review: Review
    record: ReviewRecord | None
    participants: list[ReviewParticipant]
    views: dict[str, ReviewViews]
    checks: dict[str, CarePlanCheck]
    decisions: list[ReviewAction]
    age: int
    online: OnlineReplies = NO_REPLIES

    @property
    def draft(self) -> dict:
        return self.record.draft if self.record else {}

    @property
    def version(self) -> int:
        """The version the task pages save from: the draft's while the review is outstanding."""
        return self.record.version if self.record else 0

    @property
    def child(self) -> ReviewParticipant | None:
        return next((p for p in self.participants if p.role == ParticipantRole.CHILD), None)

    @property
    def suggested_code(self) -> ParticipationCode | None:
        child = self.child
        views = self.views.get(ViewsOf.CHILD)
        return suggested_participation_code(
            self.age,
            child.attendance if child else None,
            views.given if views else None,
            replied_online=self.online.child_replied,
            advocate_attended=any(
                p.role == ParticipantRole.ADVOCATE and p.attendance == Attendance.ATTENDED for p in self.participants
            ),
        )

    @property
    def asked_to_invite(self) -> list[str]:
        """The people the child asked for in their online reply whom the attendance does not list yet."""
        listed = {participant.role for participant in self.participants}
        asks = self.online.child_asks
        return [role for role in asks.roles_wanted if role not in listed] if asks else []

    @property
    def child_views_not_obtained(self) -> str:
        return self.record.child_views_not_obtained if self.record else ""

    @property
    def plan_meets_needs(self) -> bool | None:
        return self.record.plan_meets_needs if self.record else None

    def applies(self, kind: str) -> bool:
        return check_applies(kind, review_number=self.review.number, age=self.age)

    @property
    def unmet_checks(self) -> list[CarePlanCheck]:
        return [check for check in self.checks.values() if check.answer == CheckAnswer.NO]


def working_record(review: Review) -> WorkingRecord:
    """The review's working record and its online replies: six queries, however much was
    recorded or sent."""
    record = ReviewRecord.objects.filter(review=review).first()
    draft_held_on = None
    if record and (held := record.draft.get("fields", {}).get("held_on")):
        draft_held_on = date.fromisoformat(held)
    return WorkingRecord(
        review=review,
        record=record,
        participants=list(ReviewParticipant.objects.filter(review=review)),
        views={views.of: views for views in ReviewViews.objects.filter(review=review)},
        checks={check.kind: check for check in CarePlanCheck.objects.filter(review=review)},
        decisions=list(review.actions.select_related("owner").order_by("number", "id")),
        age=age_on(review.child.date_of_birth, review_day(review, draft_held_on)),
        online=online_replies(review),
    )


def completion_problems(review: Review) -> dict[str, str]:
    """What a LAC review's record still needs before it can be held: who was invited and who
    came, and the child's views or why they were not obtained; and a participation code that
    does not contradict the child's attendance."""
    problems = {}
    participants = list(ReviewParticipant.objects.filter(review=review).values_list("role", "attendance"))
    if not participants:
        problems["attendance"] = "Record who was invited to the review and who came."
    record = ReviewRecord.objects.filter(review=review).first()
    has_views = ReviewViews.objects.filter(review=review, of=ViewsOf.CHILD).exists()
    if not has_views and not (record and record.child_views_not_obtained.strip()):
        problems["views"] = "Record the child's wishes and feelings, or the reason they were not obtained."
    child_attendance = next((attendance for role, attendance in participants if role == ParticipantRole.CHILD), None)
    if contradiction := participation_contradiction(review.participation_code, child_attendance):
        problems["participation_code"] = contradiction
    return problems


NOT_STARTED, IN_PROGRESS, COMPLETED = "Not started", "In progress", "Completed"


def task_statuses(working: WorkingRecord) -> dict[str, str]:
    """Each task's status on the task list, from what has been saved."""
    review = working.review
    held = review.status == ReviewStatus.HELD
    fields = working.draft.get("fields", {})

    def value(name: str) -> object:
        return getattr(review, name) if held else fields.get(name)

    meeting = COMPLETED if value("held_on") else NOT_STARTED
    views_done = ViewsOf.CHILD in working.views or bool(working.child_views_not_obtained)
    answered = len(working.checks)
    needed = sum(1 for kind in CarePlanCheckKind.values if working.applies(kind))
    decisions = working.decisions if held else working.draft.get("decisions", [])
    return {
        "meeting": meeting,
        "attendance": COMPLETED if working.child else (IN_PROGRESS if working.participants else NOT_STARTED),
        "views": COMPLETED if views_done else (IN_PROGRESS if working.views else NOT_STARTED),
        "checks": COMPLETED
        if answered >= needed and working.plan_meets_needs is not None
        else (IN_PROGRESS if answered or working.plan_meets_needs is not None else NOT_STARTED),
        "decisions": COMPLETED if decisions else NOT_STARTED,
        "participation": COMPLETED if value("participation_code") else NOT_STARTED,
    }


def escalation_prefill(working: WorkingRecord) -> dict[str, list[str] | str]:
    """The escalation form's starting answers when the plan does not meet the child's needs:
    the areas of the unmet checks and what is wrong, from their notes."""
    unmet = working.unmet_checks
    areas = list(dict.fromkeys(CHECK_AREAS[CarePlanCheckKind(check.kind)] for check in unmet)) or ["care_planning"]
    lines = [
        f"{check.get_kind_display()}: {check.note}" if check.note else f"{check.get_kind_display()}: not met"
        for check in unmet
    ]
    what = f"At {working.review.title} the care plan did not meet the child's needs."
    return {"areas": areas, "what_is_wrong": "\n".join([what, *lines])}
