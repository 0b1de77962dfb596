"""The pages for entering children's records that the SSDA903 return and the CIN census hold: add
a child and their first care episode, add, change and end care episodes, record strategy
discussions, start, re-categorise and end child protection plans. For service managers,
administrators and business support (accounts.permissions.may_enter_child_data); IROs see the
records on the child's page. Every page calls the same service as the API."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from accounts.permissions import ChildDataEntryRequiredMixin
from iro_portal.dates import format_date
from iro_portal.pages import FormPage

from . import services
from .codes import ReasonForNewEpisode
from .entry_forms import (
    ChildForm,
    EpisodeChangeForm,
    EpisodeEndForm,
    EpisodeForm,
    PlanCategoryForm,
    PlanEndForm,
    PlanStartForm,
    StrategyDiscussionForm,
)
from .models import CareEpisode, Child, ChildProtectionPlan

FORM_TEMPLATE = "children/entry/form.html"
CHECK_TEMPLATE = "children/entry/check.html"
NOT_SENT = {"csrfmiddlewaretoken", "confirmed", "change"}


def shown_answer(field, value):
    """An answer as the check-answers page reads it back."""
    if value in (None, ""):
        return "Not given"
    if hasattr(value, "isoformat"):
        return format_date(value)
    choices = dict(getattr(field.field, "choices", ()))
    return choices.get(value, value)


class EntryPage(ChildDataEntryRequiredMixin, FormPage):
    """A data-entry form about one child, on the one template they share."""

    template_name = FORM_TEMPLATE
    heading = ""
    button = "Save"

    def context(self):
        return {"child": self.child, "heading": self.heading, "button": self.button}


class CheckedEntryPage(EntryPage):
    """A form whose answers have consequences (care ends, a plan ends): a valid form is read back
    on a check-answers page first, carrying the answers in hidden fields (no session needed), and
    saved only from there; "Change" shows the form again with them."""

    check_heading = ""
    confirm_button = ""
    warning = ""

    def save(self, form):
        if "change" in self.request.POST:
            return self.show(form)
        if "confirmed" not in self.request.POST:
            return render(
                self.request,
                CHECK_TEMPLATE,
                {
                    **self.context(),
                    "check_heading": self.check_heading,
                    "confirm_button": self.confirm_button,
                    "warning": self.warning,
                    "answers": self.answers(form),
                    "posted": [(name, value) for name, value in self.request.POST.items() if name not in NOT_SENT],
                },
            )
        return self.confirmed(form)

    def answers(self, form):
        """(question, answer) for each question the form asked, as the check page reads them back."""
        return [
            (field.label, shown_answer(field, form.cleaned_data.get(field.name))) for field in form.visible_fields()
        ]

    def confirmed(self, form):
        raise NotImplementedError


class AddChildView(ChildDataEntryRequiredMixin, FormPage):
    """Add a child, then straight on to the episode in which they start to be looked after."""

    template_name = FORM_TEMPLATE
    form_class = ChildForm

    def initial(self):
        return {"is_mother": "not_recorded"}

    def context(self):
        return {"heading": "Add a child", "button": "Add the child"}

    def save(self, form):
        child = services.create_child(by=self.request.user, request=self.request, **form.cleaned_data)
        messages.success(self.request, f"{child.full_name} has been added.")
        return redirect("children:add_episode", pk=child.pk)


class AddEpisodeView(EntryPage):
    """A new care episode: the first one (the child starts to be looked after) or one that
    follows a change of legal status or placement."""

    form_class = EpisodeForm
    button = "Save the episode"

    def load(self, request, pk):
        self.child = get_object_or_404(Child, pk=pk)
        self.first = not self.child.episodes.exists()
        self.heading = "Record that the child started to be looked after" if self.first else "Add a care episode"

    def initial(self):
        return {"reason_for_new_episode": ReasonForNewEpisode.S} if self.first else {}

    def save(self, form):
        episode = services.record_care_episode(
            self.child, by=self.request.user, request=self.request, **form.cleaned_data
        )
        return redirect("children:episode_recorded", pk=episode.pk)


class ChangeEpisodeView(EntryPage):
    """Correct an episode's details (its dates and codes as it started)."""

    form_class = EpisodeChangeForm
    button = "Save the changes"

    def load(self, request, pk):
        self.episode = get_object_or_404(CareEpisode.objects.select_related("child"), pk=pk)
        self.child = self.episode.child
        self.heading = f"Change the care episode from {format_date(self.episode.start_date)}"

    def initial(self):
        return {name: getattr(self.episode, name) for name in EpisodeChangeForm.base_fields}

    def save(self, form):
        changes = dict(form.cleaned_data)
        services.update_care_episode(
            self.episode,
            by=self.request.user,
            request=self.request,
            expected_version=changes.pop("version"),
            **changes,
        )
        messages.success(self.request, f"The care episode from {format_date(self.episode.start_date)} is changed.")
        return redirect("children:detail", pk=self.child.pk)


