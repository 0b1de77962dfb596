"""The forms for a child's health (OC2) and a care leaver's status (OC3). They check the shape of
the answers only; every rule about them is outcomes.health_services', which the API calls too,
so both refuse the same input with the same message."""

from django import forms

from children.entry_forms import coded
from iro_portal.locking import VersionField

from .codes import CareLeaverAccommodation, CareLeaverActivity, InTouch, SdqReason
from .health_services import NOT_APPLICABLE

NOT_RECORDED = "not_recorded"
ANSWER_OF = {True: "yes", False: "no", None: NOT_RECORDED}


def yes_no_not_recorded(label, help_text=""):
    """A DfE flag (1, 0 or blank) as three plain answers."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", "Yes"), ("no", "No"), (NOT_RECORDED, "Not recorded")],
        coerce=lambda answer: {"yes": True, "no": False}.get(answer),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class HealthRecordForm(forms.Form):
    """OC2 for one year, as at 31 March."""

    health_assessment = yes_no_not_recorded(
        "Is the child's annual health assessment up to date?",
        "Up to date if the child had a health assessment within the 12 months before 31 March "
        "(6 months for a child under 5).",
    )
    immunisations = yes_no_not_recorded(
        "Are the child's immunisations up to date?",
        "Up to date for their age, as their GP or health visitor records them at 31 March.",
    )
    teeth_check = yes_no_not_recorded(
        "Were the child's teeth checked by a dentist in the year?", "In the 12 months before 31 March."
    )
    health_check = yes_no_not_recorded(
        "Are the child's health surveillance checks up to date?",
        "For children under 5 at 31 March only: their developmental checks. Leave as not recorded for older children.",
    )
    sdq_score = forms.IntegerField(
        label="Strengths and Difficulties Questionnaire (SDQ) score",
        required=False,
        min_value=0,
        max_value=40,
        help_text="The total difficulties score from the carer's questionnaire, 0 to 40, for children aged 4 to 16. "
        "Leave blank and give a reason if there is no score.",
        error_messages={
            "invalid": "Enter the SDQ score as a whole number from 0 to 40",
            "min_value": "The SDQ score must be a whole number from 0 to 40",
            "max_value": "The SDQ score must be a whole number from 0 to 40",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2", "inputmode": "numeric"}),
    )
    sdq_reason = forms.ChoiceField(
        label="Reason there is no SDQ score",
        choices=coded(SdqReason.choices, empty="No reason: a score is given, or nothing is recorded"),
        required=False,
        error_messages={"invalid_choice": "Choose one of the reasons"},
    )
    substance_misuse = yes_no_not_recorded(
        "Was the child identified as having a substance misuse problem during the year?",
        "Misuse of drugs, alcohol or volatile substances, identified by a professional.",
    )
    intervention_received = yes_no_not_recorded(
        "Did the child receive an intervention for their substance misuse?",
        "Only for a child with a substance misuse problem.",
    )
    intervention_offered = yes_no_not_recorded(
        "Was an intervention offered and refused?",
        "Only for a child with a substance misuse problem who did not receive an intervention.",
    )
    convicted = yes_no_not_recorded(
        "Was the child convicted, or given a final warning or reprimand, during the year?",
        "For children aged 10 or over at 31 March only.",
    )


class HealthRecordChangeForm(HealthRecordForm):
    version = VersionField()


def _accommodation_types():
    """ACCOM's kinds of accommodation: the codes' first letters, in the DfE's order."""
    kinds: dict[str, str] = {}
    for code, label in CareLeaverAccommodation.choices:
        if len(code) == 2:
            kinds.setdefault(code[0], label.rpartition(": ")[0])
    return list(kinds.items())


class CareLeaverForm(forms.Form):
    """OC3 for one year: ACCOM is asked as two questions, the kind of accommodation and whether it
    is suitable, and put together as the DfE's code."""

    in_touch = forms.ChoiceField(
        label="Is the authority in touch with the young person?",
        choices=coded(InTouch.choices),
        widget=forms.RadioSelect,
        help_text="Around their birthday in the year (3 months either side).",
        error_messages={"required": "Say whether you are in touch with the young person"},
    )
    activity = forms.ChoiceField(
        label="Main activity",
        choices=coded(CareLeaverActivity.choices, empty="Choose the main activity"),
        required=False,
        help_text="Leave blank if the young person died or returned home.",
        error_messages={"invalid_choice": "Choose one of the activities"},
    )
    accommodation_type = forms.ChoiceField(
        label="Accommodation",
        choices=[
            ("", "Choose the accommodation"),
            *[(kind, f"{label} ({kind})") for kind, label in _accommodation_types()],
            (NOT_APPLICABLE, "Not known or not applicable (0)"),
        ],
        required=False,
        help_text="Where the young person lives. Leave blank if they died or returned home.",
        error_messages={"invalid_choice": "Choose one of the kinds of accommodation"},
    )
    suitable = forms.TypedChoiceField(
        label="Is the accommodation suitable?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="Suitable for the young person's needs, in the authority's judgement.",
    )

    def clean(self):
        data = super().clean()
        kind, suitable = data.get("accommodation_type"), data.get("suitable")
        if kind and kind != NOT_APPLICABLE:
            if suitable is None:
                self.add_error("suitable", "Say whether the accommodation is suitable")
            elif suitable and f"{kind}1" not in CareLeaverAccommodation.values:
                self.add_error("suitable", "No fixed abode and custody are never suitable accommodation: answer No")
            data["accommodation"] = f"{kind}{1 if suitable else 2}"
        else:
            data["accommodation"] = kind or ""
        return data

    def service_fields(self):
        """The answers as the service takes them (ACCOM as one code)."""
        return {field: self.cleaned_data[field] for field in ("in_touch", "activity", "accommodation")}

    @staticmethod
    def initial_for(record):
        code = record.accommodation
        return {
            "in_touch": record.in_touch,
            "activity": record.activity,
            "accommodation_type": code[:1] if len(code) == 2 else code,
            "suitable": {None: None, True: "yes", False: "no"}[record.accommodation_suitable],
            "version": record.version,
        }


class CareLeaverChangeForm(CareLeaverForm):
    version = VersionField()
