"""The audit of the REST API's lists of children's records."""

from .services import record_list_view


class AuditedList:
    """For endpoints listing children's records: each page served is one audit event naming the
    caller, the filters, the page and every child on it, as the list pages do."""

    def child_id_of(self, row):
        return row.child_id

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            record_list_view(
                self.request,
                object_type=queryset.model._meta.label_lower,
                child_ids=[self.child_id_of(row) for row in page],
                page_number=self.paginator.page.number,
            )
        return page
