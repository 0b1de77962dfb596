from operator import attrgetter

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import ChildRecordAccessMixin, may_use_worklists, sees_every_child
from audit.pages import ListPage
from children.models import Child
from children.permissions import children_visible_to, require_recording_rights
from iro_portal.dates import format_date
from iro_portal.pages import FormPage
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


class WorklistView(ChildRecordAccessMixin, ListPage):
    """Checks due and overdue, children with no oversight this quarter, In-Contact plans behind:
    the most urgent first, paged, with the counts taken over the whole list, each opening the
    list of the children it counts (?show=overdue ...)."""

    def get(self, request):
        if not may_use_worklists(request.user):
            raise PermissionDenied("Only IROs, service managers and administrators have the oversight worklist.")
        today = timezone.localdate()
        everyone = sees_every_child(request.user)
        iros = (
            list(User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"))
            if everyone
            else []
        )
        chosen_iro = next((iro for iro in iros if str(iro.pk) == request.GET.get("iro")), None)
        rag = request.GET.get("rag") if request.GET.get("rag") in Rag.values else None
        show = request.GET.get("show")
        flag = show if show in selectors.WORKLIST_FLAGS else None
        attention_only = show != "all"
        children = selectors.worklist_children(request.user, today, iro=chosen_iro, rag=rag)
        counts = selectors.worklist_counts(children, today)
        in_order, count = selectors.worklist_in_order(children, counts, today, attention_only=attention_only, flag=flag)
        page = self.page_of(in_order, child_id=attrgetter("pk"), count=count)
        return render(
            request,
            "oversight/worklist.html",
            {
                "page": page,
                "rows": selectors.worklist_rows(page.object_list),
                "counts": counts,
                "everyone": everyone,
                "iros": iros,
                "chosen_iro": chosen_iro,
                "rag": rag,
                "rag_choices": Rag.choices,
                "today": today,
                "attention_only": attention_only,
                "flag": flag,
                "flags": [(key, label) for key, (label, _) in selectors.WORKLIST_FLAGS.items()],
                "quarter_start": timescales.quarter_start(today),
            },
        )


class RecordOversightView(ChildRecordAccessMixin, FormPage):
    template_name = "oversight/record.html"
    form_class: type[forms.Form] = OversightForm

    def load(self, request, pk):
        self.child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=pk)
        require_recording_rights(request.user, self.child.pk)

    def initial(self):
        return {"date": timezone.localdate()}

    def form_kwargs(self):
        return {"window_hint": window_hint(timezone.localdate(), services.next_review_due(self.child))}

    def context(self):
        return {
            "child": self.child,
            "open_actions": list(review_selectors.open_actions(self.child)),
            "today": timezone.localdate(),
        }

    def save(self, form):
        services.record_oversight(
            self.child, by=self.request.user, request=self.request, today=timezone.localdate(), **form.cleaned_data
        )
        messages.success(self.request, f"Oversight recorded for {self.child.full_name}.")
        return redirect("children:detail", pk=self.child.pk)


class RateReviewView(ChildRecordAccessMixin, FormPage):
    """Straight after a LAC review is recorded as held, the IRO rates the plan; a review not held
    yet has no plan to rate."""

    template_name = "oversight/rate.html"
    form_class = OversightForm

    def load(self, request, pk):
        reviews = reviews_visible_to(request.user, Review.objects.select_related("child"))
        self.review = get_object_or_404(reviews, pk=pk, kind=ReviewKind.LAC)
        require_recording_rights(request.user, self.review.child_id)
        if self.review.held_on is None:
            return redirect("reviews:detail", pk=self.review.pk)
        return None

    def form_kwargs(self):
        next_due = services.next_review_due(self.review.child, after=self.review)
        return {"rating_only": True, "window_hint": window_hint(self.review.held_on, next_due)}

    def context(self):
        return {"review": self.review}

    def save(self, form):
        review = self.review
        record = services.record_oversight(
            review.child,
            by=self.request.user,
            kind=OversightKind.POST_REVIEW,
            date=review.held_on,
            review=review,
            request=self.request,
            today=timezone.localdate(),
            **form.cleaned_data,
        )
        messages.success(
            self.request,
            (
                f"{review.child.full_name}'s plan is rated {record.get_rag_display().lower()}. "
                f"Next check: {format_date(record.next_check_date)}."
            ),
        )
        return redirect("children:detail", pk=review.child_id)


class InContactPlanView(RecordOversightView):
    template_name = "oversight/in_contact.html"
    form_class = InContactPlanForm

    def load(self, request, pk):
        super().load(request, pk)
        self.current = self.child.in_contact_plans.filter(ended_on__isnull=True).first()

    def initial(self):
        current = self.current
        initial = {"agreed_on": timezone.localdate(), "version": current.version if current else 0}
        if current:
            initial.update(method=current.method, every_weeks=current.every_weeks)
        return initial

    def form_kwargs(self):
        return {}

    def context(self):
        return {"child": self.child, "current": self.current}

    def save(self, form):
        fields = dict(form.cleaned_data)
        services.agree_in_contact_plan(
            self.child,
            by=self.request.user,
            request=self.request,
            today=timezone.localdate(),
            expected_version=fields.pop("version"),
            **fields,
        )
        messages.success(self.request, f"In-Contact plan saved for {self.child.full_name}.")
        return redirect("children:detail", pk=self.child.pk)
