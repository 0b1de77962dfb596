from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.permissions import ChildRecordAccessMixin, may_use_worklists, sees_every_child
from audit.models import AuditAction
from audit.pages import ListPage
from audit.services import record_event
from children.models import Child
from children.permissions import children_visible_to, may_record_for_child, require_recording_rights
from iro_portal.pages import FormPage

from . import selectors, services, timescales
from .codes import AreaOfConcern, Stage
from .filters import EscalationsFilter
from .forms import EscalateForm, RaiseEscalationForm, RecordResponseForm, ReopenForm, ResolveForm, WithdrawForm
from .models import Escalation


class EscalationListView(ChildRecordAccessMixin, ListPage):
    """An IRO's escalations, open ones first; for managers, open escalations by stage with
    counts by area of concern. Both filter by the conditions the dashboard counts, and both are
    paged; the managers' counts cover the whole filtered list."""

    audited_as = "escalations.escalation"

    def get(self, request):
        if not may_use_worklists(request.user):
            raise PermissionDenied("Only IROs, service managers and administrators have the escalations list.")
        today = timezone.localdate()
        if not sees_every_child(request.user):
            escalation_filter = EscalationsFilter(
                request.GET,
                queryset=selectors.escalations_visible_to(request.user, on=today),
                on=today,
                show_iro_filter=False,
            )
            escalations = selectors.in_list_order(selectors.for_listing(escalation_filter.qs, today))
            page = self.page_of(escalations)
            return render(
                request,
                "escalations/mine.html",
                {
                    "filter": escalation_filter,
                    "page": page,
                    "rows": [selectors.escalation_row(escalation, today) for escalation in page.object_list],
                },
            )
        escalation_filter = EscalationsFilter(
            request.GET,
            queryset=selectors.escalations_visible_to(request.user, on=today),
            on=today,
            default_status="open",
        )
        escalations = selectors.in_stage_order(selectors.for_listing(escalation_filter.qs, today), today)
        list_counts = selectors.stage_list_counts(escalation_filter.qs, today)
        page = self.page_of(escalations, count=list_counts["count"])
        rows = [selectors.escalation_row(escalation, today) for escalation in page.object_list]
        iro = escalation_filter.form.cleaned_data.get("iro")
        everyone_for_iro = selectors.escalations_visible_to(request.user, on=today)
        if iro is not None:
            everyone_for_iro = selectors.with_iro(everyone_for_iro, iro, today)
        return render(
            request,
            "escalations/open_by_stage.html",
            {
                "filter": escalation_filter,
                "page": page,
                "groups": selectors.by_stage(rows, list_counts["by_stage"]),
                "count": list_counts["count"],
                "overdue_count": list_counts["overdue"],
                "too_long_count": list_counts["too_long"],
                "status": escalation_filter.form.cleaned_data.get("status"),
                "counts": selectors.counts_by_area(everyone_for_iro, today),
                "formal_limit": timescales.formal_process_limit(),
            },
        )


class RaiseEscalationView(ChildRecordAccessMixin, FormPage):
    template_name = "escalations/raise.html"
    form_class = RaiseEscalationForm

    def load(self, request, pk):
        self.child = get_object_or_404(children_visible_to(request.user, Child.objects.all()), pk=pk)
        require_recording_rights(request.user, self.child.pk)

    def initial(self):
        """Starting answers may come in the link (a LAC review's unmet care plan checks): the
        form starts from them, and the IRO still checks and submits it."""
        areas = [area for area in self.request.GET.getlist("areas") if area in AreaOfConcern.values]
        what_is_wrong = self.request.GET.get("what_is_wrong", "")[:5000]
        return {"raised_on": timezone.localdate(), "areas": areas, "what_is_wrong": what_is_wrong}

    def context(self):
        return {"child": self.child}

    def save(self, form):
        escalation = services.raise_escalation(
            self.child, by=self.request.user, request=self.request, today=timezone.localdate(), **form.cleaned_data
        )
        messages.success(self.request, f"Escalation raised for {self.child.full_name}.")
        return redirect("escalations:detail", pk=escalation.pk)


class EscalationMixin(ChildRecordAccessMixin):
    def get_escalation(self, request, pk):
        escalations = selectors.escalations_visible_to(
            request.user, Escalation.objects.select_related("child", "raised_by")
        )
        return get_object_or_404(escalations.prefetch_related("steps", "concerns"), pk=pk)


