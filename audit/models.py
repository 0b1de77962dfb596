from django.conf import settings
from django.db import models

from iro_portal.dates import format_datetime

AUDIT_LOG_OBJECT_TYPE = "audit.log"
"""The object type of events about the log itself: reading it, exporting it, removing old months."""


class AuditAction(models.TextChoices):
    VIEW = "view", "View"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign in"
    LOGIN_FAILED = "login-failed", "Failed sign-in"
    LOGOUT = "logout", "Sign out"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A row of the audit log: it can be added, never changed or removed."""

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who did what to which record, when and from where. Rows are only ever added:
    the application refuses updates and deletes, and on PostgreSQL a trigger does too. On
    PostgreSQL the table is partitioned by month (migration 0005), so that retention
    (services.remove_expired_months) drops whole months."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="As typed, kept for failed sign-ins.")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    child_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_action_valid")
        ]

    def __str__(self):
        return f"{format_datetime(self.occurred_at)} {self.username or self.user_id} {self.action} {self.object_type} {self.object_id}"


class AuditEventChild(AppendOnlyModel):
    """A child shown on the list page an event records, one row per child: the index behind
    "who saw this child" for list views, the same on SQLite and PostgreSQL (the event's detail
    keeps the ids too, in the order shown, for the table and the CSV export)."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="children_shown")
    event_occurred_at = models.DateTimeField(
        help_text="The event's occurred_at, so that on PostgreSQL these rows fall in the event's month "
        "(audit migration 0005) and a month of the log is removed as a whole."
    )
    child_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child_id", "event"], name="audit_event_child_once")]

    def __str__(self):
        return f"child {self.child_id} in event {self.event_id}"
