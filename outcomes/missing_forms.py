"""The forms for recording a child's missing and away episodes, decisions that they should be
placed for adoption, adoptions and previous permanence. They check the shape of the answers
only; every rule is the service's (outcomes.missing_services, outcomes.adoption_services), the
same the API calls, so a page and the API refuse the same input with the same message."""

from django import forms

from children.entry_forms import yes_no
from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .codes import AdoptersLegalStatus, AdoptersSex, MissingKind, PreviousPermanenceOrder, ReasonPlacedCeased


def coded_radios(choices, label, required_message, **kwargs):
    """A DfE code list as radios: the plain label, then the code to match a return."""
    return forms.ChoiceField(
        label=label,
        choices=[(code, f"{text} ({code})") for code, text in choices],
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": "Select one of the options"},
        **kwargs,
    )


def kind_field():
    return forms.ChoiceField(
        label="Was the child missing or away?",
        choices=MissingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the child was missing or away without authorisation"},
        help_text="Missing: whereabouts not known. Away: whereabouts known but not where they should be.",
    )


def went_missing_field():
    return GovukDateField(
        label="Date the child went missing or away",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date the child went missing or away"},
    )


def came_back_field(**kwargs):
    return GovukDateField(label="Date the child came back", help_text="For example, 27 3 2026.", **kwargs)


class MissingEpisodeForm(forms.Form):
    """A missing or away episode (SSDA903 MISSING, MIS_START, MIS_END)."""

    kind = kind_field()
    start_date = went_missing_field()
    end_date = came_back_field(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].help_text = "Leave blank if the child has not come back yet. For example, 27 3 2026."


class MissingEpisodeChangeForm(MissingEpisodeForm):
    version = VersionField()


class CameBackForm(forms.Form):
    end_date = came_back_field(error_messages={"required": "Enter the date the child came back"})
    version = VersionField()


class AdoptionDecisionForm(forms.Form):
    decided_on = GovukDateField(
        label="Date of the decision that the child should be placed for adoption",
        help_text="The day the agency decision maker decided (DATE_PLACED), for example 27 3 2026.",
        error_messages={"required": "Enter the date of the decision"},
    )


class ReverseDecisionForm(forms.Form):
    ceased_on = GovukDateField(
        label="Date the child should no longer be placed for adoption",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date the decision was reversed"},
    )
    reason_ceased = coded_radios(
        ReasonPlacedCeased.choices, "Why the child should no longer be placed for adoption", "Select the reason"
    )
    version = VersionField()


class AdoptionForm(forms.Form):
    """AD1: every detail, as the DfE needs them all."""

    decided_on = GovukDateField(
        label="Date of the decision that the child should be placed for adoption",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date of the decision"},
    )
    matched_on = GovukDateField(
        label="Date the child was matched with the adopters",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date the child was matched"},
    )
    by_former_foster_carers = yes_no(
        "Was the child adopted by their former foster carers?", "Select yes if the adopters were the foster carers"
    )
    number_of_adopters = forms.TypedChoiceField(
        label="Number of adopters",
        choices=[("1", "One"), ("2", "Two")],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the number of adopters"},
    )
    adopters_sex = coded_radios(AdoptersSex.choices, "Adopters' sex", "Select the adopters' sex")
    adopters_legal_status = coded_radios(
        AdoptersLegalStatus.choices, "Adopters' legal status", "Select the adopters' legal status"
    )
    version = VersionField()


class PreviousPermanenceForm(forms.Form):
    order = coded_radios(
        PreviousPermanenceOrder.choices,
        "Permanence the child left before this period of care",
        "Select the permanence the child left, or not known",
    )
    arranged_by = forms.CharField(
        label="Local authority that arranged it (optional)",
        required=False,
        max_length=3,
        help_text="The DfE's three-digit LA number, 999 if not known, or WAL, SCO, NIR or NUK.",
    )
    order_date = forms.CharField(
        label="Date of the order (optional)",
        required=False,
        max_length=10,
        help_text="DD/MM/YYYY, with ZZ for a day or month not known, for example ZZ/03/2019.",
    )
    version = VersionField()
