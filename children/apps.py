from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    verbose_name = "Children in care"

    def ready(self):
        from audit.registry import register_cover_lookup
        from children.permissions import covers_for_children

        from . import audit_records  # noqa: F401

        register_cover_lookup(covers_for_children)
