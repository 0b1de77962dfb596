"""The IRO's working record of the demo's recent LAC reviews (held in the last six months): who
was invited and who came, the views given and the care plan checks, consistent with each review's
participation code and parents' participation. Drawn from its own random.Random, so adding these
leaves every other demo record as it was; older reviews keep no working record, as reviews held
before the portal recorded it do."""

import random
from datetime import timedelta

from children.selectors import age_on
from demo.children import bulk_save
from reviews.models import ParentsParticipation, ParticipationCode, ReviewKind, ReviewStatus
from reviews.record_models import (
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
from reviews.record_selectors import check_applies

RECENT_DAYS = 183
CHILD_ATTENDANCE = {
    ParticipationCode.PN0: Attendance.ATTENDED,
    ParticipationCode.PN1: Attendance.ATTENDED,
    ParticipationCode.PN2: Attendance.ATTENDED,
    ParticipationCode.PN3: Attendance.ATTENDED,
    ParticipationCode.PN4: Attendance.ATTENDED,
    ParticipationCode.PN5: Attendance.SENT_VIEWS,
    ParticipationCode.PN6: Attendance.SENT_VIEWS,
    ParticipationCode.PN7: Attendance.DID_NOT_RESPOND,
}
CHILD_VIEWS_GIVEN = {
    ParticipationCode.PN1: ViewsGiven.IN_PERSON,
    ParticipationCode.PN2: ViewsGiven.ADVOCATE,
    ParticipationCode.PN3: ViewsGiven.IN_PERSON,
    ParticipationCode.PN5: ViewsGiven.ADVOCATE,
    ParticipationCode.PN6: ViewsGiven.ONLINE,
}
NOT_OBTAINED = {
    ParticipationCode.PN0: "Too young to give views; the IRO saw the child with their carers before the review.",
    ParticipationCode.PN4: "Came to the review but chose not to share views this time.",
    ParticipationCode.PN7: "Did not reply to the invitation or the consultation form.",
}
CHILD_SAYS = (
    "I like living here and I want to stay. I would like to see my brother more often.",
    "School is going better. I want to do football after school.",
    "I miss my mum. I want contact to be at the weekend, not after school.",
    "I don't like changing social workers. I want to know who is coming.",
    "I want to stay at my school when I move.",
)
PARENT_ATTENDANCE = {
    ParentsParticipation.ATTENDED: Attendance.ATTENDED,
    ParentsParticipation.VIEWS_GIVEN: Attendance.SENT_VIEWS,
    ParentsParticipation.DID_NOT_PARTICIPATE: Attendance.DID_NOT_RESPOND,
}
NOT_MET_NOTES = {
    CarePlanCheckKind.HEALTH_ASSESSMENT: "The review health assessment is overdue.",
    CarePlanCheckKind.PEP: "The PEP has not been reviewed this term.",
    CarePlanCheckKind.LIFE_STORY: "Life-story work has not started.",
    CarePlanCheckKind.CONTACT: "Sibling contact has lapsed since the move.",
    CarePlanCheckKind.PERMANENCE_PLAN: "The permanence plan is not yet agreed.",
}


def save_working_records(reviews, *, today, seed):
    """Save the working records of the recent held LAC reviews among `reviews` (already saved)."""
    rng = random.Random(f"review-records-{seed}")
    since = today - timedelta(days=RECENT_DAYS)
    participants, views, checks, records = [], [], [], []
    for review in reviews:
        if review.kind != ReviewKind.LAC or review.status != ReviewStatus.HELD or review.held_on < since:
            continue
        code = review.participation_code or ParticipationCode.PN1
        participants.append(
            ReviewParticipant(review=review, role=ParticipantRole.CHILD, attendance=CHILD_ATTENDANCE[code])
        )
        participants.append(
            ReviewParticipant(
                review=review,
                role=ParticipantRole.SOCIAL_WORKER,
                name="Allocated social worker",
                attendance=Attendance.ATTENDED,
            )
        )
        participants.append(
            ReviewParticipant(review=review, role=ParticipantRole.CARER, name="Carer", attendance=Attendance.ATTENDED)
        )
        if parent := PARENT_ATTENDANCE.get(review.parents_participation):
            participants.append(
                ReviewParticipant(review=review, role=ParticipantRole.MOTHER, name="Mother", attendance=parent)
            )
        if given := CHILD_VIEWS_GIVEN.get(code):
            views.append(ReviewViews(review=review, of=ViewsOf.CHILD, text=rng.choice(CHILD_SAYS), given=given))
        views.append(
            ReviewViews(
                review=review,
                of=ViewsOf.SOCIAL_WORKER,
                text="The placement is stable and the care plan is being followed.",
                given=ViewsGiven.WRITTEN,
            )
        )
        age = age_on(review.child.date_of_birth, review.held_on)
        unmet = 0
        for kind in CarePlanCheckKind.values:
            if not check_applies(kind, review_number=review.number, age=age):
                answer, note = CheckAnswer.NOT_APPLICABLE, ""
            elif kind in NOT_MET_NOTES and rng.random() < 0.12:
                answer, note, unmet = CheckAnswer.NO, NOT_MET_NOTES[kind], unmet + 1
            else:
                answer, note = CheckAnswer.YES, ""
            checks.append(CarePlanCheck(review=review, kind=kind, answer=answer, note=note))
        records.append(
            ReviewRecord(
                review=review,
                plan_meets_needs=not unmet or rng.random() < 0.5,
                child_views_not_obtained="" if given else NOT_OBTAINED.get(code, ""),
            )
        )
    for model, rows in ((ReviewParticipant, participants), (ReviewViews, views), (CarePlanCheck, checks)):
        bulk_save(model, rows)
    ReviewRecord.objects.bulk_create(records, batch_size=2000)  # its draft is JSON, which bulk_save does not copy
