import django_filters
from django.db.models import Q

from accounts.filters import iro_filter
from children.models import Allocation
from iro_portal.filters import YES_CHOICES, YES_NO_CHOICES, GovukDateFilter, ListFilterSet

from .conference_selectors import FIRST_CORE_GROUP_OUTCOMES, first_core_group, quorate
from .models import LateReason, ParentsParticipation, ParticipationCode, ReviewKind
from .record_models import CarePlanCheckKind, CheckAnswer
from .record_selectors import (
    CHECK_NOT_RECORDED,
    CHILD_VIEWS_NOT_OBTAINED,
    CHILD_VIEWS_NOT_RECORDED,
    CHILD_VIEWS_OUTCOMES,
    check_answer,
    child_views_given,
    child_views_not_obtained,
    child_views_only_not_obtained,
    child_views_recorded,
    parents_attended,
    permanence_review,
)
from .selectors import (
    DUE_PERIODS,
    HELD_IN_TIMESCALE,
    HELD_LATE,
    NOT_RECORDED,
    PARTICIPATED,
    STANDARD_OUTCOMES,
    due_within,
    quality_standard,
    recorded_value,
)


class IroScopedFilter(ListFilterSet):
    """The IRO filter (the children allocated to that IRO now), shown to managers only."""

    iro = iro_filter()

    def filter_iro(self, queryset, name, value):
        return queryset.filter(child__in=Allocation.objects.current(self.on).filter(iro=value).values("child_id"))


class DueReviewsFilter(IroScopedFilter):
    kind = django_filters.ChoiceFilter(choices=ReviewKind.choices, label="Kind of review", empty_label="All kinds")
    period = django_filters.ChoiceFilter(
        choices=DUE_PERIODS, method="filter_period", label="Due", empty_label="Any time"
    )

    def filter_period(self, queryset, name, value):
        return due_within(queryset, self.on, value)


