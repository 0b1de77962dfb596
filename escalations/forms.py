"""Forms parse what was typed; the rules about what may be saved live in escalations.services."""

from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .codes import AreaOfConcern, Stage


def _text(label, required_message, help_text=""):
    return forms.CharField(
        label=label,
        widget=forms.Textarea,
        max_length=5000,
        help_text=help_text,
        error_messages={"required": required_message},
    )


def _stage_choice(label, stages, **kwargs):
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(stage.value, stage.label) for stage in stages],
        **kwargs,
    )


class AddressedToFields(forms.Form):
    addressed_to_name = forms.CharField(
        label="Name of the person", max_length=200, error_messages={"required": "Enter the name of the person"}
    )
    addressed_to_role = forms.CharField(
        label="Their role",
        max_length=200,
        help_text="For example, team manager",
        error_messages={"required": "Enter the person's role"},
    )


class RaiseEscalationForm(AddressedToFields):
    field_order = [
        "areas",
        "what_is_wrong",
        "what_is_asked",
        "stage",
        "addressed_to_name",
        "addressed_to_role",
        "raised_on",
    ]

    areas = forms.MultipleChoiceField(
        label="Areas of concern",
        choices=AreaOfConcern.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Choose at least one area of concern"},
    )
    what_is_wrong = _text("What is wrong?", "Describe what is wrong")
    what_is_asked = _text(
        "What are you asking for?",
        "Describe what you are asking for",
        "The action, decision or change that would resolve the concern, and by when.",
    )
    stage = _stage_choice(
        "Stage",
        Stage,
        initial=Stage.INFORMAL,
        help_text="Start informally with the social worker or their manager, or go straight to a formal stage.",
        error_messages={"required": "Choose the stage at which you are raising it"},
    )
    raised_on = GovukDateField(label="Date raised", error_messages={"required": "Enter the date you raised it"})


class EscalateForm(AddressedToFields):
    field_order = ["stage", "addressed_to_name", "addressed_to_role", "sent_on"]

    sent_on = GovukDateField(label="Date sent", error_messages={"required": "Enter the date you sent it"})
    version = VersionField()

    def __init__(self, *args, current_stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"] = _stage_choice(
            "Which stage are you escalating to?",
            [stage for stage in Stage if stage > current_stage],
            help_text="You can bypass stages.",
            error_messages={
                "required": "Choose the stage you are escalating to",
                "invalid_choice": f"Escalations only go upwards: choose a stage above "
                f"{Stage(current_stage).label.lower()}",
            },
        )
        self.order_fields(self.field_order)


class RecordResponseForm(forms.Form):
    responded_on = GovukDateField(
        label="Date of the response", error_messages={"required": "Enter the date of the response"}
    )
    response_summary = _text("Summary of the response", "Summarise the response")
    version = VersionField()


class ResolveForm(forms.Form):
    resolved_on = GovukDateField(label="Date resolved", error_messages={"required": "Enter the date it was resolved"})
    outcome = _text("Outcome", "Describe the outcome of the escalation", "What was agreed or changed for the child.")
    version = VersionField()

    def __init__(self, *args, reached_stages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolved_at_stage"] = _stage_choice(
            "Stage at which it was resolved",
            reached_stages,
            required=False,
            empty_value=None,
            initial=reached_stages[-1],
        )
        self.order_fields(["resolved_on", "resolved_at_stage", "outcome"])


class WithdrawForm(forms.Form):
    withdrawal_reason = _text(
        "Why are you withdrawing the escalation?", "Give the reason for withdrawing the escalation"
    )
    version = VersionField()


class ReopenForm(forms.Form):
    reopen_reason = _text("Why are you reopening the escalation?", "Give the reason for reopening the escalation")
    version = VersionField()
