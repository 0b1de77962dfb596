from django.conf import settings
from django.db import models
from django.db.models import F, Q

from children.models import Child
from iro_portal.dates import format_date
from iro_portal.locking import version_field

from .codes import AreaOfConcern, EscalationStatus, Stage

NOT_RESOLVED = Q(resolved_on__isnull=True, resolved_at_stage__isnull=True, outcome="")
NOT_WITHDRAWN = Q(withdrawn_on__isnull=True, withdrawal_reason="")


class Escalation(models.Model):
    """A dispute the IRO raises with the local authority about a child's plan or care, taken up
    the stages until it is resolved or withdrawn (IRO Handbook ch. 6)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="escalations")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="escalations_raised", verbose_name="IRO"
    )
    raised_on = models.DateField()
    what_is_wrong = models.TextField("what is wrong")
    what_is_asked = models.TextField("what the IRO asks for")
    status = models.CharField(max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    resolved_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    resolved_at_stage = models.PositiveSmallIntegerField(
        "stage at which resolved", choices=Stage.choices, null=True, blank=True
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    reopened_on = models.DateField(null=True, blank=True, help_text="The last time a service manager reopened it.")
    reopen_reason = models.TextField("reason for reopening", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = version_field(
        help_text="Raised by every change to the escalation or its steps; a change made from an older version is "
        "refused."
    )

    class Meta:
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["status", "raised_on"], name="escalation_status_raised_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EscalationStatus.values), name="escalation_status_valid"),
            models.CheckConstraint(
                condition=Q(status=EscalationStatus.OPEN) & NOT_RESOLVED & NOT_WITHDRAWN
                | Q(status=EscalationStatus.RESOLVED, resolved_on__isnull=False, resolved_at_stage__isnull=False)
                & ~Q(outcome="")
                & NOT_WITHDRAWN
                | Q(status=EscalationStatus.WITHDRAWN, withdrawn_on__isnull=False)
                & ~Q(withdrawal_reason="")
                & NOT_RESOLVED,
                name="escalation_closure_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at_stage__isnull=True) | Q(resolved_at_stage__in=Stage.values),
                name="escalation_resolved_at_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="escalation_resolved_not_before_raised",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("raised_on")),
                name="escalation_withdrawn_not_before_raised",
            ),
            models.CheckConstraint(
                condition=Q(reopened_on__isnull=True, reopen_reason="")
                | Q(reopened_on__isnull=False, reopened_on__gte=F("raised_on")) & ~Q(reopen_reason=""),
                name="escalation_reopened_with_reason",
            ),
        ]

    def __str__(self):
        return f"Escalation raised {format_date(self.raised_on)} for child {self.child_id} ({self.status})"

    @property
    def is_open(self):
        return self.status == EscalationStatus.OPEN


class EscalationConcern(models.Model):
    """One area of concern an escalation names: a row each, so they can be counted in SQL."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="concerns")
    area = models.CharField(max_length=20, choices=AreaOfConcern.choices)

    class Meta:
        ordering = ["escalation_id", "area"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "area"], name="escalation_concern_once_per_area"),
            models.CheckConstraint(condition=Q(area__in=AreaOfConcern.values), name="escalation_concern_area_valid"),
        ]

    def __str__(self):
        return self.get_area_display()


class EscalationStep(models.Model):
    """The escalation put to someone at one stage, and their response. The due date comes from
    escalations.timescales and is stored for querying."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps")
    stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    addressed_to_name = models.CharField("addressed to (name)", max_length=200)
    addressed_to_role = models.CharField("addressed to (role)", max_length=200)
    sent_on = models.DateField("date sent")
    response_due = models.DateField(db_index=True)
    responded_on = models.DateField("response date", null=True, blank=True)
    response_summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["escalation_id", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["escalation", "stage"], name="escalation_step_one_per_stage"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="escalation_step_stage_valid"),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True) | Q(responded_on__gte=F("sent_on")),
                name="escalation_step_response_not_before_sent",
            ),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True, response_summary="")
                | Q(responded_on__isnull=False) & ~Q(response_summary=""),
                name="escalation_step_response_date_and_summary_together",
            ),
            models.CheckConstraint(
                condition=Q(response_due__gte=F("sent_on")), name="escalation_step_due_not_before_sent"
            ),
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: sent {format_date(self.sent_on)} to {self.addressed_to_name}"
