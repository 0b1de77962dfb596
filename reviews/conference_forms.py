"""Forms for a conference's record; the rules about what may be saved live in
reviews.conference_services."""

from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .models import ConferenceAgency, ConferenceAttendance, ConferenceParentsParticipation, PlanView

NO_VIEW = "none"


class AgencyForm(forms.Form):
    """A person and the agency they come from."""

    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter their name"})
    agency = forms.ChoiceField(
        label="Agency",
        choices=ConferenceAgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their agency"},
    )
    agency_other = forms.CharField(
        label="Name of the other agency", required=False, max_length=200, help_text="Only for another agency."
    )


class AttendeeForm(AgencyForm):
    """One person at the conference (GOV.UK "add to a list": the page lists those added above it)."""

    attendance = forms.ChoiceField(
        label="Did they attend?",
        choices=ConferenceAttendance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they attended, sent a report or sent apologies"},
    )
    view_on_plan = forms.ChoiceField(
        label="Their agency's view on a child protection plan",
        choices=[*PlanView.choices, (NO_VIEW, "Did not give a view")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the agency's view on a plan, or that they did not give one"},
        help_text="Parents' and family members' views are recorded in the parents' section.",
    )
    dissent_reason = forms.CharField(
        label="If they dissent from the chair's decision, why",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )
    version = VersionField()

    def attendee(self):
        data = {key: value for key, value in self.cleaned_data.items() if key != "version"}
        if data["view_on_plan"] == NO_VIEW:
            data["view_on_plan"] = ""
        return data


class CoreGroupMemberForm(AgencyForm):
    version = VersionField()

    def member(self):
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class ParentsForm(forms.Form):
    parents_participation = forms.ChoiceField(
        label="How did the parents take part?",
        choices=ConferenceParentsParticipation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the parents took part in the conference"},
    )
    parents_participation_reason = forms.CharField(
        label="Why did they not take part?",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Only if they were not invited or did not take part.",
    )
    parents_saw_report = forms.TypedChoiceField(
        label="Did the parents see the social worker's report before the conference?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the parents saw the social worker's report"},
    )
    parents_saw_report_on = GovukDateField(
        label="Date they saw it", required=False, help_text="Only if they saw it. For example, 27 3 2026"
    )
    version = VersionField()

    def fields_to_save(self):
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class PlanForm(forms.Form):
    lead_social_worker = forms.CharField(
        label="Lead social worker", required=False, max_length=200, help_text="Needed when there is a plan."
    )
    outline_plan = forms.CharField(
        label="Outline child protection plan",
        required=False,
        max_length=10000,
        widget=forms.Textarea,
        help_text="Needed when there is a plan: what will be done, by whom, to keep the child safe.",
    )
    not_quorate_reason = forms.CharField(
        label="If the conference was not quorate, why it went ahead",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        help_text="Quorate: at least three agencies attended, children's social care one of them.",
    )
    version = VersionField()

    def fields_to_save(self):
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class FirstCoreGroupForm(forms.Form):
    first_core_group_held = GovukDateField(
        label="Date the first core group meeting was held",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date the first core group meeting was held"},
    )
    version = VersionField()
