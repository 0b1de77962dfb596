from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.permissions import ChildRecordAccessMixin, lists_every_child
from audit.models import AuditAction
from audit.pages import ListPage
from audit.services import record_event
from children.permissions import (
    READ_ONLY_COVER_MESSAGE,
    may_record_for_child,
    may_update_action,
    records_for_children_seen,
    require_recording_rights,
)
from iro_portal.dates import format_date
from iro_portal.forms import add_service_errors
from iro_portal.locking import refusal_status
from iro_portal.pages import FormPage

from . import conference_selectors, document_selectors, record_selectors, selectors, services
from .filters import DueReviewsFilter
from .forms import ActionFormSet, BookReviewForm, ChangeActionDateForm, CompleteActionForm, RecordReviewForm
from .models import OUTSTANDING_STATUSES, Review, ReviewAction, ReviewKind, ReviewStatus
from .record_models import CarePlanCheckKind, ViewsOf


def _errors_in_rows(error, formset, rows):
    """Put the service's errors about one agreed action on its row (its date field), so the
    error summary names the row; the rest stay with the form. `rows` maps the nth action
    saved to its row of the formset (blank rows are skipped when saving)."""
    if not hasattr(error, "error_dict") or "actions" not in error.error_dict:
        return error
    rest = []
    for item in error.error_dict["actions"]:
        if item.params and "row" in item.params:
            formset.add_row_error(rows[item.params["row"] - 1] + 1, item.params["field"], item.params["in_row"])
        else:
            rest.append(item)
    errors = {field: items for field, items in error.error_dict.items() if field != "actions"}
    if rest:
        errors["actions"] = rest
    return ValidationError(errors)


class DueReviewsView(ChildRecordAccessMixin, ListPage):
    """An IRO's reviews due and booked; for managers and business support, everyone's with an IRO filter."""

    audited_as = "reviews.review"

    def get(self, request):
        today = timezone.localdate()
        everyone = lists_every_child(request.user)
        review_filter = DueReviewsFilter(
            request.GET,
            queryset=selectors.outstanding_reviews(request.user, today),
            on=today,
            show_iro_filter=everyone,
        )
        page = self.page_of(review_filter.qs)
        return render(
            request,
            "reviews/due_list.html",
            {
                "filter": review_filter,
                "page": page,
                "rows": selectors.due_rows(page.object_list, today),
                "everyone": everyone,
                "today": today,
            },
        )


class ReviewMixin(ChildRecordAccessMixin):
    records = False
    """A page that changes the review: refused (403) to an IRO who sees the child under read-only cover."""

    def get_review(self, request, pk):
        reviews = selectors.reviews_visible_to(
            request.user, Review.objects.select_related("child", "chair", "protection_plan")
        )
        review = get_object_or_404(reviews, pk=pk)
        if self.records:
            require_recording_rights(request.user, review.child_id)
        return review


class ReviewDetailView(ReviewMixin, View):
    def get(self, request, pk):
        review = self.get_review(request, pk)
        record_event(action=AuditAction.VIEW, user=request.user, obj=review, child_id=review.child_id, request=request)
        working = (
            record_selectors.working_record(review)
            if review.kind == ReviewKind.LAC
            and review.status == ReviewStatus.HELD
            and records_for_children_seen(request.user)
            else None
        )
        return render(
            request,
            "reviews/detail.html",
            {
                "review": review,
                "actions": working.decisions if working else list(review.actions.select_related("owner")),
                **_held_record_context(working),
                "standards": selectors.quality_standards(review),
                "is_outstanding": review.status in OUTSTANDING_STATUSES,
                "timing": selectors.review_timing(review, timezone.localdate()),
                "may_record": may_record_for_child(request.user, review.child_id),
                "today": timezone.localdate(),
                **conference_selectors.record_context(review),
                **document_selectors.documents_context(review, request.user),
            },
        )


def _held_record_context(working):
    """What a held LAC review's page shows of its working record: who came, the views, the care
    plan checks, and its agreed actions as numbered decisions. Not for business support, who
    enter data but do not read what was said at a review."""
    if working is None:
        return {"working": None, "actions_title": "Agreed actions"}
    return {
        "working": working,
        "actions_title": "Decisions and recommendations",
        "record_views": [(label, working.views.get(of)) for of, label in ViewsOf.choices],
        "record_checks": [(label, working.checks.get(kind)) for kind, label in CarePlanCheckKind.choices],
    }


