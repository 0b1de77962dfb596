from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from . import audit_records  # noqa: F401
        from .stored_figures import forget_all, restore_sqlite_data_version_triggers

        post_migrate.connect(forget_all, sender=self, dispatch_uid="reporting_forget_stored_figures")
        post_migrate.connect(
            restore_sqlite_data_version_triggers,
            sender=self,
            dispatch_uid="reporting_restore_sqlite_triggers",
        )
