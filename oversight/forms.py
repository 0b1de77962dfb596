from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .models import ContactMethod, OversightKind, Rag


class OversightForm(forms.Form):
    kind = forms.ChoiceField(
        label="What did you do?",
        choices=OversightKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of oversight this was"},
    )
    date = GovukDateField(label="Date", error_messages={"required": "Enter the date"})
    rag = forms.ChoiceField(
        label="RAG rating of the plan", choices=Rag.choices, widget=forms.RadioSelect, required=False
    )
    tracking = forms.CharField(
        label="What are you tracking?",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        help_text="The drift, risk or actions you will follow up.",
    )
    next_check_date = GovukDateField(label="Next check", required=False)

    def __init__(self, *args, rating_only=False, window_hint="", **kwargs):
        super().__init__(*args, **kwargs)
        if rating_only:
            del self.fields["kind"]
            del self.fields["date"]
            self.fields["rag"].required = True
            self.fields["rag"].error_messages["required"] = "Choose a RAG rating for the plan"
        self.fields["next_check_date"].help_text = window_hint


class InContactPlanForm(forms.Form):
    method = forms.ChoiceField(
        label="How will you keep in touch?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you and the child will keep in touch"},
    )
    every_weeks = forms.IntegerField(
        label="Every how many weeks?",
        min_value=1,
        max_value=26,
        error_messages={
            "required": "Enter how often, in weeks",
            "invalid": "Enter a whole number of weeks, like 4",
            "min_value": "Enter at least 1 week",
            "max_value": "Keep in touch at least every 26 weeks",
        },
    )
    agreed_on = GovukDateField(
        label="Date agreed with the child", error_messages={"required": "Enter the date you agreed the plan"}
    )
    version = VersionField()
