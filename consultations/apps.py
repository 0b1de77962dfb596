from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations (the views of the child and others before a review)"

    def ready(self):
        from . import audit_records  # noqa: F401
        from .figure_selectors import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="consultations_sqlite_median")
