from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes for children in care"

    def ready(self):
        from . import (
            audit_records,  # noqa: F401
            missing_audit,  # noqa: F401
        )
