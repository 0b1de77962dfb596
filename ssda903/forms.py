from django import forms

from .services import recent_collection_years

FILE_FIELDS = ("header", "episodes", "reviews", "uasc")


class ImportForm(forms.Form):
    """The return's CSV files, one box each. The importer tells the tables apart by their columns,
    as the DfE tools do; the boxes only help people find the right file."""

    header = forms.FileField(
        label="Header", required=False, help_text="One row per child: CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB."
    )
    episodes = forms.FileField(label="Episodes", required=False, help_text="One row per episode of care.")
    reviews = forms.FileField(label="Reviews", required=False, help_text="One row per looked-after review.")
    uasc = forms.FileField(
        label="UASC (if you have one)", required=False, help_text="Unaccompanied asylum-seeking children."
    )
    dry_run = forms.BooleanField(
        label="Check the files only",
        required=False,
        help_text="Find every error and see what the import would change (the episodes it would replace, by child) "
        "without importing anything.",
    )

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(name) for name in FILE_FIELDS if cleaned.get(name)]
        if not chosen and not self.errors:
            self.add_error("header", "Choose the CSV files of the return.")
        for name in FILE_FIELDS:
            upload = cleaned.get(name)
            if upload and not upload.name.lower().endswith((".csv", ".txt")):
                self.add_error(name, f"The {self.fields[name].label.split(' (')[0]} file must be a CSV file.")
        return cleaned

    def files_by_name(self):
        """{filename: upload}; the same name chosen twice is told apart by the box it came from."""
        files = {}
        for name in FILE_FIELDS:
            upload = self.cleaned_data.get(name)
            if not upload:
                continue
            filename = upload.name
            if filename in files:
                filename = f"{name}-{filename}"
            files[filename] = upload
        return files


class ExportForm(forms.Form):
    year = forms.TypedChoiceField(label="Collection year", coerce=int, choices=())

    def __init__(self, *args, on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = recent_collection_years(on)
