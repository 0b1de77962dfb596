from django import forms

from accounts.models import Role, User
from iro_portal.forms import GovukDateField


class IroChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.team or 'no team'}, {obj.fte} FTE)"


class AllocationForm(forms.Form):
    iro = IroChoiceField(
        queryset=User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name"),
        label="Independent Reviewing Officer",
        empty_label="Choose an IRO",
        error_messages={"required": "Choose the IRO who will review this child", "invalid_choice": "Choose an IRO from the list"},
    )
    start_date = GovukDateField(
        label="Date the allocation starts",
        help_text="For example, 27 3 2026. The current IRO's allocation ends on this day.",
        error_messages={"required": "Enter the date the allocation starts"},
    )
