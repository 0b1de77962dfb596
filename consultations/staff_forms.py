"""The staff's forms for consultation links. They parse what was typed; the rules are in
consultations.services and consultations.staff_services."""

from django import forms

from iro_portal.forms import DraftMixin
from iro_portal.locking import VersionField
from reviews.forms import BaseActionFormSet
from reviews.models import Review

from .models import Delivery, FormVersion, PersonType
from .staff_selectors import younger_forms
from .staff_services import Person

MAX_PEOPLE = 12


class PersonForm(DraftMixin, forms.Form):
    person_type = forms.ChoiceField(
        label="Who is it for?",
        choices=[("", "Choose who"), *PersonType.choices],
        error_messages={"required": "Choose who the link is for"},
    )
    name = forms.CharField(
        label="Their name (optional)",
        required=False,
        max_length=200,
        help_text="To tell the links apart on this page. It is not put in the email.",
    )
    delivery = forms.ChoiceField(
        label="How should they get it?",
        choices=[(Delivery.EMAIL, "Send it by email"), (Delivery.SHOWN, "Show me the link to pass on")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they should get the link"},
    )
    email = forms.EmailField(
        label="Email address (if sent by email)",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    form = forms.ChoiceField(label="The child's form", required=False)

    child_forms: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        by_age = self.child_forms[-1] if self.child_forms else ""
        self.fields["form"].choices = [
            (
                "",
                f"The form for their age: {FormVersion(by_age).label.lower()}" if by_age else "The form for their age",
            ),
            *[(form, FormVersion(form).label) for form in self.child_forms[:-1]],
        ]
        self.fields["form"].help_text = "For the child only. Choose a younger child's form if it suits them better."

    def clean(self):
        data = super().clean()
        if data.get("delivery") == Delivery.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter the email address to send the link to")
        return data

    def person(self) -> Person:
        data = self.cleaned_data
        return Person(
            person_type=data["person_type"],
            delivery=data["delivery"],
            name=data["name"],
            email=data["email"] if data["delivery"] == Delivery.EMAIL else "",
            form=data["form"] if data["person_type"] == PersonType.CHILD else "",
        )


class BasePeopleFormSet(BaseActionFormSet):
    """The people to send links to, as GOV.UK "add another" (the agreed actions' buttons)."""

    row_name = "Person"
    add_button = "add_person"
    remove_button = "remove_person"


def people_formset(review: Review) -> type[BasePeopleFormSet]:
    """The formset for this review: the child's forms on offer depend on their age."""
    form_class = type("ReviewPersonForm", (PersonForm,), {"child_forms": younger_forms(review)})
    return forms.formset_factory(
        form_class, formset=BasePeopleFormSet, extra=0, min_num=1, max_num=MAX_PEOPLE, absolute_max=MAX_PEOPLE
    )


class SendForm(forms.Form):
    """Sent once: a repeated post of the same page (a reload, a second press) makes no new links."""

    sending = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawForm(forms.Form):
    version = VersionField()
