from django import forms

from iro_portal.forms import GovukDateField
from iro_portal.locking import VersionField

from .models import Progress
from .periods import Period, period_problems, recent_reporting_years, reporting_year, year_to_date


class PeriodForm(forms.Form):
    """Choose the dashboard's period: this reporting year to date (the default), an earlier
    reporting year, or any two dates."""

    year = forms.TypedChoiceField(label="Reporting year", required=False, coerce=int, empty_value=None)
    start = GovukDateField(
        label="From",
        required=False,
        help_text="Or choose dates, for example 1 4 2026; dates are used instead of the year.",
    )
    end = GovukDateField(label="To", required=False)

    def __init__(self, *args, on, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on
        years = recent_reporting_years(on)
        self.fields["year"].choices = [("", f"{years[0][1]}, to date"), *years[1:]]

    def clean(self):
        cleaned = super().clean()
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        for field, message in period_problems(cleaned.get("start"), cleaned.get("end")).items():
            self.add_error(field, message)
        return cleaned

    def period(self):
        """The chosen period; the year to date when nothing (or nothing valid) was chosen."""
        if not self.is_bound or not self.is_valid():
            return year_to_date(self.on)
        if self.cleaned_data["start"]:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"])
        if self.cleaned_data["year"] is not None:
            return reporting_year(self.cleaned_data["year"])
        return year_to_date(self.on)


class NarrativeForm(forms.Form):
    """The narrative sections of an annual report; Markdown is allowed and rendered safely."""

    version = VersionField()
    introduction = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text or Markdown: a blank line starts a new paragraph, "
        "a line starting with - is a bullet point.",
    )
    achievements = forms.CharField(
        label="Achievements this year", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    areas_for_development = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))
    changes_from_childrens_views = forms.CharField(
        label="What changed because of what children said",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Shown in the version for children: use short sentences and plain words.",
    )
    how_to_contact_an_iro = forms.CharField(
        label="How children can contact an IRO",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown in the version for children: a phone number, an email address or who to ask.",
    )


