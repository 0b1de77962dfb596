from django import forms

from iro_portal.forms import GovukDateField

from .periods import Period, recent_reporting_years, reporting_year, year_to_date


class PeriodForm(forms.Form):
    """Choose the dashboard's period: this reporting year to date (the default), an earlier
    reporting year, or any two dates."""

    year = forms.TypedChoiceField(label="Reporting year", required=False, coerce=int, empty_value=None)
    start = GovukDateField(label="From", required=False, help_text="Or choose dates, for example 1 4 2026; dates are used instead of the year.")
    end = GovukDateField(label="To", required=False)

    def __init__(self, *args, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on
        years = recent_reporting_years(on)
        self.fields["year"].choices = [("", f"{years[0][1]}, to date"), *years[1:]]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and not end and "end" not in self.errors:
            self.add_error("end", "Enter the date the period ends, or leave both dates empty.")
        if end and not start and "start" not in self.errors:
            self.add_error("start", "Enter the date the period starts, or leave both dates empty.")
        if start and end and start > end:
            self.add_error("end", "The end date must be the same as or after the start date.")
        return cleaned

    def period(self):
        """The chosen period; the year to date when nothing (or nothing valid) was chosen."""
        if not self.is_bound or not self.is_valid():
            return year_to_date(self.on)
        if self.cleaned_data["start"]:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        if self.cleaned_data["year"] is not None:
            return reporting_year(self.cleaned_data["year"])
        return year_to_date(self.on)
