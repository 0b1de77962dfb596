from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from iro_portal.locking import version_field


class StaffingPeriod(models.Model):
    """An IRO's full-time equivalent, and whether they work through an agency (an interim IRO),
    from one day to another, so that a past year's caseload per FTE divides by the FTE of that
    year, not today's. An IRO's periods never overlap (an exclusion constraint on PostgreSQL,
    staffing.services everywhere); the last runs on (no last day) while it is still so.
    accounts.User.fte is the FTE of the period open today, kept so by staffing.services."""

    iro = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staffing_periods", verbose_name="IRO"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="The last day (included); empty while still so.")
    fte = models.DecimalField(
        "full-time equivalent",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="Contracted hours as a fraction of full time, for example 0.8.",
    )
    agency = models.BooleanField(
        "agency (interim) IRO", default=False, help_text="Employed through an agency rather than by the authority."
    )
    version = version_field()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["iro_id", "starts_on"]
        indexes = [models.Index(fields=["iro", "starts_on"], name="staffing_iro_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="staffing_fte_between_0_and_1"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="staffing_ends_on_or_after_start",
            ),
            models.UniqueConstraint(fields=["iro", "starts_on"], name="staffing_one_period_per_start"),
        ]

    def __str__(self):
        return f"{self.iro}: {self.fte} FTE from {self.starts_on}"


def open_on(on, through: str = "") -> Q:
    """Periods that include the day `on` (both ends included; no last day means still so).
    `through` reaches the periods from another model ("staffing_periods__")."""
    return Q(**{f"{through}starts_on__lte": on}) & (
        Q(**{f"{through}ends_on__isnull": True}) | Q(**{f"{through}ends_on__gte": on})
    )
