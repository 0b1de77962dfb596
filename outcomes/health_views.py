"""The pages for recording a child's health and offending at 31 March (OC2) and a care leaver's
status around their birthday (OC3): form, check answers, then back to the child's page with
what was saved. For service managers, administrators and business support, like the other
data-entry pages (children.entry_views); every page calls the same service as the API."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone

from accounts.permissions import ChildDataEntryRequiredMixin
from children.entry_views import CheckedEntryPage
from children.models import Child
from iro_portal.locking import VersionForm
from iro_portal.pages import FormPage

from . import health_services as services
from .health_forms import (
    ANSWER_OF,
    CareLeaverChangeForm,
    CareLeaverForm,
    HealthRecordChangeForm,
    HealthRecordForm,
)
from .health_selectors import care_leaver_rows, health_rows
from .models import CareLeaverRecord, HealthRecord
from .years import last_completed_year, year_label

FIRST_YEAR = 1992
FLAGS = [name for name in services.HEALTH_FIELDS if name not in ("sdq_score", "sdq_reason")]
"""The OC2 answers that are yes, no or not recorded."""


def _year_or_404(year):
    if not FIRST_YEAR <= year <= last_completed_year(timezone.localdate()) + 1:
        raise Http404("No such collection year.")
    return year


class OutcomePage(CheckedEntryPage):
    """A record's answers checked against the service's rules before they are read back on the
    check page (so a refusal never waits for the last step), the way the child's page shows them."""

    button = "Continue"

    def save(self, form):
        if "confirmed" not in self.request.POST and "change" not in self.request.POST:
            self.validate(self.model(child=self.child, year=self.year, **self.service_fields(form)))
        return super().save(form)

    def validate(self, record):
        raise NotImplementedError

    def answers(self, form):
        record = self.model(**self.service_fields(form))
        return self.rows(record)

    def service_fields(self, form):
        return {field: form.cleaned_data.get(field) for field in self.fields}


class HealthPage(OutcomePage):
    model = HealthRecord
    fields = services.HEALTH_FIELDS
    rows = staticmethod(health_rows)

    def validate(self, record):
        services.validate_health_record(record, today=timezone.localdate())

    def service_fields(self, form):
        fields = super().service_fields(form)
        return {**fields, "sdq_reason": fields["sdq_reason"] or ""}


class CareLeaverPage(OutcomePage):
    model = CareLeaverRecord
    fields = services.CARE_LEAVER_FIELDS
    rows = staticmethod(care_leaver_rows)
    renamed_fields = {"accommodation": "accommodation_type"}

    def validate(self, record):
        services.validate_care_leaver_record(record, today=timezone.localdate())

    def service_fields(self, form):
        return form.service_fields()


class RecordHealthView(HealthPage):
    form_class = HealthRecordForm
    confirm_button = "Save the health record"

    def load(self, request, pk, year):
        self.child = get_object_or_404(Child, pk=pk)
        self.year = _year_or_404(year)
        existing = HealthRecord.objects.filter(child=self.child, year=year).first()
        if existing is not None:
            messages.info(request, f"Health for {year_label(year)} is already recorded: change it here.")
            return redirect("health:change_health", pk=existing.pk)
        self.heading = f"Record health for {year_label(year)}"
        self.check_heading = f"Check the health record for {year_label(year)}"
        return None

    def initial(self):
        return dict.fromkeys(FLAGS, ANSWER_OF[None])

    def confirmed(self, form):
        services.record_health(
            self.child, year=self.year, by=self.request.user, request=self.request, **self.service_fields(form)
        )
        messages.success(self.request, f"Health for {year_label(self.year)} is recorded.")
        return redirect("children:detail", pk=self.child.pk)


