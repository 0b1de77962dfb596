"""How the audit log names reminders (audit.registry), registered by NotificationsConfig.ready()."""

from audit.registry import RecordKind, register_record_kind

register_record_kind("notifications.notification", RecordKind("Reminder", "reminders"))
