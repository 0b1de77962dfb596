from django import forms

from accounts.models import Role, User
from iro_portal.forms import GovukDateField, TypeAheadSelect
from iro_portal.locking import VersionField


class IroChoiceField(forms.ModelChoiceField):
    widget = TypeAheadSelect

    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.team or 'no team'}, {obj.fte} FTE)"


class AllocationForm(forms.Form):
    iro = IroChoiceField(
        queryset=User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"),
        label="Independent Reviewing Officer",
        empty_label="Choose an IRO",
        error_messages={
            "required": "Choose the IRO who will review this child",
            "invalid_choice": "Choose an IRO from the list",
        },
    )
    start_date = GovukDateField(
        label="Date the allocation starts",
        help_text="For example, 27 3 2026. The current IRO's allocation ends on this day.",
        error_messages={"required": "Enter the date the allocation starts"},
    )
    version = VersionField()


class MotherhoodForm(forms.Form):
    """Is the child a mother, and if so when was her first child born (SSDA903 MOTHER, MC_DOB)?"""

    is_mother = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda answer: answer == "yes",
        widget=forms.RadioSelect,
        help_text="The Department for Education asks this about every girl looked after, in the SSDA903 return.",
    )
    first_child_date_of_birth = GovukDateField(
        required=False,
        help_text="Only if she is a mother. For example, 3 5 2024.",
    )
    version = VersionField()

    def __init__(self, *args, child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_mother"].label = f"Is {child.full_name} a mother?"
        self.fields["is_mother"].error_messages["required"] = f"Select yes if {child.full_name} is a mother"
        self.fields["first_child_date_of_birth"].label = f"Date of birth of {child.full_name}'s first child"
