"""Which IROs' caseloads a manager looks at first, and the choices on the page listing every
IRO's caseload. The caseloads come from the stored dashboard figures (reporting.stored_figures),
so sorting and filtering here never counts anything again."""

from collections.abc import Iterable

from django import forms

from .selectors import CASELOAD_BAND, Caseload

LOW, HIGH = CASELOAD_BAND


def above_band(rows: Iterable[Caseload]) -> list[Caseload]:
    """IROs above the IRO Handbook range, the most children per full-time IRO first: the
    caseloads most in need of action. Ties keep the figures' order, by name."""
    return sorted((row for row in rows if row.above_band), key=lambda row: -(row.per_fte or 0))


def below_band(rows: Iterable[Caseload]) -> list[Caseload]:
    """IROs below the range, the fewest children per full-time IRO first: who has room to take
    on children from those above it."""
    return sorted((row for row in rows if row.below_band), key=lambda row: row.per_fte or 0)


class CaseloadsForm(forms.Form):
    """Which IROs to list and in which order; both optional, so the bare page lists everyone by name."""

    SHOW = [
        ("all", "All IROs"),
        ("above", f"Above {HIGH} children per full-time IRO"),
        ("below", f"Below {LOW} children per full-time IRO"),
        ("within", f"Within the range of {LOW} to {HIGH}"),
    ]
    ORDER = [
        ("name", "Name"),
        ("highest", "Most children per full-time IRO first"),
        ("lowest", "Fewest children per full-time IRO first"),
    ]

    show = forms.ChoiceField(
        label="Show",
        choices=SHOW,
        required=False,
        error_messages={"invalid_choice": "Select which IROs to show from the list"},
    )
    order = forms.ChoiceField(
        label="Sort by",
        choices=ORDER,
        required=False,
        error_messages={"invalid_choice": "Select how to sort the IROs from the list"},
    )

    def _choice(self, name: str, default: str) -> str:
        """The valid choice, or the default when none or no valid one was made."""
        return (self.cleaned_data[name] if self.is_bound and self.is_valid() else "") or default

    def chosen(self, rows: Iterable[Caseload]) -> list[Caseload]:
        """The rows to list, in the chosen order; everyone by name when the choices are not valid."""
        show, order = self._choice("show", "all"), self._choice("order", "name")
        kept = {
            "all": lambda row: True,
            "above": lambda row: row.above_band,
            "below": lambda row: row.below_band,
            "within": lambda row: not (row.above_band or row.below_band),
        }[show]
        rows = [row for row in rows if kept(row)]
        if order == "highest":
            return sorted(rows, key=lambda row: -(row.per_fte or 0))
        if order == "lowest":
            return sorted(rows, key=lambda row: row.per_fte or 0)
        return rows

    def caption(self, count: int) -> str:
        """How many IROs are listed and which: "1 IRO", "37 IROs above 70 children per full-time IRO"."""
        iros = f"{count} IRO{'' if count == 1 else 's'}"
        show = self._choice("show", "all")
        label = dict(self.SHOW)[show]
        return iros if show == "all" else f"{iros} {label[0].lower()}{label[1:]}"
