"""The forms of the LAC review's task pages. They parse what was typed; the rules live in
reviews.record_services and reviews.services, checked when the IRO completes the review."""

from django import forms

from iro_portal.forms import DraftMixin
from iro_portal.locking import VersionField

from . import services
from .forms import MAX_ACTION_ROWS, ActionForm, BaseActionFormSet, RecordReviewForm
from .models import ParticipationCode
from .online_replies import NO_REPLIES, OnlineReplies
from .record_models import Attendance, CarePlanCheckKind, CheckAnswer, ParticipantRole, ViewsGiven, ViewsOf
from .record_services import MAX_PARTICIPANTS, NOTE_MAX_LENGTH, VIEWS_MAX_LENGTH


class RecordTaskForm(RecordReviewForm):
    """One task's share of the review's record (the meeting, or the participation): the fields
    of the record of a held review (RecordReviewForm), the others left out. While the review is a draft nothing is required
    yet: completing the review checks it all."""

    def __init__(self, *args, review, fields, drafting, **kwargs):
        super().__init__(*args, review=review, **kwargs)
        for name in [
            name for name in RecordReviewForm.base_fields if name in self.fields and name not in (*fields, "version")
        ]:
            del self.fields[name]
        if drafting and "held_on" in self.fields:
            self.fields["held_on"].required = False


class ParticipationForm(RecordTaskForm):
    confirm_code = forms.BooleanField(label="Yes, use this code", required=False)

    def __init__(self, *args, suggested=None, **kwargs):
        super().__init__(*args, fields=services.LAC_RECORD_FIELDS, **kwargs)
        self.suggested = suggested
        if suggested:
            label = ParticipationCode(suggested).label
            self.fields["participation_code"].help_text = (
                f"From the child's attendance and how their views were given, the suggested code is {label}. "
                "Use PN0 only for a child under 4 on the day of the review."
            )

    def record_fields(self):
        return {name: value for name, value in self.cleaned_data.items() if name not in ("version", "confirm_code")}


class ParticipantForm(DraftMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=[("", "Choose a role"), *ParticipantRole.choices], required=False)
    name = forms.CharField(label="Name", required=False, max_length=200, help_text="Optional for the child.")
    invited = forms.BooleanField(label="Invited", required=False)
    attendance = forms.ChoiceField(
        label="What happened", choices=Attendance.choices, required=False, widget=forms.RadioSelect
    )

    def participant(self):
        data = self.cleaned_data
        if not (data.get("role") or data.get("name") or data.get("attendance")):
            return None
        return {key: data.get(key) for key in ("id", "role", "name", "invited", "attendance")}


class BaseParticipantFormSet(BaseActionFormSet):
    """The people invited, as GOV.UK "add another" (the same buttons as the agreed actions)."""

    row_name = "Person"
    add_button = "add_person"
    remove_button = "remove_person"
    add_people_button = "add_people"

    def rows_changed(self):
        """As for any "add another", and one button adding a row, invited, for each role it
        names that no row has yet (the people the child asked for in their online reply)."""
        if self.add_people_button not in self.data:
            return super().rows_changed()
        total = self.total_form_count()
        listed = {self.data.get(f"{self.prefix}-{index}-role") for index in range(total)}
        wanted = [role for role in self.data[self.add_people_button].split(",") if role in ParticipantRole.values]
        roles = list(dict.fromkeys(role for role in wanted if role not in listed))[: max(0, self.max_num - total)]
        data = self.data.copy()
        for index, role in enumerate(roles, start=total):
            data[f"{self.prefix}-{index}-role"] = role
            data[f"{self.prefix}-{index}-invited"] = "on"
        data[f"{self.prefix}-TOTAL_FORMS"] = str(total + len(roles))
        del data[self.add_people_button]
        draft = type(self)(data, prefix=self.prefix, form_kwargs={"draft": True})
        return draft, total if roles else None


ParticipantFormSet = forms.formset_factory(
    ParticipantForm,
    formset=BaseParticipantFormSet,
    extra=0,
    max_num=MAX_PARTICIPANTS,
    absolute_max=MAX_PARTICIPANTS,
)


class BaseDecisionFormSet(BaseActionFormSet):
    """The decisions, as the agreed actions' rows: the error summary names the row as the page
    does ("Decision 2")."""

    row_name = "Decision"


DecisionFormSet = forms.formset_factory(
    ActionForm, formset=BaseDecisionFormSet, extra=0, max_num=MAX_ACTION_ROWS, absolute_max=MAX_ACTION_ROWS
)


class ViewsForm(forms.Form):
    """Each party's views and how they were given; empty views are not kept."""

    version = VersionField()

    def __init__(self, *args, online: OnlineReplies = NO_REPLIES, **kwargs):
        super().__init__(*args, **kwargs)
        self.online = online
        for of, label in ViewsOf.choices:
            self.fields[f"{of}_text"] = forms.CharField(
                label=label, required=False, max_length=VIEWS_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5})
            )
            self.fields[f"{of}_given"] = forms.ChoiceField(
                label=f"How were {label[0].lower()}{label[1:]} given?",
                choices=ViewsGiven.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            if of == ViewsOf.CHILD:
                self.fields["child_views_not_obtained"] = forms.CharField(
                    label="If the child's views were not obtained, why not?",
                    required=False,
                    max_length=NOTE_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def parties(self):
        """The fields in pairs, a party at a time, for the page, each with the online replies
        that give its views and whether any of them has words to use in the record."""
        parties = []
        for of, label in ViewsOf.choices:
            replies = self.online.of(of)
            usable = any(reply.answers for reply in replies)
            parties.append((of, label, self[f"{of}_text"], self[f"{of}_given"], replies, usable))
        return parties

    def views(self):
        data = self.cleaned_data
        return {of: {"text": data[f"{of}_text"], "given": data[f"{of}_given"]} for of in ViewsOf.values}


class ChecksForm(forms.Form):
    """Each care plan check answered yes, no or not applicable, with a note, and whether the
    plan meets the child's needs."""

    plan_meets_needs = forms.TypedChoiceField(
        label="Does the care plan meet the child's needs?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    version = VersionField()

    def __init__(self, *args, applies, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in CarePlanCheckKind.choices:
            self.fields[f"{kind}_answer"] = forms.ChoiceField(
                label=label,
                choices=CheckAnswer.choices,
                required=False,
                widget=forms.RadioSelect,
                help_text="" if applies(kind) else "Not expected at this review.",
            )
            self.fields[f"{kind}_note"] = forms.CharField(
                label=f"Note on {label[0].lower()}{label[1:]}", required=False, max_length=NOTE_MAX_LENGTH
            )
        self.order_fields([*(f"{kind}_{part}" for kind in CarePlanCheckKind.values for part in ("answer", "note"))])

    def checks(self):
        return [(self[f"{kind}_answer"], self[f"{kind}_note"]) for kind in CarePlanCheckKind.values]

    def answers(self):
        data = self.cleaned_data
        return {
            kind: {"answer": data[f"{kind}_answer"], "note": data[f"{kind}_note"]} for kind in CarePlanCheckKind.values
        }


class CompleteForm(forms.Form):
    version = VersionField()
