from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from iro_portal.documents import DocumentStatus as DocumentStatus  # the report's pages name it from here
from iro_portal.documents import RenderedDocument, status_constraints
from iro_portal.locking import version_field

from .periods import reporting_year_label


class AnnualReport(models.Model):
    """The annual IRO report for one reporting year. While it is a draft its figures are worked
    out afresh from the records every time it is opened and service managers edit its
    narrative; publishing freezes both in a PublishedReport."""

    year = models.PositiveSmallIntegerField(
        unique=True, help_text="The first calendar year of the reporting year: 2025 means April 2025 to March 2026."
    )
    introduction = models.TextField(blank=True)
    achievements = models.TextField(blank=True)
    areas_for_development = models.TextField(blank=True)
    changes_from_childrens_views = models.TextField(
        "what changed because of what children said",
        blank=True,
        help_text="For the version for children: plain words, short sentences.",
    )
    how_to_contact_an_iro = models.TextField("how children can contact an IRO", blank=True)
    highlight_sentences = models.JSONField(
        default=dict,
        blank=True,
        help_text="The key highlights' sentences a manager rewrote, each with the figures it was written against; "
        "a highlight not here has the sentence drafted from its figures.",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every edit; an edit of an older version is refused."
    )
    comparators_version = version_field(
        help_text="Raised every time the year's comparators are saved; a save from an older version is refused."
    )
    targets_version = version_field(
        help_text="Raised every time the year's local targets are saved; a save from an older version is refused."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="annual_report_year_sensible"),
        ]

    def __str__(self):
        return f"Annual IRO report {self.year} to {self.year + 1}"

    @property
    def label(self):
        return reporting_year_label(self.year)


class Progress(models.TextChoices):
    """How far a priority of last year's action plan got, as this year's report tells the board."""

    ACHIEVED = "achieved", "Achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    CARRIED_FORWARD = "carried_forward", "Carried forward"


class ActionPlanItem(models.Model):
    """One line of the report's priorities and action plan: a priority for the year ahead, or,
    with a progress status, one of last year's priorities carried into this year's report to say
    how far it got."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="action_plan")
    position = models.PositiveSmallIntegerField()
    priority = models.TextField()
    measure = models.TextField("how we will measure it")
    intended_impact = models.TextField()
    action = models.TextField()
    progress = models.CharField(
        "progress against last year's plan",
        max_length=20,
        choices=Progress.choices,
        blank=True,
        help_text="Empty for a new priority; set for one of last year's priorities.",
    )
    progress_comment = models.TextField("comment on progress", max_length=1000, blank=True)

    class Meta:
        ordering = ["report_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="action_plan_item_one_per_position"),
            models.CheckConstraint(
                condition=Q(progress="") | Q(progress__in=Progress.values), name="action_plan_item_progress_valid"
            ),
            models.CheckConstraint(
                condition=~Q(progress="") | Q(progress_comment=""),
                name="action_plan_item_comment_only_with_progress",
            ),
        ]

    def __str__(self):
        return self.priority[:60]


class OtherActivity(models.Model):
    """Figures the portal does not record itself, entered once a year by a service manager.
    Empty means "not entered", which the report shows as not available rather than as 0."""

    year = models.PositiveSmallIntegerField(unique=True)
    child_population = models.PositiveIntegerField(
        "children aged 0 to 17 living in the authority",
        null=True,
        blank=True,
        help_text="The ONS mid-year estimate, for the rate of children looked after per 10,000.",
    )
    fostering_reviews_held = models.PositiveIntegerField(null=True, blank=True)
    fostering_reviews_in_time = models.PositiveIntegerField("fostering reviews held in time", null=True, blank=True)
    independent_visitor_matches = models.PositiveIntegerField(
        "children matched with an Independent Visitor", null=True, blank=True
    )
    advocacy_referrals = models.PositiveIntegerField(null=True, blank=True)
    complaints_received = models.PositiveIntegerField(null=True, blank=True)
    complaints_stage_1 = models.PositiveIntegerField("complaints resolved at stage 1", null=True, blank=True)
    complaints_stage_2 = models.PositiveIntegerField("complaints that reached stage 2", null=True, blank=True)
    complaints_stage_3 = models.PositiveIntegerField("complaints that reached stage 3", null=True, blank=True)
    vacancies_fte = models.DecimalField(
        "vacant IRO posts at the end of the year (FTE)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    training_sessions = models.PositiveIntegerField("training sessions IROs attended", null=True, blank=True)
    training_hours = models.PositiveIntegerField("hours of training IROs attended", null=True, blank=True)
    supervision_sessions_due = models.PositiveIntegerField("supervision sessions due", null=True, blank=True)
    supervision_sessions_held = models.PositiveIntegerField("supervision sessions held", null=True, blank=True)
    version = version_field()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "other activity"
        constraints = [
            models.CheckConstraint(
                condition=Q(fostering_reviews_in_time__isnull=True)
                | Q(fostering_reviews_held__isnull=True)
                | Q(fostering_reviews_in_time__lte=F("fostering_reviews_held")),
                name="other_activity_fostering_in_time_not_above_held",
            ),
            models.CheckConstraint(
                condition=Q(complaints_received__isnull=True)
                | Q(complaints_stage_1__isnull=True)
                | Q(complaints_stage_2__isnull=True)
                | Q(complaints_stage_3__isnull=True)
                | Q(
                    complaints_received__gte=F("complaints_stage_1") + F("complaints_stage_2") + F("complaints_stage_3")
                ),
                name="other_activity_complaint_stages_not_above_received",
            ),
            models.CheckConstraint(
                condition=Q(vacancies_fte__isnull=True) | Q(vacancies_fte__gte=0),
                name="other_activity_vacancies_fte_0_up",
            ),
            models.CheckConstraint(
                condition=Q(supervision_sessions_due__isnull=True)
                | Q(supervision_sessions_held__isnull=True)
                | Q(supervision_sessions_held__lte=F("supervision_sessions_due")),
                name="other_activity_supervision_held_not_above_due",
            ),
        ]

    def __str__(self):
        return f"Other activity {self.year} to {self.year + 1}"


class ComparatorFigure(models.Model):
    """A published figure to set beside one of the report's measures: the average of the
    authority's statistical neighbours and the England figure for the same year."""

    year = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=80)
    statistical_neighbours = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)
    england = models.DecimalField(max_digits=9, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["year", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["year", "measure"], name="comparator_one_per_measure_and_year"),
            models.CheckConstraint(
                condition=Q(statistical_neighbours__isnull=False) | Q(england__isnull=False),
                name="comparator_has_a_figure",
            ),
        ]

    def __str__(self):
        return f"{self.measure} {self.year}"