class HeldReviewsFilter(IroScopedFilter):
    """Held reviews by the measures the dashboard counts, so each figure opens its own list
    (the held reviews page adds whether the IRO saw the child: caseloads.filters)."""

    kind = django_filters.ChoiceFilter(choices=ReviewKind.choices, label="Kind of review", empty_label="All kinds")
    held_from = GovukDateFilter(field_name="held_on", lookup_expr="gte", label="Held on or after")
    held_to = GovukDateFilter(field_name="held_on", lookup_expr="lte", label="Held on or before")
    timeliness = django_filters.ChoiceFilter(
        choices=[("in_timescale", "In timescale"), ("late", "Late")],
        method="filter_timeliness",
        label="Timeliness",
        empty_label="Any",
    )
    late_reason = django_filters.ChoiceFilter(
        choices=[*LateReason.choices, NOT_RECORDED],
        method="filter_late_reason",
        label="Reason for lateness",
        empty_label="Any",
    )
    participation = django_filters.ChoiceFilter(
        choices=[("participated", "PN1 to PN6: the child participated"), *ParticipationCode.choices, NOT_RECORDED],
        method="filter_participation",
        label="Child's participation",
        empty_label="Any",
    )
    child_chaired = django_filters.ChoiceFilter(
        choices=YES_CHOICES,
        method="filter_child_chaired",
        label="Chaired by the child",
        empty_label="Any",
    )
    advocate_present = django_filters.ChoiceFilter(
        choices=YES_CHOICES,
        method="filter_advocate_present",
        label="Advocate present",
        empty_label="Any",
    )
    parents = django_filters.ChoiceFilter(
        choices=[*ParentsParticipation.choices, NOT_RECORDED],
        method="filter_parents",
        label="Parents' participation",
        empty_label="Any",
    )
    report = django_filters.ChoiceFilter(
        choices=STANDARD_OUTCOMES[:2],
        method="filter_standard",
        label="Social worker's report on time",
        empty_label="Any",
    )
    decisions = django_filters.ChoiceFilter(
        choices=STANDARD_OUTCOMES,
        method="filter_standard",
        label="Decisions circulated on time",
        empty_label="Any",
    )
    record = django_filters.ChoiceFilter(
        choices=STANDARD_OUTCOMES,
        method="filter_standard",
        label="Full record circulated on time",
        empty_label="Any",
    )
    child_views = django_filters.ChoiceFilter(
        choices=[("recorded", "Recorded, any way"), *CHILD_VIEWS_OUTCOMES],
        method="filter_child_views",
        label="The child's views",
        empty_label="Any",
    )
    parents_attended = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES,
        method="filter_parents_attended",
        label="Parents attended",
        empty_label="Any",
    )
    permanence_plan = django_filters.ChoiceFilter(
        choices=[*CheckAnswer.choices, (CHECK_NOT_RECORDED, "Not recorded")],
        method="filter_permanence_plan",
        label="Permanence plan agreed, at the second review",
        empty_label="Any",
    )
    check_not_met = django_filters.ChoiceFilter(
        choices=CarePlanCheckKind.choices,
        method="filter_check_not_met",
        label="Care plan check not met",
        empty_label="Any",
    )
    quorate = django_filters.ChoiceFilter(
        choices=YES_NO_CHOICES,
        method="filter_quorate",
        label="Conference quorate (as recorded)",
        empty_label="Any",
    )
    first_core_group = django_filters.ChoiceFilter(
        choices=FIRST_CORE_GROUP_OUTCOMES,
        method="filter_first_core_group",
        label="First core group meeting after an ICPC that made a plan",
        empty_label="Any",
    )

    def filter_timeliness(self, queryset, name, value):
        return queryset.filter(HELD_IN_TIMESCALE if value == "in_timescale" else HELD_LATE)

    def filter_late_reason(self, queryset, name, value):
        return queryset.filter(HELD_LATE, late_reason=recorded_value(value))

    def filter_participation(self, queryset, name, value):
        if value == "participated":
            return queryset.filter(PARTICIPATED)
        return queryset.filter(participation_code=recorded_value(value))

    def filter_child_chaired(self, queryset, name, value):
        return queryset.filter(child_chaired=True)

    def filter_advocate_present(self, queryset, name, value):
        return queryset.filter(advocate_present=True)

    def filter_parents(self, queryset, name, value):
        return queryset.filter(parents_participation=recorded_value(value))

    def filter_standard(self, queryset, name, value):
        return queryset.filter(quality_standard(name, value, self.on))

    def filter_child_views(self, queryset, name, value):
        if value == "recorded":
            return queryset.filter(child_views_recorded())
        if value == CHILD_VIEWS_NOT_OBTAINED:
            return queryset.filter(child_views_only_not_obtained())
        if value == CHILD_VIEWS_NOT_RECORDED:
            return queryset.filter(~Q(child_views_recorded()), ~Q(child_views_not_obtained()))
        return queryset.annotate(child_views_given=child_views_given()).filter(child_views_given=value)

    def filter_parents_attended(self, queryset, name, value):
        return queryset.annotate(parents_came=parents_attended()).filter(parents_came=value == "yes")

    def filter_permanence_plan(self, queryset, name, value):
        answered = queryset.filter(permanence_review()).annotate(
            permanence=check_answer(CarePlanCheckKind.PERMANENCE_PLAN)
        )
        if value == CHECK_NOT_RECORDED:
            return answered.filter(permanence__isnull=True)
        return answered.filter(permanence=value)

    def filter_check_not_met(self, queryset, name, value):
        return queryset.annotate(not_met=check_answer(value)).filter(not_met=CheckAnswer.NO)

    def filter_quorate(self, queryset, name, value):
        return queryset.filter(quorate(value == "yes"))

    def filter_first_core_group(self, queryset, name, value):
        return queryset.filter(first_core_group(value, self.on))

    @property
    def more_filters(self):
        """The filters past kind, dates and timeliness, folded away until needed."""
        return [
            self.form[name]
            for name in (
                "late_reason",
                "participation",
                "child_chaired",
                "advocate_present",
                "parents",
                "report",
                "decisions",
                "record",
                "child_views",
                "parents_attended",
                "permanence_plan",
                "check_not_met",
                "quorate",
                "first_core_group",
            )
        ]

    @property
    def more_filters_used(self):
        return any(self.data.get(field.name) for field in self.more_filters)
