"""The online consultation before a LAC review, as the review's working record reads it.

The consultations app sits above reviews (tests/test_import_graph.py), so reviews may not import
it. Rather than pages in consultations that write the record, consultations answers from its
AppConfig.ready() through register_online_replies (as the apps tell audit.registry how to name
their records): the record's own task pages show the replies in place, and "Use in the record"
goes through reviews.record_services.save_views, so the record's rules (optimistic locking, the
draft, what completing needs) stay in reviews, in one place. Until consultations registers, no
review has online replies."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from iro_portal.dates import format_date

from .models import Review
from .record_models import ParticipantRole, ViewsOf


@dataclass(frozen=True)
class OnlineReply:
    """One person's reply. `of` is whose views it gives (a ViewsOf value), or "" for another
    professional's, which is there to read and has no views of its own in the record. `answers`
    are (question, answer) pairs that may go into the record; `not_to_share` never does."""

    of: str
    who: str
    sent_on: date
    answers: tuple[tuple[str, str], ...] = ()
    not_to_share: str = ""
    feels_safe: bool | None = None


@dataclass(frozen=True)
class ChildAsks:
    """What the child asked for about their review: the people they want there (ParticipantRole
    values, and anyone else in their words), an advocate, to chair part of it, whether they want
    to come (the answer's words), and where and when."""

    at_review: tuple[str, ...] = ()
    someone_else: str = ""
    advocate: bool | None = None
    chair: bool | None = None
    attend: str = ""
    where_and_when: str = ""

    @property
    def asked(self) -> bool:
        return bool(
            self.at_review or self.someone_else or self.advocate or self.chair or self.attend or self.where_and_when
        )

    @property
    def roles_wanted(self) -> list[str]:
        """The people to add as invited: those the child named, and an advocate if they asked for one."""
        roles = [role for role in self.at_review if role in ParticipantRole.values and role != ParticipantRole.CHILD]
        if self.advocate and ParticipantRole.ADVOCATE not in roles:
            roles.append(ParticipantRole.ADVOCATE)
        return roles

    @property
    def people_wanted(self) -> list[str]:
        return [ParticipantRole(role).label for role in self.at_review if role in ParticipantRole.values]


@dataclass(frozen=True)
class Invited:
    who: str
    replied: bool


@dataclass(frozen=True)
class OnlineReplies:
    """Who was sent a consultation link for the review (links withdrawn left out), the replies
    received, oldest first, and what the child's latest reply asked for."""

    invited: tuple[Invited, ...] = ()
    replies: tuple[OnlineReply, ...] = ()
    child_asks: ChildAsks | None = None

    @property
    def replied(self) -> list[str]:
        return [person.who for person in self.invited if person.replied]

    @property
    def not_replied(self) -> list[str]:
        return [person.who for person in self.invited if not person.replied]

    def of(self, of: str) -> list[OnlineReply]:
        return [reply for reply in self.replies if reply.of == of]

    @property
    def child_replied(self) -> bool:
        return bool(self.of(ViewsOf.CHILD))

    @property
    def professionals(self) -> list[OnlineReply]:
        return self.of("")


NO_REPLIES = OnlineReplies()

RepliesProvider = Callable[[Review], OnlineReplies]
_providers: list[RepliesProvider] = []


def register_online_replies(provider: RepliesProvider) -> None:
    """How to read a review's online replies (one query, however many): set once, by the app that holds them."""
    _providers[:] = [provider]


def online_replies(review: Review) -> OnlineReplies:
    return _providers[0](review) if _providers else NO_REPLIES


def views_text(of: str, replies: Sequence[OnlineReply]) -> str:
    """The replies as the record's words for one party: each answer after its question, and,
    for anyone but the child, each reply headed with who sent it, so several parents' replies
    say who said what. What was asked not to be shared is never part of it."""
    parts = []
    for reply in replies:
        if not reply.answers:
            continue
        lines = [f"{question}: {answer}" for question, answer in reply.answers]
        if of != ViewsOf.CHILD:
            lines.insert(0, f"{reply.who}, online on {format_date(reply.sent_on)}:")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
