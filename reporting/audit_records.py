"""How the audit log names annual reports, their figures and PDFs (audit.registry), registered by
ReportingConfig.ready()."""

from audit.registry import RecordKind, register_record_kind, years

from .models import Variant

register_record_kind(
    "reporting.annualreport", RecordKind("Annual report", "annual reports", "reporting.AnnualReport", ("year",), years)
)
register_record_kind(
    "reporting.otheractivity",
    RecordKind("Other activity figures", "other activity figures", "reporting.OtherActivity", ("year",), years),
)
register_record_kind("reporting.comparatorfigure", RecordKind("Comparator figures", "comparator figures"))
register_record_kind("reporting.target", RecordKind("Local targets", "local targets"))
register_record_kind(
    "reporting.publishedreport",
    RecordKind(
        "Published annual report",
        "published annual reports",
        "reporting.PublishedReport",
        ("report__year", "number"),
        lambda year, number: f"{years(year)}, version {number}",
    ),
)
register_record_kind(
    "reporting.reportdocument",
    RecordKind(
        "Annual report PDF",
        "annual report PDFs",
        "reporting.ReportDocument",
        ("report__year", "variant"),
        lambda year, variant: f"{years(year)}, {Variant(variant).label}",
    ),
)
