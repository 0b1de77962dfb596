"""The outcomes page (reporting.outcome_selectors for one reporting year) and the lists of the
children behind its figures. Managers and administrators see the whole authority; an IRO sees
the figures for their own children."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts.models import Role
from accounts.permissions import ChildRecordAccessMixin, sees_every_child
from audit.pages import ListPage
from children import selectors as children_selectors
from children.models import Child
from children.permissions import children_visible_to

from . import outcome_page, outcome_selectors, stored_figures
from .periods import MIN_REPORT_YEAR, reporting_year_label


def _may_see_outcomes(user) -> bool:
    return sees_every_child(user) or user.role == Role.IRO


class OutcomesView(ChildRecordAccessMixin, View):
    def get(self, request):
        user = request.user
        if not _may_see_outcomes(user):
            raise PermissionDenied("Only service managers, administrators and IROs see the outcome figures.")
        today = timezone.localdate()
        form = outcome_page.OutcomeYearForm(request.GET or None, on=today)
        counted = stored_figures.outcome_figures_for(user, form.chosen_year(), today)
        return render(
            request,
            "reporting/outcomes.html",
            {
                "form": form,
                "everyone": sees_every_child(user),
                "calculated_at": counted.calculated_at,
                **outcome_page.page_content(counted.figures),
            },
            status=400 if form.is_bound and not form.is_valid() else 200,
        )


class OutcomeChildrenView(ChildRecordAccessMixin, ListPage):
    """The children behind one outcome figure, of those the user may open."""

    def get(self, request, year, figure):
        if not _may_see_outcomes(request.user):
            raise PermissionDenied("Only service managers, administrators and IROs see the outcome figures.")
        today = timezone.localdate()
        if not outcome_selectors.is_figure(figure) or not MIN_REPORT_YEAR <= year <= today.year:
            raise Http404("No such figure.")
        visible = children_visible_to(request.user, Child.objects.all())
        children = children_selectors.children_with_current_status(
            outcome_selectors.children_in_figure(year, figure, visible), today
        )
        page = self.page_of(
            children_selectors.with_rows_for_listing(children, today),
            child_id=lambda child: child.pk,
            filters={"year": year, "figure": figure},
        )
        count = page.paginator.count
        return render(
            request,
            "reporting/outcome_children.html",
            {
                "page": page,
                "rows": children_selectors.listing_rows(page.object_list, today),
                "caption": "1 child" if count == 1 else f"{count} children",
                "title": outcome_selectors.label_of(figure),
                "year": year,
                "year_label": reporting_year_label(year),
                "everyone": sees_every_child(request.user),
            },
        )