class EndEpisodeView(CheckedEntryPage):
    form_class = EpisodeEndForm
    button = "Continue"
    confirm_button = "End the episode"

    def load(self, request, pk):
        self.episode = get_object_or_404(CareEpisode.objects.select_related("child"), pk=pk)
        self.child = self.episode.child
        if self.episode.end_date is not None:
            messages.info(request, f"The care episode from {format_date(self.episode.start_date)} has already ended.")
            return redirect("children:detail", pk=self.child.pk)
        started = format_date(self.episode.start_date)
        self.heading = f"End the care episode from {started}"
        self.check_heading = f"Check before you end the care episode from {started}"
        self.warning = (
            "Unless an episode follows from the day this one ends, the child stops being looked after "
            "and their outstanding LAC review is cancelled."
        )
        return None

    def initial(self):
        return {"version": self.episode.version}

    def confirmed(self, form):
        changes = dict(form.cleaned_data)
        services.update_care_episode(
            self.episode,
            by=self.request.user,
            request=self.request,
            expected_version=changes.pop("version"),
            **changes,
        )
        messages.success(
            self.request,
            f"The care episode from {format_date(self.episode.start_date)} ended on {format_date(changes['end_date'])}.",
        )
        return redirect("children:detail", pk=self.child.pk)


class StrategyDiscussionView(EntryPage):
    form_class = StrategyDiscussionForm
    heading = "Record a strategy discussion"
    button = "Save the strategy discussion"

    def load(self, request, pk):
        self.child = get_object_or_404(Child, pk=pk)

    def save(self, form):
        discussion = services.record_strategy_discussion(
            self.child, by=self.request.user, request=self.request, **form.cleaned_data
        )
        messages.success(self.request, f"The strategy discussion on {format_date(discussion.date)} is recorded.")
        return redirect("children:detail", pk=self.child.pk)


class StartPlanView(EntryPage):
    form_class = PlanStartForm
    heading = "Start a child protection plan"
    button = "Start the plan"

    def load(self, request, pk):
        self.child = get_object_or_404(Child, pk=pk)

    def save(self, form):
        plan = services.start_protection_plan(
            self.child, by=self.request.user, request=self.request, **form.cleaned_data
        )
        messages.success(self.request, f"The child protection plan from {format_date(plan.start_date)} is recorded.")
        return redirect("children:detail", pk=self.child.pk)


class PlanEntryMixin:
    def load(self, request, pk):
        self.plan = get_object_or_404(ChildProtectionPlan.objects.select_related("child"), pk=pk)
        self.child = self.plan.child
        if self.plan.end_date is not None:
            messages.info(request, "This child protection plan has already ended.")
            return redirect("children:detail", pk=self.child.pk)
        return None

    def initial(self):
        return {"version": self.plan.version}

    def change(self, form):
        fields = dict(form.cleaned_data)
        return services.change_protection_plan(
            self.plan, by=self.request.user, request=self.request, expected_version=fields.pop("version"), **fields
        )


class PlanCategoryView(PlanEntryMixin, EntryPage):
    """A review conference changed the plan's category of abuse."""

    form_class = PlanCategoryForm
    button = "Save the category"

    def load(self, request, pk):
        answer = super().load(request, pk)
        self.heading = f"Change the category of the plan from {format_date(self.plan.start_date)}"
        return answer

    def initial(self):
        return {**super().initial(), "category": self.plan.current_category_of_abuse}

    def save(self, form):
        plan = self.change(form)
        messages.success(
            self.request, f"The plan's category of abuse is now {plan.get_latest_category_of_abuse_display().lower()}."
        )
        return redirect("children:detail", pk=self.child.pk)


class EndPlanView(PlanEntryMixin, CheckedEntryPage):
    form_class = PlanEndForm
    button = "Continue"
    confirm_button = "End the plan"
    warning = "The child's outstanding review conferences are cancelled when the plan ends."

    def load(self, request, pk):
        answer = super().load(request, pk)
        started = format_date(self.plan.start_date)
        self.heading = f"End the child protection plan from {started}"
        self.check_heading = f"Check before you end the child protection plan from {started}"
        return answer

    def confirmed(self, form):
        plan = self.change(form)
        messages.success(self.request, f"The child protection plan ended on {format_date(plan.end_date)}.")
        return redirect("children:detail", pk=self.child.pk)
