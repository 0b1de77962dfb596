"""Reading safety alerts: who may see one, the managers' list of those still open, and what in a
reply raised one."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from accounts.models import User
from children.models import Child, current_iro, prefetch_current_iro
from children.permissions import children_visible_to, records_for_children_seen

from .alert_models import WatchedPhrase
from .alerts import matched_phrases, reply_texts
from .models import AlertReason, ConsultationResponse, SafetyAlert

FEELS_SAFE_QUESTION = str(ConsultationResponse._meta.get_field("feels_safe").verbose_name).capitalize()
WORRIES_QUESTION = str(ConsultationResponse._meta.get_field("worries").verbose_name).capitalize()


def alerts_visible_to(user: User, alerts: QuerySet[SafetyAlert] | None = None) -> QuerySet[SafetyAlert]:
    """The alerts about children the user may see and record for: their IRO (and IROs covering
    for them), managers and administrators. Business support, who enter data but read nothing
    a child said, and board members see none."""
    alerts = SafetyAlert.objects.all() if alerts is None else alerts
    if not records_for_children_seen(user):
        return alerts.none()
    return alerts.filter(review__child__in=children_visible_to(user, Child.objects.all()))


def with_reply(alerts: QuerySet[SafetyAlert]) -> QuerySet[SafetyAlert]:
    return alerts.select_related("review__child", "response__invitation", "responded_by", "oversight_record")


@dataclass(frozen=True)
class OpenAlertRow:
    alert: SafetyAlert
    child: Child
    iro: User | None


def open_alerts(on: date) -> QuerySet[SafetyAlert]:
    """Every alert nobody has answered yet, the oldest first, with the child and their IRO
    today: three queries however many (the page, the count and the IROs)."""
    return (
        SafetyAlert.objects.filter(responded_at__isnull=True)
        .select_related("review__child", "response__invitation")
        .prefetch_related(prefetch_current_iro(on, through="review__child__"))
        .order_by("raised_at", "pk")
    )


def open_alert_rows(alerts: list[SafetyAlert]) -> list[OpenAlertRow]:
    return [OpenAlertRow(alert, alert.review.child, current_iro(alert.review.child)) for alert in alerts]


@dataclass(frozen=True)
class Answer:
    question: str
    text: str


def what_raised_it(alert: SafetyAlert) -> list[Answer]:
    """The answers of the reply that raised the alert: the child's answer about feeling safe,
    with what worries them, and every answer using one of the words it matched."""
    response = alert.response
    answers = []
    if alert.reason == AlertReason.FEELS_UNSAFE:
        answers.append(Answer(FEELS_SAFE_QUESTION, "No"))
    words = [word for word in alert.matched_words.split(", ") if word]
    for question, text in reply_texts(response):
        if (alert.reason == AlertReason.FEELS_UNSAFE and question == WORRIES_QUESTION) or matched_phrases(
            [text], words
        ):
            answers.append(Answer(question, text))
    return answers


def watched_phrases() -> QuerySet[WatchedPhrase]:
    return WatchedPhrase.objects.select_related("added_by").order_by("phrase")