class ActionPlanItemForm(forms.Form):
    priority = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    measure = forms.CharField(label="How we will measure it", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    intended_impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    action = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    progress = forms.ChoiceField(
        label="Progress against last year's plan",
        choices=[("", "A new priority, not from last year's plan"), *Progress.choices],
        required=False,
        help_text="For one of last year's priorities: how far it got.",
    )
    progress_comment = forms.CharField(
        label="Comment on progress",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
        help_text="A sentence or two for the board: what was done, or why not.",
    )

    FIELDS = ("priority", "measure", "intended_impact", "action")
    MISSING = {
        "priority": "the priority",
        "measure": "how you will measure it",
        "intended_impact": "the intended impact",
        "action": "the action",
    }

    def clean(self):
        cleaned = super().clean()
        filled = [field for field in self.FIELDS if cleaned.get(field, "").strip()]
        priority = int(self.prefix.rsplit("-", 1)[1]) + 1 if self.prefix else 1
        if filled and len(filled) < len(self.FIELDS):
            for field in self.FIELDS:
                if field not in filled:
                    self.add_error(
                        field,
                        f"Enter {self.MISSING[field]} for priority {priority}, "
                        "or empty all four boxes of that priority.",
                    )
        if cleaned.get("progress_comment", "").strip() and not cleaned.get("progress"):
            self.add_error("progress", f"Choose how far priority {priority} got, or empty its comment on progress.")
        elif not filled and (cleaned.get("progress") or cleaned.get("progress_comment", "").strip()):
            self.add_error(
                "priority",
                f"Enter priority {priority}, or set its progress back to a new priority and empty the comment.",
            )
        return cleaned

    @property
    def is_empty(self):
        return not any(self.cleaned_data.get(field, "").strip() for field in self.FIELDS)


ActionPlanFormSet = forms.formset_factory(ActionPlanItemForm, extra=2, max_num=20, validate_max=True)


class OtherActivityForm(forms.Form):
    child_population = forms.IntegerField(
        label="Children aged 0 to 17 living in the authority",
        required=False,
        min_value=1,
        help_text="The ONS mid-year population estimate, for the rate of children looked after per 10,000.",
    )
    fostering_reviews_held = forms.IntegerField(label="Foster carer reviews held", required=False, min_value=0)
    fostering_reviews_in_time = forms.IntegerField(
        label="Foster carer reviews held in time", required=False, min_value=0
    )
    independent_visitor_matches = forms.IntegerField(
        label="Children matched with an Independent Visitor", required=False, min_value=0
    )
    advocacy_referrals = forms.IntegerField(label="Referrals for advocacy", required=False, min_value=0)
    complaints_received = forms.IntegerField(label="Complaints received", required=False, min_value=0)
    complaints_stage_1 = forms.IntegerField(label="Complaints resolved at stage 1", required=False, min_value=0)
    complaints_stage_2 = forms.IntegerField(label="Complaints that reached stage 2", required=False, min_value=0)
    complaints_stage_3 = forms.IntegerField(label="Complaints that reached stage 3", required=False, min_value=0)
    vacancies_fte = forms.DecimalField(
        label="Vacant IRO posts on 31 March, in full-time equivalent",
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
        help_text="For example, 1.5. Enter 0 if there were none. Agency IROs are recorded under IRO staffing.",
    )
    training_sessions = forms.IntegerField(label="Training sessions IROs attended", required=False, min_value=0)
    training_hours = forms.IntegerField(label="Hours of training IROs attended", required=False, min_value=0)
    supervision_sessions_due = forms.IntegerField(label="Supervision sessions due", required=False, min_value=0)
    supervision_sessions_held = forms.IntegerField(label="Supervision sessions held", required=False, min_value=0)
    version = VersionField()

    def clean(self):
        cleaned = super().clean()
        held, in_time = cleaned.get("fostering_reviews_held"), cleaned.get("fostering_reviews_in_time")
        if held is not None and in_time is not None and in_time > held:
            self.add_error("fostering_reviews_in_time", "Reviews held in time cannot be more than the reviews held.")
        due, held = cleaned.get("supervision_sessions_due"), cleaned.get("supervision_sessions_held")
        if due is not None and held is not None and held > due:
            self.add_error("supervision_sessions_held", "Supervision sessions held cannot be more than those due.")
        received = cleaned.get("complaints_received")
        stages = [cleaned.get(f"complaints_stage_{stage}") for stage in (1, 2, 3)]
        if received is not None and all(stage is not None for stage in stages) and sum(stages) > received:
            self.add_error(
                "complaints_stage_1", "The complaints at each stage cannot add up to more than the complaints received."
            )
        return cleaned


class ComparatorForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", required=False)
    statistical_neighbours = forms.DecimalField(
        label="Statistical neighbours", required=False, max_digits=9, decimal_places=1, min_value=0
    )
    england = forms.DecimalField(label="England", required=False, max_digits=9, decimal_places=1, min_value=0)

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure"), *measures]

    def clean(self):
        cleaned = super().clean()
        has_figure = cleaned.get("statistical_neighbours") is not None or cleaned.get("england") is not None
        if cleaned.get("measure") and not has_figure and not self.errors:
            self.add_error(
                "statistical_neighbours", "Enter the statistical neighbours figure, the England figure or both."
            )
        if has_figure and not cleaned.get("measure"):
            self.add_error("measure", "Choose the measure these figures are for.")
        return cleaned


class BaseComparatorFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        chosen = [form.cleaned_data.get("measure") for form in self.forms if form.cleaned_data.get("measure")]
        repeated = {measure for measure in chosen if chosen.count(measure) > 1}
        if repeated:
            raise forms.ValidationError("Each measure can have only one row of comparators.")


ComparatorFormSet = forms.formset_factory(
    ComparatorForm, formset=BaseComparatorFormSet, extra=3, max_num=80, validate_max=True
)


class PublishForm(forms.Form):
    reason = forms.CharField(
        label="Reason for publishing a new version",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, which figure or paragraph was corrected. The earlier version stays available.",
    )
    confirmed = forms.BooleanField(label="I have checked these and want to publish the report as it is", required=False)
    version = VersionField()


class HighlightsForm(forms.Form):
    """One box per key highlight, holding its sentence: as drafted from the figures, or as a
    manager rewrote it. Emptying a box goes back to the drafted sentence."""

    version = VersionField()

    def __init__(self, *args, highlights, **kwargs):
        super().__init__(*args, **kwargs)
        self.highlights = highlights
        for highlight in highlights:
            self.fields[highlight["key"]] = forms.CharField(
                label=highlight["heading"],
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=f"Drafted from the figures: \u201c{highlight['drafted']}\u201d",
            )
            self.initial.setdefault(highlight["key"], highlight["sentence"])

    def sentences(self):
        return {highlight["key"]: self.cleaned_data[highlight["key"]] for highlight in self.highlights}
