from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from iro_portal.spreadsheets import SpreadsheetWriter

from . import selectors
from .forms import AuditSearchForm
from .models import AUDIT_LOG_OBJECT_TYPE, AuditAction
from .pages import ListPage
from .registry import may_read_audit_log
from .services import record_event

PAGE_SIZE = 50
CSV_ROWS_PER_CHUNK = 500


class AuditLogReaderRequiredMixin(AccessMixin):
    """Service managers and administrators only; everyone else gets the 403 page."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not may_read_audit_log(request.user):
            raise PermissionDenied("Only service managers and administrators can read the audit log.")
        return super().dispatch(request, *args, **kwargs)


class AuditLogView(AuditLogReaderRequiredMixin, ListPage):
    """Search the audit log. Each page load is itself a view of the log, so it is audited."""

    page_size = PAGE_SIZE
    audited_as = AUDIT_LOG_OBJECT_TYPE

    def get(self, request):
        form = AuditSearchForm(request.GET)
        if not form.is_valid():
            return render(request, "audit/list.html", {"form": form})
        page = self.page_of(selectors.search_events(**form.filters()), filters=form.filters_for_the_record())
        return render(
            request, "audit/list.html", {"form": form, "page": page, "rows": selectors.event_rows(page.object_list)}
        )


class _Echo:
    """csv.writer writes to this and gets the line back, so lines can be streamed."""

    def write(self, value):
        return value


def csv_chunks(rows):
    writer = SpreadsheetWriter(_Echo())
    yield writer.writerow(selectors.CSV_COLUMNS)
    lines = []
    for row in rows:
        lines.append(writer.writerow(row))
        if len(lines) == CSV_ROWS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


class AuditLogExportView(AuditLogReaderRequiredMixin, View):
    """Every event the filters match, streamed as CSV; the export is audited before it starts."""

    def get(self, request):
        form = AuditSearchForm(request.GET)
        if not form.is_valid():
            return redirect(f"{reverse('audit:list')}?{request.GET.urlencode()}")
        events = selectors.search_events(**form.filters())
        row_count, last_id = selectors.count_and_last_id(events)
        record_event(
            action=AuditAction.EXPORT,
            user=request.user,
            object_type=AUDIT_LOG_OBJECT_TYPE,
            request=request,
            detail={
                "filters": form.filters_for_the_record(),
                "row_count": row_count,
                "up_to_event_id": last_id,
                "format": "csv",
            },
        )
        response = StreamingHttpResponse(
            csv_chunks(selectors.csv_rows(events, last_id)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.localdate():%Y-%m-%d}.csv"'
        return response
