from django import forms

from .services import recent_collection_years

MORE_FILE_FIELDS = ("oc2", "oc3", "ad1", "placed_adoption", "prev_perm", "missing")
FILE_FIELDS = ("header", "episodes", "reviews", "uasc", *MORE_FILE_FIELDS)


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
    oc2 = forms.FileField(
        label="OC2",
        required=False,
        help_text="Health and offending of children looked after for 12 months at 31 March.",
    )
    oc3 = forms.FileField(label="OC3", required=False, help_text="Care leavers around their 17th to 21st birthdays.")
    ad1 = forms.FileField(label="AD1", required=False, help_text="Children adopted in the year.")
    placed_adoption = forms.FileField(
        label="PlacedAdoption", required=False, help_text="Decisions that a child should be placed for adoption."
    )
    prev_perm = forms.FileField(
        label="PrevPerm", required=False, help_text="Permanence before care of children who started care in the year."
    )
    missing = forms.FileField(
        label="Missing", required=False, help_text="Times children were missing or away from placement."
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

    def more_tables(self):
        """The boxes for the tables after Header, Episodes, Reviews and UASC, shown together."""
        return [self[name] for name in MORE_FILE_FIELDS]

    def more_tables_open(self):
        """Whether one of the more tables' boxes has an error, to show them open."""
        return any(self[name].errors for name in MORE_FILE_FIELDS)

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
