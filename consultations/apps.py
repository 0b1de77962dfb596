from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations (the views of the child and others before a review)"

    def ready(self):
        from reviews.signals import review_held

        from . import audit_records, review_replies  # noqa: F401
        from .figure_selectors import register_sqlite_median
        from .receivers import send_feedback_links

        review_held.connect(send_feedback_links, dispatch_uid="consultations.send_feedback_links")
        connection_created.connect(register_sqlite_median, dispatch_uid="consultations_sqlite_median")
