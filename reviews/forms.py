"""Forms parse what was typed; the rules about what may be saved live in reviews.services."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from children.codes import CategoryOfAbuse
from iro_portal.dates import format_date
from iro_portal.forms import DraftMixin, GovukDateField
from iro_portal.locking import VersionField

from . import services
from .models import (
    ICPC_OUTCOMES,
    RCPC_OUTCOMES,
    ConferenceOutcome,
    LateReason,
    ParentsParticipation,
    ParticipationCode,
    ReviewKind,
)


class BookReviewForm(forms.Form):
    date = GovukDateField(
        label="Date of the review", error_messages={"required": "Enter the date the review is booked for"}
    )
    time = forms.CharField(
        label="Time",
        help_text="For example, 10:30 or 14:00",
        max_length=5,
        error_messages={"required": "Enter the time the review starts"},
    )
    late_reason = forms.ChoiceField(
        label="Why will the review be held late?",
        choices=LateReason.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="The record of the review will need this reason.",
    )
    late_reason_other = forms.CharField(label="Other reason", required=False, widget=forms.Textarea, max_length=500)
    confirmed = forms.BooleanField(label="Yes, book the review for this date", required=False)
    version = VersionField()

    def clean_time(self):
        value = self.cleaned_data["time"].strip().replace(".", ":")
        try:
            return datetime.datetime.strptime(value, "%H:%M").time()  # noqa: DTZ007 - only the time of day is kept
        except ValueError:
            raise ValidationError("Enter the time as hours and minutes, for example 10:30") from None

    def booked_for(self):
        return timezone.make_aware(datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


def _optional_date(label, help_text=""):
    return GovukDateField(label=label, required=False, help_text=help_text)


class RecordReviewForm(DraftMixin, forms.Form):
    """The record of a held review or conference; which fields appear depends on its kind."""

    held_on = GovukDateField(
        label="Date the review was held", error_messages={"required": "Enter the date the review was held"}
    )
    late_reason = forms.ChoiceField(
        label="Reason the review was held late",
        choices=LateReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    late_reason_other = forms.CharField(label="Other reason", required=False, widget=forms.Textarea, max_length=500)
    participation_code = forms.ChoiceField(
        label="How did the child participate?",
        choices=ParticipationCode.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="SSDA903 participation code. Use PN0 only for a child under 4 on the day of the review.",
    )
    child_chaired = forms.BooleanField(label="The child chaired their review", required=False)
    advocate_present = forms.BooleanField(label="An advocate was present", required=False)
    interpreter_used = forms.BooleanField(label="An interpreter was used", required=False)
    child_consulted = forms.BooleanField(label="A consultation was received from the child", required=False)
    parents_participation = forms.ChoiceField(
        label="Parents' participation",
        choices=ParentsParticipation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    social_worker_report_received = _optional_date("Date the social worker's report was received")
    decisions_circulated = _optional_date("Date the decisions were circulated", "Leave blank if not circulated yet.")
    record_circulated = _optional_date("Date the full record was circulated", "Leave blank if not circulated yet.")
    conference_outcome = forms.ChoiceField(
        label="Outcome of the conference", choices=(), required=False, widget=forms.RadioSelect
    )
    category_of_abuse = forms.ChoiceField(
        label="Category of abuse",
        choices=[("", "Not applicable")] + CategoryOfAbuse.choices,
        required=False,
        help_text="Needed when the conference makes a plan; at a review conference, only if the category changes.",
    )
    version = VersionField()

    def __init__(self, *args, review, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        keep = set(services.record_fields(review.kind))
        if review.kind != ReviewKind.LAC:
            allowed = ICPC_OUTCOMES if review.kind == ReviewKind.ICPC else RCPC_OUTCOMES
            self.fields["conference_outcome"].choices = [(value, ConferenceOutcome(value).label) for value in allowed]
            if editing:
                keep -= {"conference_outcome", "category_of_abuse"}
        for name in {*services.LAC_RECORD_FIELDS, *services.CONFERENCE_RECORD_FIELDS}:
            if name not in keep:
                del self.fields[name]
        if editing and review.kind != ReviewKind.LAC:
            del self.fields["held_on"]
        self.fields[
            "late_reason"
        ].help_text = f"Only if it was held after its due date, {format_date(review.due_date)}."

    def record_fields(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


ACTION_MESSAGES = {
    "description": "Describe the action",
    "owner_name": "Enter who will do it",
    "due_date": "Enter the date it is due by",
}
"""What an agreed action needs, worded for its row: the error summary and the API name the row
("Action 2: enter the date it is due by")."""


class ActionForm(DraftMixin, forms.Form):
    description = forms.CharField(label="Agreed action", required=False, max_length=2000)
    owner_name = forms.CharField(
        label="Who will do it", required=False, max_length=200, help_text="For example, social worker"
    )
    due_date = GovukDateField(label="Due by", required=False)

    def clean(self):
        cleaned = super().clean()
        filled = [cleaned.get("description"), cleaned.get("owner_name"), cleaned.get("due_date")]
        if any(filled) and not all(filled):
            for field, message in ACTION_MESSAGES.items():
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, message)
        return cleaned

    def action(self):
        if not self.cleaned_data.get("description"):
            return None
        return {key: self.cleaned_data[key] for key in ("description", "owner_name", "due_date")}


MAX_ACTION_ROWS = 30


class BaseActionFormSet(forms.BaseFormSet):
    """Agreed actions as GOV.UK "add another": one row to start, a button adding a row and one
    removing each, all by posting the page (so it works without JavaScript). The error summary
    names the row."""

    row_name = "Action"
    add_button = "add_action"
    remove_button = "remove_action"

    def rows_changed(self):
        """The posted rows with one added or removed, as a draft to fill in, or None when the
        user pressed Save."""
        total = self.total_form_count()
        if self.add_button in self.data and total < self.max_num:
            return self._draft(list(range(total)) + [None]), total
        if self.remove_button in self.data:
            try:
                removed = int(self.data[self.remove_button])
            except ValueError:
                removed = -1
            kept = [index for index in range(total) if index != removed]
            return self._draft(kept), max(0, min(removed, len(kept) - 1))
        return None

    def _draft(self, rows):
        data = self.data.copy()
        for key in [key for key in data if key.startswith(f"{self.prefix}-")]:
            del data[key]
        for new_index, old_index in enumerate(rows):
            if old_index is None:
                continue
            old, new = f"{self.prefix}-{old_index}-", f"{self.prefix}-{new_index}-"
            for key, values in self.data.lists():
                if key.startswith(old):
                    data.setlist(new + key[len(old) :], values)
        data[f"{self.prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{self.prefix}-INITIAL_FORMS"] = "0"
        return type(self)(data, prefix=self.prefix, form_kwargs={"draft": True})

    def add_row_error(self, number, field, message):
        self.forms[number - 1].add_error(field, message)

    @property
    def may_add(self):
        return self.total_form_count() < self.max_num


ActionFormSet = forms.formset_factory(
    ActionForm, formset=BaseActionFormSet, extra=0, max_num=MAX_ACTION_ROWS, absolute_max=MAX_ACTION_ROWS
)


class CompleteActionForm(forms.Form):
    completed_on = GovukDateField(
        label="Date it was done",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date the action was done"},
    )
    note = forms.CharField(
        label="What was done",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Enter a note of what was done"},
    )
    version = VersionField()


class ChangeActionDateForm(forms.Form):
    due_date = GovukDateField(
        label="New date it is due by",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the new date the action is due by"},
    )
    reason = forms.CharField(
        label="Why the date changed",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason the date changed"},
    )
    version = VersionField()
