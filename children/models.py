from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from iro_portal.dates import format_date
from iro_portal.locking import version_field

from .codes import (
    PLACEMENT_TYPES_WITHOUT_PROVIDER,
    CategoryOfAbuse,
    CategoryOfNeed,
    Ethnicity,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    PlanEndReason,
    ReasonEpisodeCeased,
    ReasonForNewEpisode,
    ReasonForPlacementChange,
    Sex,
)
from .validators import LOCAL_CHILD_ID_MESSAGE, LOCAL_CHILD_ID_PATTERN, validate_local_child_id

if TYPE_CHECKING:
    from accounts.models import User


def open_on(on: date, through: str = "") -> Q:
    """Records that run from start_date up to, not including, end_date (care episodes,
    allocations, protection plans) open on a day: started by then and not ended on or before it.
    `through` reaches the records from another model ("allocations__")."""
    return Q(**{f"{through}start_date__lte": on}) & (
        Q(**{f"{through}end_date__isnull": True}) | Q(**{f"{through}end_date__gt": on})
    )


def is_open_on(start_date: date, end_date: date | None, on: date) -> bool:
    """open_on for one record already loaded."""
    return start_date <= on and (end_date is None or on < end_date)


class Child(models.Model):
    """A child known to the service; `local_child_id` is the SSDA903 CHILD identifier."""

    local_child_id = models.CharField(
        "local child ID", max_length=20, unique=True, validators=[validate_local_child_id]
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices)
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    is_uasc = models.BooleanField("unaccompanied asylum-seeking child", default=False)
    uasc_ceased_on = models.DateField(
        "date UASC status ceased",
        null=True,
        blank=True,
        help_text="SSDA903 UASC table DUC: the date the child stopped being an unaccompanied asylum-seeking child.",
    )
    has_disability = models.BooleanField(default=False)
    is_mother = models.BooleanField(
        "mother",
        null=True,
        blank=True,
        help_text="SSDA903 Header MOTHER: whether the child is a mother (1 yes, 0 no); empty while not recorded.",
    )
    first_child_date_of_birth = models.DateField(
        "date of birth of the first child",
        null=True,
        blank=True,
        help_text="SSDA903 Header MC_DOB: recorded for a mother, and only for a mother.",
    )
    lac_reviews_recorded_from = models.DateField(
        null=True,
        blank=True,
        help_text="Set by an SSDA903 import: the portal holds this child's LAC reviews from this date on. "
        "Reviews due earlier in a cycle that began before it are assumed held on time.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = version_field()

    class Meta:
        ordering = ["family_name", "given_name", "local_child_id"]
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["family_name", "given_name"], name="child_name_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="child_sex_valid"),
            models.CheckConstraint(
                condition=Q(local_child_id__regex=LOCAL_CHILD_ID_PATTERN),
                name="child_local_id_letters_digits_separators",
                violation_error_message=LOCAL_CHILD_ID_MESSAGE,
            ),
            models.CheckConstraint(condition=Q(ethnicity__in=Ethnicity.values), name="child_ethnicity_valid"),
            # SSDA903 MOTHER and MC_DOB. Each condition is false, never unknown (NULL passes a CHECK),
            # when it is broken: hence the explicit isnull tests.
            models.CheckConstraint(
                condition=Q(first_child_date_of_birth__isnull=True) | Q(is_mother__isnull=False, is_mother=True),
                name="child_first_child_date_only_for_a_mother",
                violation_error_message="A first child's date of birth is recorded only for a mother.",
            ),
            models.CheckConstraint(
                condition=Q(is_mother__isnull=True) | Q(is_mother=False) | Q(first_child_date_of_birth__isnull=False),
                name="child_mother_has_first_child_date",
                violation_error_message="A mother needs the date of birth of her first child (SSDA903 rule 611).",
            ),
            models.CheckConstraint(
                condition=Q(first_child_date_of_birth__isnull=True)
                | Q(first_child_date_of_birth__gte=F("date_of_birth")),
                name="child_first_child_born_after_child",
                violation_error_message="The first child's date of birth cannot be before the child's own.",
            ),
            models.CheckConstraint(
                condition=Q(is_mother__isnull=True) | ~Q(sex=Sex.MALE),
                name="child_motherhood_not_recorded_for_boys",
                violation_error_message="MOTHER is not recorded for a boy (SSDA903 rule 165).",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.local_child_id})"

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"


