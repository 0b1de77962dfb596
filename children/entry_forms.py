"""The forms for entering children's records in the browser: a child, their care episodes,
strategy discussions and child protection plans. They check the shape of the answers only; every
rule about them is the service's (children.services), the same the API and the SSDA903 import
call, so a page and the API refuse the same input with the same message."""

from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .codes import (
    CategoryOfAbuse,
    CategoryOfNeed,
    Ethnicity,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    PlanEndReason,
    ReasonEpisodeCeased,
    ReasonForNewEpisode,
    ReasonForPlacementChange,
    Sex,
)
from .models import Child
from .validators import validate_local_child_id


def coded(choices, *, empty=None):
    """A DfE code list as a form's choices: the plain label first, the code after it, so people
    choose by meaning and can still match the code on a return."""
    options = [(code, f"{label} ({code})") for code, label in choices]
    return [("", empty), *options] if empty else options


def coded_choice(choices, label, required_message, *, empty="Choose one", required=True, **kwargs):
    return forms.ChoiceField(
        label=label,
        choices=coded(choices, empty=empty),
        required=required,
        error_messages={"required": required_message, "invalid_choice": "Choose one of the options"},
        **kwargs,
    )


YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label, required_message, **kwargs):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
        **kwargs,
    )


CHILD_FIELDS = forms.fields_for_model(
    Child,
    fields=["local_child_id", "given_name", "family_name", "sex", "ethnicity", "upn", "is_uasc", "has_disability"],
    labels={
        "local_child_id": "Local child ID",
        "given_name": "Given name",
        "family_name": "Family name",
        "upn": "Unique pupil number (UPN)",
        "is_uasc": "Unaccompanied asylum-seeking child",
        "has_disability": "Has a disability",
    },
    help_texts={
        "local_child_id": "The child's identifier in the case management system (SSDA903 CHILD).",
        "upn": "13 characters, if the child has one.",
    },
    widgets={"sex": forms.RadioSelect},
    error_messages={
        "local_child_id": {"required": "Enter the local child ID"},
        "given_name": {"required": "Enter the child's given name"},
        "family_name": {"required": "Enter the child's family name"},
        "sex": {"required": "Select the child's sex", "invalid_choice": "Select one of the options"},
        "ethnicity": {"required": "Choose the child's ethnicity", "invalid_choice": "Choose one of the options"},
    },
)


