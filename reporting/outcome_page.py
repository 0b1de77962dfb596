"""The outcomes page's content: the figures of reporting.outcome_selectors in sections, each
number linking to the list of the children behind it."""

from datetime import date
from typing import Any, cast

from django import forms
from django.urls import reverse

from .dashboard import Figure
from .outcome_selectors import CARE_LEAVER_AGES, COHORT_LABELS, FIGURES, ROUTES_OUT
from .periods import recent_reporting_years, reporting_year_label

SECTIONS = [
    (
        "health",
        "Health of children looked after for 12 months or more",
        "oc2",
        ["health_assessment", "teeth_check", "immunisations", "substance_misuse"],
    ),
    ("sdq", "Emotional and behavioural health", "oc2_sdq_ages", ["sdq_recorded"]),
    *[
        (
            f"care_leavers_{key}",
            f"Care leavers {label.lower()}",
            f"care_leavers_{key}",
            [f"care_leavers_{key}_{measure}" for measure in ("in_touch", "eet", "neet", "suitable")],
        )
        for key, label, _, _ in CARE_LEAVER_AGES
    ],
    ("missing", "Missing from placement", "looked_after_during", ["went_missing", "away"]),
    ("short_term_stability", "Placement stability", "looked_after_at_end", ["three_or_more_placements"]),
    ("long_term_stability", "Long-term placement stability", "long_term", ["long_term_stable"]),
    (
        "location",
        "Where children live",
        "looked_after_at_end",
        ["over_20_miles", "distance_not_known", "outside_authority", "location_not_known"],
    ),
    ("routes_out", "Routes out of care", "ceased", [f"route_{key}" for key, _, _ in ROUTES_OUT]),
]
"""(id, heading, cohort, figures): the page's tables in order."""


class OutcomeYearForm(forms.Form):
    year = forms.TypedChoiceField(label="Reporting year", coerce=int)

    def __init__(self, *args: Any, on: date, **kwargs: Any):
        super().__init__(*args, **kwargs)
        years = recent_reporting_years(on)
        cast(forms.TypedChoiceField, self.fields["year"]).choices = years
        self.default_year = years[1][0]
        """The last reporting year to have ended: the outcome tables are returned after 31 March."""
        self.fields["year"].initial = self.default_year  # the year shown is the year selected

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"]
        return self.default_year


def list_url(year: int, key: str) -> str:
    return reverse("reporting:outcome_children", args=[year, key])


def sections(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table: its cohort as a figure, then each figure with its percentage of the cohort."""
    year = figures["year"]
    return [
        {
            "id": section_id,
            "heading": heading,
            "cohort": Figure(COHORT_LABELS[cohort], figures["cohorts"][cohort], list_url(year, cohort)),
            "rows": [
                Figure(
                    FIGURES[key].label,
                    figures["figures"][key]["count"],
                    list_url(year, key),
                    figures["figures"][key]["percent"],
                )
                for key in keys
            ],
        }
        for section_id, heading, cohort, keys in SECTIONS
    ]


def page_content(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "year_label": reporting_year_label(figures["year"]),
        "sections": sections(figures),
        "figures": figures,
    }
