from datetime import date

import django_filters

from accounts.filters import iro_filter
from iro_portal.filters import YES_CHOICES, GovukDateFilter, ListFilterSet, handled_in_filter_queryset

from .codes import AreaOfConcern, EscalationStatus, Stage
from .selectors import response_overdue, with_current_step, with_iro

STATUS_CHOICES = [("all", "All"), *EscalationStatus.choices]


class EscalationsFilter(ListFilterSet):
    """Escalations by IRO, status, current stage, area and dates: the conditions the dashboard
    counts, so each figure opens its own list."""

    iro = iro_filter()
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", label="Status", empty_label=None
    )
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices,
        method="filter_stage",
        label="Current stage",
        empty_label="Any stage",
    )
    area = django_filters.ChoiceFilter(
        choices=AreaOfConcern.choices,
        field_name="concerns__area",
        label="Area of concern",
        empty_label="Any area",
    )
    response_overdue = django_filters.ChoiceFilter(
        choices=YES_CHOICES,
        method="filter_response_overdue",
        label="Response overdue",
        empty_label="Any",
    )
    raised_from = GovukDateFilter(field_name="raised_on", lookup_expr="gte", label="Raised on or after")
    raised_to = GovukDateFilter(field_name="raised_on", lookup_expr="lte", label="Raised on or before")
    resolved_from = GovukDateFilter(method=handled_in_filter_queryset, label="Resolved on or after")
    resolved_to = GovukDateFilter(method=handled_in_filter_queryset, label="Resolved on or before")
    resolved_stage = django_filters.ChoiceFilter(
        choices=Stage.choices,
        field_name="resolved_at_stage",
        label="Stage at which resolved",
        empty_label="Any stage",
    )

    def __init__(self, data=None, *args, default_status=None, **kwargs):
        if default_status and not (data or {}).get("status"):
            data = data.copy() if data is not None else {}
            data["status"] = default_status
        super().__init__(data, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(with_current_step(queryset))
        data = self.form.cleaned_data
        if data.get("resolved_from") or data.get("resolved_to"):
            queryset = queryset.filter(
                status=EscalationStatus.RESOLVED,
                resolved_on__gte=data.get("resolved_from") or date.min,
                resolved_on__lte=data.get("resolved_to") or date.max,
            )
        return queryset

    def filter_iro(self, queryset, name, value):
        return with_iro(queryset, value, self.on)

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_stage(self, queryset, name, value):
        return queryset.filter(current_stage=int(value))

    def filter_response_overdue(self, queryset, name, value):
        return queryset.filter(response_overdue(self.on))

    @property
    def more_filters(self):
        return [
            self.form[name] for name in ("raised_from", "raised_to", "resolved_from", "resolved_to", "resolved_stage")
        ]

    @property
    def more_filters_used(self):
        return any(
            key.startswith(tuple(field.name for field in self.more_filters)) and value
            for key, value in self.data.items()
        )
