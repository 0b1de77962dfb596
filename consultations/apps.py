from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations (the views of the child and others before a review)"

    def ready(self):
        from reviews.signals import review_held

        from . import audit_records, review_replies  # noqa: F401
        from .receivers import send_feedback_links

        review_held.connect(send_feedback_links, dispatch_uid="consultations.send_feedback_links")
