"""Forms parse what was typed; the rules about what may be saved live in consultations.alert_services."""

from django import forms

from iro_portal.locking import VersionField, VersionForm


class AlertResponseForm(forms.Form):
    action_taken = forms.CharField(
        label="What did you do?",
        widget=forms.Textarea,
        max_length=5000,
        help_text="For example, who you spoke to, what was agreed and who is seeing the child today.",
        error_messages={"required": "Enter what you did about the alert"},
    )
    version = VersionField()


class RateRedForm(VersionForm):
    """Nothing to choose: the rating and its check date follow the rules."""


class WatchedPhraseForm(forms.Form):
    phrase = forms.CharField(
        label="Word or phrase to watch for",
        max_length=100,
        help_text="A reply using it as a whole word or phrase, in any case, raises a safety alert.",
        error_messages={"required": "Enter a word or phrase to watch for"},
    )
