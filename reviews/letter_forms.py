from django import forms

from iro_portal.locking import VersionField

from .letter_services import LETTER_MAX_LENGTH


class LetterForm(forms.Form):
    """The letter to the child, as one text box the IRO edits, and the version it was read at."""

    text = forms.CharField(
        label="Your letter",
        max_length=LETTER_MAX_LENGTH,
        help_text="Use short sentences and everyday words. Keep each heading, such as “What we decided”, on a line "
        "of its own, and start each decision with its number, so they show as headings and a numbered list.",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        error_messages={
            "required": "Write the letter.",
            "max_length": "The letter must be 10,000 characters or fewer.",
        },
    )
    version = VersionField()
