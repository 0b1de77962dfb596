"""How the audit log names oversight records and In-Contact plans (audit.registry), registered by
OversightConfig.ready()."""

from audit.registry import RecordKind, day, register_record_kind

from .models import OversightKind

register_record_kind(
    "oversight.oversightrecord",
    RecordKind(
        "Oversight record",
        "oversight records",
        "oversight.OversightRecord",
        ("kind", "date"),
        lambda kind, on: f"{OversightKind(kind).label} on {day(on)}",
    ),
)
register_record_kind(
    "oversight.incontactplan",
    RecordKind(
        "In-Contact plan",
        "In-Contact plans",
        "oversight.InContactPlan",
        ("agreed_on",),
        lambda on: f"Agreed on {day(on)}",
    ),
)
