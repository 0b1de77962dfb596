"""How the audit log names escalations and their stages (audit.registry), registered by
EscalationsConfig.ready()."""

from audit.registry import RecordKind, day, register_record_kind

from .codes import Stage

register_record_kind(
    "escalations.escalation",
    RecordKind(
        "Escalation", "escalations", "escalations.Escalation", ("raised_on",), lambda on: f"Raised on {day(on)}"
    ),
)
register_record_kind(
    "escalations.escalationstep",
    RecordKind(
        "Escalation stage",
        "escalation stages",
        "escalations.EscalationStep",
        ("stage", "sent_on"),
        lambda stage, on: f"{Stage(int(stage)).label}, sent on {day(on)}",
    ),
)
