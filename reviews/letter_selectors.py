"""Reads for the letter to the child after a LAC review: the plain-words draft the IRO starts
from, built from the review's decisions and the next review, and the letter's text read back as
headings, lists and paragraphs for the document (shown escaped, never as markup)."""

import re
from dataclasses import dataclass, field

from iro_portal.dates import format_date

from . import selectors
from .letter_models import ChildLetter
from .models import Review, ReviewAction
from .record_models import Attendance, ParticipantRole, ReviewParticipant, ReviewViews, ViewsOf

DECIDED, NEXT, NEXT_REVIEW, TALK = "What we decided", "What happens next", "Your next review", "If you want to talk"
LETTER_HEADINGS = (DECIDED, NEXT, NEXT_REVIEW, TALK)
"""A paragraph that is one of these, alone, is a heading in the letter."""


def _decision_line(number: int, action: ReviewAction) -> str:
    description = action.description.strip().rstrip(".")
    who = action.owner_display or "Someone"
    return f"{number}. {description}. {who} will do this by {format_date(action.due_date)}."


def _next_review_line(review: Review) -> str:
    following = selectors.following_outstanding(review).first()
    if following is None:
        return "You will not have another review, because you are no longer looked after."
    if following.booked_for:
        return f"Your next review is on {format_date(following.booked_for)}."
    return f"Your next review will be by {format_date(following.due_date)}."


def iro_of(review: Review) -> str:
    """Who the letter is from: the IRO who chaired the review (set when it is recorded held)."""
    return review.chair.get_full_name() if review.chair else ""


def draft_letter(review: Review) -> str:
    """The letter the IRO starts from, in short sentences a child can read: thanks for taking
    part, each decision with who does it and by when, the next review, and how to talk to the
    IRO or an advocate. The IRO changes it before it is made into a document."""
    child = review.child
    participants = ReviewParticipant.objects.filter(review=review, role=ParticipantRole.CHILD)
    came = participants.filter(attendance=Attendance.ATTENDED).exists()
    told_us = ReviewViews.objects.filter(review=review, of=ViewsOf.CHILD).exists()
    decisions = list(review.actions.select_related("owner").order_by("number", "id"))
    held = format_date(review.held_on)
    thanks = [f"Thank you for coming to your review on {held}." if came else f"Your review was on {held}."]
    if told_us:
        thanks.append("Thank you for telling me what you think and feel.")
    thanks.append("I am writing to tell you what we decided.")
    if decisions:
        decided = "\n".join(_decision_line(number, action) for number, action in enumerate(decisions, start=1))
        next_steps = "The people named above will do these things. I will check that they do."
    else:
        decided = "We did not need to decide anything new. Things will carry on as they are."
        next_steps = "I will keep checking that your plan is working for you."
    sign_off = "From your Independent Reviewing Officer (IRO)"
    if name := iro_of(review):
        sign_off = f"From {name}\nYour Independent Reviewing Officer (IRO)"
    return "\n\n".join(
        [
            f"Dear {child.given_name},",
            " ".join(thanks),
            DECIDED,
            decided,
            NEXT,
            next_steps,
            NEXT_REVIEW,
            _next_review_line(review),
            TALK,
            "You can talk to me about anything in this letter. Your carer or your social worker can help you "
            "get in touch with me. You can also ask for an advocate. An advocate is someone who is on your side "
            "and helps you say what you think.",
            sign_off,
        ]
    )


def letter_text(review: Review) -> tuple[str, int]:
    """The letter as the IRO last saved it, with its version; the draft (version 0) before that."""
    letter = ChildLetter.objects.filter(review=review).first()
    if letter is None:
        return draft_letter(review), 0
    return letter.text, letter.version


_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")
_BULLET = re.compile(r"^[-*•]\s+")


@dataclass(frozen=True)
class LetterBlock:
    kind: str  # "heading", "numbered", "bullets" or "paragraph"
    lines: list[str] = field(default_factory=list)


def letter_blocks(text: str) -> list[LetterBlock]:
    """The letter's paragraphs (separated by blank lines) as the document shows them: one of the
    LETTER_HEADINGS alone is a heading; lines all numbered ("1.") or all starting "-" are a list."""
    headings = {heading.lower() for heading in LETTER_HEADINGS}
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].rstrip(":").lower() in headings:
            blocks.append(LetterBlock("heading", [lines[0].rstrip(":")]))
        elif all(_NUMBERED.match(line) for line in lines):
            blocks.append(LetterBlock("numbered", [_NUMBERED.sub("", line) for line in lines]))
        elif all(_BULLET.match(line) for line in lines):
            blocks.append(LetterBlock("bullets", [_BULLET.sub("", line) for line in lines]))
        else:
            blocks.append(LetterBlock("paragraph", lines))
    return blocks
