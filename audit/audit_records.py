"""How the audit log names its own pages when someone reads them (audit.registry), registered by
AuditConfig.ready()."""

from .models import AUDIT_LOG_OBJECT_TYPE
from .registry import RecordKind, register_record_kind

register_record_kind(AUDIT_LOG_OBJECT_TYPE, RecordKind("Audit log", "audit log pages"))
