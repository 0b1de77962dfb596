"""How the audit log names people, their API tokens, cover and authenticator apps
(audit.registry), registered by AccountsConfig.ready()."""

from audit.registry import RecordKind, person, register_record_kind

register_record_kind(
    "accounts.user", RecordKind("User", "users", "accounts.User", ("first_name", "last_name", "username"), person)
)
register_record_kind(
    "accounts.apitoken",
    RecordKind("API token", "API tokens", "accounts.ApiToken", ("name",), lambda name: f"“{name}”"),
)
register_record_kind(
    "accounts.coverarrangement",
    RecordKind(
        "Cover",
        "cover arrangements",
        "accounts.CoverArrangement",
        ("covered_iro__first_name", "covered_iro__last_name", "covered_iro__username"),
        person,
    ),
)
register_record_kind("otp_totp.totpdevice", RecordKind("Authenticator app", "authenticator apps"))
