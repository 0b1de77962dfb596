"""How the audit log names backups (audit.registry), registered by OperationsConfig.ready()."""

from audit.registry import RecordKind, register_record_kind

register_record_kind("operations.backup", RecordKind("Backup", "backups"))
