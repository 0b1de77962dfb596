from django import forms

from iro_portal.forms import GovukDateField

from .models import AuditAction
from .selectors import kind_choices


class AuditSearchForm(forms.Form):
    """The audit log's filters. Every one is optional; an empty form lists every event."""

    user = forms.CharField(
        label="Person",
        required=False,
        max_length=150,
        help_text="All or part of their name or username, for example ‘Summer’ or ‘iro1’.",
    )
    child = forms.CharField(
        label="Child",
        required=False,
        max_length=100,
        help_text="All or part of the child’s name, their local child ID, or their record number in the portal.",
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action"), *AuditAction.choices],
    )
    object_type = forms.ChoiceField(label="Kind of record", required=False)
    date_from = GovukDateField(label="On or after", required=False, help_text="For example, 27 3 2026")
    date_to = GovukDateField(label="On or before", required=False, help_text="For example, 27 3 2026")
    under_cover = forms.BooleanField(
        label="Only under cover",
        required=False,
        help_text="What IROs saw or changed about children they were covering for.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Any kind"), *kind_choices()]

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The ‘on or before’ date must be the same as or after the ‘on or after’ date.")
        return cleaned

    def filters(self):
        """The filters in use, as the selector's keyword arguments."""
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filters_for_the_record(self):
        """The filters in use as the audit event's detail stores them (dates as ISO strings)."""
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in self.filters().items()
        }
