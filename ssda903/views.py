from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.permissions import AllocationManagerRequiredMixin
from audit.pages import ListPage
from children.selectors import listing_rows
from iro_portal.pages import FormPage

from . import selectors, services
from .forms import ExportForm, ImportForm
from .models import MAX_UPLOAD_BYTES, ImportRun, ImportStatus

ERRORS_PER_PAGE = 500


class ReturnsAccessMixin(AllocationManagerRequiredMixin):
    """The return is the whole authority's data: service managers and administrators only."""


class OverviewView(ReturnsAccessMixin, View):
    def get(self, request):
        return render(
            request,
            "ssda903/overview.html",
            {
                "runs": selectors.recent_import_runs(),
                "waiting": selectors.children_to_allocate().count(),
            },
        )


class ImportView(ReturnsAccessMixin, FormPage):
    template_name = "ssda903/import_form.html"
    form_class = ImportForm
    renamed_fields = {"files": "header"}
    """A problem with the set of files is shown on the first file field."""

    def context(self):
        return {"max_megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}

    def save(self, form):
        run = services.start_import(
            form.files_by_name(), by=self.request.user, dry_run=form.cleaned_data["dry_run"], request=self.request
        )
        return redirect("ssda903:import_run", pk=run.pk)


class ImportRunView(ReturnsAccessMixin, View):
    """An import's progress, then its counts or every error."""

    def get_run(self, pk):
        return get_object_or_404(ImportRun.objects.select_related("uploaded_by"), pk=pk)

    def get(self, request, pk):
        run = self.get_run(pk)
        page = Paginator(run.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page")) if run.errors else None
        return render(
            request,
            "ssda903/import_run.html",
            {
                "run": run,
                "page": page,
                "files": run.files.only("name", "size", "run_id"),
                "status_url": reverse("ssda903:import_status", args=[run.pk]),
                "more_errors_than_stored": run.error_count > len(run.errors),
                "estimated_children": selectors.children_by_local_id(run.next_reviews_estimated),
            },
        )


class ImportCheckedFilesView(ImportRunView):
    """The confirmation of a check: import the same files, once the person has seen what changes."""

    def get(self, request, pk):
        return redirect("ssda903:import_run", pk=pk)

    def post(self, request, pk):
        run = self.get_run(pk)
        try:
            new_run = services.import_checked_files(run, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("ssda903:import_run", pk=run.pk)
        return redirect("ssda903:import_run", pk=new_run.pk)


class ImportRunStatusView(ImportRunView):
    def get(self, request, pk):
        run = get_object_or_404(ImportRun.objects.defer("errors"), pk=pk)
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.get_status_display(),
                "progress": run.progress,
                "stage": run.stage,
                "finished": run.finished,
            }
        )


class ImportErrorsCsvView(ImportRunView):
    def get(self, request, pk):
        run = self.get_run(pk)
        if run.status != ImportStatus.FAILED:
            return redirect("ssda903:import_run", pk=run.pk)
        services.record_errors_download(run, by=request.user, request=request)
        response = HttpResponse(services.errors_csv_for(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ssda903-import-{run.pk}-errors.csv"'
        return response


class ExportView(ReturnsAccessMixin, View):
    """Choose a collection year; the download is a ZIP of the return's CSVs, or, when the data
    would break a DfE rule, the list of children and rules (and no file). Records the DfE will
    query are listed first, with a link to download the files anyway."""

    def get(self, request):
        today = timezone.localdate()
        if "year" not in request.GET:
            form = ExportForm(initial={"year": services.last_completed_collection_year(today)}, on=today)
            return render(
                request, "ssda903/export_form.html", {"form": form, "stored_returns": selectors.stored_returns()}
            )
        form = ExportForm(request.GET, on=today)
        if not form.is_valid():
            return render(
                request,
                "ssda903/export_form.html",
                {"form": form, "stored_returns": selectors.stored_returns()},
                status=400,
            )
        year = form.cleaned_data["year"]
        result, archive = services.export_files(
            year, by=request.user, request=request, queries_seen=request.GET.get("queries_seen") == "1"
        )
        if archive is None:
            template = "ssda903/export_problems.html" if result.problems else "ssda903/export_queries.html"
            children = dict(selectors.children_by_local_id([problem.child for problem in result.problems]))
            return render(
                request,
                template,
                {
                    "form": form,
                    "year": year,
                    "label": services.collection_year_label(year),
                    "problems": [(problem, children.get(problem.child)) for problem in result.problems],
                    "queries": result.queries,
                },
            )
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="ssda903-{year}.zip"'
        return response


class ToAllocateView(ReturnsAccessMixin, ListPage):
    """Children looked after today with no IRO: those an import brought in, and any other."""

    def get(self, request):
        today = timezone.localdate()
        page = self.page_of(selectors.children_to_allocate(today), child_id=attrgetter("pk"))
        count = page.paginator.count
        return render(
            request,
            "ssda903/to_allocate.html",
            {
                "page": page,
                "rows": listing_rows(page.object_list, today),
                "caption": "1 child needs an IRO" if count == 1 else f"{count} children need an IRO",
            },
        )
