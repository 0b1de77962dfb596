"""Safety alert pages: one alert and what raised it, recording what was done, rating the child's
plan red, the managers' list of open alerts and the words the service watches for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from accounts.permissions import AllocationManagerRequiredMixin, ChildRecordAccessMixin, sees_every_child
from audit.models import AuditAction
from audit.pages import ListPage
from audit.services import record_event
from children.permissions import may_record_for_child, records_for_children_seen, require_recording_rights
from iro_portal.dates import format_date
from iro_portal.locking import VersionForm
from iro_portal.pages import FormPage

from . import alert_selectors as selectors
from . import alert_services as services
from .alert_forms import AlertResponseForm, RateRedForm, WatchedPhraseForm
from .alert_models import WatchedPhrase


class AlertMixin(ChildRecordAccessMixin):
    def get_alert(self, request, pk):
        if not records_for_children_seen(request.user):
            raise PermissionDenied("Only the child's IRO and the service's managers see safety alerts.")
        alerts = selectors.with_reply(selectors.alerts_visible_to(request.user))
        return get_object_or_404(alerts, pk=pk)


class AlertDetailView(AlertMixin, View):
    def get(self, request, pk):
        alert = self.get_alert(request, pk)
        record_event(
            action=AuditAction.VIEW, user=request.user, obj=alert, child_id=alert.review.child_id, request=request
        )
        return render(
            request,
            "consultations/alerts/detail.html",
            {
                "alert": alert,
                "child": alert.review.child,
                "answers": selectors.what_raised_it(alert),
                "may_record": may_record_for_child(request.user, alert.review.child_id),
                "red_check_date": services.red_check_date(timezone.localdate()),
            },
        )


class AlertActionView(AlertMixin, FormPage):
    """A step on an alert, by someone who may record for the child, while it still applies."""

    def refusal(self, alert):
        return None

    def load(self, request, pk):
        self.alert = self.get_alert(request, pk)
        require_recording_rights(request.user, self.alert.review.child_id)
        if (refusal := self.refusal(self.alert)) is not None:
            messages.info(request, refusal)
            return redirect("consultations:alert", pk=self.alert.pk)
        return None

    def initial(self):
        return {"version": self.alert.version}

    def context(self):
        return {"alert": self.alert, "child": self.alert.review.child}


class RespondView(AlertActionView):
    template_name = "consultations/alerts/respond.html"
    form_class = AlertResponseForm

    def refusal(self, alert):
        return services.ALREADY_ANSWERED if alert.responded_at is not None else None

    def save(self, form):
        services.record_alert_response(
            self.alert,
            by=self.request.user,
            action_taken=form.cleaned_data["action_taken"],
            expected_version=form.cleaned_data["version"],
            request=self.request,
        )
        messages.success(self.request, "What you did about the alert is recorded.")
        return redirect("consultations:alert", pk=self.alert.pk)


class RateRedView(AlertActionView):
    template_name = "consultations/alerts/rate_red.html"
    form_class = RateRedForm

    def refusal(self, alert):
        if alert.oversight_record_id is not None:
            return "A red rating has already been recorded for this alert."
        return None

    def context(self):
        today = timezone.localdate()
        return {**super().context(), "today": today, "check_date": services.red_check_date(today)}

    def save(self, form):
        record = services.rate_red(
            self.alert,
            by=self.request.user,
            expected_version=form.cleaned_data["version"],
            today=timezone.localdate(),
            request=self.request,
        )
        messages.success(
            self.request,
            f"{self.alert.review.child.full_name}'s plan is rated red, with the next check on "
            f"{format_date(record.next_check_date)}.",
        )
        return redirect("consultations:alert", pk=self.alert.pk)


class OpenAlertsView(ChildRecordAccessMixin, ListPage):
    """Every alert nobody has answered yet, the oldest first: for managers and administrators."""

    page_size = 50
    audited_as = "consultations.safetyalert"

    def get(self, request):
        if not sees_every_child(request.user):
            raise PermissionDenied("Only service managers and administrators see every open safety alert.")
        today = timezone.localdate()
        page = self.page_of(selectors.open_alerts(today), child_id=lambda alert: alert.review.child_id)
        return render(
            request,
            "consultations/alerts/list.html",
            {"page": page, "rows": selectors.open_alert_rows(list(page.object_list))},
        )


class WatchedWordsView(AllocationManagerRequiredMixin, FormPage):
    """The words and phrases that raise an alert: add one here, remove one from the list."""

    template_name = "consultations/alerts/watched_words.html"
    form_class = WatchedPhraseForm

    def context(self):
        return {"phrases": list(selectors.watched_phrases())}

    def save(self, form):
        watched = services.add_watched_phrase(form.cleaned_data["phrase"], by=self.request.user, request=self.request)
        messages.success(self.request, f"Replies using “{watched.phrase}” now raise a safety alert.")
        return redirect("consultations:watched_words")


class RemoveWatchedWordView(AllocationManagerRequiredMixin, View):
    def post(self, request, pk):
        watched = get_object_or_404(WatchedPhrase, pk=pk)
        form = VersionForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Open the page again, then remove the word.")
            services.remove_watched_phrase(
                watched, by=request.user, expected_version=form.cleaned_data["version"], request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Replies using “{watched.phrase}” no longer raise a safety alert.")
        return redirect("consultations:watched_words")
