"""An import of an authority's SSDA903 return: the files as uploaded, how far the Celery task has
got, and what it found (counts, or every error). The import itself is all or nothing
(ssda903.importer.import_return); this row is only its record and its progress indicator."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from iro_portal.dates import format_datetime

# Uploads larger than this (all files together) are refused before anything is stored: a return
# for 100,000 children is about 40 MB of CSV.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# The most files one import may have (Header, Episodes, Reviews, UASC and a few other tables).
MAX_FILES = 12


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Not imported: the files have errors"
    ERROR = "error", "Not imported: something went wrong"


FINISHED_STATUSES = {ImportStatus.SUCCEEDED, ImportStatus.FAILED, ImportStatus.ERROR}

COUNT_FIELDS = (
    "children_created",
    "children_updated",
    "unchanged_children",
    "episodes",
    "episodes_added",
    "episodes_removed",
    "reviews_added",
    "health_records",
    "care_leaver_records",
    "adoptions",
    "adoption_decisions",
    "adoption_decisions_removed",
    "previous_permanences",
    "missing_episodes",
    "missing_episodes_removed",
)


class ImportRun(models.Model):
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    dry_run = models.BooleanField(default=False, help_text="Check the files only: write nothing.")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, for the progress indicator.")
    stage = models.CharField(max_length=200, blank=True, help_text="What the import is doing now.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    children_created = models.PositiveIntegerField(default=0)
    children_updated = models.PositiveIntegerField(default=0)
    unchanged_children = models.PositiveIntegerField(default=0)
    episodes = models.PositiveIntegerField(default=0)
    episodes_added = models.PositiveIntegerField(default=0, help_text="Episodes written that the portal did not have.")
    episodes_removed = models.PositiveIntegerField(default=0, help_text="The portal's episodes the file's replaced.")
    children_episodes_replaced = models.JSONField(
        default=list,
        blank=True,
        help_text="[CHILD, episodes added, the portal's episodes replaced, the portal's kept] for each child whose "
        "episodes in the portal the file replaced (the first 1,000).",
    )
    children_with_episodes_replaced = models.PositiveIntegerField(default=0)
    reviews_added = models.PositiveIntegerField(default=0)
    health_records = models.PositiveIntegerField(default=0, help_text="OC2 records written (new or changed).")
    care_leaver_records = models.PositiveIntegerField(default=0, help_text="OC3 records written (new or changed).")
    adoptions = models.PositiveIntegerField(default=0, help_text="AD1 records written (new or changed).")
    adoption_decisions = models.PositiveIntegerField(
        default=0, help_text="PlacedAdoption decisions written (new or changed)."
    )
    adoption_decisions_removed = models.PositiveIntegerField(
        default=0, help_text="The portal's decisions to place for adoption the file's replaced."
    )
    previous_permanences = models.PositiveIntegerField(
        default=0, help_text="PrevPerm records written (new or changed)."
    )
    missing_episodes = models.PositiveIntegerField(default=0, help_text="Missing episodes written (new or changed).")
    missing_episodes_removed = models.PositiveIntegerField(
        default=0, help_text="The portal's missing and away episodes the file's replaced."
    )
    errors = models.JSONField(
        default=list, blank=True, help_text="Every row error: file, row, child, column, value, message."
    )
    error_count = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True, help_text="What went wrong when the import itself failed.")
    next_reviews_estimated = models.JSONField(
        default=list,
        blank=True,
        help_text="CHILD ids whose next LAC review date assumes earlier reviews the return cannot hold.",
    )

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="ssda903_import_status_valid"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="ssda903_import_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="failed") | Q(error_count__gt=0), name="ssda903_import_failed_has_errors"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
                name="ssda903_import_finished_has_time",
            ),
        ]

    def __str__(self):
        return f"SSDA903 import {self.pk} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in FINISHED_STATUSES

    def counts(self):
        return {field: getattr(self, field) for field in COUNT_FIELDS}


class ImportFile(models.Model):
    """One uploaded CSV, kept as its bytes: the importer decides how to read it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="ssda903_import_file_name_once"),
        ]

    def __str__(self):
        return self.name


class ReturnSource(models.TextChoices):
    EXPORTED = "exported", "Downloaded from the portal"
    IMPORTED = "imported", "Imported"


class StoredReturn(models.Model):
    """A collection year's return as it last left the portal (a download) or came in (an
    import): the next year's export checks against it the rules that compare two years
    (202-204, 502, 503, 562), as the DfE compares a return with the one before."""

    year = models.PositiveSmallIntegerField(help_text="The collection year, named by the year it ends in.")
    source = models.CharField(max_length=10, choices=ReturnSource.choices)
    tables = models.JSONField(help_text="CSV text by table: header, episodes, reviews, uasc.")
    stored_at = models.DateTimeField(auto_now_add=True)
    stored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-stored_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year"], name="ssda903_one_stored_return_per_year"),
            models.CheckConstraint(condition=Q(source__in=ReturnSource.values), name="ssda903_stored_return_source"),
            models.CheckConstraint(condition=Q(year__gte=1992), name="ssda903_stored_return_year"),
        ]

    def __str__(self):
        return f"SSDA903 {self.year} ({self.get_source_display()}, {format_datetime(self.stored_at)})"
