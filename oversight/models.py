from django.conf import settings
from django.db import models
from django.db.models import F, Q

from children.models import Child
from iro_portal.dates import format_date
from iro_portal.locking import version_field
from reviews.models import Review


class OversightKind(models.TextChoices):
    POST_REVIEW = "post_review", "Post-review RAG rating"
    MIDWAY_REVIEW = "midway_review", "Mid-way review"
    CASE_FILE_CHECK = "case_file_check", "Case-file check"
    CONTACT_WITH_CHILD = "contact_with_child", "Contact with the child"
    CONTACT_WITH_SOCIAL_WORKER = "contact_with_social_worker", "Contact with the social worker or their manager"
    PRE_MEETING_CHECK = "pre_meeting_check", "Pre-meeting check"
    QUALITY_ASSURANCE_ALERT = "quality_assurance_alert", "Quality-assurance alert"


RATED_KINDS = (OversightKind.POST_REVIEW, OversightKind.MIDWAY_REVIEW)


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


RAG_MEANINGS = {
    Rag.RED: "Time-critical drift or a significant safeguarding concern: follow up within 4 weeks",
    Rag.AMBER: "Emerging drift: follow up in 5 to 8 weeks",
    Rag.GREEN: "The plan is progressing: a desktop mid-way review around the midpoint between reviews",
}


class OversightRecord(models.Model):
    """What the IRO did or found about a child's plan between reviews, with a RAG rating after
    a review or at the mid-way point, and when they will look again."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="oversight_records")
    iro = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oversight_records", verbose_name="IRO"
    )
    date = models.DateField()
    kind = models.CharField(max_length=30, choices=OversightKind.choices)
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices, blank=True)
    tracking = models.TextField("what the IRO is tracking", blank=True)
    next_check_date = models.DateField(null=True, blank=True)
    review = models.ForeignKey(
        Review,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="oversight_records",
        help_text="The review this rating follows.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["child", "-date"], name="oversight_child_date_idx"),
            # A child's contacts between two days (seen by the IRO before a review), without
            # reading their other records.
            models.Index(fields=["child", "kind", "date"], name="oversight_child_kind_date_idx"),
            models.Index(fields=["next_check_date"], name="oversight_next_check_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OversightKind.values), name="oversight_kind_valid"),
            models.CheckConstraint(condition=Q(rag="") | Q(rag__in=Rag.values), name="oversight_rag_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=RATED_KINDS) | ~Q(rag=""), name="oversight_rated_kinds_have_rag"
            ),
            models.CheckConstraint(
                condition=Q(next_check_date__isnull=True) | Q(next_check_date__gte=F("date")),
                name="oversight_next_check_not_before_record",
            ),
            models.UniqueConstraint(
                fields=["review"], condition=Q(kind="post_review"), name="oversight_one_rating_per_review"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {format_date(self.date)} ({self.rag or 'no rating'})"


class ContactMethod(models.TextChoices):
    VISIT = "visit", "Visit"
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    VIDEO = "video", "Video call"
    LETTER = "letter", "Letter or email"


class InContactPlan(models.Model):
    """How and how often the IRO and the child agreed to keep in touch between reviews."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="in_contact_plans")
    method = models.CharField(max_length=10, choices=ContactMethod.choices)
    every_weeks = models.PositiveSmallIntegerField("every how many weeks")
    agreed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = version_field()

    class Meta:
        ordering = ["-agreed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_on__isnull=True), name="in_contact_plan_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1) & Q(every_weeks__lte=26), name="in_contact_plan_every_1_to_26_weeks"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("agreed_on")),
                name="in_contact_plan_end_not_before_start",
            ),
            models.CheckConstraint(condition=Q(method__in=ContactMethod.values), name="in_contact_plan_method_valid"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} every {self.every_weeks} weeks from {format_date(self.agreed_on)}"
