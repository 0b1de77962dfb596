"""Consultation before a review, and feedback after it, from people who do not sign in: the
child, the parents, the carers, the social worker and other professionals. Each invitation is for
one person and one review, opened by a code only its hash of which is kept (consultations.tokens);
a reply is kept once and never shown back through the link."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from iro_portal.locking import version_field
from reviews.models import Review, ReviewKind

from .alert_models import WatchedPhrase  # noqa: F401 - one of the app's models, kept in its own module

CONSULTED_KINDS = (ReviewKind.LAC, ReviewKind.ICPC, ReviewKind.RCPC)
"""The reviews links are sent for: LAC reviews and child protection conferences."""


class Purpose(models.TextChoices):
    CONSULTATION = "consultation", "Consultation before the review"
    FEEDBACK = "feedback", "Feedback after the review"


class PersonType(models.TextChoices):
    CHILD = "child", "The child"
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PROFESSIONAL = "professional", "Other professional"


class FormVersion(models.TextChoices):
    """Which questions, in which words: children's forms by age at the review, one for each adult."""

    CHILD_UNDER_8 = "child_under_8", "Child under 8"
    CHILD_8_TO_12 = "child_8_to_12", "Child aged 8 to 12"
    CHILD_13_PLUS = "child_13_plus", "Young person aged 13 or over"
    PARENT = "parent", "Parent"
    CARER = "carer", "Carer"
    PROFESSIONAL = "professional", "Professional"


CHILD_FORMS = (FormVersion.CHILD_UNDER_8, FormVersion.CHILD_8_TO_12, FormVersion.CHILD_13_PLUS)
ADULT_FORMS = {
    PersonType.PARENT: FormVersion.PARENT,
    PersonType.CARER: FormVersion.CARER,
    PersonType.SOCIAL_WORKER: FormVersion.PROFESSIONAL,
    PersonType.PROFESSIONAL: FormVersion.PROFESSIONAL,
}


def child_form_for_age(age: int) -> str:
    """The child's form for their age in whole years on the review date."""
    if age < 8:
        return FormVersion.CHILD_UNDER_8
    if age < 13:
        return FormVersion.CHILD_8_TO_12
    return FormVersion.CHILD_13_PLUS


class Delivery(models.TextChoices):
    EMAIL = "email", "By email"
    SHOWN = "shown", "Shown once, to pass on"


