"""How the audit log names children's records (audit.registry), registered by ChildrenConfig.ready()."""

from audit.registry import RecordKind, day, person, register_record_kind

register_record_kind(
    "children.child",
    RecordKind(
        "Child",
        "children",
        "children.Child",
        ("given_name", "family_name", "local_child_id"),
        lambda given, family, local_id: f"{given} {family} ({local_id})",
    ),
)
register_record_kind(
    "children.careepisode",
    RecordKind("Care episode", "care episodes", "children.CareEpisode", ("start_date",), lambda on: f"From {day(on)}"),
)
register_record_kind(
    "children.childprotectionplan",
    RecordKind(
        "Child protection plan",
        "child protection plans",
        "children.ChildProtectionPlan",
        ("start_date",),
        lambda on: f"From {day(on)}",
    ),
)
register_record_kind(
    "children.strategydiscussion",
    RecordKind(
        "Strategy discussion",
        "strategy discussions",
        "children.StrategyDiscussion",
        ("date",),
        lambda on: f"On {day(on)}",
    ),
)
register_record_kind(
    "children.allocation",
    RecordKind(
        "IRO allocation",
        "IRO allocations",
        "children.Allocation",
        ("iro__first_name", "iro__last_name", "start_date"),
        lambda first, last, on: f"{person(first, last, '')} from {day(on)}",
    ),
)
