"""The IRO's working record of a LAC review: who was invited and who came, what everyone said,
the care plan checks, and the draft kept server-side until the IRO completes the review.
These rows exist while the review is still due or booked (the draft), so nothing typed is lost."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from iro_portal.locking import version_field


class ParticipantRole(models.TextChoices):
    CHILD = "child", "The child"
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    OTHER_PARENT = "other_parent", "Other parent"
    CARER = "carer", "Carer"
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Virtual school or education"
    ADVOCATE = "advocate", "Advocate"
    INDEPENDENT_VISITOR = "independent_visitor", "Independent Visitor"
    INTERPRETER = "interpreter", "Interpreter"
    OTHER = "other", "Other"


PARENT_ROLES = (ParticipantRole.MOTHER, ParticipantRole.FATHER, ParticipantRole.OTHER_PARENT)


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    SENT_VIEWS = "sent_views", "Sent their views"
    APOLOGIES = "apologies", "Gave apologies"
    DID_NOT_RESPOND = "did_not_respond", "Did not respond"


class ReviewParticipant(models.Model):
    """One person invited to (or present at) a LAC review, and what happened."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    name = models.CharField(max_length=200, blank=True, help_text="Optional for the child.")
    invited = models.BooleanField(default=True)
    attendance = models.CharField(max_length=20, choices=Attendance.choices)
    version = version_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=ParticipantRole.values), name="participant_role_valid"),
            models.CheckConstraint(condition=Q(attendance__in=Attendance.values), name="participant_attendance_valid"),
            models.CheckConstraint(condition=~Q(name="") | Q(role="child"), name="participant_named_unless_child"),
            models.UniqueConstraint(fields=["review"], condition=Q(role="child"), name="participant_one_child"),
        ]

    def __str__(self):
        return f"{self.name or self.get_role_display()} ({self.get_attendance_display().lower()})"


class ViewsOf(models.TextChoices):
    CHILD = "child", "The child's wishes and feelings"
    PARENTS = "parents", "The parents' views"
    CARERS = "carers", "The carers' views"
    SOCIAL_WORKER = "social_worker", "The social worker's report"


class ViewsGiven(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    WRITTEN = "written", "Written"
    ADVOCATE = "advocate", "Through an advocate"
    ONLINE = "online", "Online consultation"


class ReviewViews(models.Model):
    """What one party said for the review, and how it was given (plain text, shown escaped)."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="views")
    of = models.CharField(max_length=20, choices=ViewsOf.choices)
    text = models.TextField()
    given = models.CharField(max_length=20, choices=ViewsGiven.choices)
    version = version_field()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "review views"
        constraints = [
            models.UniqueConstraint(fields=["review", "of"], name="review_views_one_per_party"),
            models.CheckConstraint(condition=Q(of__in=ViewsOf.values), name="review_views_of_valid"),
            models.CheckConstraint(condition=Q(given__in=ViewsGiven.values), name="review_views_given_valid"),
            models.CheckConstraint(condition=~Q(text=""), name="review_views_has_text"),
        ]

    def __str__(self):
        return self.get_of_display()


class CarePlanCheckKind(models.TextChoices):
    """The checks the IRO makes of the care plan at every LAC review (IRO Handbook chapter 3)."""

    CARE_PLAN = "care_plan", "Care plan up to date"
    PERMANENCE_PLAN = "permanence_plan", "Permanence plan agreed"
    PLACEMENT_PLAN = "placement_plan", "Placement plan"
    HEALTH_ASSESSMENT = "health_assessment", "Health assessment in date"
    PEP = "pep", "Personal education plan in date"
    PATHWAY_PLAN = "pathway_plan", "Pathway plan"
    CONTACT = "contact", "Contact arrangements, including siblings"
    DELEGATED_AUTHORITY = "delegated_authority", "Delegated authority"
    LIFE_STORY = "life_story", "Life-story work"


class CheckAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class CarePlanCheck(models.Model):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="care_plan_checks")
    kind = models.CharField(max_length=30, choices=CarePlanCheckKind.choices)
    answer = models.CharField(max_length=20, choices=CheckAnswer.choices)
    note = models.CharField(max_length=1000, blank=True)
    version = version_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind"], name="care_plan_check_once_per_review"),
            models.CheckConstraint(condition=Q(kind__in=CarePlanCheckKind.values), name="care_plan_check_kind_valid"),
            models.CheckConstraint(condition=Q(answer__in=CheckAnswer.values), name="care_plan_check_answer_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_answer_display()}"


class ReviewRecord(models.Model):
    """The LAC review's record beyond its dates and codes, and the draft: the values of the
    meeting and participation (which go on the review only when the IRO completes it) and the
    decisions not yet agreed, kept server-side while the IRO works."""

    review = models.OneToOneField("reviews.Review", on_delete=models.CASCADE, related_name="record")
    plan_meets_needs = models.BooleanField("the plan meets the child's needs", null=True, blank=True)
    child_views_not_obtained = models.CharField(
        "reason the child's views were not obtained", max_length=1000, blank=True
    )
    draft = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)
    version = version_field()

    def __str__(self):
        return f"Record of {self.review}"
