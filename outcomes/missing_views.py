"""The pages for recording a child's missing and away episodes, decisions that they should be
placed for adoption, adoptions and previous permanence: for service managers, administrators and
business support (accounts.permissions.may_enter_child_data), on the data-entry pages' shared
templates (children.entry_views). Every page calls the same service as the API."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone

from children.entry_views import CheckedEntryPage, EntryPage
from children.models import Child
from iro_portal.dates import format_date
from iro_portal.locking import VersionForm

from . import adoption_services, missing_services
from .missing_forms import (
    AdoptionDecisionForm,
    AdoptionForm,
    CameBackForm,
    MissingEpisodeChangeForm,
    MissingEpisodeForm,
    PreviousPermanenceForm,
    ReverseDecisionForm,
)
from .models import Adoption, AdoptionDecision, MissingEpisode, PreviousPermanence


def back_to_child(child, section):
    return redirect(reverse("children:detail", args=[child.pk]) + f"#{section}")


class ChildEntryPage(EntryPage):
    """A page recording something new about the child named in the URL."""

    def load(self, request, pk):
        self.child = get_object_or_404(Child, pk=pk)


class RecordEntryPage(EntryPage):
    """A page about one record of a child's, opened at its version."""

    model: type = MissingEpisode

    def load(self, request, pk):
        self.record = get_object_or_404(self.model.objects.select_related("child"), pk=pk)
        self.child = self.record.child
        return None

    def initial(self):
        return {"version": self.record.version}

    def version_and_fields(self, form):
        fields = dict(form.cleaned_data)
        return fields.pop("version"), fields


class DeletePage(RecordEntryPage):
    """Delete a record entered in error, after the page asks."""

    form_class = VersionForm
    section = ""

    def save(self, form):
        label = self.describe()
        self.delete(form.cleaned_data["version"])
        messages.success(self.request, f"{label} is deleted.")
        return back_to_child(self.child, self.section)

    def describe(self):
        return str(self.record)

    def delete(self, version):
        raise NotImplementedError


# Missing and away episodes -----------------------------------------------------------------------


class RecordMissingView(ChildEntryPage):
    form_class = MissingEpisodeForm
    heading = "Record a missing or away episode"
    button = "Save the episode"

    def save(self, form):
        episode = missing_services.record_missing_episode(
            self.child, by=self.request.user, request=self.request, today=timezone.localdate(), **form.cleaned_data
        )
        messages.success(self.request, f"The episode from {format_date(episode.start_date)} is recorded.")
        return back_to_child(self.child, "missing")


class ChangeMissingView(RecordEntryPage):
    form_class = MissingEpisodeChangeForm
    button = "Save the changes"

    def load(self, request, pk):
        super().load(request, pk)
        self.heading = f"Change the episode from {format_date(self.record.start_date)}"

    def initial(self):
        return {"kind": self.record.kind, "start_date": self.record.start_date, "end_date": self.record.end_date} | (
            super().initial()
        )

    def save(self, form):
        version, fields = self.version_and_fields(form)
        missing_services.change_missing_episode(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=version,
            today=timezone.localdate(),
            **fields,
        )
        messages.success(self.request, "The episode is changed.")
        return back_to_child(self.child, "missing")


class CameBackView(RecordEntryPage, CheckedEntryPage):
    form_class = CameBackForm
    button = "Continue"
    confirm_button = "Record that the child came back"

    def load(self, request, pk):
        super().load(request, pk)
        if self.record.end_date is not None:
            messages.info(request, f"The child came back on {format_date(self.record.end_date)}.")
            return back_to_child(self.child, "missing")
        started = format_date(self.record.start_date)
        self.heading = f"Record that the child came back (episode from {started})"
        self.check_heading = f"Check before you record that the child came back (episode from {started})"
        return None

    def confirmed(self, form):
        version, fields = self.version_and_fields(form)
        episode = missing_services.record_came_back(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=version,
            today=timezone.localdate(),
            **fields,
        )
        messages.success(self.request, f"The child came back on {format_date(episode.end_date)}.")
        return back_to_child(self.child, "missing")


class DeleteMissingView(DeletePage):
    button = "Delete the episode"
    section = "missing"

    def load(self, request, pk):
        super().load(request, pk)
        self.heading = f"Delete the episode from {format_date(self.record.start_date)}?"

    def describe(self):
        return f"The episode from {format_date(self.record.start_date)}"

    def delete(self, version):
        missing_services.delete_missing_episode(
            self.record, by=self.request.user, request=self.request, expected_version=version
        )


# Decisions that the child should be placed for adoption -----------------------------------------