class ConsultationInvitation(models.Model):
    """One person's link for one review. Usable while not revoked, not yet answered and not
    expired; a consultation link also closes when its review is held or cancelled."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="consultation_invitations")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.CONSULTATION)
    person_type = models.CharField(max_length=20, choices=PersonType.choices)
    form = models.CharField(max_length=20, choices=FormVersion.choices)
    name = models.CharField(max_length=200, blank=True, help_text="Who the link is for, as staff know them.")
    email = models.EmailField(blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="When the link was first opened.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follows = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feedback_link",
        help_text="For a feedback link: the consultation link of the same person, so no one is asked twice.",
    )
    version = version_field()

    class Meta:
        ordering = ["review_id", "created_at", "id"]
        indexes = [models.Index(fields=["review", "purpose"], name="consultation_review_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="consultation_purpose_valid"),
            models.CheckConstraint(
                condition=Q(person_type__in=PersonType.values), name="consultation_person_type_valid"
            ),
            models.CheckConstraint(condition=Q(delivery__in=Delivery.values), name="consultation_delivery_valid"),
            models.CheckConstraint(
                condition=(Q(person_type=PersonType.CHILD) & Q(form__in=CHILD_FORMS))
                | (Q(person_type=PersonType.PARENT) & Q(form=FormVersion.PARENT))
                | (Q(person_type=PersonType.CARER) & Q(form=FormVersion.CARER))
                | (
                    Q(person_type__in=(PersonType.SOCIAL_WORKER, PersonType.PROFESSIONAL))
                    & Q(form=FormVersion.PROFESSIONAL)
                ),
                name="consultation_form_fits_person",
                violation_error_message="The form does not fit the person it is for.",
            ),
            models.CheckConstraint(
                condition=~Q(delivery=Delivery.EMAIL) | ~Q(email=""),
                name="consultation_email_has_address",
                violation_error_message="A link sent by email needs an email address.",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="consultation_revoked_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(follows__isnull=True) | Q(purpose=Purpose.FEEDBACK),
                name="consultation_only_feedback_follows",
            ),
        ]

    def __str__(self):
        who = self.name or self.get_person_type_display()
        return f"{self.get_purpose_display()} for {who}"


class WantsToAttend(models.TextChoices):
    YES = "yes", "Yes"
    PART = "part", "For part of it"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class ConsultationResponse(models.Model):
    """What one person sent, once. The questions every form shares are fields (the review, the
    safety alert and the figures use them); `answers` keeps what only one form asks (for example
    the pictures a young child chose), by question key. Text is kept as typed and always shown
    escaped. Feedback replies fill only `listened_score` and `feedback_text`."""

    invitation = models.OneToOneField(ConsultationInvitation, on_delete=models.CASCADE, related_name="response")
    submitted_at = models.DateTimeField(auto_now_add=True)
    going_well = models.TextField("what is going well", max_length=5000, blank=True)
    worries = models.TextField("what worries me", max_length=5000, blank=True)
    wishes = models.TextField("what I want to happen", max_length=5000, blank=True)
    feels_safe = models.BooleanField("feels safe where they live", null=True, blank=True)
    wants_to_attend = models.CharField(max_length=10, choices=WantsToAttend.choices, blank=True)
    wants_at_review = models.JSONField(
        "who they want at the review", default=list, blank=True, help_text="ParticipantRole values."
    )
    wants_at_review_other = models.CharField("anyone else they want there", max_length=500, blank=True)
    where_and_when = models.TextField("where and when they would like it", max_length=2000, blank=True)
    wants_to_chair = models.BooleanField("would like to chair part of it", null=True, blank=True)
    wants_advocate = models.BooleanField("would like an advocate", null=True, blank=True)
    not_to_share = models.TextField("anything they do not want shared", max_length=5000, blank=True)
    anything_else = models.TextField(max_length=5000, blank=True)
    listened_score = models.PositiveSmallIntegerField(
        "how well the review listened (1 not at all to 5 very well)", null=True, blank=True
    )
    feedback_text = models.TextField("anything else to tell us", max_length=5000, blank=True)
    answers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(listened_score__isnull=True) | Q(listened_score__gte=1, listened_score__lte=5),
                name="consultation_listened_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(wants_to_attend="") | Q(wants_to_attend__in=WantsToAttend.values),
                name="consultation_wants_to_attend_valid",
            ),
        ]

    def __str__(self):
        return f"Reply to the {self.invitation}"


class AlertReason(models.TextChoices):
    FEELS_UNSAFE = "feels_unsafe", "Said they do not feel safe"
    WATCHED_WORDS = "watched_words", "Used words the service watches for"


class SafetyAlert(models.Model):
    """A reply that needs someone to act today: the child said they do not feel safe, or a reply
    used words the service watches for. Raised in the same transaction as the reply is kept, so
    no worrying answer is ever saved without its alert; answered by the IRO or a manager, who
    record what they did (and may record a red oversight rating with a check within a working day)."""

    response = models.OneToOneField(ConsultationResponse, on_delete=models.CASCADE, related_name="safety_alert")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="safety_alerts")
    reason = models.CharField(max_length=20, choices=AlertReason.choices)
    matched_words = models.CharField(max_length=500, blank=True, help_text="The watched words the reply used.")
    raised_at = models.DateTimeField(db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_taken = models.TextField("what was done", max_length=5000, blank=True)
    oversight_record = models.ForeignKey(
        "oversight.OversightRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When the alert, still unanswered, was passed to the service managers."
    )
    version = version_field()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=AlertReason.values), name="safety_alert_reason_valid"),
            models.CheckConstraint(
                condition=(Q(responded_at__isnull=True) & Q(responded_by__isnull=True) & Q(action_taken=""))
                | (Q(responded_at__isnull=False) & Q(responded_by__isnull=False) & ~Q(action_taken="")),
                name="safety_alert_response_complete",
                violation_error_message="Say what was done in response to the alert.",
            ),
            models.CheckConstraint(
                condition=Q(responded_at__isnull=True) | Q(responded_at__gte=models.F("raised_at")),
                name="safety_alert_responded_after_raised",
            ),
        ]

    def __str__(self):
        return f"Safety alert: {self.get_reason_display().lower()}"
