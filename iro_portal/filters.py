"""Filter pieces shared by the list pages."""

import django_filters

from .forms import GovukDateField, GovukDateInput


class GovukDateFilter(django_filters.Filter):
    """A date filter entered with the GOV.UK date input (name_day, name_month, name_year)."""

    field_class = GovukDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", GovukDateInput)
        super().__init__(*args, **kwargs)


def handled_in_filter_queryset(queryset, name, value):
    """For filters that only make sense together (a date range and what happened in it): the
    FilterSet's filter_queryset applies them at once."""
    return queryset


YES_CHOICES = [("yes", "Yes")]
YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]
