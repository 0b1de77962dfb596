"""The pages of the documents made from a held review's or conference's record: making one, reading it in
the browser, downloading its PDF, and recording that it was sent (to whom, when and how) with a
confirmation. Reading is for whoever may open the review, except business support; making and
sending for whoever may record for the child."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from audit.models import AuditAction
from audit.services import record_event
from children.permissions import require_recording_rights
from iro_portal.forms import add_service_errors
from iro_portal.locking import refusal_status

from . import document_selectors, document_services, selectors
from .forms import CirculationForm, RecipientFormSet
from .models import Circulation, Review, ReviewDocument
from .views import ReviewMixin


class DocumentMixin(ReviewMixin):
    """A page about one document of a review the user may open."""

    def get_document(self, request, pk):
        if not document_selectors.may_read_documents(request.user):
            raise PermissionDenied("Business support cannot read the records of reviews and conferences.")
        visible = selectors.reviews_visible_to(request.user, Review.objects.all())
        document = get_object_or_404(
            ReviewDocument.objects.select_related("review__child", "review__chair").filter(review__in=visible), pk=pk
        )
        if self.records:
            require_recording_rights(request.user, document.review.child_id)
        return document


class CreateDocumentView(ReviewMixin, View):
    """The "Create the record" buttons on the review's page."""

    records = True

    def post(self, request, pk):
        review = self.get_review(request, pk)
        try:
            document = document_services.create_document(
                review, kind=request.POST.get("kind", ""), by=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"The {document.get_kind_display().lower()} is being prepared. Refresh this page to see when it is ready.",
            )
        return redirect(reverse("reviews:detail", args=[review.pk]) + "#documents")


class DocumentView(DocumentMixin, View):
    """The document in the browser: the words it was made with, inside the portal's page."""

    def get(self, request, pk):
        document = self.get_document(request, pk)
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=document, child_id=document.review.child_id, request=request
        )
        return render(request, "reviews/documents/page.html", {"document": document, "review": document.review})


class DocumentPdfView(DocumentMixin, View):
    def get(self, request, pk):
        document = self.get_document(request, pk)
        if not document.is_ready:
            raise Http404("The PDF is not ready yet.")
        record_event(
            action=AuditAction.EXPORT,
            user=request.user,
            obj=document,
            child_id=document.review.child_id,
            request=request,
            detail={"format": "pdf"},
        )
        response = HttpResponse(bytes(document.content), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
        return response


class CirculationView(DocumentMixin, View):
    """Record that the document was sent: the day, then each person it went to ("add another")."""

    records = True
    template_name = "reviews/documents/circulation.html"

    def get(self, request, pk):
        document = self.get_document(request, pk)
        form = CirculationForm(initial={"version": document.review.version})
        return self._render(document, form, RecipientFormSet(prefix="recipients", initial=[{}]))

    def post(self, request, pk):
        document = self.get_document(request, pk)
        formset = RecipientFormSet(request.POST, prefix="recipients")
        if (changed := formset.rows_changed()) is not None:
            draft, focus = changed
            return self._render(document, CirculationForm(request.POST), draft, focus=focus)
        form = CirculationForm(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self._render(document, form, formset, status=400)
        try:
            circulation = document_services.record_circulation(
                document,
                by=request.user,
                sent_on=form.cleaned_data["sent_on"],
                recipients=[recipient for f in formset if (recipient := f.recipient())],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(document, form, formset, status=refusal_status(error))
        return redirect("reviews:document_sent", pk=document.pk, circulation=circulation.pk)

    def _render(self, document, form, formset, *, focus=None, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "document": document,
                "review": document.review,
                "form": form,
                "formset": formset,
                "focus_row": focus,
                "carries_record": document.kind in document_selectors.RECORD_KINDS,
            },
            status=status,
        )


class CirculationSentView(DocumentMixin, View):
    """The confirmation: who it went to, and the quality standard it counts for."""

    def get(self, request, pk, circulation):
        document = self.get_document(request, pk)
        sent = get_object_or_404(Circulation.objects.filter(document=document), pk=circulation)
        return render(
            request,
            "reviews/documents/sent.html",
            {
                "document": document,
                "review": document.review,
                "circulation": sent,
                "recipients": list(sent.recipients.all()),
                "standards": selectors.quality_standards(document.review),
                "carries_record": document.kind in document_selectors.RECORD_KINDS,
            },
        )
