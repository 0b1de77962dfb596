"""The LAC review recorded as a GOV.UK task list: each task a small page saving to the draft
(or, once the review is held, to its record), then check your answers and complete the review.
A draft is seen only by those who may record for the child (the child's IRO, cover that may
record, managers)."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_date
from iro_portal.forms import add_service_errors
from iro_portal.locking import VersionForm, refusal_status
from iro_portal.pages import FormPage

from . import record_selectors, record_services, services
from .models import (
    OUTSTANDING_STATUSES,
    LateReason,
    ParentsParticipation,
    ParticipationCode,
    Review,
    ReviewKind,
    ReviewStatus,
)
from .record_forms import (
    ChecksForm,
    CompleteForm,
    DecisionFormSet,
    ParticipantFormSet,
    ParticipationForm,
    RecordTaskForm,
    ViewsForm,
)
from .record_models import CarePlanCheckKind, ReviewRecord, ViewsOf
from .views import ReviewMixin, _errors_in_rows

TASKS = [
    ("meeting", "The meeting", "reviews:record_meeting"),
    ("attendance", "Who was invited and who came", "reviews:record_attendance"),
    ("views", "Views", "reviews:record_views"),
    ("checks", "Care plan checks", "reviews:record_checks"),
    ("decisions", "Decisions and recommendations", "reviews:record_decisions"),
    ("participation", "Participation", "reviews:record_participation"),
]


class LacRecordMixin(ReviewMixin):
    records = True

    def load(self, request, pk):
        self.review = self.get_review(request, pk)
        if self.review.kind != ReviewKind.LAC:
            return redirect("reviews:record", pk=pk)
        if self.review.status == ReviewStatus.CANCELLED:
            messages.info(request, "This review was cancelled.")
            return redirect("reviews:detail", pk=pk)
        self.working = record_selectors.working_record(self.review)
        return None

    @property
    def drafting(self):
        return self.review.status in OUTSTANDING_STATUSES

    def next_page(self):
        """Saving goes to the task list; "Save and come back later" back to the review. An
        autosave (record-autosave.mjs) stays on the page, told the version now saved."""
        if "autosave" in self.request.POST:
            if self.drafting or not isinstance(self, RecordFieldsTaskView | DecisionsView):
                saved = ReviewRecord.objects.filter(review=self.review).values_list("version", flat=True).first()
            else:
                saved = Review.objects.filter(pk=self.review.pk).values_list("version", flat=True).first()
            return JsonResponse({"version": saved or 0})
        if "later" in self.request.POST:
            messages.success(self.request, "Your draft is saved. You can come back to it at any time.")
            return redirect("reviews:detail", pk=self.review.pk)
        return redirect("reviews:record_tasks", pk=self.review.pk)

    def base_context(self):
        return {"review": self.review, "working": self.working, "drafting": self.drafting}


class TaskListView(LacRecordMixin, View):
    def get(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=self.review, child_id=self.review.child_id, request=request
        )
        statuses = record_selectors.task_statuses(self.working)
        tasks = [(name, title, url, statuses[name]) for name, title, url in TASKS]
        return render(
            request,
            "reviews/record/task_list.html",
            {**self.base_context(), "tasks": tasks, "done": sum(status == "Completed" for *_, status in tasks)},
        )


class RecordFieldsTaskView(LacRecordMixin, FormPage):
    """The meeting or the participation: fields of the review itself, drafted until completion."""

    template_name = "reviews/record/fields_task.html"
    form_class = RecordTaskForm
    fields = services.HELD_ON_FIELDS
    title = "The meeting"

    def form_kwargs(self):
        return {"review": self.review, "fields": self.fields, "drafting": self.drafting}

    def initial(self):
        if self.drafting:
            values = record_services.draft_fields(self.working.record) if self.working.record else {}
            values.setdefault("late_reason", self.review.late_reason)
            values.setdefault("late_reason_other", self.review.late_reason_other)
            return {**values, "version": self.working.version}
        return {
            **{name: getattr(self.review, name) for name in services.record_fields(ReviewKind.LAC)},
            "version": self.review.version,
        }

    def context(self):
        return {**self.base_context(), "title": self.title}

    def save(self, form):
        fields = form.record_fields()
        if self.drafting:
            record_services.save_draft(
                self.review,
                by=self.request.user,
                fields=fields,
                expected_version=form.cleaned_data["version"],
                request=self.request,
            )
        else:
            services.update_held_review(
                self.review,
                by=self.request.user,
                fields=fields,
                expected_version=form.cleaned_data["version"],
                request=self.request,
            )
        return self.next_page()


class MeetingView(RecordFieldsTaskView):
    pass


class ParticipationView(RecordFieldsTaskView):
    form_class = ParticipationForm
    title = "Participation"
    needs_confirming = False

    def form_kwargs(self):
        return {"review": self.review, "drafting": self.drafting, "suggested": self.working.suggested_code}

    def initial(self):
        """The child's reply to the online consultation is a consultation received from them,
        ticked until the IRO saves this task."""
        initial = super().initial()
        if (
            self.drafting
            and self.working.online.child_replied
            and "child_consulted" not in self.working.draft.get("fields", {})
        ):
            initial["child_consulted"] = True
        return initial

    def context(self):
        return {**super().context(), "needs_confirming": self.needs_confirming}

    def save(self, form):
        """A code other than the one the attendance suggests is saved once the IRO confirms it."""
        code, suggested = form.cleaned_data.get("participation_code"), self.working.suggested_code
        if code and suggested and code != suggested and not form.cleaned_data.get("confirm_code"):
            self.needs_confirming = True
            raise ValidationError(
                {
                    "participation_code": f"The child's attendance and views suggest {suggested}: choose it, "
                    f"or confirm {code}."
                }
            )
        child = self.working.child
        if problem := record_selectors.participation_contradiction(code, child.attendance if child else None):
            raise ValidationError({"participation_code": problem})
        return super().save(form)


class AddAnotherTaskView(LacRecordMixin, View):
    """A task page of rows added and removed (GOV.UK "add another"): adding or removing a row
    saves nothing; saving sends the filled rows, as the whole list, with the version the page
    was opened with."""

    template_name = ""
    prefix = ""
    formset_class: type[BaseFormSet]

    def get(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        formset = self.formset_class(prefix=self.prefix, initial=self.initial_rows())
        return self._render(VersionForm(initial={"version": self.version()}), formset)

    def post(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        formset = self.formset_class(request.POST, prefix=self.prefix)
        version = VersionForm(request.POST)
        if (changed := formset.rows_changed()) is not None:
            draft, focus = changed
            return self._render(version, draft, focus=focus)
        if not (version.is_valid() and formset.is_valid()):
            return self._render(version, formset, status=400)
        filled = [(index, row) for index, row in enumerate(self.row(form) for form in formset) if row]
        try:
            self.save([row for _, row in filled], version.cleaned_data["version"])
        except ValidationError as error:
            add_service_errors(version, self.errors_in_rows(error, formset, [index for index, _ in filled]))
            return self._render(version, formset, status=refusal_status(error))
        return self.next_page()

    def version(self):
        return self.working.version

    def errors_in_rows(self, error, formset, indexes):
        """The service's errors, placed on the rows they are about where it says so."""
        return error

    def _render(self, version, formset, status=200, focus=None):
        return render(
            self.request,
            self.template_name,
            {**self.base_context(), "form": version, "formset": formset, "focus_row": focus},
            status=status,
        )


