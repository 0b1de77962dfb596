"""Filter pieces shared by the list pages."""

import django_filters
from django import forms
from django.utils import timezone

from .forms import GovukDateField, GovukDateInput


class GovukDateFilter(django_filters.Filter):
    """A date filter entered with the GOV.UK date input (name_day, name_month, name_year)."""

    field_class = GovukDateField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", GovukDateInput)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A record's id in a query string: a whole number a database key can hold, else a 400 (a
    decimal or a number past 64 bits would reach the query and fail there)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def handled_in_filter_queryset(queryset, name, value):
    """For filters that only make sense together (a date range and what happened in it): the
    FilterSet's filter_queryset applies them at once."""
    return queryset


class ListFilterSet(django_filters.FilterSet):
    """A list's filters: `on` is the day they filter on (today unless given); the `iro` filter is
    shown only to those who see every IRO's children."""

    def __init__(self, *args, on=None, show_iro_filter=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on or timezone.localdate()
        if not show_iro_filter:
            del self.filters["iro"]


YES_CHOICES = [("yes", "Yes")]
YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]
