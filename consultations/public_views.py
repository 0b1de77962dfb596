"""The pages a child, parent, carer or professional opens with their code, without signing in.
Everything they send is hostile input; they see the child's first name and the review's date and
nothing else of the record, and never see answers, their own included, once sent."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from iro_portal.dates import format_date

from . import services
from .models import FormVersion, PersonType, Purpose
from .public_access import address, count, over, public_page, too_many
from .public_forms import ConsultationForm, questions_for
from .selectors import LinkState, invitation_for_code, link_state, review_day
from .tokens import GROUP, normalise


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Enter your code",
        help_text="It is in the email or note you were given. It has 28 letters and numbers.",
        max_length=100,
        error_messages={"required": "Enter your code"},
    )

    def clean_code(self):
        raw = normalise(self.cleaned_data["code"])
        if raw is None:
            raise ValidationError("Enter the code exactly as it was given to you: 28 letters and numbers")
        return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def closed(request, state):
    """A link that opens nothing now: what happened, and who to ask. Nothing of the review."""
    status = 404 if state == LinkState.UNKNOWN else 410
    message = services.CLOSED_LINK_MESSAGES[state]
    return render(request, "consultations/public/closed.html", {"message": message, "state": state}, status=status)


def unknown_code(request):
    """A code that opens nothing counts against the address's limit for them."""
    refusal = count("bad_code", address(request))
    if refusal is not None:
        return too_many(request, refusal, scope="bad_code")
    return None


@public_page
@require_http_methods(["GET", "POST"])
def start(request):
    """Where a code given on paper, or read out, is typed."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        blocked = over("bad_code", address(request))
        if blocked is not None:
            return too_many(request, blocked, scope="bad_code")
        if form.is_valid():
            if invitation_for_code(form.cleaned_data["code"]) is not None:
                return redirect("have_your_say:form", code=form.cleaned_data["code"])
            form.add_error("code", "This code is not recognised: check it and try again")
        refused = unknown_code(request)
        if refused is not None:
            return refused
    return render(request, "consultations/public/start.html", {"form": form})


@public_page
@require_http_methods(["GET", "POST"])
def consultation_form(request, code):
    """One person's form, shown while their link is open; sending it closes the link."""
    blocked = over("bad_code", address(request))
    if blocked is not None:
        return too_many(request, blocked, scope="bad_code")
    invitation = invitation_for_code(code)
    if invitation is None:
        return unknown_code(request) or closed(request, LinkState.UNKNOWN)
    refusal = count("link", invitation.pk)
    if refusal is not None:
        return too_many(request, refusal, scope="link", invitation=invitation)
    state = link_state(invitation)
    if state != LinkState.OPEN:
        if request.method == "POST":
            services.note_refused(invitation, state, request=request)
        return closed(request, state)
    services.note_opened(invitation, request=request)
    review = invitation.review
    first_name = review.child.given_name
    child = invitation.person_type == PersonType.CHILD
    feedback = invitation.purpose == Purpose.FEEDBACK
    form = ConsultationForm(
        request.POST if request.method == "POST" else None,
        questions=questions_for(invitation.form, feedback),
        first_name=first_name,
    )
    if request.method == "POST" and form.is_valid():
        try:
            response = services.submit_response(code, form.answers(), request=request)
        except ValidationError as error:
            if error.code in services.CLOSED_LINK_MESSAGES:
                return closed(request, error.code)
            raise
        context = {"child": child, "feedback": feedback, "unsafe": child and response.feels_safe is False}
        return render(request, "consultations/public/sent.html", context)
    context = {
        "form": form,
        "first_name": first_name,
        "review_date": format_date(review_day(review)),
        "child": child,
        "feedback": feedback,
        "read_aloud": invitation.form == FormVersion.CHILD_UNDER_8,
        "person_type": invitation.person_type,
    }
    return render(request, "consultations/public/form.html", context)
