from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Oversight between reviews"

    def ready(self):
        from . import audit_records  # noqa: F401
