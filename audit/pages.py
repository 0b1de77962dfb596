"""A list shown a page at a time, each page shown recorded in the audit log."""

from django.conf import settings
from django.core.paginator import Paginator
from django.views import View

from .services import record_list_view


class ListPage(View):
    """A list a page at a time (?page=). Rows are built for the page shown, never the whole list,
    so a page costs the same queries however long the list; each page shown is recorded in the
    audit log with the children on it."""

    page_size: int | None = None
    """None: settings.CHILDREN_LIST_PAGE_SIZE, read on each request."""
    audited_as = "children.child"

    def paginate(self, items):
        return Paginator(items, self.page_size or settings.CHILDREN_LIST_PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )

    def page_of(self, items, child_id=lambda item: item.child_id, filters=None):
        """The page asked for, recorded as seen: `child_id` names each item's child."""
        page = self.paginate(items)
        record_list_view(
            self.request,
            object_type=self.audited_as,
            child_ids=[child_id(item) for item in page.object_list],
            page_number=page.number,
            filters=filters,
        )
        return page