class RecordDecisionView(ChildEntryPage):
    form_class = AdoptionDecisionForm
    heading = "Record a decision that the child should be placed for adoption"
    button = "Save the decision"

    def save(self, form):
        decision = adoption_services.record_adoption_decision(
            self.child, by=self.request.user, request=self.request, today=timezone.localdate(), **form.cleaned_data
        )
        messages.success(self.request, f"The decision of {format_date(decision.decided_on)} is recorded.")
        return back_to_child(self.child, "adoption")


class ReverseDecisionView(RecordEntryPage, CheckedEntryPage):
    model = AdoptionDecision
    form_class = ReverseDecisionForm
    button = "Continue"
    confirm_button = "Reverse the decision"

    def load(self, request, pk):
        super().load(request, pk)
        decided = format_date(self.record.decided_on)
        if self.record.ceased_on is not None:
            messages.info(request, f"The decision of {decided} was already reversed.")
            return back_to_child(self.child, "adoption")
        self.heading = f"Reverse the decision of {decided} that the child should be placed for adoption"
        self.check_heading = f"Check before you reverse the decision of {decided}"
        return None

    def confirmed(self, form):
        version, fields = self.version_and_fields(form)
        adoption_services.reverse_adoption_decision(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=version,
            today=timezone.localdate(),
            **fields,
        )
        messages.success(self.request, "The child should no longer be placed for adoption.")
        return back_to_child(self.child, "adoption")


class DeleteDecisionView(DeletePage):
    model = AdoptionDecision
    button = "Delete the decision"
    section = "adoption"

    def load(self, request, pk):
        super().load(request, pk)
        self.heading = f"Delete the decision of {format_date(self.record.decided_on)}?"

    def describe(self):
        return f"The decision of {format_date(self.record.decided_on)}"

    def delete(self, version):
        adoption_services.delete_adoption_decision(
            self.record, by=self.request.user, request=self.request, expected_version=version
        )


# Adoptions (AD1) ---------------------------------------------------------------------------------


class RecordAdoptionView(ChildEntryPage):
    form_class = AdoptionForm
    heading = "Record the adoption"
    button = "Save the adoption"

    def initial(self):
        return {"version": 0}

    def save(self, form):
        fields = dict(form.cleaned_data)
        fields.pop("version")
        adoption_services.record_adoption(
            self.child, by=self.request.user, request=self.request, today=timezone.localdate(), **fields
        )
        messages.success(self.request, "The adoption is recorded.")
        return back_to_child(self.child, "adoption")


class ChangeAdoptionView(RecordEntryPage):
    model = Adoption
    form_class = AdoptionForm
    heading = "Change the adoption details"
    button = "Save the changes"

    def initial(self):
        return {field: getattr(self.record, field) for field in adoption_services.AD1_FIELDS} | {
            "by_former_foster_carers": {True: "yes", False: "no"}.get(self.record.by_former_foster_carers),
            **super().initial(),
        }

    def save(self, form):
        version, fields = self.version_and_fields(form)
        adoption_services.change_adoption(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=version,
            today=timezone.localdate(),
            **fields,
        )
        messages.success(self.request, "The adoption details are changed.")
        return back_to_child(self.child, "adoption")


class DeleteAdoptionView(DeletePage):
    model = Adoption
    heading = "Delete the adoption details?"
    button = "Delete the adoption"
    section = "adoption"

    def describe(self):
        return "The adoption"

    def delete(self, version):
        adoption_services.delete_adoption(
            self.record, by=self.request.user, request=self.request, expected_version=version
        )


# Permanence before care (PrevPerm) ---------------------------------------------------------------


class PreviousPermanenceView(ChildEntryPage):
    """Record, or change, the child's one previous permanence row; opened at its version (0
    when there is none)."""

    form_class = PreviousPermanenceForm
    heading = "Permanence before care"
    button = "Save"

    def load(self, request, pk):
        super().load(request, pk)
        self.record = PreviousPermanence.objects.filter(child=self.child).first()

    def initial(self):
        if self.record is None:
            return {"version": 0}
        return {
            "order": self.record.order,
            "arranged_by": self.record.arranged_by,
            "order_date": self.record.order_date,
            "version": self.record.version,
        }

    def save(self, form):
        fields = dict(form.cleaned_data)
        adoption_services.record_previous_permanence(
            self.child,
            by=self.request.user,
            request=self.request,
            expected_version=fields.pop("version"),
            today=timezone.localdate(),
            **fields,
        )
        messages.success(self.request, "Permanence before care is saved.")
        return back_to_child(self.child, "before-care")
