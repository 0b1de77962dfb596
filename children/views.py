"""The pages that change a child's record: allocating their IRO and whether the child is a mother.
The pages that show children (the list, the caseload, the child's page) are caseloads.views'."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone

from accounts.permissions import AllocationManagerRequiredMixin, ChildRecordAccessMixin
from children.permissions import children_visible_to, require_recording_rights
from iro_portal.pages import FormPage

from . import selectors, services
from .forms import AllocationForm, MotherhoodForm
from .models import Child


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
