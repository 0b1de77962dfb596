"""The filters of the list of reviews behind each consultation figure: the conditions the
figures count by (figure_selectors), so a figure of 4 replies opens the reviews they are for."""

from datetime import date
from typing import Any

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from iro_portal.filters import YES_NO_CHOICES, GovukDateFilter, handled_in_filter_queryset
from reviews.filters import IroScopedFilter
from reviews.models import Review

from .figure_selectors import (
    CHILD_AGE_BANDS,
    ESCALATED,
    LISTENED_SCORES,
    RESPONDED,
    RETURNED,
    SENT,
    reviewed_between,
)
from .models import CONSULTED_KINDS, ConsultationInvitation, PersonType, Purpose, SafetyAlert

ALERT_OUTCOMES = [
    ("raised", "Raised"),
    ("responded", "Responded to"),
    ("not_responded", "Not yet responded to"),
    ("escalated", "Escalated to the managers"),
]
ALERT_CONDITIONS = {"raised": Q(), "responded": RESPONDED, "not_responded": ~RESPONDED, "escalated": ESCALATED}

FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)


class ConsultationReviewsFilter(IroScopedFilter):
    """Reviews by the links sent for them (of a purpose, to a kind of person, with the child's
    form, answered or not, with a score) and by their safety alerts."""

    reviewed_from = GovukDateFilter(method=handled_in_filter_queryset, label="Held or due on or after")
    reviewed_to = GovukDateFilter(method=handled_in_filter_queryset, label="Held or due on or before")
    kind = django_filters.ChoiceFilter(
        choices=[(kind.value, kind.label) for kind in CONSULTED_KINDS], label="Kind of review", empty_label="All kinds"
    )
    purpose = django_filters.ChoiceFilter(
        choices=Purpose.choices, method=handled_in_filter_queryset, label="Links sent", empty_label="Any links"
    )
    person_type = django_filters.ChoiceFilter(
        choices=PersonType.choices, method=handled_in_filter_queryset, label="Sent to", empty_label="Anyone"
    )
    age_band = django_filters.ChoiceFilter(
        choices=CHILD_AGE_BANDS, method=handled_in_filter_queryset, label="The child's form", empty_label="Any"
    )
    returned = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES, method=handled_in_filter_queryset, label="Returned", empty_label="Any"
    )
    score = django_filters.ChoiceFilter(
        choices=[(str(score), label) for score, label in LISTENED_SCORES],
        method=handled_in_filter_queryset,
        label="How well the review listened",
        empty_label="Any",
    )
    alert = django_filters.ChoiceFilter(
        choices=ALERT_OUTCOMES, method="filter_alert", label="Safety alerts", empty_label="Any"
    )

    def links(self) -> Q:
        """The links the list counts: sent (not withdrawn), and as the filters ask."""
        data = getattr(self.form, "cleaned_data", {})
        chosen = SENT
        for name, field in (("purpose", "purpose"), ("person_type", "person_type"), ("age_band", "form")):
            if data.get(name):
                chosen &= Q(**{field: data[name]})
        if data.get("returned"):
            chosen &= RETURNED if data["returned"] == "yes" else ~RETURNED
        if data.get("score"):
            chosen &= Q(response__listened_score=int(data["score"]))
        return chosen

    def filter_alert(self, queryset: QuerySet[Review], name: str, value: str) -> QuerySet[Review]:
        alerts = SafetyAlert.objects.filter(ALERT_CONDITIONS[value], review=OuterRef("pk"))
        return queryset.filter(Exists(alerts))

    def filter_queryset(self, queryset: QuerySet[Review]) -> QuerySet[Review]:
        data = self.form.cleaned_data
        reviews = (
            super()
            .filter_queryset(queryset)
            .filter(
                reviewed_between(data.get("reviewed_from") or FIRST_DAY, data.get("reviewed_to") or LAST_DAY, prefix="")
            )
        )
        links = self.links()
        matching = ConsultationInvitation.objects.filter(links, review=OuterRef("pk"))
        if links != SENT or not data.get("alert"):
            reviews = reviews.filter(Exists(matching))
        return reviews.annotate(
            links_sent=_count(matching),
            links_returned=_count(matching.filter(RETURNED)),
            alerts=_count(SafetyAlert.objects.filter(review=OuterRef("pk"))),
        )

    @property
    def more_filters(self):
        """The filters past the dates, kind and purpose, folded away until needed."""
        return [self.form[name] for name in ("person_type", "age_band", "returned", "score", "alert")]

    @property
    def more_filters_used(self):
        return any(self.data.get(field.name) for field in self.more_filters)


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """How many rows of `queryset` (filtered on OuterRef("pk")) each review has, in a subquery."""
    counted = queryset.order_by().values("review").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
