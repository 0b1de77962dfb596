from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Oversight between reviews"

    def ready(self):
        from children.signals import care_record_changed

        from . import audit_records  # noqa: F401
        from .receivers import follow_care_record

        care_record_changed.connect(follow_care_record, dispatch_uid="oversight.follow_care_record")
