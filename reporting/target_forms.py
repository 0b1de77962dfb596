"""The form of a year's local targets: one row per target, a measure, a value and a direction."""

from django import forms

from .models import TargetDirection


class TargetForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", required=False)
    value = forms.DecimalField(label="Target", required=False, max_digits=9, decimal_places=1, min_value=0)
    direction = forms.ChoiceField(
        label="The figure should be",
        required=False,
        choices=TargetDirection.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure"), *measures]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        measure, value, direction = cleaned.get("measure"), cleaned.get("value"), cleaned.get("direction")
        if measure:
            if value is None:
                self.add_error("value", "Enter the target, for example 98.")
            if not direction:
                self.add_error("direction", "Choose whether the figure should be at least or at most the target.")
        elif value is not None or direction:
            self.add_error("measure", "Choose the measure this target is for.")
        return cleaned


class BaseTargetFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        chosen = [form.cleaned_data.get("measure") for form in self.forms if form.cleaned_data.get("measure")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError("Each measure can have only one target.")

    def targets(self):
        """{measure: {"value", "direction"}} of the rows filled in."""
        return {
            form.cleaned_data["measure"]: {
                "value": form.cleaned_data["value"],
                "direction": form.cleaned_data["direction"],
            }
            for form in self.forms
            if form.cleaned_data.get("measure")
        }


TargetFormSet = forms.formset_factory(TargetForm, formset=BaseTargetFormSet, extra=3, max_num=80, validate_max=True)
