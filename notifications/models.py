from django.conf import settings
from django.db import models
from django.db.models import Q

from children.models import Child
from iro_portal.dates import format_date


class NotificationKind(models.TextChoices):
    REVIEW_DUE = "review_due", "Review due"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    SOCIAL_WORKER_REPORT_MISSING = "social_worker_report_missing", "Social worker's report not received"
    DECISIONS_NOT_CIRCULATED = "decisions_not_circulated", "Review decisions not circulated"
    RECORD_NOT_CIRCULATED = "record_not_circulated", "Review record not circulated"
    ACTION_OVERDUE = "action_overdue", "Agreed action overdue"
    FIRST_CORE_GROUP_NOT_RECORDED = "first_core_group_not_recorded", "First core group meeting not recorded"
    OVERSIGHT_CHECK_DUE = "oversight_check_due", "Oversight check due"
    OVERSIGHT_MISSING_THIS_QUARTER = "oversight_missing_this_quarter", "No oversight record this quarter"
    ESCALATION_RESPONSE_DUE = "escalation_response_due", "Escalation response due"
    ESCALATION_RESPONSE_OVERDUE = "escalation_response_overdue", "Escalation response overdue"
    ESCALATION_FORMAL_TOO_LONG = "escalation_formal_too_long", "Formal escalation past its time limit"
    MANAGER_DIGEST = "manager_digest", "Daily digest"
    SAFETY_ALERT = "safety_alert", "Safety alert"


class SubjectType(models.TextChoices):
    REVIEW = "review", "Review"
    ACTION = "action", "Agreed action"
    OVERSIGHT = "oversight", "Oversight"
    ESCALATION = "escalation", "Escalation"
    DIGEST = "digest", "Digest"
    SAFETY_ALERT = "safety_alert", "Safety alert"


class Notification(models.Model):
    """One reminder for one person. The unique key makes every sweep idempotent: re-running it,
    running two at once or retrying after a crash can only add what is missing."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    due_date = models.DateField()
    step = models.CharField(max_length=40, help_text="Which reminder of the series: '10', '5', '1', 'overdue-week-2'…")
    message = models.TextField()
    link = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            models.Index(fields=["emailed_at", "email_attempts"], name="notification_outbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "due_date", "recipient", "step"],
                name="notification_once_per_reminder",
            ),
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"),
            models.CheckConstraint(condition=Q(subject_type__in=SubjectType.values), name="notification_subject_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} ({format_date(self.due_date)})"