class BookReviewView(ReviewMixin, FormPage):
    """The booking's date and time; `check` says what the date asks for: a late or past day adds
    the confirmation."""

    records = True
    template_name = "reviews/book.html"
    form_class = BookReviewForm
    renamed_fields = {"booked_for": "date"}
    check = None

    def load(self, request, pk):
        self.review = self.get_review(request, pk)

    def initial(self):
        review = self.review
        initial = {
            "version": review.version,
            "late_reason": review.late_reason,
            "late_reason_other": review.late_reason_other,
        }
        if review.booked_for:
            local = timezone.localtime(review.booked_for)
            initial.update(date=local.date(), time=local.strftime("%H:%M"))
        return initial

    def context(self):
        return {"review": self.review, "check": self.check}

    def save(self, form):
        data, review = form.cleaned_data, self.review
        self.check = services.booking_check(review, data["date"], today=timezone.localdate())
        form["confirmed"].label = f"Yes, book the review for {format_date(data['date'])}"
        services.book_review(
            review,
            by=self.request.user,
            booked_for=form.booked_for(),
            late_reason=data["late_reason"],
            late_reason_other=data["late_reason_other"],
            confirmed=data["confirmed"],
            expected_version=data["version"],
            request=self.request,
        )
        messages.success(self.request, f"{review.title} for {review.child.full_name} is booked.")
        return redirect("reviews:detail", pk=review.pk)


class RecordReviewView(ReviewMixin, View):
    """Record a due or booked conference as held, with its agreed actions, on one page. A LAC
    review is recorded only through its task list (reviews.record_views), so its links here go there."""

    editing = False
    records = True
    template_name = "reviews/record.html"
    first_rows = 1

    def get(self, request, pk):
        review = self.get_review(request, pk)
        if (response := self._refuse(request, review)) is not None:
            return response
        form = RecordReviewForm(review=review, editing=self.editing, initial=self._initial(review))
        formset = ActionFormSet(prefix="actions", initial=[{}] * self.first_rows)
        return self._render(request, review, form, formset)

    def post(self, request, pk):
        review = self.get_review(request, pk)
        if (response := self._refuse(request, review)) is not None:
            return response
        formset = ActionFormSet(request.POST, prefix="actions")
        if (changed := formset.rows_changed()) is not None:
            draft, focus = changed
            form = RecordReviewForm(request.POST, review=review, editing=self.editing, draft=True)
            return self._render(request, review, form, draft, focus=focus)
        form = RecordReviewForm(request.POST, review=review, editing=self.editing)
        if form.is_valid() and formset.is_valid():
            filled = [(row, action) for row, action in enumerate(f.action() for f in formset) if action]
            try:
                self._save(request, review, form, [action for _, action in filled])
            except ValidationError as error:
                add_service_errors(form, _errors_in_rows(error, formset, [row for row, _ in filled]))
                return self._render(request, review, form, formset, status=refusal_status(error))
            else:
                return redirect(self._next_page(review))
        return self._render(request, review, form, formset, status=400)

    def _refuse(self, request, review):
        if review.kind == ReviewKind.LAC:
            return redirect("reviews:record_tasks", pk=review.pk)
        return self._refuse_wrong_status(request, review)

    def _next_page(self, review):
        """The confirmation says what comes next (the first core group after an ICPC)."""
        return reverse("reviews:conference_held", args=[review.pk])

    def _initial(self, review):
        return {
            "version": review.version,
            "late_reason": review.late_reason,
            "late_reason_other": review.late_reason_other,
        }

    def _refuse_wrong_status(self, request, review):
        if review.status not in OUTSTANDING_STATUSES:
            messages.info(request, f"This review is already {review.get_status_display().lower()}.")
            return redirect("reviews:detail", pk=review.pk)
        return None

    def _save(self, request, review, form, actions):
        services.record_review_held(
            review,
            by=request.user,
            fields=form.record_fields(),
            actions=actions,
            expected_version=form.cleaned_data["version"],
            request=request,
        )

    def _render(self, request, review, form, formset, status=200, focus=None):
        return render(
            request,
            self.template_name,
            {
                "review": review,
                "form": form,
                "formset": formset,
                "editing": self.editing,
                "focus_row": focus,
                "existing_actions": list(review.actions.select_related("owner")) if self.editing else [],
            },
            status=status,
        )