class ChildForm(forms.Form):
    """The fields the API's ChildCreateSerializer takes, with the model's own checks on each
    (the local child ID's pattern, lengths, code lists); whether the ID is already used and the
    motherhood rules are children.services.create_child's, so both refuse with one message."""

    local_child_id = CHILD_FIELDS["local_child_id"]
    given_name = CHILD_FIELDS["given_name"]
    family_name = CHILD_FIELDS["family_name"]
    date_of_birth = GovukDateField(
        label="Date of birth",
        help_text="For example, 27 3 2012.",
        error_messages={"required": "Enter the date of birth"},
    )
    sex = CHILD_FIELDS["sex"]
    ethnicity = CHILD_FIELDS["ethnicity"]
    upn = CHILD_FIELDS["upn"]
    is_uasc = CHILD_FIELDS["is_uasc"]
    has_disability = CHILD_FIELDS["has_disability"]
    is_mother = forms.TypedChoiceField(
        label="Is she a mother?",
        choices=[*YES_NO, ("not_recorded", "Not recorded")],
        coerce=lambda answer: {"yes": True, "no": False}.get(answer),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text="For a girl only (SSDA903 MOTHER). Leave it as not recorded for a boy.",
    )
    first_child_date_of_birth = GovukDateField(
        label="Date of birth of her first child", required=False, help_text="Only if she is a mother."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["local_child_id"].validators.append(validate_local_child_id)
        self.fields["sex"].choices = Sex.choices
        self.fields["ethnicity"].choices = coded(Ethnicity.choices, empty="Choose the child's ethnicity")


class EpisodeForm(forms.Form):
    """A care episode as it starts (SSDA903 DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER)."""

    start_date = GovukDateField(
        label="Date the episode started",
        help_text="For example, 27 3 2026. Not in the future.",
        error_messages={"required": "Enter the date the episode started"},
    )
    reason_for_new_episode = coded_choice(
        ReasonForNewEpisode.choices,
        "Reason for the new episode",
        "Choose the reason for the new episode",
        help_text="Started to be looked after (S) for a child entering care.",
    )
    legal_status = coded_choice(LegalStatus.choices, "Legal status", "Choose the legal status")
    category_of_need = coded_choice(CategoryOfNeed.choices, "Category of need", "Choose the category of need")
    placement_type = coded_choice(PlacementType.choices, "Placement type", "Choose the placement type")
    placement_provider = coded_choice(
        PlacementProvider.choices,
        "Placement provider",
        "",
        empty="No provider (a temporary or other placement)",
        required=False,
    )
    home_postcode = forms.CharField(
        label="Home postcode",
        required=False,
        max_length=10,
        help_text="The postcode of the home the child was living in when they came into care, for example NG1 5DT. "
        "Leave it blank for short breaks, or if it is not known.",
    )
    placement_postcode = forms.CharField(
        label="Placement postcode",
        required=False,
        max_length=10,
        help_text="The postcode of the placement. The placement's local authority and its distance from home are "
        "worked out from it.",
    )
    provider_urn = forms.CharField(
        label="Provider URN",
        required=False,
        max_length=10,
        help_text="The Ofsted unique reference number of the placement's provider, for example SC123456. Leave it "
        "blank for placements Ofsted does not register (with parents, temporary, independent living).",
    )


class EpisodeChangeForm(EpisodeForm):
    """Correcting an episode's details, from the version the page was opened with."""

    version = VersionField()


class EpisodeEndForm(forms.Form):
    """An episode ceasing (SSDA903 DEC, REC, REASON_PLACE_CHANGE)."""

    end_date = GovukDateField(
        label="Date the episode ended",
        help_text="For example, 27 3 2026. For a change of placement or legal status, the day the next episode starts.",
        error_messages={"required": "Enter the date the episode ended"},
    )
    reason_episode_ceased = coded_choice(
        ReasonEpisodeCeased.choices, "Reason the episode ended", "Choose the reason the episode ended"
    )
    reason_for_placement_change = coded_choice(
        ReasonForPlacementChange.choices,
        "Reason the placement changed",
        "",
        empty="Not a change of placement",
        required=False,
        help_text=(
            "Only when the episode ends (X1) because the placement changes; never for a move to or from a "
            "temporary placement (T0 to T4)."
        ),
    )
    version = VersionField()


class StrategyDiscussionForm(forms.Form):
    date = GovukDateField(
        label="Date of the strategy discussion",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the date of the strategy discussion"},
    )
    section_47_enquiry_started = yes_no(
        "Did section 47 enquiries start?",
        "Select yes if section 47 enquiries started",
        help_text="If they did, an initial child protection conference becomes due.",
    )


class PlanStartForm(forms.Form):
    start_date = GovukDateField(
        label="Date the plan started",
        help_text="The day of the initial child protection conference, for example 27 3 2026.",
        error_messages={"required": "Enter the date the plan started"},
    )
    initial_category_of_abuse = forms.ChoiceField(
        label="Category of abuse",
        choices=CategoryOfAbuse.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the category of abuse"},
    )


class PlanCategoryForm(forms.Form):
    category = forms.ChoiceField(
        label="New category of abuse",
        choices=CategoryOfAbuse.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the new category of abuse"},
    )
    version = VersionField()


class PlanEndForm(forms.Form):
    end_date = GovukDateField(
        label="Date the plan ended",
        help_text="The day of the review conference that ended it, for example 27 3 2026.",
        error_messages={"required": "Enter the date the plan ended"},
    )
    end_reason = forms.ChoiceField(
        label="Why the plan ended",
        choices=PlanEndReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the plan ended"},
    )
    version = VersionField()
