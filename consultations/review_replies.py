"""Consultation replies as a LAC review's working record reads them (reviews.online_replies),
registered from ConsultationsConfig.ready(): whose views each reply gives, who has and has not
replied, and what the child asked for. The record's pages show and use them; this only reads."""

from django.utils import timezone
from django.utils.text import capfirst

from reviews.models import Review
from reviews.online_replies import ChildAsks, Invited, OnlineReplies, OnlineReply, register_online_replies
from reviews.record_models import ViewsOf

from .models import ConsultationInvitation, ConsultationResponse, PersonType, Purpose, WantsToAttend

VIEWS_OF = {
    PersonType.CHILD: ViewsOf.CHILD,
    PersonType.PARENT: ViewsOf.PARENTS,
    PersonType.CARER: ViewsOf.CARERS,
    PersonType.SOCIAL_WORKER: ViewsOf.SOCIAL_WORKER,
    PersonType.PROFESSIONAL: "",
}
"""Whose views a person's reply gives; another professional's has none in the record."""

ANSWERED_IN_WORDS = ("going_well", "worries", "wishes", "anything_else")
PICTURE_ANSWERS = {"how_things_are": "How they feel about where they live"}
"""What only the youngest child's form asks (kept in the reply's `answers`), as the record words it."""


def _who(invitation: ConsultationInvitation) -> str:
    kind = invitation.get_person_type_display()
    return f"{invitation.name} ({kind[0].lower()}{kind[1:]})" if invitation.name else kind


def _answers(response: ConsultationResponse) -> tuple[tuple[str, str], ...]:
    answers = [
        (capfirst(ConsultationResponse._meta.get_field(name).verbose_name), getattr(response, name))
        for name in ANSWERED_IN_WORDS
    ]
    answers += [
        (question, str(response.answers[key]).capitalize())
        for key, question in PICTURE_ANSWERS.items()
        if isinstance(response.answers.get(key), str)
    ]
    return tuple((question, answer) for question, answer in answers if answer)


def _asks(response: ConsultationResponse) -> ChildAsks:
    return ChildAsks(
        at_review=tuple(role for role in response.wants_at_review if isinstance(role, str)),
        someone_else=response.wants_at_review_other,
        advocate=response.wants_advocate,
        chair=response.wants_to_chair,
        attend=WantsToAttend(response.wants_to_attend).label if response.wants_to_attend else "",
        where_and_when=response.where_and_when,
    )


def replies_for_review(review: Review) -> OnlineReplies:
    """In one query: every consultation link for the review not withdrawn, with its reply."""
    invitations = list(
        ConsultationInvitation.objects.filter(review=review, purpose=Purpose.CONSULTATION, revoked_at__isnull=True)
        .select_related("response")
        .order_by("created_at", "id")
    )
    answered = sorted(
        (invitation for invitation in invitations if invitation.submitted_at is not None),
        key=lambda invitation: (invitation.response.submitted_at, invitation.pk),
    )
    replies = tuple(
        OnlineReply(
            of=VIEWS_OF[PersonType(invitation.person_type)],
            who=_who(invitation),
            sent_on=timezone.localdate(invitation.response.submitted_at),
            answers=_answers(invitation.response),
            not_to_share=invitation.response.not_to_share,
            feels_safe=invitation.response.feels_safe,
        )
        for invitation in answered
    )
    children = [invitation for invitation in answered if invitation.person_type == PersonType.CHILD]
    return OnlineReplies(
        invited=tuple(Invited(_who(invitation), invitation.submitted_at is not None) for invitation in invitations),
        replies=replies,
        child_asks=_asks(children[-1].response) if children else None,
    )


register_online_replies(replies_for_review)
