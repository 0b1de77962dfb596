"""How the audit log names consultation links and replies (audit.registry), registered by
ConsultationsConfig.ready()."""

from audit.registry import RecordKind, moment, register_record_kind

register_record_kind(
    "consultations.consultationinvitation",
    RecordKind(
        "Consultation link",
        "consultation links",
        "consultations.ConsultationInvitation",
        ("person_type", "purpose"),
        lambda person_type, purpose: f"{purpose.capitalize()} link for the {person_type.replace('_', ' ')}",
    ),
)
register_record_kind(
    "consultations.consultationresponse",
    RecordKind(
        "Consultation reply",
        "consultation replies",
        "consultations.ConsultationResponse",
        ("submitted_at",),
        lambda on: f"Sent {moment(on)}",
    ),
)
register_record_kind(
    "consultations.safetyalert",
    RecordKind(
        "Safety alert",
        "safety alerts",
        "consultations.SafetyAlert",
        ("raised_at",),
        lambda on: f"Raised {moment(on)}",
    ),
)
register_record_kind(
    "consultations.watchedphrase",
    RecordKind(
        "Watched word",
        "watched words",
        "consultations.WatchedPhrase",
        ("phrase",),
        lambda phrase: f"“{phrase}”",
    ),
)
PUBLIC_PAGES = "consultations.publicpages"
"""Refusals on the public pages that belong to no link (too many requests from one address)."""
register_record_kind(PUBLIC_PAGES, RecordKind("Have your say pages", "have your say pages"))
