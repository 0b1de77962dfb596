"""A list shown a page at a time, each page shown recorded in the audit log."""

from django.conf import settings
from django.views import View

from iro_portal.keyset import CURSOR_PARAM, keyset_page

from .services import record_list_view


class ListPage(View):
    """A list a page at a time (?cursor=, iro_portal.keyset). Rows are fetched for the page shown,
    never the whole list, and found by where the page before ended, so a page costs the same
    queries, and as much time, however deep in the list it is; each page shown is recorded in the
    audit log with the children on it."""

    page_size: int | None = None
    """None: settings.CHILDREN_LIST_PAGE_SIZE, read on each request."""
    audited_as = "children.child"

    def paginate(self, items, count=None):
        """The page of the `items` query the request's cursor points to; `count`, when the caller
        has already counted the list, saves counting it again."""
        return keyset_page(
            items, self.request.GET.get(CURSOR_PARAM), self.page_size or settings.CHILDREN_LIST_PAGE_SIZE, count
        )

    def page_of(self, items, child_id=lambda item: item.child_id, filters=None, count=None):
        """The page asked for, recorded as seen: `child_id` names each item's child."""
        page = self.paginate(items, count)
        record_list_view(
            self.request,
            object_type=self.audited_as,
            child_ids=[child_id(item) for item in page.object_list],
            page_number=page.number,
            filters=filters,
        )
        return page
