import django_filters

from accounts.models import Role, User
from children.models import Allocation

from .models import ReviewKind
from .selectors import DUE_PERIODS, due_within


class DueReviewsFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReviewKind.choices, label="Kind of review", empty_label="All kinds")
    period = django_filters.ChoiceFilter(
        choices=DUE_PERIODS, method="filter_period", label="Due", empty_label="Any time"
    )
    iro = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"),
        method="filter_iro", label="IRO", empty_label="Any IRO",
    )

    def __init__(self, *args, on, show_iro_filter, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on
        if not show_iro_filter:
            del self.filters["iro"]

    def filter_period(self, queryset, name, value):
        return due_within(queryset, self.on, value)

    def filter_iro(self, queryset, name, value):
        return queryset.filter(child__in=Allocation.objects.current(self.on).filter(iro=value).values("child_id"))
