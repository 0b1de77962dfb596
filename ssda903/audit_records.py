"""How the audit log names SSDA903 uploads, imports and returns (audit.registry), registered by
Ssda903Config.ready()."""

from audit.registry import RecordKind, moment, register_record_kind

register_record_kind(
    "ssda903.importrun",
    RecordKind(
        "SSDA903 upload",
        "SSDA903 uploads",
        "ssda903.ImportRun",
        ("uploaded_at",),
        lambda uploaded_at: f"Uploaded {moment(uploaded_at)}",
    ),
)
register_record_kind("ssda903.import", RecordKind("SSDA903 import", "SSDA903 imports"))
register_record_kind("ssda903.return", RecordKind("SSDA903 return", "SSDA903 returns"))
