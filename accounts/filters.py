"""The IRO filter of the lists (reviews, children, escalations, consultation links)."""

import django_filters

from iro_portal.forms import TypeAheadSelect

from .selectors import IRO_CHOICES


def iro_filter() -> django_filters.ModelChoiceFilter:
    """Every IRO, to choose one whose children a list shows: a type-ahead where JavaScript runs,
    as a national authority has some 1,500. The list's `filter_iro` applies it; ListFilterSet
    shows it to those who see every IRO's children only."""
    return django_filters.ModelChoiceFilter(
        queryset=IRO_CHOICES,
        method="filter_iro",
        label="IRO",
        empty_label="Any IRO",
        widget=TypeAheadSelect,
    )
