"""The page where the IRO writes the letter to the child after a held LAC review: a draft built
from the decisions (reviews.letter_selectors.draft_letter) to edit, kept when saved, then made
into a document like the review record. For those who may record for the child."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from iro_portal.pages import FormPage

from . import document_selectors, document_services, letter_selectors, letter_services
from .letter_forms import LetterForm
from .models import ReviewDocumentKind, ReviewKind, ReviewStatus
from .views import ReviewMixin


class LetterView(ReviewMixin, FormPage):
    records = True
    template_name = "reviews/documents/letter.html"
    form_class = LetterForm

    def load(self, request, pk):
        self.review = self.get_review(request, pk)
        if not document_selectors.may_read_documents(request.user):
            raise PermissionDenied("Business support cannot read the records of reviews, nor write to children.")
        if self.review.kind != ReviewKind.LAC:
            raise Http404("Only a LAC review has a letter to the child.")
        if self.review.status != ReviewStatus.HELD:
            messages.info(request, "Record the review as held before writing to the child.")
            return redirect("reviews:detail", pk=pk)
        return None

    def initial(self):
        text, version = letter_selectors.letter_text(self.review)
        return {"text": text, "version": version}

    def context(self):
        """Once a letter is saved, a fresh draft beside it, for decisions changed since."""
        saved = letter_selectors.letter_text(self.review)[1] > 0
        return {
            "review": self.review,
            "child": self.review.child,
            "new_draft": letter_selectors.draft_letter(self.review) if saved else "",
        }

    @transaction.atomic
    def save(self, form):
        """Saving and making the letter happen together: a letter that cannot be made is not saved."""
        letter_services.save_letter(
            self.review,
            by=self.request.user,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        name = self.review.child.given_name
        if "later" in self.request.POST:
            messages.success(self.request, f"Your letter to {name} is saved.")
            return redirect(reverse("reviews:detail", args=[self.review.pk]) + "#documents")
        document_services.create_document(
            self.review, kind=ReviewDocumentKind.CHILD_LETTER, by=self.request.user, request=self.request
        )
        messages.success(
            self.request,
            f"Your letter to {name} is saved and being prepared. Refresh this page to see when it is ready.",
        )
        return redirect(reverse("reviews:detail", args=[self.review.pk]) + "#documents")