class ChangeHealthView(HealthPage):
    form_class = HealthRecordChangeForm
    confirm_button = "Save the changes"

    def load(self, request, pk):
        self.record = get_object_or_404(HealthRecord.objects.select_related("child"), pk=pk)
        self.child, self.year = self.record.child, self.record.year
        label = year_label(self.record.year)
        self.heading = f"Change health for {label}"
        self.check_heading = f"Check the changes to health for {label}"

    def initial(self):
        return {
            **{name: ANSWER_OF[getattr(self.record, name)] for name in FLAGS},
            "sdq_score": self.record.sdq_score,
            "sdq_reason": self.record.sdq_reason,
            "version": self.record.version,
        }

    def confirmed(self, form):
        services.change_health_record(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=form.cleaned_data["version"],
            **self.service_fields(form),
        )
        messages.success(self.request, f"Health for {year_label(self.record.year)} is changed.")
        return redirect("children:detail", pk=self.child.pk)


class RecordCareLeaverView(CareLeaverPage):
    form_class = CareLeaverForm
    confirm_button = "Save the care leaver's status"

    def load(self, request, pk, year):
        self.child = get_object_or_404(Child, pk=pk)
        self.year = _year_or_404(year)
        existing = CareLeaverRecord.objects.filter(child=self.child, year=year).first()
        if existing is not None:
            messages.info(
                request, f"A care leaver's status for {year_label(year)} is already recorded: change it here."
            )
            return redirect("health:change_care_leaver", pk=existing.pk)
        self.heading = f"Record a care leaver's status for {year_label(year)}"
        self.check_heading = f"Check the care leaver's status for {year_label(year)}"
        return None

    def confirmed(self, form):
        services.record_care_leaver_status(
            self.child, year=self.year, by=self.request.user, request=self.request, **self.service_fields(form)
        )
        messages.success(self.request, f"The care leaver's status for {year_label(self.year)} is recorded.")
        return redirect("children:detail", pk=self.child.pk)


class ChangeCareLeaverView(CareLeaverPage):
    form_class = CareLeaverChangeForm
    confirm_button = "Save the changes"

    def load(self, request, pk):
        self.record = get_object_or_404(CareLeaverRecord.objects.select_related("child"), pk=pk)
        self.child, self.year = self.record.child, self.record.year
        label = year_label(self.record.year)
        self.heading = f"Change the care leaver's status for {label}"
        self.check_heading = f"Check the changes to the care leaver's status for {label}"

    def initial(self):
        return CareLeaverForm.initial_for(self.record)

    def confirmed(self, form):
        services.change_care_leaver_record(
            self.record,
            by=self.request.user,
            request=self.request,
            expected_version=form.cleaned_data["version"],
            **self.service_fields(form),
        )
        messages.success(self.request, f"The care leaver's status for {year_label(self.record.year)} is changed.")
        return redirect("children:detail", pk=self.child.pk)


class DeleteOutcomeView(ChildDataEntryRequiredMixin, FormPage):
    """Delete a record entered for the wrong child or year, after a warning."""

    template_name = "outcomes/health/delete.html"
    form_class = VersionForm
    model: type[HealthRecord] | type[CareLeaverRecord] = HealthRecord
    what = ""

    def load(self, request, pk):
        self.record = get_object_or_404(self.model.objects.select_related("child"), pk=pk)
        self.child = self.record.child
        self.label = f"{self.what} for {year_label(self.record.year)}"

    def initial(self):
        return {"version": self.record.version}

    def context(self):
        rows = health_rows(self.record) if isinstance(self.record, HealthRecord) else care_leaver_rows(self.record)
        return {"child": self.child, "heading": f"Delete {self.label[:1].lower()}{self.label[1:]}", "rows": rows}

    def save(self, form):
        services.delete_outcome_record(
            self.record, by=self.request.user, request=self.request, expected_version=form.cleaned_data["version"]
        )
        messages.success(self.request, f"{self.label} is deleted.")
        return redirect("children:detail", pk=self.child.pk)


class DeleteHealthView(DeleteOutcomeView):
    model = HealthRecord
    what = "Health"


class DeleteCareLeaverView(DeleteOutcomeView):
    model = CareLeaverRecord
    what = "The care leaver's status"
