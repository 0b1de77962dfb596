from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from .stored_figures import forget_all

        post_migrate.connect(forget_all, sender=self, dispatch_uid="reporting_forget_stored_figures")
