"""Managers' pages for IRO staffing: every IRO's FTE and agency status today, one IRO's history,
and recording a change. The rules are in staffing.services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.models import Role, User
from accounts.permissions import AllocationManagerRequiredMixin
from iro_portal.dates import format_date
from iro_portal.pages import FormPage

from . import selectors, services
from .forms import LeavingForm, StaffingChangeForm


class StaffListView(AllocationManagerRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        return render(request, "staffing/staff_list.html", {"today": today, "iros": selectors.staff_list(today)})


class IroStaffingView(AllocationManagerRequiredMixin, View):
    def get(self, request, pk):
        iro = get_object_or_404(User, pk=pk, role=Role.IRO)
        periods = selectors.history(iro)
        on_the_staff = bool(periods) and periods[0].ends_on is None
        return render(
            request, "staffing/iro_staffing.html", {"iro": iro, "periods": periods, "on_the_staff": on_the_staff}
        )


class RecordChangeView(AllocationManagerRequiredMixin, FormPage):
    template_name = "staffing/record_change.html"
    form_class = StaffingChangeForm

    def load(self, request, pk):
        self.iro = get_object_or_404(User, pk=pk, role=Role.IRO)
        self.latest = selectors.latest_period(self.iro)
        return None

    def initial(self):
        latest = self.latest
        return {
            "version": 0 if latest is None else latest.version,
            "fte": None if latest is None else latest.fte,
            "agency": "yes" if latest is not None and latest.agency else "no",
        }

    def context(self):
        return {"iro": self.iro, "latest": self.latest}

    def save(self, form):
        data = form.cleaned_data
        period = services.record_staffing_change(
            self.iro,
            starts_on=data["starts_on"],
            fte=data["fte"],
            agency=data["agency"],
            by=self.request.user,
            expected_version=data["version"],
            request=self.request,
        )
        employed = "through an agency" if period.agency else "employed by the authority"
        messages.success(
            self.request,
            f"Change recorded: from {format_date(period.starts_on)} {self.iro} works {period.fte} FTE, {employed}.",
        )
        return redirect("staffing:iro", pk=self.iro.pk)


class RecordLeavingView(AllocationManagerRequiredMixin, FormPage):
    template_name = "staffing/record_leaving.html"
    form_class = LeavingForm

    def load(self, request, pk):
        self.iro = get_object_or_404(User, pk=pk, role=Role.IRO)
        self.latest = selectors.latest_period(self.iro)
        return None

    def initial(self):
        return {"version": 0 if self.latest is None else self.latest.version}

    def context(self):
        today = timezone.localdate()
        return {
            "iro": self.iro,
            "latest": self.latest,
            # Through the account's allocations: staffing sits below the children app it would import.
            "children_allocated": self.iro.allocations.current(today).values("child").distinct().count(),
        }

    def save(self, form):
        data = form.cleaned_data
        services.record_leaving(
            self.iro,
            last_day=data["last_day"],
            by=self.request.user,
            expected_version=data["version"],
            request=self.request,
        )
        messages.success(self.request, f"Recorded: {self.iro}’s last day as an IRO is {format_date(data['last_day'])}.")
        return redirect("staffing:iro", pk=self.iro.pk)
