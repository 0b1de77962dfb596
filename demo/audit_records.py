"""How the audit log names the demo data's seeding (audit.registry), registered by DemoConfig.ready()."""

from audit.registry import RecordKind, register_record_kind

register_record_kind("demo.seed", RecordKind("Demo data", "demo data"))
