"""The pages that show children with their whole picture: the IRO's caseload, the children list
and the child's page, each child with their reviews, RAG rating, oversight and escalations, which
the apps below each know a part of; and the held reviews list, which filters on the oversight of
the child before each review. The pages that change a child's record are children.views'."""

from operator import attrgetter

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.models import Role
from accounts.permissions import (
    ChildDataEntryRequiredMixin,
    ChildRecordAccessMixin,
    lists_every_child,
    may_manage_allocations,
    sees_every_child,
)
from accounts.selectors import cover_in_force_for
from audit.models import AuditAction
from audit.pages import ListPage
from audit.services import record_event, record_list_view
from children import selectors as children_selectors
from children.models import CareEpisode, Child
from children.permissions import children_visible_to, cover_for_child, records_for_children_seen
from escalations.selectors import escalations_for_child
from outcomes.health_selectors import health_and_leaving_care
from outcomes.missing_selectors import missing_and_adoption
from oversight.selectors import oversight_for_child
from reviews import selectors as review_selectors
from reviews.models import ReviewKind
from reviews.selectors import review_history
from reviews.timescales import reporting_year_start

from . import selectors
from .filters import ChildrenFilter, HeldReviewsListFilter


def sort_headers(columns, sort, descending):
    """The headings of a table sorted on the server (?sort=key, ?sort=-key for the reverse): each
    with its aria-sort and the sort its link asks for (the reverse of the current one)."""
    headers = {}
    for key, (label, _) in columns.items():
        current = key == sort
        headers[key] = {
            "label": label,
            "aria_sort": ("descending" if descending else "ascending") if current else "none",
            "sort": f"-{key}" if current and not descending else key,
        }
    return headers


class CaseloadView(ChildRecordAccessMixin, ListPage):
    """The IRO's home page: each child's next review, RAG rating, open escalation and last
    oversight, sortable and searchable; then the caseloads they cover for."""

    def get(self, request):
        if request.user.role != Role.IRO:
            return redirect("children:list")
        today = timezone.localdate()
        search = request.GET.get("search", "").strip()
        sort, descending = selectors.caseload_sort(request.GET.get("sort"))
        options = {"search": search, "sort": sort, "descending": descending}
        page = self.paginate(selectors.caseload(request.user, request.user, today, **options))
        covering = [
            (
                cover,
                selectors.caseload_rows(selectors.caseload(request.user, cover.covered_iro, today, **options), today),
            )
            for cover in cover_in_force_for(request.user, today)
        ]
        record_list_view(
            request,
            object_type="children.child",
            child_ids=[child.pk for child in page.object_list] + [row.child.pk for _, rows in covering for row in rows],
            page_number=page.number,
        )
        sizes = children_selectors.caseload_sizes([request.user], today)[request.user.pk]
        return render(
            request,
            "children/caseload.html",
            {
                "page": page,
                "rows": selectors.caseload_rows(page.object_list, today),
                "caseload": sizes,
                "today": today,
                "covering": covering,
                "search": search,
                "sort_label": selectors.CASELOAD_SORTS[sort][0],
                "descending": descending,
                "sort_param": f"-{sort}" if descending else sort,
                "headers": sort_headers(selectors.CASELOAD_SORTS, sort, descending),
            },
        )


class ChildrenListView(ChildRecordAccessMixin, ListPage):
    """Every child for managers; an IRO sees only their own children here (the lists their
    dashboard figures open)."""

    def get(self, request):
        today = timezone.localdate()
        everyone = sees_every_child(request.user)
        children = children_selectors.children_with_current_status(
            children_visible_to(request.user, Child.objects.all()), today
        )
        child_filter = ChildrenFilter(request.GET, queryset=children, on=today, show_iro_filter=everyone)
        page = self.page_of(children_selectors.with_rows_for_listing(child_filter.qs, today), child_id=attrgetter("pk"))
        count = page.paginator.count
        return render(
            request,
            "children/list.html",
            {
                "filter": child_filter,
                "page": page,
                "rows": children_selectors.listing_rows(page.object_list, today),
                "caption": "1 child matches" if count == 1 else f"{count} children match",
                "everyone": everyone,
            },
        )


class ChildDetailView(ChildRecordAccessMixin, View):
    def get(self, request, pk):
        child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=pk)
        record_event(action=AuditAction.VIEW, user=request.user, obj=child, child_id=child.pk, request=request)
        today = timezone.localdate()
        record = children_selectors.child_record(child)
        reviews = review_history(child, today)
        cover = cover_for_child(request.user, child.pk, today)
        return render(
            request,
            "children/detail.html",
            {
                "child": child,
                "cover": cover,
                "may_record": cover.may_record if cover is not None else records_for_children_seen(request.user),
                "age": children_selectors.age_on(child.date_of_birth, today),
                "current_episode": children_selectors.episode_on(record["episodes"], today),
                "current_allocation": children_selectors.allocation_on(record["allocations"], today),
                "may_allocate": may_manage_allocations(request.user),
                "records_motherhood": children_selectors.records_motherhood(child),
                "oversight": oversight_for_child(child, today),
                "reviews": reviews,
                "next_reviews": sorted(
                    (r for r in reviews if r.timing.is_outstanding), key=lambda r: r.review.due_date
                ),
                "escalations": escalations_for_child(child),
                **health_and_leaving_care(child, record["episodes"], today),
                **missing_and_adoption(child, year_start=reporting_year_start(today)),
                **record,
            },
        )


class HeldReviewsView(ChildRecordAccessMixin, ListPage):
    """Held reviews and conferences, filtered by the measures the dashboard counts."""

    audited_as = "reviews.review"

    def get(self, request):
        today = timezone.localdate()
        everyone = lists_every_child(request.user)
        review_filter = HeldReviewsListFilter(
            request.GET,
            queryset=review_selectors.held_reviews(request.user, today),
            on=today,
            show_iro_filter=everyone,
        )
        page = self.page_of(review_filter.qs)
        return render(
            request,
            "reviews/held_list.html",
            {
                "filter": review_filter,
                "page": page,
                "everyone": everyone,
                "rows": [(review, review_selectors.current_iro(review)) for review in page.object_list],
            },
        )


class EpisodeRecordedView(ChildDataEntryRequiredMixin, View):
    """The confirmation after an episode is saved, with the LAC review the scheduling now has due
    for the child (read from the scheduled review, not worked out again here)."""

    def get(self, request, pk):
        episode = get_object_or_404(CareEpisode.objects.select_related("child"), pk=pk)
        child = episode.child
        outstanding = sorted(
            (
                item.review
                for item in review_history(child, timezone.localdate())
                if item.review.kind == ReviewKind.LAC and item.timing.is_outstanding
            ),
            key=lambda review: review.due_date,
        )
        return render(
            request,
            "children/entry/episode_recorded.html",
            {"episode": episode, "child": child, "next_review": outstanding[0] if outstanding else None},
        )
