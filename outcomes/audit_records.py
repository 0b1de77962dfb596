"""How the audit log names the outcome records (audit.registry), registered by OutcomesConfig.ready()."""

from audit.registry import RecordKind, register_record_kind

from .years import year_label

register_record_kind(
    "outcomes.healthrecord",
    RecordKind(
        "Health record (OC2)",
        "health records (OC2)",
        "outcomes.HealthRecord",
        ("year",),
        lambda year: f"For {year_label(int(year))}",
    ),
)
register_record_kind(
    "outcomes.careleaverrecord",
    RecordKind(
        "Care leaver record (OC3)",
        "care leaver records (OC3)",
        "outcomes.CareLeaverRecord",
        ("year",),
        lambda year: f"For {year_label(int(year))}",
    ),
)
