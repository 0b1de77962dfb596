from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Escalations (dispute resolution)"

    def ready(self):
        from . import audit_records  # noqa: F401
