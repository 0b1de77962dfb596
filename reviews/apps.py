from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews and conferences"

    def ready(self):
        from children.signals import care_record_changed

        from . import audit_records  # noqa: F401
        from .receivers import follow_care_record
        from .working_day_calendar import ensure_calendar

        care_record_changed.connect(follow_care_record, dispatch_uid="reviews.follow_care_record")
        post_migrate.connect(ensure_calendar, sender=self, dispatch_uid="reviews.ensure_calendar")
