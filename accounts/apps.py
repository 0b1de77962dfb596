from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from audit.registry import register_log_reader_rule

        from . import audit_records, checks, signals  # noqa: F401
        from .permissions import may_read_audit_log

        register_log_reader_rule(may_read_audit_log)
