"""The page where service managers set a reporting year's local targets."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from iro_portal.forms import add_service_errors
from iro_portal.locking import VersionForm, refusal_status

from . import services
from .annual_report import targetable_measures
from .periods import reporting_year_label
from .target_forms import TargetFormSet
from .targets import targets_to_edit
from .views import AnnualReportAccessMixin


class TargetsView(AnnualReportAccessMixin, View):
    editing = True

    def get(self, request, year):
        report = self.get_report()
        opened = targets_to_edit(year)
        initial = [{"measure": measure, **target} for measure, target in opened.targets.items()]
        return self.show(
            report,
            self.formset(initial=initial),
            VersionForm(initial={"version": report.targets_version}),
            carried_from=opened.carried_from,
        )

    def post(self, request, year):
        report = self.get_report()
        formset = self.formset(data=request.POST)
        version_form = VersionForm(request.POST)
        if formset.is_valid() and version_form.is_valid():
            try:
                services.save_targets(
                    year,
                    by=request.user,
                    targets=formset.targets(),
                    expected_version=version_form.cleaned_data["version"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(version_form, error)
                return self.show(report, formset, version_form, status=refusal_status(error))
            messages.success(request, "The local targets have been saved.")
            return redirect("reporting:annual_report", year=year)
        return self.show(report, formset, version_form, status=400)

    def formset(self, **kwargs):
        return TargetFormSet(prefix="target", form_kwargs={"measures": targetable_measures()}, **kwargs)

    def show(self, report, formset, version_form, *, carried_from=None, status=200):
        return render(
            self.request,
            "reporting/targets_form.html",
            {
                "report": report,
                "formset": formset,
                "version_form": version_form,
                "carried_from": reporting_year_label(carried_from) if carried_from is not None else "",
            },
            status=status,
        )
