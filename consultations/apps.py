from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations (the views of the child and others before a review)"

    def ready(self):
        from . import audit_records, review_replies  # noqa: F401
