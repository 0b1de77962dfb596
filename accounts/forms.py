from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError

from iro_portal.forms import GovukDateField, TypeAheadSelect

from .api_tokens import check_token_details
from .models import CoverLevel, Role, User
from .services import cover_errors


class SignInForm(AuthenticationForm):
    """Each empty field says what to enter, in GOV.UK's words, once in the summary and once by the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.error_messages = {
            **self.error_messages,
            "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        }


class OneTimeCodeForm(forms.Form):
    """The 6-digit code an authenticator app shows; spaces are ignored (some apps show "123 456")."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("Enter the code as 6 digits, for example 123456")
        return code


class ChangePasswordForm(PasswordChangeForm):
    """Django's form with the GOV.UK wording; the password rules' errors go on the new password,
    not its confirmation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Your current password is not correct. Enter it again.",
            "password_mismatch": "The new passwords do not match. Enter the same new password twice.",
        }
        fields = self.fields
        fields["old_password"].label = "Current password"
        fields["old_password"].widget.attrs.pop("autofocus", None)
        fields["old_password"].error_messages["required"] = "Enter your current password"
        fields[
            "new_password1"
        ].help_text = (
            "At least 12 characters. Not a common password, not only numbers and not like your name or username."
        )
        fields["new_password1"].error_messages["required"] = "Enter a new password"
        fields["new_password2"].label = "Confirm new password"
        fields["new_password2"].help_text = ""
        fields["new_password2"].error_messages["required"] = "Enter your new password again"

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class ApiTokenForm(forms.Form):
    """What a person says about a token they create; the rules on the name and the lifetime are
    accounts.api_tokens.check_token_details, checked here too so that every mistake shows at once."""

    READ_AND_WRITE = "read_and_write"
    READ_ONLY = "read_only"

    name = forms.CharField(
        label="What is the token for?",
        required=False,
        help_text="For example, the case management system link. It helps you tell your tokens apart.",
    )
    days = forms.IntegerField(
        label="How many days should it last?",
        error_messages={
            "required": "Enter how many days the token lasts",
            "invalid": "Enter the number of days as a whole number, for example 90",
        },
    )
    access = forms.ChoiceField(
        label="What may the token do?",
        widget=forms.RadioSelect,
        choices=[
            (READ_ONLY, "Read only: it cannot change anything"),
            (READ_AND_WRITE, "Read and write: everything you can do through the API"),
        ],
        error_messages={"required": "Choose what the token may do"},
    )

    def __init__(self, *args, max_days, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = f"From 1 to {max_days} days. After that it stops working."
        self.fields["days"].widget = forms.TextInput(attrs={"inputmode": "numeric"})

    def clean(self):
        cleaned = super().clean()
        try:
            check_token_details(name=cleaned.get("name"), days=cleaned.get("days"))
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, messages)
        return cleaned


class IroChoiceField(forms.ModelChoiceField):
    widget = TypeAheadSelect

    def label_from_instance(self, obj):
        return f"{obj.get_full_name() or obj.username} ({obj.team or 'no team'})"


def active_iros():
    return User.objects.filter(role=Role.IRO, is_active=True).order_by("first_name", "last_name", "username")


class CoverForm(forms.Form):
    """A manager grants cover: who covers for whom, from when to when, what they may do and why."""

    covered_iro = IroChoiceField(
        queryset=active_iros(),
        label="IRO who is away",
        empty_label="Choose an IRO",
        help_text="Their children are the ones covered.",
        error_messages={"required": "Choose the IRO who is away", "invalid_choice": "Choose an IRO from the list"},
    )
    covering_iro = IroChoiceField(
        queryset=active_iros(),
        label="IRO who covers",
        empty_label="Choose an IRO",
        error_messages={"required": "Choose the IRO who covers", "invalid_choice": "Choose an IRO from the list"},
    )
    starts_on = GovukDateField(
        label="First day of cover",
        help_text="For example, 27 3 2026.",
        error_messages={"required": "Enter the first day of cover"},
    )
    ends_on = GovukDateField(
        label="Last day of cover",
        help_text="For example, 10 4 2026. Cover ends by itself after this day.",
        error_messages={"required": "Enter the last day of cover"},
    )
    level = forms.ChoiceField(
        label="What can the covering IRO do?",
        widget=forms.RadioSelect,
        choices=[
            (CoverLevel.READ, "Read only: see the children’s records, reviews, oversight and escalations"),
            (
                CoverLevel.READ_AND_RECORD,
                "Read and record: also book and record reviews, record oversight and "
                "take escalations forward, as the children’s IRO would",
            ),
        ],
        error_messages={"required": "Choose what the covering IRO can do"},
    )
    reason = forms.CharField(
        label="Reason for cover",
        max_length=500,
        widget=forms.Textarea,
        help_text="For example, annual leave or sickness. Kept with the cover and in the audit log.",
        error_messages={"required": "Enter the reason for cover, for example annual leave"},
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        """The service's rules (accounts.services.cover_errors), shown against their fields."""
        cleaned = super().clean()
        if not self.errors:
            for field, message in cover_errors(today=self.today, **cleaned).items():
                self.add_error(field, message)
        return cleaned

    def for_the_session(self):
        data = self.cleaned_data
        return {
            "covered_iro": data["covered_iro"].pk,
            "covering_iro": data["covering_iro"].pk,
            "starts_on": data["starts_on"].isoformat(),
            "ends_on": data["ends_on"].isoformat(),
            "level": data["level"],
            "reason": data["reason"].strip(),
        }
