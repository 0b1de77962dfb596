"""Sign-in, sign-out and failed sign-in attempts go to the audit log; every migrate makes the
log's partitions for the months ahead."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditAction
from .services import add_partitions, record_event


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event(action=AuditAction.LOGIN, user=user, obj=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(action=AuditAction.LOGOUT, user=user, obj=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    record_event(
        action=AuditAction.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        object_type="accounts.user",
        request=request,
    )


def add_partitions_after_migrate(sender, **kwargs):
    """Connected to post_migrate by AuditConfig.ready(), so that a deployment never waits for
    Celery beat's next run to have this month's partitions."""
    add_partitions()
