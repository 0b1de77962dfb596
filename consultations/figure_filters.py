"""The filters of the list behind each consultation figure: the conditions the figures count by
(figure_selectors), so a figure of 4 replies opens a list of those 4 links."""

from datetime import date

import django_filters
from django.db.models import Q, QuerySet

from children.models import Allocation
from iro_portal.filters import YES_NO_CHOICES, GovukDateFilter, handled_in_filter_queryset
from reviews.filters import IroScopedFilter

from .figure_selectors import (
    CHILD_AGE_BANDS,
    LISTENED_SCORES,
    RETURNED,
    alert_escalated,
    alert_responded,
    reviewed_between,
)
from .models import CONSULTED_KINDS, ConsultationInvitation, PersonType, Purpose

ALERT_OUTCOMES = [
    ("raised", "Raised"),
    ("responded", "Responded to"),
    ("not_responded", "Not yet responded to"),
    ("escalated", "Escalated to the managers"),
]
ALERT = "response__safety_alert"
RAISED = Q(**{f"{ALERT}__isnull": False})
ALERT_CONDITIONS = {
    "raised": RAISED,
    "responded": alert_responded(f"{ALERT}__"),
    "not_responded": RAISED & Q(**{f"{ALERT}__responded_at__isnull": True}),
    "escalated": alert_escalated(f"{ALERT}__"),
}
"""A link's safety alert, by the conditions the figures count alerts by."""

FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)


class ConsultationLinksFilter(IroScopedFilter):
    """Links sent (not withdrawn) by their review's day and kind, their purpose, who they were
    for, the child's form, whether answered and with what score, and their safety alert."""

    reviewed_from = GovukDateFilter(method=handled_in_filter_queryset, label="Review held or due on or after")
    reviewed_to = GovukDateFilter(method=handled_in_filter_queryset, label="Review held or due on or before")
    kind = django_filters.ChoiceFilter(
        field_name="review__kind",
        choices=[(kind.value, kind.label) for kind in CONSULTED_KINDS],
        label="Kind of review",
        empty_label="All kinds",
    )
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label="Links sent", empty_label="Any links")
    person_type = django_filters.ChoiceFilter(choices=PersonType.choices, label="Sent to", empty_label="Anyone")
    age_band = django_filters.ChoiceFilter(
        field_name="form", choices=CHILD_AGE_BANDS, label="The child's form", empty_label="Any"
    )
    returned = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES, method="filter_returned", label="Returned", empty_label="Any"
    )
    score = django_filters.ChoiceFilter(
        field_name="response__listened_score",
        choices=[(str(score), label) for score, label in LISTENED_SCORES],
        label="How well the review listened",
        empty_label="Any",
    )
    alert = django_filters.ChoiceFilter(
        choices=ALERT_OUTCOMES, method="filter_alert", label="Safety alert", empty_label="Any"
    )

    def filter_iro(self, queryset, name, value):
        return queryset.filter(
            review__child__in=Allocation.objects.current(self.on).filter(iro=value).values("child_id")
        )

    def filter_returned(self, queryset, name, value):
        return queryset.filter(RETURNED if value == "yes" else ~RETURNED)

    def filter_alert(self, queryset, name, value):
        return queryset.filter(ALERT_CONDITIONS[value])

    def filter_queryset(self, queryset: QuerySet[ConsultationInvitation]) -> QuerySet[ConsultationInvitation]:
        data = self.form.cleaned_data
        return (
            super()
            .filter_queryset(queryset)
            .filter(reviewed_between(data.get("reviewed_from") or FIRST_DAY, data.get("reviewed_to") or LAST_DAY))
        )

    @property
    def more_filters(self):
        """The filters past the dates, kind and purpose, folded away until needed."""
        return [self.form[name] for name in ("person_type", "age_band", "returned", "score", "alert")]

    @property
    def more_filters_used(self):
        return any(self.data.get(field.name) for field in self.more_filters)
