"""The staff's pages for a review's consultation and feedback links: who was sent one and who
has replied, sending links to several people at once, withdrawing one, and reading a reply.
A code is shown only on the page that made it: it is never stored, so that page cannot be
shown again."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.permissions import ChildRecordAccessMixin
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.forms import add_service_errors
from iro_portal.locking import refusal_status
from iro_portal.pages import FormPage
from reviews.models import OUTSTANDING_STATUSES, Review, ReviewStatus
from reviews.selectors import reviews_visible_to

from . import staff_selectors
from .emails import public_link, start_page_link
from .models import ConsultationInvitation, ConsultationResponse
from .selectors import LinkState, link_state
from .services import revoke_invitation
from .staff_forms import SendForm, WithdrawForm, people_formset
from .staff_services import make_feedback_links, send_links

SENT_KEYS = "consultation_links_sent"
"""The session's record of the send pages already posted (random keys, never a code)."""
SENT_KEYS_KEPT = 20


def _shown(links):
    return [
        {"invitation": issued.invitation, "code": issued.code, "link": public_link(issued.code)} for issued in links
    ]


class ConsultationReviewMixin(ChildRecordAccessMixin):
    def get_review(self, request, review_pk):
        reviews = reviews_visible_to(request.user, Review.objects.select_related("child"))
        review = get_object_or_404(reviews, pk=review_pk)
        if not staff_selectors.consulted(review):
            raise Http404("Links are sent only for LAC reviews and child protection conferences.")
        return review

    def require_sending(self, request, review):
        if not staff_selectors.may_send_links(request.user, review):
            raise PermissionDenied("Only the child's IRO or business support can send or withdraw links.")


class ReviewConsultationView(ConsultationReviewMixin, View):
    """Who was sent a link for the review, how and when, and who has replied."""

    def get(self, request, review_pk):
        review = self.get_review(request, review_pk)
        record_event(action=AuditAction.VIEW, user=request.user, obj=review, child_id=review.child_id, request=request)
        return render(
            request,
            "consultations/staff/review.html",
            {
                "review": review,
                "links": staff_selectors.review_links(review),
                "may_send": staff_selectors.may_send_links(request.user, review),
                "may_read": staff_selectors.may_read_replies(request.user),
                "before_review": review.status in OUTSTANDING_STATUSES,
                "held": review.status == ReviewStatus.HELD,
            },
        )


class SendLinksView(ConsultationReviewMixin, View):
    """Several people at once ("add another"); the codes of those shown appear on the next page only."""

    def load(self, request, review_pk):
        self.review = self.get_review(request, review_pk)
        self.require_sending(request, self.review)
        if self.review.status not in OUTSTANDING_STATUSES:
            messages.info(request, "This review is no longer due, so consultation links cannot be sent for it.")
            return redirect("consultations:review", review_pk=self.review.pk)
        self.formset_class = people_formset(self.review)
        return None

    def get(self, request, review_pk):
        if (answer := self.load(request, review_pk)) is not None:
            return answer
        formset = self.formset_class(prefix="people", initial=[{"person_type": "child"}])
        return self._render(SendForm(initial={"sending": secrets.token_urlsafe(16)}), formset)

    def post(self, request, review_pk):
        if (answer := self.load(request, review_pk)) is not None:
            return answer
        formset = self.formset_class(request.POST, prefix="people")
        form = SendForm(request.POST)
        if (changed := formset.rows_changed()) is not None:
            draft, focus = changed
            return self._render(form, draft, focus=focus)
        if not (form.is_valid() and formset.is_valid()):
            return self._render(form, formset, status=400)
        sending = form.cleaned_data["sending"]
        if sending in request.session.get(SENT_KEYS, []):
            messages.info(request, "These links were made already. A link shown to pass on is shown only once.")
            return redirect("consultations:review", review_pk=self.review.pk)
        people = [row.person() for row in formset if row.has_changed() or row.cleaned_data]
        try:
            sent = send_links(self.review, people, by=request.user, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(form, formset, status=refusal_status(error))
        request.session[SENT_KEYS] = [*request.session.get(SENT_KEYS, []), sending][-SENT_KEYS_KEPT:]
        return render(
            request,
            "consultations/staff/sent.html",
            {
                "review": self.review,
                "sent": sent,
                "shown": _shown(sent.shown),
                "feedback": False,
                "start_page": start_page_link(),
            },
        )

    def _render(self, form, formset, status=200, focus=None):
        return render(
            self.request,
            "consultations/staff/send.html",
            {"review": self.review, "form": form, "formset": formset, "focus_row": focus},
            status=status,
        )


class FeedbackLinksView(ConsultationReviewMixin, View):
    """After the review: feedback links for those whose consultation links were shown, shown once."""

    def post(self, request, review_pk):
        review = self.get_review(request, review_pk)
        self.require_sending(request, review)
        try:
            links = make_feedback_links(review, by=request.user, request=request)
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
            return redirect("consultations:review", review_pk=review.pk)
        return render(
            request,
            "consultations/staff/sent.html",
            {"review": review, "sent": None, "shown": _shown(links), "feedback": True, "start_page": start_page_link()},
        )


class InvitationMixin(ChildRecordAccessMixin):
    def get_invitation(self, request, pk):
        invitations = staff_selectors.invitations_visible_to(
            request.user, ConsultationInvitation.objects.select_related("review__child")
        )
        return get_object_or_404(invitations, pk=pk)


class WithdrawLinkView(InvitationMixin, FormPage):
    """Withdraw one link, after a confirmation page; refused if someone acted on it meanwhile."""

    template_name = "consultations/staff/withdraw.html"
    form_class = WithdrawForm

    def load(self, request, pk):
        self.invitation = self.get_invitation(request, pk)
        if not staff_selectors.may_send_links(request.user, self.invitation.review):
            raise PermissionDenied("Only the child's IRO or business support can send or withdraw links.")
        if request.method == "GET" and link_state(self.invitation) != LinkState.OPEN:
            messages.info(request, "This link can no longer be used, so there is nothing to withdraw.")
            return redirect("consultations:review", review_pk=self.invitation.review_id)
        return None

    def initial(self):
        return {"version": self.invitation.version}

    def context(self):
        return {"invitation": self.invitation, "review": self.invitation.review}

    def save(self, form):
        revoke_invitation(
            self.invitation,
            by=self.request.user,
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        who = self.invitation.name or self.invitation.get_person_type_display().lower()
        messages.success(self.request, f"The link for {who} is withdrawn: it opens nothing now.")
        return redirect("consultations:review", review_pk=self.invitation.review_id)


class ReplyView(InvitationMixin, View):
    """One person's reply, for the IRO and managers; every view of it is audited."""

    def get(self, request, pk):
        invitation = self.get_invitation(request, pk)
        if not staff_selectors.may_read_replies(request.user):
            raise PermissionDenied("Business support can see who has replied, but not what they said.")
        response = get_object_or_404(ConsultationResponse.objects.select_related("invitation"), invitation=invitation)
        response.invitation = invitation
        record_event(
            action=AuditAction.VIEW,
            user=request.user,
            obj=response,
            child_id=invitation.review.child_id,
            request=request,
        )
        return render(
            request,
            "consultations/staff/reply.html",
            {
                "invitation": invitation,
                "review": invitation.review,
                "reply": response,
                "answers": staff_selectors.reply_answers(response),
            },
        )