class CareEpisode(models.Model):
    """One SSDA903 episode of care: a new one starts whenever legal status or placement changes."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="episodes")
    start_date = models.DateField("date episode commenced")
    reason_for_new_episode = models.CharField(max_length=1, choices=ReasonForNewEpisode.choices)
    legal_status = models.CharField(max_length=2, choices=LegalStatus.choices)
    category_of_need = models.CharField(max_length=2, choices=CategoryOfNeed.choices)
    placement_type = models.CharField(max_length=3, choices=PlacementType.choices)
    placement_provider = models.CharField(max_length=3, choices=PlacementProvider.choices, blank=True)
    end_date = models.DateField("date episode ceased", null=True, blank=True)
    reason_episode_ceased = models.CharField(max_length=3, choices=ReasonEpisodeCeased.choices, blank=True)
    reason_for_placement_change = models.CharField(
        max_length=6,
        choices=ReasonForPlacementChange.choices,
        blank=True,
        help_text="As SSDA903 rule 225: recorded on the episode that ends (X1) because the placement changes.",
    )
    home_postcode = models.CharField(
        max_length=8, blank=True, help_text="HOME_POST: the postcode of the home the child was taken into care from."
    )
    placement_postcode = models.CharField(max_length=8, blank=True, help_text="PL_POST: the placement's postcode.")
    provider_urn = models.CharField(
        "provider URN",
        max_length=8,
        blank=True,
        help_text="URN: the placement provider's Ofsted unique reference number.",
    )
    # Derived from the two postcodes when the episode is saved, as the DfE derives them from the
    # ONS postcode directory (children.placement_location): never entered.
    placement_la = models.CharField(
        "placement local authority",
        max_length=9,
        blank=True,
        help_text="ONS code of the placement's upper-tier authority, or SCO, WAL, NIR.",
    )
    placement_location = models.CharField(
        max_length=3, blank=True, help_text="IN or OUT: whether the placement is inside the authority."
    )
    placement_distance = models.DecimalField(
        "distance from home in miles", max_digits=6, decimal_places=1, null=True, blank=True
    )
    version = version_field()

    class Meta:
        ordering = ["child_id", "start_date"]
        indexes = [
            models.Index(fields=["start_date", "end_date"], name="episode_dates_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["child", "start_date"], name="episode_one_start_per_day"),
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="episode_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="episode_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(reason_episode_ceased=""))
                | (Q(end_date__isnull=False) & ~Q(reason_episode_ceased="")),
                name="episode_end_date_and_reason_together",
            ),
            models.CheckConstraint(
                condition=~Q(placement_type__in=sorted(PLACEMENT_TYPES_WITHOUT_PROVIDER)) | Q(placement_provider=""),
                name="episode_no_provider_for_temporary_or_other",
            ),
            models.CheckConstraint(
                condition=~Q(placement_provider=PlacementProvider.PR0) | Q(placement_type=PlacementType.P1),
                name="episode_pr0_only_with_p1",
            ),
            models.CheckConstraint(condition=Q(legal_status__in=LegalStatus.values), name="episode_legal_status_valid"),
            models.CheckConstraint(
                condition=Q(placement_type__in=PlacementType.values), name="episode_placement_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason_for_new_episode__in=ReasonForNewEpisode.values), name="episode_rne_valid"
            ),
            models.CheckConstraint(
                condition=Q(category_of_need__in=CategoryOfNeed.values), name="episode_category_of_need_valid"
            ),
            models.CheckConstraint(
                condition=Q(placement_location__in=["", "IN", "OUT"]), name="episode_placement_location_valid"
            ),
            models.CheckConstraint(
                condition=Q(placement_distance__isnull=True) | Q(placement_distance__gte=0),
                name="episode_placement_distance_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.child_id}: {format_date(self.start_date)} to {format_date(self.end_date) or 'open'} ({self.legal_status}/{self.placement_type})"


class StrategyDiscussion(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="strategy_discussions")
    date = models.DateField()
    section_47_enquiry_started = models.BooleanField("section 47 enquiries started", default=False)

    class Meta:
        ordering = ["child_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["child", "date"], name="strategy_discussion_one_per_day"),
        ]

    def __str__(self):
        return (
            f"Strategy discussion {format_date(self.date)} (s47: {'yes' if self.section_47_enquiry_started else 'no'})"
        )


class ChildProtectionPlan(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="protection_plans")
    start_date = models.DateField()
    initial_category_of_abuse = models.CharField(max_length=3, choices=CategoryOfAbuse.choices)
    latest_category_of_abuse = models.CharField(
        max_length=3,
        choices=CategoryOfAbuse.choices,
        blank=True,
        help_text="CIN census LatestCategoryOfAbuse: set when a review conference changes the category.",
    )
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=PlanEndReason.choices, blank=True)
    version = version_field()

    class Meta:
        ordering = ["child_id", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="protection_plan_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="protection_plan_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_reason=""))
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="protection_plan_end_date_and_reason_together",
            ),
            models.CheckConstraint(
                condition=Q(initial_category_of_abuse__in=CategoryOfAbuse.values),
                name="protection_plan_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(latest_category_of_abuse="") | Q(latest_category_of_abuse__in=CategoryOfAbuse.values),
                name="protection_plan_latest_category_valid",
            ),
        ]

    def __str__(self):
        return f"Child protection plan from {format_date(self.start_date)} ({self.initial_category_of_abuse})"

    @property
    def current_category_of_abuse(self):
        return self.latest_category_of_abuse or self.initial_category_of_abuse


class AllocationQuerySet(models.QuerySet):
    def current(self, on):
        return self.filter(open_on(on))


class Allocation(models.Model):
    """Which IRO holds a child's case, from `start_date` up to (not including) `end_date`."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    iro = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations", verbose_name="IRO"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    version = version_field()

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["child_id", "start_date"]
        indexes = [models.Index(fields=["iro", "end_date"], name="allocation_iro_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="allocation_one_open_per_child"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_end_not_before_start",
            ),
        ]

    def __str__(self):
        return f"{self.iro} for child {self.child_id} from {format_date(self.start_date)}"


def prefetch_current_iro(on: date, through: str = "") -> models.Prefetch:
    """Prefetch, for current_iro, each child's allocation open on `on` with its IRO: one query
    however many children. `through` reaches the children from another model ("child__")."""
    return models.Prefetch(
        f"{through}allocations",
        queryset=Allocation.objects.current(on).select_related("iro"),
        to_attr="current_allocations",
    )


def current_iro(child: Child) -> "User | None":
    """The IRO prefetch_current_iro found allocated to the child; None when none was."""
    allocations = getattr(child, "current_allocations", [])
    return allocations[0].iro if allocations else None