class EscalationDetailView(EscalationMixin, View):
    def get(self, request, pk):
        escalation = self.get_escalation(request, pk)
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=escalation, child_id=escalation.child_id, request=request
        )
        return render(
            request,
            "escalations/detail.html",
            {
                "escalation": escalation,
                "row": selectors.escalation_row(escalation, timezone.localdate()),
                "may_reopen": services.may_reopen(request.user),
                "may_record": may_record_for_child(request.user, escalation.child_id),
            },
        )


class EscalationActionView(EscalationMixin, FormPage):
    """One step of the process on its own page: a form whose fields are the service's arguments."""

    template_name = "escalations/action.html"
    title = ""
    button = ""

    def service(self, escalation, **kwargs):
        raise NotImplementedError

    def success_message(self, escalation):
        raise NotImplementedError

    def refusal(self, row):
        """Why this step cannot be taken now, or None. Once closed, only a reopen changes it."""
        if not row.escalation.is_open:
            return f"This escalation is {row.escalation.get_status_display().lower()}, so it cannot be changed."
        return None

    def load(self, request, pk):
        escalation = self.get_escalation(request, pk)
        require_recording_rights(request.user, escalation.child_id)
        self.row = selectors.escalation_row(escalation, timezone.localdate())
        if (refusal := self.refusal(self.row)) is not None:
            messages.info(request, refusal)
            return redirect("escalations:detail", pk=escalation.pk)
        return None

    def initial(self):
        return {"version": self.row.escalation.version}

    def context(self):
        return {"escalation": self.row.escalation, "row": self.row, "title": self.title, "button": self.button}

    def save(self, form):
        fields = dict(form.cleaned_data)
        escalation = self.row.escalation
        self.service(
            escalation,
            by=self.request.user,
            request=self.request,
            today=timezone.localdate(),
            expected_version=fields.pop("version"),
            **fields,
        )
        messages.success(self.request, self.success_message(escalation))
        return redirect("escalations:detail", pk=escalation.pk)


class EscalateView(EscalationActionView):
    form_class = EscalateForm
    title = "Escalate to a higher stage"
    button = "Escalate"

    def service(self, escalation, **kwargs):
        return services.escalate(escalation, **kwargs)

    def success_message(self, escalation):
        return f"The escalation for {escalation.child.full_name} has gone to a higher stage."

    def refusal(self, row):
        if row.escalation.is_open and row.at_last_stage:
            return "This escalation has been referred to Cafcass, the last stage: it cannot go higher."
        return super().refusal(row)

    def form_kwargs(self):
        return {"current_stage": self.row.current_stage}

    def initial(self):
        return {**super().initial(), "sent_on": timezone.localdate()}


class RecordResponseView(EscalationActionView):
    form_class = RecordResponseForm
    title = "Record the response"
    button = "Save response"

    def service(self, escalation, **kwargs):
        return services.record_response(escalation, **kwargs)

    def success_message(self, escalation):
        return "The response is recorded."

    def initial(self):
        return {**super().initial(), "responded_on": timezone.localdate()}

    def refusal(self, row):
        if row.escalation.is_open and row.current_step.responded_on is not None:
            return f"The response at the {row.current_stage.label.lower()} stage is already recorded."
        return super().refusal(row)


class ResolveView(EscalationActionView):
    form_class = ResolveForm
    title = "Resolve the escalation"
    button = "Resolve"

    def service(self, escalation, **kwargs):
        return services.resolve(escalation, **kwargs)

    def success_message(self, escalation):
        return f"The escalation for {escalation.child.full_name} is resolved."

    def form_kwargs(self):
        return {"reached_stages": [Stage(step.stage) for step in self.row.steps]}

    def initial(self):
        return {**super().initial(), "resolved_on": timezone.localdate()}


class WithdrawView(EscalationActionView):
    form_class = WithdrawForm
    title = "Withdraw the escalation"
    button = "Withdraw"

    def service(self, escalation, **kwargs):
        return services.withdraw(escalation, **kwargs)

    def success_message(self, escalation):
        return f"The escalation for {escalation.child.full_name} is withdrawn."


class ReopenView(EscalationActionView):
    """Only a service manager (or administrator) may reopen a closed escalation."""

    form_class = ReopenForm
    title = "Reopen the escalation"
    button = "Reopen"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.may_reopen(request.user):
            raise PermissionDenied("Only a service manager can reopen an escalation.")
        return super().dispatch(request, *args, **kwargs)

    def service(self, escalation, **kwargs):
        return services.reopen(escalation, **kwargs)

    def success_message(self, escalation):
        return f"The escalation for {escalation.child.full_name} is open again."

    def refusal(self, row):
        if row.escalation.is_open:
            return "This escalation is open: only a resolved or withdrawn escalation can be reopened."
        return None
