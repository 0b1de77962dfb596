import django_filters
from django import forms
from django.db.models import Q

from accounts.models import Role, User

from .codes import LegalStatus, PlacementType
from .models import Child

CARE_STATUS_CHOICES = [
    ("looked_after", "Looked after"),
    ("protection_plan", "Child protection plan"),
    ("both", "Both looked after and on a plan"),
]


class ChildrenFilter(django_filters.FilterSet):
    """Filters for the service managers' children list; works on the current-status
    annotations from selectors.children_with_current_status."""

    search = django_filters.CharFilter(method="filter_search", label="Name or local child ID")
    iro = django_filters.ModelChoiceFilter(
        method="filter_iro",
        queryset=User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"),
        label="IRO",
        empty_label="Any IRO",
    )
    legal_status = django_filters.ChoiceFilter(
        field_name="current_legal_status", choices=LegalStatus.choices, label="Legal status", empty_label="Any legal status"
    )
    placement_type = django_filters.ChoiceFilter(
        field_name="current_placement_type", choices=PlacementType.choices, label="Placement type",
        empty_label="Any placement type",
    )
    care_status = django_filters.ChoiceFilter(
        method="filter_care_status", choices=CARE_STATUS_CHOICES, label="Looked after or on a plan",
        empty_label="Any", widget=forms.Select,
    )

    class Meta:
        model = Child
        fields = []

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                Q(given_name__icontains=term) | Q(family_name__icontains=term) | Q(local_child_id__iexact=term)
            )
        return queryset

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
