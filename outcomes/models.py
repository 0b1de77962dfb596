"""What the rest of the SSDA903 return holds about a child beyond episodes and reviews: health
and offending at 31 March (OC2), care leavers around their birthday (OC3), missing and away
episodes (Missing), decisions that the child should be placed for adoption (PlacedAdoption),
adoptions (AD1) and permanence before care (PrevPerm). Columns and codes are the DfE's
(../shared/DATA_DICTIONARY.md section 1, outcomes.codes); each model names its table's column
for each field."""

from django.db import models
from django.db.models import F, Q

from children.models import Child
from iro_portal.dates import format_date
from iro_portal.locking import version_field

from .codes import (
    AdoptersLegalStatus,
    AdoptersSex,
    CareLeaverAccommodation,
    CareLeaverActivity,
    InTouch,
    MissingKind,
    PreviousPermanenceOrder,
    ReasonPlacedCeased,
    SdqReason,
)

COLLECTION_YEAR_HELP = (
    "The SSDA903 collection year, named by the year it ends in (2026 = 1 April 2025 to 31 March 2026)."
)


class HealthRecord(models.Model):
    """OC2: a child looked after continuously for 12 months at 31 March of the year. A flag left
    empty was not recorded."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="health_records")
    year = models.PositiveSmallIntegerField(help_text=COLLECTION_YEAR_HELP)
    sdq_score = models.PositiveSmallIntegerField("SDQ score", null=True, blank=True, help_text="SDQ_SCORE, 0 to 40.")
    sdq_reason = models.CharField(
        "reason for no SDQ score", max_length=4, choices=SdqReason.choices, blank=True, help_text="SDQ_REASON."
    )
    convicted = models.BooleanField(
        null=True, blank=True, help_text="CONVICTED: convicted or given a final warning or reprimand in the year."
    )
    health_check = models.BooleanField(
        "health surveillance checks up to date", null=True, blank=True, help_text="HEALTH_CHECK (children under 5)."
    )
    immunisations = models.BooleanField("immunisations up to date", null=True, blank=True, help_text="IMMUNISATIONS.")
    teeth_check = models.BooleanField("teeth checked in the year", null=True, blank=True, help_text="TEETH_CHECK.")
    health_assessment = models.BooleanField(
        "annual health assessment up to date", null=True, blank=True, help_text="HEALTH_ASSESSMENT."
    )
    substance_misuse = models.BooleanField(
        "substance misuse problem identified", null=True, blank=True, help_text="SUBSTANCE_MISUSE."
    )
    intervention_received = models.BooleanField(
        "intervention for substance misuse received", null=True, blank=True, help_text="INTERVENTION_RECEIVED."
    )
    intervention_offered = models.BooleanField(
        "intervention for substance misuse offered and refused",
        null=True,
        blank=True,
        help_text="INTERVENTION_OFFERED.",
    )
    version = version_field()

    class Meta:
        ordering = ["child_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["child", "year"], name="health_record_one_per_child_year"),
            models.CheckConstraint(condition=Q(year__gte=1992), name="health_record_year"),
            models.CheckConstraint(
                condition=Q(sdq_score__isnull=True) | Q(sdq_score__lte=40), name="health_record_sdq_score_range"
            ),
            models.CheckConstraint(
                condition=Q(sdq_reason="") | Q(sdq_reason__in=SdqReason.values), name="health_record_sdq_reason_valid"
            ),
        ]

    def __str__(self):
        return f"OC2 {self.year} for child {self.child_id}"


class CareLeaverRecord(models.Model):
    """OC3: a care leaver whose 17th, 18th, 19th, 20th or 21st birthday falls in the year, as
    they were around that birthday."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="care_leaver_records")
    year = models.PositiveSmallIntegerField(help_text=COLLECTION_YEAR_HELP)
    in_touch = models.CharField(max_length=4, choices=InTouch.choices, help_text="IN_TOUCH.")
    activity = models.CharField(max_length=2, choices=CareLeaverActivity.choices, blank=True, help_text="ACTIV.")
    accommodation = models.CharField(
        max_length=2, choices=CareLeaverAccommodation.choices, blank=True, help_text="ACCOM."
    )
    version = version_field()

    class Meta:
        ordering = ["child_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["child", "year"], name="care_leaver_record_one_per_child_year"),
            models.CheckConstraint(condition=Q(year__gte=1992), name="care_leaver_record_year"),
            models.CheckConstraint(condition=Q(in_touch__in=InTouch.values), name="care_leaver_in_touch_valid"),
            models.CheckConstraint(
                condition=Q(activity="") | Q(activity__in=CareLeaverActivity.values), name="care_leaver_activity_valid"
            ),
            models.CheckConstraint(
                condition=Q(accommodation="") | Q(accommodation__in=CareLeaverAccommodation.values),
                name="care_leaver_accommodation_valid",
            ),
        ]

    def __str__(self):
        return f"OC3 {self.year} for child {self.child_id}"

    @property
    def accommodation_suitable(self) -> bool | None:
        """ACCOM's second character: 1 suitable, 2 not; None when not known."""
        if len(self.accommodation) != 2:
            return None
        return self.accommodation.endswith("1")


