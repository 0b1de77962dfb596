"""How the audit log names missing episodes, adoption decisions, adoptions and previous
permanence (audit.registry), registered by OutcomesConfig.ready()."""

from audit.registry import RecordKind, day, register_record_kind

register_record_kind(
    "outcomes.missingepisode",
    RecordKind(
        "Missing or away episode",
        "missing or away episodes",
        "outcomes.MissingEpisode",
        ("start_date",),
        lambda on: f"From {day(on)}",
    ),
)
register_record_kind(
    "outcomes.adoptiondecision",
    RecordKind(
        "Decision to place for adoption",
        "decisions to place for adoption",
        "outcomes.AdoptionDecision",
        ("decided_on",),
        lambda on: f"Decided {day(on)}",
    ),
)
register_record_kind(
    "outcomes.adoption",
    RecordKind(
        "Adoption",
        "adoptions",
        "outcomes.Adoption",
        ("matched_on",),
        lambda on: f"Matched {day(on)}" if on else "Match not recorded",
    ),
)
register_record_kind(
    "outcomes.previouspermanence",
    RecordKind(
        "Previous permanence",
        "previous permanence",
        "outcomes.PreviousPermanence",
        ("order",),
        lambda order: order or "Not recorded",
    ),
)
