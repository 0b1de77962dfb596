from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "IRO staffing"

    def ready(self):
        from . import audit_records  # noqa: F401