class TargetDirection(models.TextChoices):
    AT_LEAST = "at_least", "At least"
    AT_MOST = "at_most", "At most"


class Target(models.Model):
    """A local target the service managers set for one of the report's figures in a reporting
    year: reviews in timescale at least 98%, children per full-time IRO at most 70."""

    year = models.PositiveSmallIntegerField()
    measure = models.CharField(max_length=80)
    value = models.DecimalField(max_digits=9, decimal_places=1)
    direction = models.CharField(max_length=10, choices=TargetDirection.choices)

    class Meta:
        ordering = ["year", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["year", "measure"], name="target_one_per_measure_and_year"),
            models.CheckConstraint(condition=Q(direction__in=TargetDirection.values), name="target_direction_valid"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
        ]

    def __str__(self):
        return f"{self.measure} {self.year}: {self.get_direction_display().lower()} {self.value}"


class PublishedReport(models.Model):
    """A published version of an annual report: every figure (both years and the comparators)
    and the narrative as they were when it was published. Never changed afterwards; a
    correction is a new version with a reason, and the old ones stay downloadable."""

    report = models.ForeignKey(AnnualReport, on_delete=models.PROTECT, related_name="published_versions")
    number = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("reason for a new version", blank=True)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["report_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="published_report_one_per_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="published_report_number_positive"),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(reason=""), name="published_report_new_version_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.report}, version {self.number}"


class Variant(models.TextChoices):
    INTERNAL = "internal", "Full report for managers"
    BOARD = "board", "Board version, small numbers suppressed"
    CHILD_FRIENDLY = "child_friendly", "Version for children and young people"


