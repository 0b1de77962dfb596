from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.models import Role, User
from accounts.permissions import ChildRecordAccessMixin, children_visible_to, require_recording_rights, sees_every_child
from audit.services import record_list_view
from children.models import Child
from iro_portal.dates import format_date
from iro_portal.forms import add_service_errors
from reviews import selectors as review_selectors
from reviews import timescales
from reviews.models import Review, ReviewKind
from reviews.selectors import reviews_visible_to

from . import selectors, services
from .forms import InContactPlanForm, OversightForm
from .models import OversightKind, Rag


def window_hint(record_date, next_review_due):
    """Tell the IRO, before they choose, which dates each rating allows."""
    red = services.next_check_window(Rag.RED, record_date, next_review_due)
    amber = services.next_check_window(Rag.AMBER, record_date, next_review_due)
    green = services.next_check_window(Rag.GREEN, record_date, next_review_due)
    return (
        f"Leave blank to use the proposed date. Red: by {format_date(red.latest)} (proposed {format_date(red.proposed)}). "
        f"Amber: {format_date(amber.earliest)} to {format_date(amber.latest)}. "
        f"Green: around {format_date(green.proposed)} ({format_date(green.earliest)} to {format_date(green.latest)})."
    )


class WorklistView(ChildRecordAccessMixin, View):
    """Checks due and overdue, children with no oversight this quarter, In-Contact plans behind:
    the most urgent first, paged, with the counts taken over the whole list, each opening the
    list of the children it counts (?show=overdue ...)."""

    def get(self, request):
        today = timezone.localdate()
        everyone = sees_every_child(request.user)
        iros = list(User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name")) if everyone else []
        chosen_iro = next((iro for iro in iros if str(iro.pk) == request.GET.get("iro")), None)
        rag = request.GET.get("rag") if request.GET.get("rag") in Rag.values else None
        show = request.GET.get("show")
        flag = show if show in selectors.WORKLIST_FLAGS else None
        attention_only = show != "all"
        children = selectors.worklist_children(request.user, today, iro=chosen_iro, rag=rag)
        counts = selectors.worklist_counts(children, today)
        in_order = selectors.WorklistOrder(children, counts, today, attention_only=attention_only, flag=flag)
        page = Paginator(in_order, settings.CHILDREN_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        record_list_view(request, object_type="children.child", child_ids=[child.pk for child in page.object_list],
                         page_number=page.number)
        return render(request, "oversight/worklist.html", {
            "page": page, "rows": selectors.worklist_rows(page.object_list), "counts": counts,
            "everyone": everyone, "iros": iros, "chosen_iro": chosen_iro, "rag": rag, "rag_choices": Rag.choices,
            "today": today, "attention_only": attention_only, "flag": flag,
            "flags": [(key, label) for key, (label, _) in selectors.WORKLIST_FLAGS.items()], "quarter_start": timescales.quarter_start(today),
        })


class RecordOversightView(ChildRecordAccessMixin, View):
    template_name = "oversight/record.html"

    def get_child(self, request, pk):
        child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=pk)
        require_recording_rights(request.user, child.pk)
        return child

    def get(self, request, pk):
        child = self.get_child(request, pk)
        today = timezone.localdate()
        form = OversightForm(initial={"date": today}, window_hint=window_hint(today, services.next_review_due(child)))
        return self._render(request, child, form)

    def _render(self, request, child, form, status=200):
        return render(request, self.template_name, {
            "child": child, "form": form, "open_actions": list(review_selectors.open_actions(child)),
            "today": timezone.localdate(),
        }, status=status)

    def post(self, request, pk):
        child = self.get_child(request, pk)
        today = timezone.localdate()
        form = OversightForm(request.POST, window_hint=window_hint(today, services.next_review_due(child)))
        if form.is_valid():
            try:
                services.record_oversight(child, by=request.user, request=request, today=today, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Oversight recorded for {child.full_name}.")
                return redirect("children:detail", pk=child.pk)
        return self._render(request, child, form, status=400)


class RateReviewView(ChildRecordAccessMixin, View):
    """Straight after a LAC review is recorded as held, the IRO rates the plan."""

    template_name = "oversight/rate.html"

    def get_review(self, request, pk):
        reviews = reviews_visible_to(request.user, Review.objects.select_related("child"))
        review = get_object_or_404(reviews, pk=pk, kind=ReviewKind.LAC)
        require_recording_rights(request.user, review.child_id)
        return review

    def _form(self, review, data=None):
        next_due = services.next_review_due(review.child, after=review)
        return OversightForm(data, rating_only=True, window_hint=window_hint(review.held_on, next_due))

    def get(self, request, pk):
        review = self.get_review(request, pk)
        if review.held_on is None:
            return redirect("reviews:detail", pk=review.pk)
        return render(request, self.template_name, {"review": review, "form": self._form(review)})

    def post(self, request, pk):
        review = self.get_review(request, pk)
        form = self._form(review, request.POST)
        if form.is_valid():
            try:
                record = services.record_oversight(
                    review.child, by=request.user, kind=OversightKind.POST_REVIEW, date=review.held_on, review=review,
                    request=request, today=timezone.localdate(), **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, (
                    f"{review.child.full_name}'s plan is rated {record.get_rag_display().lower()}. "
                    f"Next check: {format_date(record.next_check_date)}."))
                return redirect("children:detail", pk=review.child_id)
        return render(request, self.template_name, {"review": review, "form": form}, status=400)


class InContactPlanView(RecordOversightView):
    template_name = "oversight/in_contact.html"

    def get(self, request, pk):
        child = self.get_child(request, pk)
        current = child.in_contact_plans.filter(ended_on__isnull=True).first()
        initial = {"agreed_on": timezone.localdate(), "version": current.version if current else 0}
        if current:
            initial.update(method=current.method, every_weeks=current.every_weeks)
        return render(request, self.template_name, {"child": child, "form": InContactPlanForm(initial=initial), "current": current})

    def post(self, request, pk):
        child = self.get_child(request, pk)
        form = InContactPlanForm(request.POST)
        if form.is_valid():
            try:
                fields = dict(form.cleaned_data)
                services.agree_in_contact_plan(child, by=request.user, request=request, today=timezone.localdate(),
                                               expected_version=fields.pop("version"), **fields)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"In-Contact plan saved for {child.full_name}.")
                return redirect("children:detail", pk=child.pk)
        current = child.in_contact_plans.filter(ended_on__isnull=True).first()
        return render(request, self.template_name, {"child": child, "form": form, "current": current}, status=400)
