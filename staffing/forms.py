from decimal import Decimal

from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField


class StaffingChangeForm(forms.Form):
    """A manager records that, from a day, an IRO works a different FTE or changed between being
    employed by the authority and working through an agency."""

    starts_on = GovukDateField(
        label="Date the change starts",
        help_text="For example, 1 9 2026. It can be in the past, not in the future.",
        error_messages={"required": "Enter the date the change starts"},
    )
    fte = forms.DecimalField(
        label="Full-time equivalent from that date",
        help_text="Contracted hours as a fraction of full time, for example 1 for full time or 0.8 for 4 days a week.",
        widget=forms.TextInput,
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1"),
        error_messages={
            "required": "Enter the full-time equivalent, for example 0.8",
            "invalid": "Full-time equivalent must be a number, for example 0.8",
            "min_value": "Full-time equivalent must be more than 0, for example 0.8",
            "max_value": "Full-time equivalent must be no more than 1 (full time)",
            "max_decimal_places": "Full-time equivalent can have no more than 2 decimal places, for example 0.75",
            "max_digits": "Full-time equivalent must be no more than 1 (full time)",
        },
    )
    agency = forms.TypedChoiceField(
        label="How are they employed from that date?",
        widget=forms.RadioSelect,
        choices=[("no", "By the authority"), ("yes", "Through an agency (an interim IRO)")],
        coerce=lambda value: value == "yes",
        error_messages={"required": "Choose how the IRO is employed from that date"},
    )
    version = VersionField()


class LeavingForm(forms.Form):
    """A manager records an IRO's last day in the service."""

    last_day = GovukDateField(
        label="Last day as an IRO",
        help_text="For example, 31 8 2026. From the day after, they count in no headcount or full-time equivalent.",
        error_messages={"required": "Enter their last day as an IRO"},
    )
    version = VersionField()
