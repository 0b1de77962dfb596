from operator import attrgetter

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.models import Role
from accounts.permissions import (
    AllocationManagerRequiredMixin,
    ChildRecordAccessMixin,
    children_visible_to,
    cover_for_child,
    may_manage_allocations,
    records_for_children_seen,
    require_recording_rights,
    sees_every_child,
)
from accounts.selectors import cover_in_force_for
from audit.models import AuditAction
from audit.pages import ListPage
from audit.services import record_event, record_list_view
from escalations.selectors import escalations_for_child
from iro_portal.pages import FormPage
from oversight.selectors import oversight_for_child
from reviews.selectors import review_history

from . import selectors, services
from .filters import ChildrenFilter
from .forms import AllocationForm, MotherhoodForm
from .models import Child


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
        sizes = selectors.caseload_sizes([request.user], today)[request.user.pk]
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
        children = selectors.children_with_current_status(children_visible_to(request.user, Child.objects.all()), today)
        child_filter = ChildrenFilter(request.GET, queryset=children, on=today, show_iro_filter=everyone)
        page = self.page_of(selectors.with_rows_for_listing(child_filter.qs, today), child_id=attrgetter("pk"))
        count = page.paginator.count
        return render(
            request,
            "children/list.html",
            {
                "filter": child_filter,
                "page": page,
                "rows": selectors.listing_rows(page.object_list, today),
                "caption": "1 child matches" if count == 1 else f"{count} children match",
                "everyone": everyone,
            },
        )


class ChildDetailView(ChildRecordAccessMixin, View):
    def get(self, request, pk):
        child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=pk)
        record_event(action=AuditAction.VIEW, user=request.user, obj=child, child_id=child.pk, request=request)
        today = timezone.localdate()
        record = selectors.child_record(child)
        reviews = review_history(child, today)
        cover = cover_for_child(request.user, child.pk, today)
        return render(
            request,
            "children/detail.html",
            {
                "child": child,
                "cover": cover,
                "may_record": cover.may_record if cover is not None else records_for_children_seen(request.user),
                "age": selectors.age_on(child.date_of_birth, today),
                "current_episode": selectors.episode_on(record["episodes"], today),
                "current_allocation": selectors.allocation_on(record["allocations"], today),
                "may_allocate": may_manage_allocations(request.user),
                "records_motherhood": selectors.records_motherhood(child),
                "oversight": oversight_for_child(child, today),
                "reviews": reviews,
                "next_reviews": sorted(
                    (r for r in reviews if r.timing.is_outstanding), key=lambda r: r.review.due_date
                ),
                "escalations": escalations_for_child(child),
                **record,
            },
        )


class AllocateView(AllocationManagerRequiredMixin, FormPage):
    template_name = "children/allocate.html"
    form_class = AllocationForm

    def load(self, request, pk):
        self.child = get_object_or_404(Child, pk=pk)
        self.current = self.child.allocations.filter(end_date__isnull=True).select_related("iro").first()

    def initial(self):
        return {"start_date": timezone.localdate(), "version": self.current.version if self.current is not None else 0}

    def context(self):
        return {"child": self.child, "current": self.current}

    def save(self, form):
        allocation = services.allocate_iro(
            self.child,
            iro=form.cleaned_data["iro"],
            start_date=form.cleaned_data["start_date"],
            expected_version=form.cleaned_data["version"],
            by=self.request.user,
            request=self.request,
        )
        messages.success(self.request, f"{allocation.iro} is now the IRO for {self.child.full_name}.")
        return redirect("children:detail", pk=self.child.pk)


class MotherhoodView(ChildRecordAccessMixin, FormPage):
    """Whether the child is a mother (SSDA903 MOTHER and MC_DOB): for whoever may open the
    child's record (the allocated IRO, service managers, administrators). The return records
    it for girls only, so a boy has no such page."""

    template_name = "children/motherhood.html"
    form_class = MotherhoodForm

    def load(self, request, pk):
        children = children_visible_to(request.user, Child.objects.filter(selectors.motherhood_recorded()))
        self.child = get_object_or_404(children, pk=pk)
        require_recording_rights(request.user, self.child.pk)

    def initial(self):
        child = self.child
        return {
            "is_mother": {True: "yes", False: "no"}.get(child.is_mother),
            "first_child_date_of_birth": child.first_child_date_of_birth,
            "version": child.version,
        }

    def form_kwargs(self):
        return {"child": self.child}

    def context(self):
        return {"child": self.child}

    def save(self, form):
        fields = dict(form.cleaned_data)
        child = services.record_motherhood(
            self.child, by=self.request.user, request=self.request, expected_version=fields.pop("version"), **fields
        )
        answer = "a mother" if child.is_mother else "not a mother"
        messages.success(self.request, f"{child.full_name} is recorded as {answer}.")
        return redirect("children:detail", pk=child.pk)
