"""Managers' pages for cover between IROs: the list, granting (form, check answers,
confirmation) and ending cover early. The rules are in accounts.services and accounts.permissions."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from iro_portal.forms import add_service_errors
from iro_portal.locking import VersionForm, refusal_status
from iro_portal.pages import FormPage

from . import selectors, services
from .forms import CoverForm
from .models import CoverArrangement, CoverLevel, User
from .permissions import AllocationManagerRequiredMixin

COVER_TO_GRANT = "cover_to_grant"


def _cover_from_session(request):
    """The answers the manager gave on the form, kept in their session for the check-answers page."""
    answers = request.session.get(COVER_TO_GRANT)
    if not answers:
        return None
    iros = User.objects.in_bulk([answers["covered_iro"], answers["covering_iro"]])
    if len(iros) < len({answers["covered_iro"], answers["covering_iro"]}):
        return None
    return {
        "covered_iro": iros[answers["covered_iro"]],
        "covering_iro": iros[answers["covering_iro"]],
        "starts_on": datetime.date.fromisoformat(answers["starts_on"]),
        "ends_on": datetime.date.fromisoformat(answers["ends_on"]),
        "level": answers["level"],
        "reason": answers["reason"],
    }


def _as_form_data(answers):
    """The answers as the form posted them, to show them again with what is now wrong."""
    data = {
        "covered_iro": answers["covered_iro"].pk,
        "covering_iro": answers["covering_iro"].pk,
        "level": answers["level"],
        "reason": answers["reason"],
    }
    for name in ("starts_on", "ends_on"):
        day = answers[name]
        data.update({f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year})
    return data


class CoverListView(AllocationManagerRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        return render(
            request,
            "accounts/cover_list.html",
            {
                "today": today,
                **selectors.cover_arrangements(today),
                "ended_caption": f"Ended cover, most recent first (up to {selectors.ENDED_COVER_SHOWN})",
            },
        )


class GrantCoverView(AllocationManagerRequiredMixin, FormPage):
    """The answers, kept for the check-answers page (?change=1 comes back from it to change them)."""

    template_name = "accounts/cover_grant.html"
    form_class = CoverForm

    def initial(self):
        answers = _cover_from_session(self.request) if self.request.GET.get("change") else None
        return answers or {"starts_on": timezone.localdate(), "level": CoverLevel.READ}

    def form_kwargs(self):
        return {"today": timezone.localdate()}

    def save(self, form):
        self.request.session[COVER_TO_GRANT] = form.for_the_session()
        return redirect("cover_check")


class CheckCoverView(AllocationManagerRequiredMixin, View):
    """Check your answers, then grant; with no answers waiting, back to the form."""

    def get(self, request):
        answers = _cover_from_session(request)
        if answers is None:
            return redirect("cover_grant")
        return render(request, "accounts/cover_check.html", {"answers": answers, "level": CoverLevel(answers["level"])})

    def post(self, request):
        answers = _cover_from_session(request)
        if answers is None:
            return redirect("cover_grant")
        try:
            cover = services.grant_cover(by=request.user, request=request, **answers)
        except ValidationError as error:
            # Something changed since the form (cover granted by someone else, an IRO's account closed).
            form = CoverForm(_as_form_data(answers), today=timezone.localdate())
            if form.is_valid():
                add_service_errors(form, error)
            return render(request, "accounts/cover_grant.html", {"form": form}, status=refusal_status(error))
        del request.session[COVER_TO_GRANT]
        return redirect("cover_granted", pk=cover.pk)


class CoverGrantedView(AllocationManagerRequiredMixin, View):
    def get(self, request, pk):
        cover = get_object_or_404(CoverArrangement.objects.select_related("covering_iro", "covered_iro"), pk=pk)
        return render(request, "accounts/cover_granted.html", {"cover": cover})


class EndCoverView(AllocationManagerRequiredMixin, FormPage):
    """Are you sure? Then cover ends now (or, for cover not yet started, never starts)."""

    template_name = "accounts/cover_end.html"
    form_class = VersionForm

    def load(self, request, pk):
        self.cover = get_object_or_404(CoverArrangement.objects.select_related("covering_iro", "covered_iro"), pk=pk)
        if self.cover.has_ended(timezone.localdate()):
            messages.info(request, "This cover has already ended.")
            return redirect("cover_list")
        return None

    def initial(self):
        return {"version": self.cover.version}

    def context(self):
        return {"cover": self.cover}

    def save(self, form):
        services.end_cover_early(
            self.cover, by=self.request.user, expected_version=form.cleaned_data["version"], request=self.request
        )
        messages.success(
            self.request,
            f"Cover ended: {self.cover.covering_iro} can no longer see {self.cover.covered_iro}’s children.",
        )
        return redirect("cover_list")
