from django.apps import AppConfig


class Ssda903Config(AppConfig):
    """The DfE SSDA903 (children looked after) return: importing an authority's existing
    return and producing the return from the portal's records."""

    name = "ssda903"
    verbose_name = "SSDA903 return"

    def ready(self):
        from . import audit_records  # noqa: F401
