"""How the audit log names a period of an IRO's staffing (audit.registry), registered by StaffingConfig.ready()."""

from audit.registry import RecordKind, person, register_record_kind

register_record_kind(
    "staffing.staffingperiod",
    RecordKind(
        "Staffing",
        "IRO staffing",
        "staffing.StaffingPeriod",
        ("iro__first_name", "iro__last_name", "iro__username"),
        person,
    ),
)