class ReportDocument(RenderedDocument):
    """A PDF of a report, made by a Celery task because rendering takes a few seconds. A
    published version's PDF of each variant is made once and kept; a draft's is made afresh on
    request, because its figures change."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="documents")
    published = models.ForeignKey(
        PublishedReport, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    variant = models.CharField(max_length=20, choices=Variant.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["published", "variant"],
                condition=Q(published__isnull=False),
                name="report_document_one_per_published_variant",
            ),
            models.CheckConstraint(condition=Q(variant__in=Variant.values), name="report_document_variant_valid"),
            *status_constraints("report_document"),
        ]

    def __str__(self):
        return f"{self.get_variant_display()} PDF of {self.report} ({self.get_status_display()})"


class DataVersion(models.Model):
    """One row counting the committed transactions that changed a record the figures are
    counted from. Database triggers keep it (migration reporting 0002), so every way of
    writing (forms, the API, the SSDA903 import, the seed, the admin, SQL by hand) moves it,
    and it moves in the same commit as the change: figures stored against a number are never
    older than the records that number stands for."""

    number = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="data_version_single_row")]

    def __str__(self):
        return f"data version {self.number}"


class FiguresKind(models.TextChoices):
    DASHBOARD = "dashboard", "Dashboard"
    REPORTING_YEAR = "reporting_year", "Annual report year"
    OUTCOMES = "outcomes", "Outcome figures for a reporting year"


class StoredFigures(models.Model):
    """Figures worked out once and kept while the records behind them are unchanged: the
    dashboard of a scope (the whole authority, or one IRO's children), the annual report's
    figures for a year and the outcome figures for a year. Counting them live takes seconds for a large authority."""

    kind = models.CharField(max_length=20, choices=FiguresKind.choices)
    scope = models.CharField(max_length=40, help_text="'authority', or 'iro:' and the IRO's id.")
    period_start = models.DateField()
    period_end = models.DateField()
    as_of = models.DateField(help_text="The day the figures were counted for: 'overdue now' depends on it.")
    data_version = models.BigIntegerField()
    calculated_at = models.DateTimeField()
    figures = models.TextField(
        help_text="JSON text, not jsonb: jsonb would reorder the keys, and the page lists them in order."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope", "period_start", "period_end", "as_of"], name="stored_figures_one_per_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=FiguresKind.values), name="stored_figures_kind_valid"),
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")), name="stored_figures_period_order"),
        ]
        indexes = [models.Index(fields=["as_of"], name="stored_figures_as_of")]
        verbose_name_plural = "stored figures"

    def __str__(self):
        return (
            f"{self.get_kind_display()} for {self.scope}, {self.period_start} to {self.period_end} as of {self.as_of}"
        )


class MaintainedFigures(models.Model):
    """The counts (reporting.tallies) behind the whole authority's figures of one kind, for a
    period as of a day, kept up to date as records change (reporting.maintained): their sums,
    and each shard's counts (MaintainedShard) so that a shard counted again takes its old
    counts out of the sums."""

    kind = models.CharField(max_length=20, choices=FiguresKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    as_of = models.DateField(help_text="The day the figures are counted for: 'overdue now' depends on it.")
    names = models.TextField(help_text="JSON: the tallies' names, in the order the selectors ask for them.")
    totals = models.TextField(help_text="JSON: each tally's counts summed over every shard.")
    folded_version = models.BigIntegerField(help_text="The data version of the last change counted in.")
    built_at = models.DateTimeField()
    folded_at = models.DateTimeField()
    read_at = models.DateTimeField(help_text="Figures nobody has asked for in a while stop being kept.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end", "as_of"], name="maintained_figures_one_per_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=FiguresKind.values), name="maintained_figures_kind_valid"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="maintained_figures_period_order"
            ),
        ]
        verbose_name_plural = "maintained figures"

    def __str__(self):
        return f"{self.get_kind_display()}, {self.period_start} to {self.period_end} as of {self.as_of} (maintained)"


class MaintainedShard(models.Model):
    """One shard's counts (reporting.tallies.SHARD_WIDTH children by consecutive id) in a
    MaintainedFigures: JSON, a list with one entry per tally."""

    figures = models.ForeignKey(MaintainedFigures, on_delete=models.CASCADE, related_name="shards")
    shard = models.IntegerField()
    counts = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figures", "shard"], name="maintained_shard_once")]

    def __str__(self):
        return f"shard {self.shard} of {self.figures}"


EVERY_SHARD = -1
"""A change that can move any child's figures (the working-day calendar)."""


class ChangedShard(models.Model):
    """A shard of children whose records a transaction changed, written by database triggers in
    the same transaction as the change (migration reporting 0010), whichever way it was written.
    The first fold that sees it stamps it with the data version of the time; figures folded
    through that version have counted the shard again (migration reporting 0011 added the
    table)."""

    shard = models.IntegerField(help_text="-1: every shard.")
    source = models.CharField(
        max_length=63,
        blank=True,
        db_default="",
        help_text="The table changed, so that a fold counts again only the tallies reading it; "
        "blank: any table (a change noted before tables were).",
    )
    version = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["version"], name="changed_shard_version")]

    def __str__(self):
        return f"shard {self.shard} changed (version {self.version})"
