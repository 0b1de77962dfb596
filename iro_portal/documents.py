"""The machinery shared by every PDF the portal makes in the background (the annual report's
reporting.ReportDocument, the review documents' reviews.ReviewDocument): the status a page shows
while a Celery task renders the file, the file kept in the database, and the rendering step that
moves a document from queued to ready or failed.

Rendering takes seconds, so a service creates the document (queued) and asks a task to render
it once its transaction commits; the task calls ``render_pdf`` with a function making the HTML.
"""

from collections.abc import Callable

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Rendering runs in a worker with no request: relative URLs in the templates resolve against this
# made-up origin, which iro_portal.pdf never contacts (it reads static files from disk).
PDF_BASE_URL = "http://iro-portal.invalid/"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RENDERING = "rendering", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RenderedDocument(models.Model):
    """A PDF made by a background task: its status, progress, file and any error."""

    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done, for the progress indicator.")
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_pending(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING)


def status_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The database rules every rendered document's table carries, named for its table."""
    return [
        models.CheckConstraint(condition=Q(status__in=DocumentStatus.values), name=f"{prefix}_status_valid"),
        models.CheckConstraint(condition=Q(progress__lte=100), name=f"{prefix}_progress_percent"),
        models.CheckConstraint(
            condition=~Q(status="ready") | Q(content__isnull=False), name=f"{prefix}_ready_has_content"
        ),
    ]


def set_progress(document: RenderedDocument, progress: int, status: str = DocumentStatus.RENDERING) -> None:
    """Save how far rendering got, straight away, for the page polling it."""
    document.progress, document.status = progress, status
    type(document)._default_manager.filter(pk=document.pk).update(progress=progress, status=status)


def render_pdf(document: RenderedDocument, html_of: Callable[[], str], *, base_url: str) -> RenderedDocument:
    """Render the document's HTML (``html_of`` may report progress between 10 and 60) to PDF and
    store it; a failure is stored with its error and raised again for the task's log. A document
    already ready is left alone, so a task delivered twice renders once."""
    from .pdf import html_to_pdf

    if document.status == DocumentStatus.READY:
        return document
    manager = type(document)._default_manager
    set_progress(document, 10)
    try:
        html = html_of()
        set_progress(document, 60)
        pdf = html_to_pdf(html, base_url=base_url)
    except Exception as error:
        manager.filter(pk=document.pk).update(
            status=DocumentStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
        raise
    manager.filter(pk=document.pk).update(
        status=DocumentStatus.READY, progress=100, content=pdf, finished_at=timezone.now()
    )
    document.refresh_from_db()
    return document
