from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews and conferences"

    def ready(self):
        from . import audit_records  # noqa: F401
        from .working_day_calendar import ensure_calendar

        post_migrate.connect(ensure_calendar, sender=self, dispatch_uid="reviews.ensure_calendar")
