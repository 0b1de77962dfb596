from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.models import Role
from accounts.permissions import (
    ChildRecordAccessMixin,
    may_edit_annual_reports,
    may_read_published_reports,
    sees_every_child,
)
from iro_portal.db_routers import reading_from_replica
from iro_portal.forms import add_service_errors
from iro_portal.locking import VersionForm, refusal_status
from iro_portal.pages import FormPage
from iro_portal.spreadsheets import SpreadsheetWriter

from . import dashboard, services, stored_figures, targets, word
from .annual_report import comparable_measures
from .caseloads import CaseloadsForm
from .forms import (
    ActionPlanFormSet,
    ComparatorFormSet,
    HighlightsForm,
    NarrativeForm,
    OtherActivityForm,
    PeriodForm,
    PublishForm,
)
from .models import (
    AnnualReport,
    ComparatorFigure,
    DocumentStatus,
    OtherActivity,
    PublishedReport,
    ReportDocument,
    Variant,
)
from .periods import MIN_REPORT_YEAR, recent_reporting_years, reporting_year_label, year_to_date
from .presentation import Presenter


class DashboardView(ChildRecordAccessMixin, View):
    """The service managers' dashboard for the whole authority; an IRO's own version for the
    children allocated to them."""

    @reading_from_replica()
    def get(self, request):
        user = request.user
        everyone = sees_every_child(user)
        if not everyone and user.role != Role.IRO:
            raise PermissionDenied("Only service managers, administrators and IROs have a dashboard.")
        today = timezone.localdate()
        form = PeriodForm(request.GET or None, on=today)
        period = form.period()
        counted = stored_figures.dashboard_for(user, period, today)
        return render(
            request,
            "reporting/dashboard.html",
            {
                "form": form,
                "period": period,
                "today": today,
                "everyone": everyone,
                "calculated_at": counted.calculated_at,
                **dashboard.page_content(counted.figures, period, today, everyone=everyone),
                "target_rows": targets.dashboard_targets(counted.figures, period),
            },
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class CaseloadsView(ChildRecordAccessMixin, View):
    """Every IRO's caseload, a page at a time, from the dashboard's stored figures: the
    dashboard itself lists only the caseloads outside the IRO Handbook range. An IRO's own
    caseload is on their dashboard. The rows are in memory, sorted here, so they page by number
    (?page=): a deep page costs nothing more."""

    @reading_from_replica()
    def get(self, request):
        if not sees_every_child(request.user):
            raise PermissionDenied("Only service managers and administrators can see every IRO's caseload.")
        today = timezone.localdate()
        # Caseloads are "now" whatever the period: the dashboard's default period shares its stored figures.
        counted = stored_figures.dashboard_for(request.user, year_to_date(today), today)
        caseloads = counted.figures["caseloads"]
        form = CaseloadsForm(request.GET or None)
        rows = form.chosen(caseloads["rows"])
        page = Paginator(rows, settings.CHILDREN_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "reporting/caseloads.html",
            {
                "form": form,
                "page": page,
                "caseloads": caseloads,
                "caption": form.caption(page.paginator.count),
                "calculated_at": counted.calculated_at,
                **dashboard.caseload_page(page.object_list),
            },
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class AnnualReportAccessMixin(AccessMixin):
    """Service managers and administrators work on the reports; board members read the published
    ones. IROs use their own dashboard instead."""

    editing = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        allowed = may_edit_annual_reports if self.editing else may_read_published_reports
        if not allowed(request.user):
            raise PermissionDenied(
                "Only service managers and administrators can change the annual reports."
                if self.editing
                else "Only service managers, administrators and board members can see the annual reports."
            )
        self.may_edit = may_edit_annual_reports(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_report(self):
        year = self.kwargs["year"]
        if not MIN_REPORT_YEAR <= year <= timezone.localdate().year:
            raise Http404("There is no annual report for that year.")
        if self.may_edit:
            return services.report_for_year(year)
        report = get_object_or_404(AnnualReport.objects.filter(published_versions__isnull=False).distinct(), year=year)
        return report

    def get_published(self, report):
        number = self.kwargs.get("number")
        if number is None:
            if self.may_edit:
                return None
            return services.latest_published(report)
        return get_object_or_404(PublishedReport, report=report, number=number)

    def shown(self, variant, file_format):
        """The report asked for, the version of it (None for the draft) and its content, recorded
        in the audit log as a download of that variant and format."""
        report = self.get_report()
        published = self.get_published(report)
        content = services.content_of(report, published)
        services.record_download(
            by=self.request.user,
            report=report,
            variant=variant,
            file_format=file_format,
            published=published,
            request=self.request,
        )
        return report, published, content

    def variant(self, allowed=(Variant.INTERNAL, Variant.BOARD)):
        """Managers choose the version (the board version to preview it); the board only ever
        gets its own."""
        if not self.may_edit:
            return Variant.BOARD
        chosen = self.request.GET.get("variant", Variant.INTERNAL)
        return chosen if chosen in allowed else Variant.INTERNAL


class AnnualReportListView(AnnualReportAccessMixin, View):
    def get(self, request):
        today = timezone.localdate()
        published = PublishedReport.objects.select_related("report", "published_by").order_by(
            "-report__year", "-number"
        )
        versions_by_year = {}
        for version in published:
            versions_by_year.setdefault(version.report.year, []).append(version)
        if self.may_edit:
            years = [year for year, _ in recent_reporting_years(today)]
            rows = [
                {
                    "year": year,
                    "label": reporting_year_label(year),
                    "versions": versions_by_year.get(year, []),
                    "is_current": year == years[0],
                }
                for year in years
            ]
            older = sorted((year for year in versions_by_year if year not in years), reverse=True)
            rows += [
                {"year": year, "label": reporting_year_label(year), "versions": versions_by_year[year]}
                for year in older
            ]
        else:
            rows = [
                {"year": year, "label": reporting_year_label(year), "versions": versions}
                for year, versions in versions_by_year.items()
            ]
        return render(request, "reporting/annual_report_list.html", {"rows": rows, "may_edit": self.may_edit})


class AnnualReportView(AnnualReportAccessMixin, View):
    """The report as a page: the draft with live figures for managers, or a published version."""

    @reading_from_replica()
    def get(self, request, year, number=None):
        variant = self.variant()
        report, published, content = self.shown(variant, "html")
        return render(
            request,
            "reporting/annual_report.html",
            {
                "report": report,
                "may_edit": self.may_edit,
                "versions": list(report.published_versions.select_related("published_by")),
                # What an unedited draft still lacks, shown before anyone tries to publish it.
                "warnings": services.publishing_warnings(report) if self.may_edit and published is None else [],
                **services.report_context(content, variant, published=published),
            },
        )


class AnnualReportCsvView(AnnualReportAccessMixin, View):
    def get(self, request, year, number=None):
        variant = self.variant()
        report, published, content = self.shown(variant, "csv")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = services.download_name(report.year, published, variant, "csv")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        SpreadsheetWriter(response).writerows(Presenter(content, variant).csv_rows())
        return response


class AnnualReportWordView(AnnualReportAccessMixin, View):
    """The full or board version as a Word document, under the CSV's access rules."""

    def get(self, request, year, number=None):
        variant = self.variant()
        report, published, content = self.shown(variant, "docx")
        context = services.report_context(content, variant, published=published)
        response = HttpResponse(word.annual_report_docx(context), content_type=word.WORD_CONTENT_TYPE)
        name = services.download_name(report.year, published, variant, "docx")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ChildFriendlyReportView(AnnualReportAccessMixin, View):
    def get(self, request, year, number=None):
        report, published, content = self.shown(Variant.CHILD_FRIENDLY, "html")
        return render(
            request,
            "reporting/child_friendly_report.html",
            {
                "report": report,
                "may_edit": self.may_edit,
                **services.report_context(content, Variant.CHILD_FRIENDLY, published=published),
            },
        )


class ReportPdfView(AnnualReportAccessMixin, View):
    """Download a PDF: a published version's is made once and kept, so it is served at once when
    ready; otherwise the request starts the Celery task and shows its progress."""

    def get(self, request, year, variant, number=None):
        report = self.get_report()
        published = self.get_published(report)
        if published is None:
            raise Http404("Only published versions have a stored PDF; make a PDF of the draft from the report page.")
        variant = self._allowed_variant(variant)
        document = ReportDocument.objects.filter(published=published, variant=variant).first()
        if document is not None and document.status == DocumentStatus.READY:
            return _pdf_response(request, document)
        document = services.request_document(
            report, variant=variant, by=request.user, published=published, request=request
        )
        return redirect("reporting:document", pk=document.pk)

    def post(self, request, year, variant, number=None):
        """Make a PDF of the draft (managers only; the figures are as they are now)."""
        if not self.may_edit:
            raise PermissionDenied("Only service managers can make a PDF of a draft report.")
        report = self.get_report()
        variant = self._allowed_variant(variant)
        document = services.request_document(report, variant=variant, by=request.user, request=request)
        return redirect("reporting:document", pk=document.pk)

    def _allowed_variant(self, variant):
        allowed = Variant.values if self.may_edit else [Variant.BOARD, Variant.CHILD_FRIENDLY]
        if variant not in allowed:
            raise Http404("There is no such version of the report.")
        return variant


class ReportDocumentView(AnnualReportAccessMixin, View):
    """A PDF being made: its progress, then the download."""

    def get_document(self, pk):
        document = get_object_or_404(ReportDocument.objects.select_related("report", "published"), pk=pk)
        if not self.may_edit and (document.published is None or document.variant == Variant.INTERNAL):
            raise Http404("There is no such document.")
        return document

    def get(self, request, pk):
        document = self.get_document(pk)
        return render(request, "reporting/report_document.html", {"document": document})


class ReportDocumentStatusView(ReportDocumentView):
    def get(self, request, pk):
        document = self.get_document(pk)
        return JsonResponse(
            {
                "status": document.status,
                "status_label": document.get_status_display(),
                "progress": document.progress,
                "download_url": reverse("reporting:document_download", args=[document.pk])
                if document.status == DocumentStatus.READY
                else None,
            }
        )


class ReportDocumentDownloadView(ReportDocumentView):
    def get(self, request, pk):
        document = self.get_document(pk)
        if document.status != DocumentStatus.READY:
            return redirect("reporting:document", pk=document.pk)
        return _pdf_response(request, document)


def _pdf_response(request, document):
    services.record_download(
        by=request.user,
        report=document.report,
        variant=document.variant,
        file_format="pdf",
        published=document.published,
        request=request,
    )
    name = services.download_name(document.report.year, document.published, document.variant, "pdf")
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class NarrativeView(AnnualReportAccessMixin, View):
    editing = True

    def get(self, request, year):
        report = self.get_report()
        initial = {field: getattr(report, field) for field in services.NARRATIVE_FIELDS}
        form = NarrativeForm(initial={**initial, "version": report.version})
        formset = ActionPlanFormSet(initial=services.action_plan_to_edit(report), prefix="action")
        return self.show(report, form, formset)

    def post(self, request, year):
        report = self.get_report()
        form = NarrativeForm(request.POST)
        formset = ActionPlanFormSet(request.POST, prefix="action")
        if form.is_valid() and formset.is_valid():
            items = [item.cleaned_data for item in formset.forms if item.has_changed() and not item.is_empty]
            try:
                services.update_narrative(
                    report,
                    by=request.user,
                    fields=form.cleaned_data,
                    action_plan=items,
                    expected_version=form.cleaned_data["version"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self.show(report, form, formset, status=refusal_status(error))
            messages.success(request, "The narrative and action plan have been saved.")
            return redirect("reporting:annual_report", year=report.year)
        return self.show(report, form, formset, status=400)

    def show(self, report, form, formset, status=200):
        return render(
            request=self.request,
            template_name="reporting/narrative_form.html",
            status=status,
            context={"report": report, "form": form, "formset": formset},
        )


class HighlightsView(AnnualReportAccessMixin, View):
    """Rewrite the key highlights' sentences before publishing; each shows the sentence drafted
    from the figures, which it goes back to when emptied."""

    editing = True

    def get(self, request, year):
        report = self.get_report()
        return self.show(report, self.form(report, initial={"version": report.version}))

    def post(self, request, year):
        report = self.get_report()
        form = self.form(report, data=request.POST)
        if form.is_valid():
            try:
                services.save_highlights(
                    report,
                    by=request.user,
                    sentences=form.sentences(),
                    expected_version=form.cleaned_data["version"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self.show(report, form, status=refusal_status(error))
            messages.success(request, "The key highlights have been saved.")
            return redirect(reverse("reporting:annual_report", args=[report.year]) + "#highlights")
        return self.show(report, form, status=400)

    def form(self, report, **kwargs):
        presenter = Presenter(services.draft(report), Variant.INTERNAL)
        return HighlightsForm(highlights=presenter.highlights(), **kwargs)

    def show(self, report, form, status=200):
        return render(self.request, "reporting/highlights_form.html", {"report": report, "form": form}, status=status)


class OtherActivityView(AnnualReportAccessMixin, FormPage):
    editing = True
    template_name = "reporting/other_activity_form.html"
    form_class = OtherActivityForm

    def load(self, request, year):
        self.report = self.get_report()

    def initial(self):
        activity = (
            OtherActivity.objects.filter(year=self.report.year)
            .values(*services.OTHER_ACTIVITY_FIELDS, "version")
            .first()
        )
        return activity or {"version": 0}

    def context(self):
        return {"report": self.report}

    def save(self, form):
        year = self.report.year
        services.save_other_activity(
            year,
            by=self.request.user,
            fields=form.cleaned_data,
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, "The other activity figures have been saved.")
        return redirect("reporting:annual_report", year=year)


class ComparatorsView(AnnualReportAccessMixin, View):
    editing = True

    def get(self, request, year):
        report = self.get_report()
        initial = list(
            ComparatorFigure.objects.filter(year=year).values("measure", "statistical_neighbours", "england")
        )
        return self.show(
            report, self.formset(initial=initial), VersionForm(initial={"version": report.comparators_version})
        )

    def post(self, request, year):
        report = self.get_report()
        formset = self.formset(data=request.POST)
        version_form = VersionForm(request.POST)
        if formset.is_valid() and version_form.is_valid():
            figures = {
                form.cleaned_data["measure"]: {
                    "statistical_neighbours": form.cleaned_data["statistical_neighbours"],
                    "england": form.cleaned_data["england"],
                }
                for form in formset.forms
                if form.cleaned_data.get("measure")
            }
            try:
                services.save_comparators(
                    year,
                    by=request.user,
                    figures=figures,
                    expected_version=version_form.cleaned_data["version"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(version_form, error)
                return self.show(report, formset, version_form, status=refusal_status(error))
            messages.success(request, "The comparator figures have been saved.")
            return redirect("reporting:annual_report", year=year)
        return self.show(report, formset, version_form, status=400)

    def formset(self, **kwargs):
        return ComparatorFormSet(prefix="comparator", form_kwargs={"measures": comparable_measures()}, **kwargs)

    def show(self, report, formset, version_form, status=200):
        return render(
            self.request,
            "reporting/comparators_form.html",
            {"report": report, "formset": formset, "version_form": version_form},
            status=status,
        )


class PublishView(AnnualReportAccessMixin, FormPage):
    """Publishing, confirmed on a page that lists what to check first (empty narrative
    sections, a reporting year not finished)."""

    editing = True
    template_name = "reporting/publish_form.html"
    form_class = PublishForm

    def load(self, request, year):
        self.report = self.get_report()

    def initial(self):
        return {"version": self.report.version}

    def context(self):
        return {
            "report": self.report,
            "previous": services.latest_published(self.report),
            "warnings": services.publishing_warnings(self.report),
        }

    def save(self, form):
        published = services.publish(
            self.report,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            confirmed=form.cleaned_data["confirmed"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(
            self.request,
            f"Version {published.number} of the report has been published. Board members can now read and download it.",
        )
        return redirect("reporting:published_report", year=self.report.year, number=published.number)