class MissingEpisode(models.Model):
    """Missing: a time the child was missing from placement or away from it without
    authorisation; open while the child has not come back."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="missing_episodes")
    kind = models.CharField(max_length=1, choices=MissingKind.choices, help_text="MISSING.")
    start_date = models.DateField("date started", help_text="MIS_START.")
    end_date = models.DateField("date ended", null=True, blank=True, help_text="MIS_END: blank while still missing.")
    version = version_field()

    class Meta:
        ordering = ["child_id", "start_date"]
        indexes = [models.Index(fields=["start_date", "end_date"], name="missing_episode_dates_idx")]
        constraints = [
            models.UniqueConstraint(fields=["child", "start_date"], name="missing_episode_one_start_per_day"),
            models.CheckConstraint(condition=Q(kind__in=MissingKind.values), name="missing_episode_kind_valid"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="missing_episode_ends_on_or_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {format_date(self.start_date)} to {format_date(self.end_date) or 'now'}"


class AdoptionDecision(models.Model):
    """PlacedAdoption: the authority's decision that the child should be placed for adoption,
    and, when it was reversed, the day and the reason."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="adoption_decisions")
    decided_on = models.DateField("date of the decision", help_text="DATE_PLACED.")
    ceased_on = models.DateField(
        "date the child should no longer be placed for adoption", null=True, blank=True, help_text="DATE_PLACED_CEASED."
    )
    reason_ceased = models.CharField(
        max_length=3, choices=ReasonPlacedCeased.choices, blank=True, help_text="REASON_PLACED_CEASED."
    )
    version = version_field()

    class Meta:
        ordering = ["child_id", "decided_on"]
        constraints = [
            models.UniqueConstraint(fields=["child", "decided_on"], name="adoption_decision_one_per_day"),
            models.CheckConstraint(
                condition=Q(ceased_on__isnull=True) | Q(ceased_on__gte=F("decided_on")),
                name="adoption_decision_ceases_after_it_is_made",
            ),
            models.CheckConstraint(
                condition=(Q(ceased_on__isnull=True) & Q(reason_ceased=""))
                | (Q(ceased_on__isnull=False) & Q(reason_ceased__in=ReasonPlacedCeased.values)),
                name="adoption_decision_ceased_date_and_reason_together",
            ),
        ]

    def __str__(self):
        return f"Should be placed for adoption from {format_date(self.decided_on)}"


class Adoption(models.Model):
    """AD1: a child adopted from care: the decision that they should be placed for adoption, the
    match with the adopters, and who the adopters are. The DfE asks for all of it or none of it
    (rule 151)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="adoptions")
    decided_on = models.DateField(
        "date of the decision that the child should be placed for adoption",
        null=True,
        blank=True,
        help_text="DATE_INT.",
    )
    matched_on = models.DateField("date matched with adopters", null=True, blank=True, help_text="DATE_MATCH.")
    by_former_foster_carers = models.BooleanField(
        "adopted by former foster carers", null=True, blank=True, help_text="FOSTER_CARE."
    )
    number_of_adopters = models.PositiveSmallIntegerField(null=True, blank=True, help_text="NB_ADOPTR: 1 or 2.")
    adopters_sex = models.CharField(max_length=2, choices=AdoptersSex.choices, blank=True, help_text="SEX_ADOPTR.")
    adopters_legal_status = models.CharField(
        max_length=3, choices=AdoptersLegalStatus.choices, blank=True, help_text="LS_ADOPTR."
    )
    version = version_field()

    class Meta:
        ordering = ["child_id", "matched_on"]
        constraints = [
            models.UniqueConstraint(fields=["child", "matched_on"], name="adoption_one_match_per_day"),
            models.CheckConstraint(
                condition=Q(number_of_adopters__isnull=True) | Q(number_of_adopters__in=[1, 2]),
                name="adoption_one_or_two_adopters",
            ),
            models.CheckConstraint(
                condition=Q(adopters_sex="") | Q(adopters_sex__in=AdoptersSex.values),
                name="adoption_adopters_sex_valid",
            ),
            models.CheckConstraint(
                condition=Q(adopters_legal_status="") | Q(adopters_legal_status__in=AdoptersLegalStatus.values),
                name="adoption_adopters_legal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(matched_on__isnull=True) | Q(matched_on__gte=F("decided_on")),
                name="adoption_matched_on_or_after_decision",
            ),
        ]

    def __str__(self):
        return f"Adoption, matched {format_date(self.matched_on) or '(not recorded)'}"


class PreviousPermanence(models.Model):
    """PrevPerm: whether the child left an adoption, special guardianship or child arrangements
    order before coming into care, where it was arranged and when. The DfE lets the day and
    month of the order be unknown (ZZ/ZZ/2015), so the date is kept as the return writes it."""

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="previous_permanence")
    order = models.CharField(max_length=2, choices=PreviousPermanenceOrder.choices, blank=True, help_text="PREV_PERM.")
    arranged_by = models.CharField(
        "local authority that arranged it",
        max_length=3,
        blank=True,
        help_text="LA_PERM: the DfE's old three-digit LA number.",
    )
    order_date = models.CharField(
        "date of the order",
        max_length=10,
        blank=True,
        help_text="DATE_PERM as DD/MM/YYYY, with ZZ for a day or month not known.",
    )
    version = version_field()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(order="") | Q(order__in=PreviousPermanenceOrder.values),
                name="previous_permanence_order_valid",
            ),
            models.CheckConstraint(
                condition=Q(order_date="") | Q(order_date__regex=r"^([0-9]{2}|ZZ)/([0-9]{2}|ZZ)/[0-9]{4}$"),
                name="previous_permanence_date_form",
            ),
        ]

    def __str__(self):
        return f"Previous permanence {self.order or '(not recorded)'} for child {self.child_id}"
