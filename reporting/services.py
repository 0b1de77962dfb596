"""Writing the annual IRO report: its narrative and action plan, the figures entered by hand,
publishing, and making its PDFs. Every change is audited in the same transaction."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_date
from iro_portal.documents import render_pdf, set_progress
from iro_portal.locking import check_version, lock

from . import annual_report, highlights
from .models import (
    ActionPlanItem,
    AnnualReport,
    ComparatorFigure,
    DocumentStatus,
    OtherActivity,
    Progress,
    PublishedReport,
    ReportDocument,
    Target,
    Variant,
)
from .narrative import is_written
from .periods import reporting_year
from .presentation import BOARD_NOTICE, Presenter, document_title
from .targets import targets_for

NARRATIVE_FIELDS = (
    "introduction",
    "achievements",
    "areas_for_development",
    "changes_from_childrens_views",
    "how_to_contact_an_iro",
)
OTHER_ACTIVITY_FIELDS = (
    "child_population",
    "fostering_reviews_held",
    "fostering_reviews_in_time",
    "independent_visitor_matches",
    "advocacy_referrals",
    "complaints_received",
    "complaints_stage_1",
    "complaints_stage_2",
    "complaints_stage_3",
    "vacancies_fte",
    "training_sessions",
    "training_hours",
    "supervision_sessions_due",
    "supervision_sessions_held",
)
ACTION_PLAN_FIELDS = ("priority", "measure", "intended_impact", "action", "progress", "progress_comment")

REPORT_CHANGED_MESSAGE = (
    "Someone else changed this report while you were editing it. Nothing you entered has been saved: "
    "open the report again to see their changes, then make yours."
)


def report_for_year(year: int) -> AnnualReport:
    report, _ = AnnualReport.objects.get_or_create(year=year)
    return report


def _locked(report: AnnualReport, expected_version: int | None) -> AnnualReport:
    return lock(AnnualReport.objects.all(), report.pk, expected_version, REPORT_CHANGED_MESSAGE)


def action_plan_to_edit(report: AnnualReport) -> list[dict[str, Any]]:
    """The action plan as the narrative page starts from: this year's, once one is saved; before
    that, last year's priorities for the year ahead (its new ones and those it carried forward),
    each to be given its progress."""
    items = list(report.action_plan.values(*ACTION_PLAN_FIELDS))
    if items:
        return items
    last_year = ActionPlanItem.objects.filter(report__year=report.year - 1, progress__in=["", Progress.CARRIED_FORWARD])
    return [
        {**item, "progress": "", "progress_comment": ""}
        for item in last_year.values(*ACTION_PLAN_FIELDS).order_by("position")
    ]


@transaction.atomic
def update_narrative(
    report: AnnualReport,
    *,
    by: User,
    fields: dict[str, Any],
    action_plan: list[dict[str, Any]],
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> AnnualReport:
    """Replace the narrative and the action plan (a list of dicts of ACTION_PLAN_FIELDS; the
    progress ones are set on last year's priorities carried into this report, and a comment on
    progress needs a status). The draft can change until it is published and afterwards, for
    the next version."""
    report = _locked(report, expected_version)
    items = [
        ActionPlanItem(report=report, position=position, **{field: item.get(field, "") for field in ACTION_PLAN_FIELDS})
        for position, item in enumerate(action_plan, start=1)
    ]
    for position, item in enumerate(items, start=1):
        if item.progress_comment and not item.progress:
            raise ValidationError(
                f"Choose how far priority {position} got before commenting on its progress, or empty the comment."
            )
        if item.progress and item.progress not in Progress.values:
            raise ValidationError(f"Priority {position}: choose a progress status from the list.")
    for field in NARRATIVE_FIELDS:
        setattr(report, field, fields.get(field, ""))
    report.version += 1
    report.updated_by = by
    report.save()
    report.action_plan.all().delete()
    ActionPlanItem.objects.bulk_create(items)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=report,
        request=request,
        detail={
            "year": report.year,
            "changed": "narrative",
            "action_plan_items": len(action_plan),
            "progress": [item.progress for item in items if item.progress],
        },
    )
    return report


def _plain(value: Any) -> Any:
    """An entered figure as the audit log's JSON holds it: an FTE such as 1.50 as its text."""
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def save_other_activity(
    year: int,
    *,
    by: User,
    fields: dict[str, Any],
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> OtherActivity:
    """The year's figures entered by hand; `expected_version` is 0 when none were entered yet."""
    activity, created = OtherActivity.objects.select_for_update().get_or_create(year=year)
    check_version(None if created else activity, expected_version, REPORT_CHANGED_MESSAGE)
    for field in OTHER_ACTIVITY_FIELDS:
        setattr(activity, field, fields.get(field))
    if not created:
        activity.version += 1
    activity.updated_by = by
    activity.full_clean()
    activity.save()
    record_event(
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        user=by,
        obj=activity,
        request=request,
        detail={"year": year, **{field: _plain(getattr(activity, field)) for field in OTHER_ACTIVITY_FIELDS}},
    )
    return activity


@transaction.atomic
def save_comparators(
    year: int,
    *,
    by: User | None,
    figures: dict[str, dict[str, Any]],
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> list[ComparatorFigure]:
    """Replace the comparators of a year: `figures` maps a measure (see
    annual_report.comparable_measures) to its statistical neighbours and England values.
    `expected_version` is the report's comparators_version as the caller read it."""
    report = _locked(report_for_year(year), None)
    check_version(report, expected_version, REPORT_CHANGED_MESSAGE, field="comparators_version")
    allowed = dict(annual_report.comparable_measures())
    unknown = sorted(set(figures) - set(allowed))
    if unknown:
        raise ValidationError(f"These are not measures of the report: {', '.join(unknown)}.")
    ComparatorFigure.objects.filter(year=year).delete()
    rows = [
        ComparatorFigure(year=year, measure=measure, **values)
        for measure, values in figures.items()
        if values.get("statistical_neighbours") is not None or values.get("england") is not None
    ]
    ComparatorFigure.objects.bulk_create(rows)
    report.comparators_version += 1
    report.save(update_fields=["comparators_version"])
    record_event(
        action=AuditAction.UPDATE,
        user=None if by is None else by,
        object_type="reporting.comparatorfigure",
        object_id=str(year),
        request=request,
        detail={"year": year, "measures": len(rows)},
    )
    return rows


@transaction.atomic
def save_targets(
    year: int,
    *,
    by: User | None,
    targets: dict[str, dict[str, Any]],
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> list[Target]:
    """Replace the local targets of a year: `targets` maps a measure (see
    annual_report.targetable_measures) to its value and direction. `expected_version` is the
    report's targets_version as the caller read it."""
    report = _locked(report_for_year(year), None)
    check_version(report, expected_version, REPORT_CHANGED_MESSAGE, field="targets_version")
    allowed = dict(annual_report.targetable_measures())
    unknown = sorted(set(targets) - set(allowed))
    if unknown:
        raise ValidationError(f"These are not measures of the report: {', '.join(unknown)}.")
    Target.objects.filter(year=year).delete()
    rows = [
        Target(year=year, measure=measure, value=values["value"], direction=values["direction"])
        for measure, values in targets.items()
    ]
    for row in rows:
        row.full_clean(validate_unique=False)
    Target.objects.bulk_create(rows)
    report.targets_version += 1
    report.save(update_fields=["targets_version"])
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        object_type="reporting.target",
        object_id=str(year),
        request=request,
        detail={
            "year": year,
            "targets": {row.measure: f"{row.get_direction_display().lower()} {row.value}" for row in rows},
        },
    )
    return rows


def _other_activity(years: list[int]) -> dict[int, dict[str, Any]]:
    return {
        row["year"]: row for row in OtherActivity.objects.filter(year__in=years).values("year", *OTHER_ACTIVITY_FIELDS)
    }


def _comparators(year: int) -> dict[str, dict[str, Any]]:
    return {
        row["measure"]: {"statistical_neighbours": row["statistical_neighbours"], "england": row["england"]}
        for row in ComparatorFigure.objects.filter(year=year).values("measure", "statistical_neighbours", "england")
    }


def draft(report: AnnualReport, on: date | None = None) -> annual_report.Report:
    """The report with live figures: what publishing it now would freeze."""
    return annual_report.build(
        report,
        on or timezone.localdate(),
        other_activity=_other_activity([report.year, report.year - 1]),
        comparators=_comparators(report.year),
        targets=targets_for(report.year),
    )


def latest_published(report: AnnualReport) -> PublishedReport | None:
    return report.published_versions.order_by("-number").first()


CHILDRENS_VERSION_WITHOUT = {
    # What the version for children does without each of its sections.
    "changes_from_childrens_views": ": the version for children will leave that part out",
    "how_to_contact_an_iro": ": the version for children will tell them to ask their social worker or carer",
}


@dataclass(frozen=True)
class PublishingWarning:
    """Something a report would be published with that its readers may not expect: an empty
    narrative section (`field`, written on the narrative page) or figures for a reporting year
    that has not finished."""

    message: str
    field: str = ""
    title: str = ""
    anchor: str = ""


def publishing_warnings(report: AnnualReport, on: date | None = None) -> list[PublishingWarning]:
    """What to check before publishing `report` on `on` (today by default), in the order the
    report reads."""
    on = on or timezone.localdate()
    warnings = []
    sections = [(key, title, "") for key, title in annual_report.NARRATIVE_SECTIONS] + [
        (key, title, CHILDRENS_VERSION_WITHOUT[key]) for key, title in annual_report.CHILDRENS_SECTIONS
    ]
    for key, title, consequence in sections:
        if not is_written(getattr(report, key)):
            warnings.append(PublishingWarning(f"{title} is empty{consequence}.", field=key, title=title))
    if not report.action_plan.exists():
        warnings.append(
            PublishingWarning(
                "The action plan has no priorities.", field="action-plan", title="Priorities and action plan"
            )
        )
    warnings += _moved_highlights(report, on)
    period = reporting_year(report.year)
    if on <= period.end:
        warnings.append(
            PublishingWarning(
                f"The reporting year {report.label} has not finished: its figures count only up to "
                f"{format_date(on)}, and they will not change once published."
            )
        )
    return warnings


def _moved_highlights(report: AnnualReport, on: date) -> list[PublishingWarning]:
    """A rewritten highlight whose figures have changed since it was written may now say
    something the figures do not."""
    if not report.highlight_sentences:
        return []
    content = draft(report, on)
    warnings = []
    for highlight in highlights.HIGHLIGHTS:
        written = report.highlight_sentences.get(highlight.key)
        if written and highlights.moved_since_written(content, highlight, written):
            warnings.append(
                PublishingWarning(
                    f"The figures of the key highlight \u201c{highlight.heading}\u201d have changed since its "
                    "sentence was rewritten: check that it still says what the figures say.",
                    field="highlights",
                    title=highlight.heading,
                    anchor=f"id_{highlight.key}",
                )
            )
    return warnings


CONFIRM_WARNINGS_MESSAGE = "Confirm that you want to publish the report as it is, or fix what is listed first."


@transaction.atomic
def publish(
    report: AnnualReport,
    *,
    by: User,
    reason: str = "",
    confirmed: bool = False,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    on: date | None = None,
) -> PublishedReport:
    """Freeze the report's figures (both years and the comparators) and narrative as a new
    version. The first version needs no reason; a later one does, and the earlier versions
    stay as they were. A report with publishing_warnings is published only when `confirmed`;
    `expected_version` is the report's version the warnings were read from."""
    report = _locked(report, expected_version)
    previous = latest_published(report)
    reason = reason.strip()
    errors = {}
    if previous is not None and not reason:
        errors["reason"] = "Enter the reason for publishing a new version, for example what was corrected."
    if publishing_warnings(report, on) and not confirmed:
        errors["confirmed"] = CONFIRM_WARNINGS_MESSAGE
    if errors:
        raise ValidationError(errors)
    content = draft(report, on)
    published = PublishedReport.objects.create(
        report=report,
        number=(previous.number + 1) if previous else 1,
        published_by=by,
        reason=reason,
        snapshot=_json_safe(content.to_json()),
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=published,
        request=request,
        detail={"year": report.year, "version": published.number, "reason": reason},
    )
    return published


def _json_safe(value: Any) -> Any:
    """Decimals (FTE, comparators) as floats, so the snapshot reads back as it was shown."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if hasattr(value, "as_tuple"):
        return float(value)
    return value


def content_of(
    report: AnnualReport, published: PublishedReport | None = None, on: date | None = None
) -> annual_report.Report:
    """The Report to show: a published version's frozen figures, or the draft's live ones."""
    if published is not None:
        return annual_report.Report.from_json(published.snapshot)
    return draft(report, on)


VARIANT_FILE_SUFFIX: dict[str, str] = {
    Variant.INTERNAL: "",
    Variant.BOARD: "-board",
    Variant.CHILD_FRIENDLY: "-for-children",
}


def download_name(year: int, published: PublishedReport | None, variant: str, extension: str) -> str:
    """A downloaded report's file name: the authority, the year, the version and the variant, so
    a board paper's attachments say whose report each is."""
    version = f"v{published.number}" if published else "draft"
    return f"{slugify(settings.AUTHORITY_NAME)}-annual-iro-report-{year}-{version}{VARIANT_FILE_SUFFIX[variant]}.{extension}"


def record_download(
    *,
    by: User,
    report: AnnualReport,
    variant: str,
    file_format: str,
    published: PublishedReport | None = None,
    request: HttpRequest | None = None,
) -> None:
    record_event(
        action=AuditAction.EXPORT,
        user=by,
        obj=report,
        request=request,
        detail={
            "year": report.year,
            "variant": variant,
            "format": file_format,
            "version": published.number if published else "draft",
        },
    )


@transaction.atomic
def request_document(
    report: AnnualReport,
    *,
    variant: str,
    by: User,
    published: PublishedReport | None = None,
    request: HttpRequest | None = None,
) -> ReportDocument:
    """Ask for a PDF. A published version's PDF is made once and kept (a failed attempt is tried
    again); a draft's is made afresh, since its figures change. The work is done by the Celery
    task reporting.tasks.render_report_document once this transaction commits."""
    from .tasks import render_report_document

    if published is not None:
        document, created = ReportDocument.objects.select_for_update().get_or_create(
            published=published,
            variant=variant,
            defaults={"report": report, "requested_by": by},
        )
        if not created and document.status != DocumentStatus.FAILED:
            return document
        if not created:
            document.status, document.progress, document.error = DocumentStatus.QUEUED, 0, ""
            document.save(update_fields=["status", "progress", "error"])
    else:
        document = ReportDocument.objects.create(report=report, variant=variant, requested_by=by)
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=document,
        request=request,
        detail={"year": report.year, "variant": variant, "version": published.number if published else "draft"},
    )
    transaction.on_commit(lambda: render_report_document.delay(document.pk))
    return document


def render_document(document_id: int, *, base_url: str) -> ReportDocument:
    """Make the PDF of a ReportDocument, saving progress as it goes so the page can show it."""
    document = ReportDocument.objects.select_related("report", "published").get(pk=document_id)

    def html_of() -> str:
        content = content_of(document.report, document.published)
        set_progress(document, 40)
        return render_to_string(
            template_for(document.variant),
            report_context(content, document.variant, published=document.published, for_pdf=True),
        )

    render_pdf(document, html_of, base_url=base_url)
    return document


def template_for(variant: str) -> str:
    return (
        "reporting/child_friendly_report.html" if variant == Variant.CHILD_FRIENDLY else "reporting/annual_report.html"
    )


def report_context(
    content: annual_report.Report, variant: str, *, published: PublishedReport | None = None, for_pdf: bool = False
) -> dict[str, Any]:
    """What the report templates need, for the page and the PDF alike."""
    from .child_friendly import child_friendly_content
    from .narrative import render_markdown

    if variant == Variant.CHILD_FRIENDLY:
        return {"content": content, "published": published, "for_pdf": for_pdf, **child_friendly_content(content)}
    presenter = Presenter(content, variant)
    return {
        "content": content,
        "variant": variant,
        "is_board": variant == Variant.BOARD,
        "document_title": document_title(content, published, is_board=variant == Variant.BOARD),
        "board_notice": BOARD_NOTICE,
        "published": published,
        "for_pdf": for_pdf,
        "sections": presenter.sections(),
        "highlights": presenter.highlights(),
        # A published version leaves out what was never written; the draft shows it missing.
        "narrative": [
            (key, title, html)
            for key, title in annual_report.NARRATIVE_SECTIONS
            if (html := render_markdown(content.narrative.get(key, ""))) or published is None
        ],
        "action_plan": content.priorities,
        "progress_on_last_year": content.progress_on_last_year,
    }


@transaction.atomic
def save_highlights(
    report: AnnualReport,
    *,
    by: User,
    sentences: dict[str, str],
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    on: date | None = None,
) -> AnnualReport:
    """Keep the key highlights' sentences a manager rewrote, each with the figures it was written
    against. A sentence left as drafted, or emptied, goes back to following the figures."""
    report = _locked(report, expected_version)
    unknown = sorted(set(sentences) - set(highlights.BY_KEY))
    if unknown:
        raise ValidationError(f"These are not key highlights of the report: {', '.join(unknown)}.")
    content = draft(report, on)
    drafted = {item["key"]: item["drafted"] for item in Presenter(content, Variant.INTERNAL).highlights()}
    kept = {}
    for key, text in sentences.items():
        text = " ".join(text.split())
        if not text or text == drafted[key]:
            continue
        previous = report.highlight_sentences.get(key)
        if previous and previous["text"] == text:
            kept[key] = previous  # unchanged: still about the figures it was written against
        else:
            kept[key] = {"text": text, "figures": highlights.written_against(content, highlights.BY_KEY[key])}
    report.highlight_sentences = kept
    report.version += 1
    report.updated_by = by
    report.save(update_fields=["highlight_sentences", "version", "updated_by", "updated_at"])
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=report,
        request=request,
        detail={"year": report.year, "highlights rewritten": sorted(kept)},
    )
    return report