class EditReviewView(RecordReviewView):
    """Correct a held conference; refused whole if someone else saved it in the meantime."""

    editing = True
    first_rows = 0

    def _initial(self, review):
        initial = {field: getattr(review, field) for field in services.record_fields(review.kind)}
        initial["version"] = review.version
        return initial

    def _refuse_wrong_status(self, request, review):
        if review.status != ReviewStatus.HELD:
            return redirect("reviews:record", pk=review.pk)
        return None

    def _next_page(self, review):
        return reverse("reviews:detail", args=[review.pk])

    def _save(self, request, review, form, actions):
        services.update_held_review(
            review,
            by=request.user,
            fields=form.record_fields(),
            new_actions=actions,
            expected_version=form.cleaned_data["version"],
            request=request,
        )
        messages.success(request, f"Your changes to {review.title_in_sentence} for {review.child.full_name} are saved.")


def _visible_action(request, pk):
    actions = selectors.actions_visible_to(request.user, ReviewAction.objects.select_related("review__child", "owner"))
    return get_object_or_404(actions, pk=pk)


class ActionView(ChildRecordAccessMixin, View):
    """An agreed action and its history, with the ways to update it for whoever may: the
    child's IRO (and anyone recording for the child) and the action's owner."""

    def get(self, request, pk):
        action = _visible_action(request, pk)
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=action, child_id=action.review.child_id, request=request
        )
        return render(
            request,
            "reviews/action.html",
            {
                "action": action,
                "review": action.review,
                "history": selectors.action_history(action),
                "may_update": may_update_action(request.user, action) and action.completed_on is None,
                "sees_review": _sees_review(request.user, action),
                "today": timezone.localdate(),
                "next": _next_page(request),
            },
        )


def _sees_review(user, action):
    return selectors.reviews_visible_to(user, Review.objects.filter(pk=action.review_id)).exists()


def _next_page(request):
    """Where the user came from to update an action (the oversight page), if a page of ours."""
    wanted = request.GET.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return ""


class UpdateActionView(ChildRecordAccessMixin, FormPage):
    """Record an agreed action done (with the date and a note) or give it a new date (with the
    reason): one question a page."""

    template_name = "reviews/action_update.html"
    heading = ""

    def load(self, request, pk):
        self.action = _visible_action(request, pk)
        if not may_update_action(request.user, self.action):
            raise PermissionDenied(READ_ONLY_COVER_MESSAGE)
        if request.method == "GET" and self.action.completed_on is not None:
            return redirect("reviews:action", pk=self.action.pk)
        return None

    def context(self):
        return {
            "action": self.action,
            "review": self.action.review,
            "heading": self.heading,
            "next": _next_page(self.request),
        }

    def save(self, form):
        action = self.action
        done = self.update(form.cleaned_data)
        messages.success(self.request, f"The action \u201c{action.description[:80]}\u201d {done}.")
        if next_page := _next_page(self.request):
            return redirect(next_page)
        if _sees_review(self.request.user, action):
            return redirect("reviews:detail", pk=action.review_id)
        return redirect("reviews:action", pk=action.pk)


class CompleteActionView(UpdateActionView):
    form_class = CompleteActionForm
    heading = "Record the action done"

    def initial(self):
        return {"version": self.action.version, "completed_on": timezone.localdate()}

    def update(self, data):
        services.complete_action(
            self.action,
            by=self.request.user,
            completed_on=data["completed_on"],
            note=data["note"],
            expected_version=data["version"],
            request=self.request,
        )
        return "is recorded as done"


class ChangeActionDateView(UpdateActionView):
    form_class = ChangeActionDateForm
    heading = "Give the action a new date"

    def initial(self):
        return {"version": self.action.version}

    def update(self, data):
        services.change_action_due_date(
            self.action,
            by=self.request.user,
            due_date=data["due_date"],
            reason=data["reason"],
            expected_version=data["version"],
            request=self.request,
        )
        return f"is now due by {format_date(data['due_date'])}"
