from datetime import date

import django_filters
from django import forms
from django.db.models import Q

from accounts.filters import iro_filter
from children.codes import LegalStatus, PlacementType
from children.models import Child
from children.selectors import (
    PLAN_LENGTHS,
    ceased_care_between,
    matching_search,
    protection_plan_open_for,
    started_care_between,
)
from iro_portal.filters import YES_NO_CHOICES, GovukDateFilter, ListFilterSet, handled_in_filter_queryset
from oversight.selectors import RAG_FILTER_CHOICES, rated, seen_by_iro_before_review, with_oversight_status
from reviews.filters import HeldReviewsFilter

from .selectors import IRO_ALLOCATION_OUTCOMES, iro_allocation_after_care_started

CARE_STATUS_CHOICES = [
    ("looked_after", "Looked after"),
    ("protection_plan", "Child protection plan"),
    ("both", "Both looked after and on a plan"),
]

OVERSIGHT_CHOICES = [
    ("check_overdue", "Oversight check overdue"),
    ("no_record_this_quarter", "No oversight record this quarter"),
]


class ChildrenFilter(ListFilterSet):
    """Filters for the children list; works on the current-status annotations from
    children.selectors.children_with_current_status. The care, oversight and plan filters are the
    conditions the dashboard counts, so each figure opens its own list."""

    search = django_filters.CharFilter(method="filter_search", label="Name or local child ID")
    iro = iro_filter()
    legal_status = django_filters.ChoiceFilter(
        field_name="current_legal_status",
        choices=LegalStatus.choices,
        label="Legal status",
        empty_label="Any legal status",
    )
    placement_type = django_filters.ChoiceFilter(
        field_name="current_placement_type",
        choices=PlacementType.choices,
        label="Placement type",
        empty_label="Any placement type",
    )
    care_status = django_filters.ChoiceFilter(
        method="filter_care_status",
        choices=CARE_STATUS_CHOICES,
        label="Looked after or on a plan",
        empty_label="Any",
        widget=forms.Select,
    )
    rag = django_filters.ChoiceFilter(
        choices=RAG_FILTER_CHOICES,
        method=handled_in_filter_queryset,
        label="Current RAG rating",
        empty_label="Any",
    )
    oversight = django_filters.ChoiceFilter(
        choices=OVERSIGHT_CHOICES,
        method=handled_in_filter_queryset,
        label="Oversight",
        empty_label="Any",
    )
    plan_length = django_filters.ChoiceFilter(
        choices=PLAN_LENGTHS,
        method="filter_plan_length",
        label="Child protection plan length",
        empty_label="Any",
    )
    started_from = GovukDateFilter(method=handled_in_filter_queryset, label="Started to be looked after on or after")
    started_to = GovukDateFilter(method=handled_in_filter_queryset, label="Started to be looked after on or before")
    iro_allocation = django_filters.ChoiceFilter(
        choices=IRO_ALLOCATION_OUTCOMES,
        method=handled_in_filter_queryset,
        label="IRO allocated after care started",
        empty_label="Any",
    )
    ceased_from = GovukDateFilter(method=handled_in_filter_queryset, label="Ceased to be looked after on or after")
    ceased_to = GovukDateFilter(method=handled_in_filter_queryset, label="Ceased to be looked after on or before")

    class Meta:
        model = Child
        fields: list[str] = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("rag") or data.get("oversight"):
            queryset = with_oversight_status(queryset, self.on)
            if data.get("rag"):
                queryset = queryset.filter(rated(data["rag"]))
            if data.get("oversight"):
                queryset = queryset.filter(**{data["oversight"]: True})
        started = (data.get("started_from") or date.min, data.get("started_to") or date.max)
        if data.get("iro_allocation"):
            queryset = queryset.filter(iro_allocation_after_care_started(*started, self.on, data["iro_allocation"]))
        elif data.get("started_from") or data.get("started_to"):
            queryset = queryset.filter(started_care_between(*started))
        if data.get("ceased_from") or data.get("ceased_to"):
            queryset = queryset.filter(
                ceased_care_between(data.get("ceased_from") or date.min, data.get("ceased_to") or date.max)
            )
        return queryset

    def filter_search(self, queryset, name, value):
        return matching_search(queryset, value)

    def filter_iro(self, queryset, name, value):
        return queryset.filter(current_iro_id=value.pk)

    def filter_care_status(self, queryset, name, value):
        if value == "looked_after":
            return queryset.filter(is_looked_after=True)
        if value == "protection_plan":
            return queryset.filter(has_protection_plan=True)
        if value == "both":
            return queryset.filter(is_looked_after=True, has_protection_plan=True)
        return queryset

    def filter_plan_length(self, queryset, name, value):
        return queryset.filter(protection_plan_open_for(self.on, value))

    @property
    def more_filters(self):
        """Filters past the everyday ones, folded away until needed."""
        return [
            self.form[name]
            for name in (
                "rag",
                "oversight",
                "plan_length",
                "started_from",
                "started_to",
                "iro_allocation",
                "ceased_from",
                "ceased_to",
            )
        ]

    @property
    def more_filters_used(self):
        return any(
            key.startswith(tuple(field.name for field in self.more_filters)) and value
            for key, value in self.data.items()
        )


class HeldReviewsListFilter(HeldReviewsFilter):
    """The held reviews list's filters: the measures the dashboard counts of a held review
    (reviews.filters), and whether the IRO saw the child before it, from their oversight records."""

    seen = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES,
        method="filter_seen",
        label="IRO saw the child before the review",
        empty_label="Any",
    )

    def filter_seen(self, queryset, name, value):
        seen = Q(seen_by_iro_before_review())
        return queryset.filter(seen if value == "yes" else ~seen)

    @property
    def more_filters(self):
        """The filters past kind, dates and timeliness, folded away until needed."""
        return [*super().more_filters, self.form["seen"]]