class AttendanceView(AddAnotherTaskView):
    """Who was invited and what happened, one person a row."""

    template_name = "reviews/record/attendance.html"
    prefix = "people"
    formset_class = ParticipantFormSet

    def initial_rows(self):
        return [
            {"id": p.pk, "role": p.role, "name": p.name, "invited": p.invited, "attendance": p.attendance}
            for p in self.working.participants
        ] or [{"role": "child", "invited": True}]

    def row(self, form):
        return form.participant()

    def save(self, rows, expected_version):
        record_services.save_attendance(
            self.review,
            by=self.request.user,
            participants=rows,
            expected_version=expected_version,
            request=self.request,
        )


class ViewsView(LacRecordMixin, FormPage):
    template_name = "reviews/record/views.html"
    form_class = ViewsForm

    def initial(self):
        initial = {"version": self.working.version, "child_views_not_obtained": self.working.child_views_not_obtained}
        for of, views in self.working.views.items():
            initial.update({f"{of}_text": views.text, f"{of}_given": views.given})
        return initial

    def form_kwargs(self):
        return {"online": self.working.online}

    def get(self, request, pk):
        """Reading the online replies here is in the audit log, as opening one is."""
        answer = super().get(request, pk)
        if answer.status_code == 200 and (replies := self.working.online.replies):
            record_event(
                action=AuditAction.VIEW,
                user=request.user,
                obj=self.review,
                child_id=self.review.child_id,
                request=request,
                detail={"online_replies": len(replies)},
            )
        return answer

    def context(self):
        return self.base_context()

    def save(self, form):
        """The "Use in the record" button saves the page with one party's views filled from
        their online replies, and comes back to it to read them."""
        if of := self.request.POST.get("use_online"):
            record_services.use_online_replies(
                self.review,
                of=of,
                by=self.request.user,
                views=form.views(),
                child_views_not_obtained=form.cleaned_data["child_views_not_obtained"],
                expected_version=form.cleaned_data["version"],
                request=self.request,
            )
            label = ViewsOf(of).label
            messages.success(self.request, f"The online replies were added to {label[0].lower()}{label[1:]}.")
            return redirect("reviews:record_views", pk=self.review.pk)
        record_services.save_views(
            self.review,
            by=self.request.user,
            views=form.views(),
            child_views_not_obtained=form.cleaned_data["child_views_not_obtained"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        return self.next_page()


class ChecksView(LacRecordMixin, FormPage):
    template_name = "reviews/record/checks.html"
    form_class = ChecksForm

    def form_kwargs(self):
        return {"applies": self.working.applies}

    def initial(self):
        initial = {"version": self.working.version}
        meets = self.working.plan_meets_needs
        initial["plan_meets_needs"] = "" if meets is None else ("yes" if meets else "no")
        for kind in CarePlanCheckKind.values:
            check = self.working.checks.get(kind)
            if check:
                initial.update({f"{kind}_answer": check.answer, f"{kind}_note": check.note})
            elif not self.working.applies(kind):
                initial[f"{kind}_answer"] = "not_applicable"
        return initial

    def context(self):
        return {**self.base_context(), "escalation_url": escalation_url(self.working)}

    def save(self, form):
        record_services.save_care_plan_checks(
            self.review,
            by=self.request.user,
            answers=form.answers(),
            plan_meets_needs=form.cleaned_data["plan_meets_needs"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        if form.cleaned_data["plan_meets_needs"] is False:
            messages.info(
                self.request,
                "You said the plan does not meet the child's needs: you can raise an escalation from here.",
            )
        return self.next_page()


FIELD_LABELS = {
    "held_on": "Date held",
    "late_reason": "Reason it was late",
    "late_reason_other": "Other reason",
    "participation_code": "Participation code",
    "child_chaired": "The child chaired their review",
    "advocate_present": "An advocate was present",
    "interpreter_used": "An interpreter was used",
    "child_consulted": "A consultation was received from the child",
    "parents_participation": "Parents' participation",
    "social_worker_report_received": "Social worker's report received",
    "decisions_circulated": "Decisions circulated",
    "record_circulated": "Full record circulated",
}
CHOICES = {
    "late_reason": LateReason,
    "participation_code": ParticipationCode,
    "parents_participation": ParentsParticipation,
}


TASK_OF_FIELD = {
    **dict.fromkeys(services.HELD_ON_FIELDS, "reviews:record_meeting"),
    **dict.fromkeys(services.LAC_RECORD_FIELDS, "reviews:record_participation"),
    "attendance": "reviews:record_attendance",
    "views": "reviews:record_views",
    "actions": "reviews:record_decisions",
}


def completion_problems(error, review):
    """Why completing was refused, as the error summary lists it: each message linked to the
    task page that puts it right (a stale page, to the top of this one)."""
    if not hasattr(error, "error_dict"):
        return [{"href": "#main-content", "message": message} for message in error.messages]
    return [
        {
            "href": reverse(TASK_OF_FIELD[field], args=[review.pk]) if field in TASK_OF_FIELD else "#main-content",
            "message": message,
        }
        for field, messages_ in error.message_dict.items()
        for message in messages_
    ]


def field_rows(fields, names):
    """The review's fields as check your answers reads them."""
    rows = []
    for name in names:
        value = fields.get(name)
        if isinstance(value, bool):
            shown = "Yes" if value else "No"
        elif isinstance(value, date):
            shown = format_date(value)
        elif value and name in CHOICES:
            shown = CHOICES[name](value).label
        else:
            shown = value or "Not recorded"
        rows.append((FIELD_LABELS[name], shown))
    return rows


def escalation_url(working):
    """One click into the escalation form, filled in from the unmet checks (the IRO still
    submits it); only when the IRO has said the plan does not meet the child's needs."""
    if working.plan_meets_needs is not False:
        return ""
    prefill = record_selectors.escalation_prefill(working)
    query = urlencode({"areas": prefill["areas"], "what_is_wrong": prefill["what_is_wrong"]}, doseq=True)
    return f"{reverse('escalations:raise', args=[working.review.child_id])}?{query}"


class DecisionsView(AddAnotherTaskView):
    """The decisions, numbered, each with who and by when: drafted until the review is
    completed; once held, further decisions are added (those made are updated from their pages)."""

    template_name = "reviews/record/decisions.html"
    prefix = "actions"
    formset_class = DecisionFormSet

    def initial_rows(self):
        drafted = record_services.draft_decisions(self.working.record) if self.drafting and self.working.record else []
        return drafted or [{}]

    def version(self):
        return self.working.version if self.drafting else self.review.version

    def row(self, form):
        return form.action()

    def save(self, rows, expected_version):
        if self.drafting:
            record_services.save_draft(
                self.review,
                by=self.request.user,
                decisions=rows,
                expected_version=expected_version,
                request=self.request,
            )
        else:
            services.update_held_review(
                self.review,
                by=self.request.user,
                fields={},
                new_actions=rows,
                expected_version=expected_version,
                request=self.request,
            )

    def errors_in_rows(self, error, formset, indexes):
        return _errors_in_rows(error, formset, indexes)


class CheckAnswersView(LacRecordMixin, View):
    """Everything recorded, with a link to change each part, and Complete the review."""

    def get(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=self.review, child_id=self.review.child_id, request=request
        )
        return self._render(CompleteForm(initial={"version": self.working.version}))

    def post(self, request, pk):
        if (answer := self.load(request, pk)) is not None:
            return answer
        if not self.drafting:
            return redirect("reviews:detail", pk=pk)
        form = CompleteForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            record_services.complete_review(
                self.review, by=request.user, expected_version=form.cleaned_data["version"], request=request
            )
        except ValidationError as error:
            problems = completion_problems(error, self.review)
            form.add_error(None, [problem["message"] for problem in problems])
            return self._render(form, status=refusal_status(error), problems=problems)
        messages.success(
            request,
            f"{self.review.title} for {self.review.child.full_name} is complete and recorded as held. "
            "Now rate the care plan.",
        )
        return redirect("oversight:rate", pk=pk)

    def _render(self, form, status=200, problems=()):
        working = self.working
        fields = (record_services.draft_fields(working.record) if self.drafting and working.record else {}) or {
            name: getattr(self.review, name) for name in services.record_fields(ReviewKind.LAC)
        }
        decisions = (
            record_services.draft_decisions(working.record)
            if self.drafting and working.record
            else [
                {"title": d.title, "description": d.description, "owner_name": d.owner_display, "due_date": d.due_date}
                for d in working.decisions
            ]
        )
        return render(
            self.request,
            "reviews/record/check_answers.html",
            {
                **self.base_context(),
                "form": form,
                "meeting": field_rows(fields, services.HELD_ON_FIELDS),
                "participation": field_rows(fields, services.LAC_RECORD_FIELDS),
                "decisions": decisions,
                "views": [(label, working.views.get(of)) for of, label in ViewsOf.choices],
                "checks": [(label, working.checks.get(kind)) for kind, label in CarePlanCheckKind.choices],
                "escalation_url": escalation_url(working),
                "problems": problems,
            },
            status=status,
        )
