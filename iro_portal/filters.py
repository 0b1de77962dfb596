"""Filter pieces shared by the list pages."""

import django_filters

from accounts.models import Role, User

from .forms import GovukDateField, GovukDateInput

IRO_CHOICES = User.objects.filter(role=Role.IRO).order_by("first_name", "last_name")
"""Inactive IROs too: one who has left may still hold cases, and the dashboard counts them."""


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
