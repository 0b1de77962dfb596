"""Form pieces shared by every app, shaped for the GOV.UK Design System."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict


class TypeAheadSelect(forms.Select):
    """A select of very many options (an IRO among hundreds) that static/js/type-ahead.mjs turns
    into a type-ahead (GOV.UK's accessible-autocomplete) where JavaScript runs; without it, it
    stays a plain select that submits the same value."""


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: separate day, month and year boxes."""

    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            "month": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-2"}
            ),
            "year": forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input govuk-date-input__input govuk-input--width-4"}
            ),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    widget = GovukDateInput

    def __init__(self, **kwargs):
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (part.strip() if part else "" for part in data_list)
        if not (day and month and year):
            raise ValidationError("Enter a real date, including the day, month and year.", code="incomplete")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError("Enter a real date, for example 27 3 2026.", code="invalid") from error
        if value.year < 1900:
            raise ValidationError("Enter a year with four digits, for example 2026.", code="invalid")
        return value


def add_service_errors(form, error, renamed=None):
    """Show a service's ValidationError on the form: against the field it names (`renamed` maps a
    service's name for a value to the form's field for it), or at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            field = (renamed or {}).get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def row_message(row_name, number, message):
    """An error about one row of a multi-row form, as the error summary lists it: "Action 2:
    enter the date it is due by"."""
    text = str(message)
    return f"{row_name} {number}: {text[:1].lower()}{text[1:]}"


class DraftMixin:
    """A bound form shown again without checking it, while the user is still filling it in (for
    example after "Add another"): what they typed stays, and no error appears yet."""

    def __init__(self, *args, draft=False, **kwargs):
        self.draft = draft
        super().__init__(*args, **kwargs)

    def full_clean(self):
        if not self.draft:
            return super().full_clean()
        self._errors = ErrorDict()
        self.cleaned_data = {}
        return None
