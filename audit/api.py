"""The audit of the REST API's lists of children's records."""

from rest_framework.response import Response

from .models import AuditAction
from .services import record_event, record_list_view


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


class AuditedRecords(AuditedList):
    """As AuditedList, and each record opened (a retrieve) is one audit event: a view of the
    child's record, as opening it on a page is."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        record_event(
            action=AuditAction.VIEW,
            user=request.user,
            obj=instance,
            child_id=self.child_id_of(instance),
            request=request,
        )
        return Response(self.get_serializer(instance).data)
