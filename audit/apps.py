from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from . import audit_records  # noqa: F401
        from .signals import add_partitions_after_migrate

        post_migrate.connect(add_partitions_after_migrate, sender=self, dispatch_uid="audit.add_partitions")
