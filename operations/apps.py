from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service: the /healthz endpoint load balancers and monitors poll, and database
    backups. It has no models of its own."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from . import audit_records  # noqa: F401
