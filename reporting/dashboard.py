"""The dashboard page's content: each figure from reporting.selectors with the link to the list
behind it (the list pages filter by the same conditions through their query parameters) and
the charts drawn from the same numbers as the tables beside them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from caseloads.selectors import IRO_ALLOCATION_OUTCOMES
from consultations.figure_filters import ALERT_OUTCOMES
from consultations.figure_selectors import CHILD_AGE_BANDS, LISTENED_SCORES
from consultations.models import CONSULTED_KINDS, PersonType, Purpose
from escalations.codes import AreaOfConcern, Stage
from oversight.models import Rag
from reviews.conference_selectors import FIRST_CORE_GROUP_OUTCOMES
from reviews.models import LateReason, ParentsParticipation, ParticipationCode, ReviewKind
from reviews.record_models import CarePlanCheckKind, CheckAnswer
from reviews.record_selectors import (
    CHECK_NOT_RECORDED,
    CHILD_VIEWS_NOT_OBTAINED,
    CHILD_VIEWS_NOT_RECORDED,
    CHILD_VIEWS_OUTCOMES,
)
from reviews.selectors import NOT_RECORDED, STANDARD_OUTCOMES, recorded_value

from . import charts
from .caseloads import above_band, below_band
from .periods import Period, a_year_before
from .selectors import CASELOAD_BAND, Caseload, Month


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str
    percent: int | None = None


def _url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _dates(prefix: str, day: date) -> dict[str, int]:
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


def _held(period: Period, **params: Any) -> str:
    return _url("reviews:held", **_dates("held_from", period.start), **_dates("held_to", period.end), **params)


def review_rows(figures: dict[str, Any], period: Period) -> list[dict[str, Any]]:
    rows = []
    for kind in ReviewKind:
        kind_figures = figures["reviews"][kind.value]
        rows.append(
            {
                "kind": kind,
                "held": Figure("Held", kind_figures["held"], _held(period, kind=kind.value)),
                "in_timescale": Figure(
                    "In timescale",
                    kind_figures["in_timescale"],
                    _held(period, kind=kind.value, timeliness="in_timescale"),
                    kind_figures["percent_in_timescale"],
                ),
                "late": Figure("Late", kind_figures["late"], _held(period, kind=kind.value, timeliness="late")),
                "overdue": Figure(
                    "Overdue now", kind_figures["overdue"], _url("reviews:due", kind=kind.value, period="overdue")
                ),
                "due_soon": Figure(
                    "Due in the next 20 working days",
                    kind_figures["due_soon"],
                    _url("reviews:due", kind=kind.value, period="20_working_days"),
                ),
            }
        )
    return rows


def late_reason_rows(figures: dict[str, Any], period: Period) -> list[dict[str, Any]]:
    reasons = [*LateReason.choices, NOT_RECORDED]
    return [
        {
            "reason": label,
            "figures": [
                Figure(
                    kind.label,
                    figures["reviews"][kind.value]["late_reasons"][recorded_value(reason)],
                    _held(period, kind=kind.value, late_reason=reason),
                )
                for kind in ReviewKind
            ],
        }
        for reason, label in reasons
    ]


def month_rows(figures: dict[str, Any], period: Period) -> list[dict[str, Any]]:
    return [
        {
            "month": month,
            "held": Figure("Held", month.held, _held_month(month, ReviewKind.LAC)),
            "in_timescale": Figure(
                "In timescale",
                month.in_timescale,
                _held_month(month, ReviewKind.LAC, timeliness="in_timescale"),
                month.percent_in_timescale,
            ),
        }
        for month in figures["months"]
    ]


def _held_month(month: Month, kind: ReviewKind, **params: Any) -> str:
    return _url(
        "reviews:held", kind=kind.value, **_dates("held_from", month.start), **_dates("held_to", month.end), **params
    )


def timeliness_chart(figures: dict[str, Any]) -> str:
    return charts.line_chart(
        chart_id="lac-timeliness-chart",
        title="LAC reviews held in timescale, by month",
        description="The percentage of LAC reviews held on or before their due date in each month of the period. "
        "The table beside the chart gives the same figures.",
        points=[(f"{month.first_day:%b %Y}", month.percent_in_timescale) for month in figures["months"]],
        x_axis_label="Month held",
        y_axis_label="Held in timescale",
    )


def participation(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    lac = figures["lac"]
    codes = [*ParticipationCode.choices, NOT_RECORDED]
    parents = [*ParentsParticipation.choices, NOT_RECORDED]
    days = settings.REVIEW_STANDARDS
    standards = [
        (
            "report",
            f"Social worker's report at least {days['social_worker_report_working_days_before']} working days before",
        ),
        ("decisions", f"Decisions circulated within {days['decisions_circulated_within_working_days']} working days"),
        ("record", f"Full record circulated within {days['record_circulated_within_working_days']} working days"),
    ]
    outcome_labels = dict(STANDARD_OUTCOMES)
    lac_held = {"kind": ReviewKind.LAC.value}
    return {
        "held": Figure("LAC reviews held", lac["held"], _held(period, **lac_held)),
        "rate": Figure(
            "Children aged 4 and over who participated (PN1 to PN6)",
            lac["participated"],
            _held(period, participation="participated", **lac_held),
            lac["participation_rate"],
        ),
        "counted": lac["participation_counted"],
        "codes": [
            Figure(label, lac["participation"][recorded_value(code)], _held(period, participation=code, **lac_held))
            for code, label in codes
        ],
        "child_chaired": Figure(
            "Chaired by the child", lac["child_chaired"], _held(period, child_chaired="yes", **lac_held)
        ),
        "advocate_present": Figure(
            "Advocate present", lac["advocate_present"], _held(period, advocate_present="yes", **lac_held)
        ),
        "parents": [
            Figure(label, lac["parents"][recorded_value(choice)], _held(period, parents=choice, **lac_held))
            for choice, label in parents
        ],
        "standards": [
            {
                "label": label,
                "percent_met": lac["quality"][standard]["percent_met"],
                "outcomes": [
                    Figure(
                        outcome_labels[outcome],
                        lac["quality"][standard][outcome],
                        _held(period, **{standard: outcome}, **lac_held),
                    )
                    if outcome in lac["quality"][standard]
                    else None
                    for outcome in ("met", "missed", "pending")
                ],
            }
            for standard, label in standards
        ],
        "seen_before": Figure(
            "Seen by their IRO before the review",
            lac["seen_before"],
            _held(period, seen="yes", **lac_held),
            lac["percent_seen_before"],
        ),
        "not_seen_before": Figure(
            "Not seen by their IRO before the review", lac["not_seen_before"], _held(period, seen="no", **lac_held)
        ),
    }


def lac_record(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    """What the IROs recorded of the LAC reviews held in the period, each figure opening the
    held list filtered to the reviews it counts."""
    record = figures["lac_record"]
    lac = {"kind": ReviewKind.LAC.value}
    views = {
        **record["child_views"],
        CHILD_VIEWS_NOT_OBTAINED: record["child_views_not_obtained"],
        CHILD_VIEWS_NOT_RECORDED: record["child_views_not_recorded"],
    }
    permanence_labels = {
        CheckAnswer.YES: "Agreed",
        CheckAnswer.NO: "Not agreed",
        CheckAnswer.NOT_APPLICABLE: "Not applicable",
        CHECK_NOT_RECORDED: "Not recorded",
    }
    return {
        "held": record["held"],
        "views_recorded": Figure(
            "The child's views recorded",
            record["child_views_recorded"],
            _held(period, child_views="recorded", **lac),
            record["percent_child_views_recorded"],
        ),
        "views": [
            Figure(label, views[outcome], _held(period, child_views=outcome, **lac))
            for outcome, label in CHILD_VIEWS_OUTCOMES
        ],
        "parents_attended": Figure(
            "Parents attended",
            record["parents_attended"],
            _held(period, parents_attended="yes", **lac),
            record["percent_parents_attended"],
        ),
        "second_reviews": record["second_reviews"],
        "permanence": [
            Figure(label, record["permanence"][answer], _held(period, permanence_plan=answer, **lac))
            for answer, label in permanence_labels.items()
        ],
        "percent_permanence_agreed": record["percent_permanence_agreed"],
        "checks_recorded": record["checks_recorded"],
        "checks_not_met": [
            Figure(label, record["checks_not_met"][kind], _held(period, check_not_met=kind, **lac))
            for kind, label in CarePlanCheckKind.choices
        ],
    }


def conferences(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    """Quorum for each kind of conference held in the period and the first core group meeting
    after ICPCs that made a plan, each opening the held list filtered to the conferences counted."""
    counted = figures["conferences"]
    icpc = ReviewKind.ICPC.value
    return {
        "quorum": [
            {
                "kind": kind,
                "recorded": counted[kind.value]["recorded"],
                "held": counted[kind.value]["held"],
                "quorate": Figure(
                    "Quorate",
                    counted[kind.value]["quorate"],
                    _held(period, kind=kind.value, quorate="yes"),
                    counted[kind.value]["percent_quorate"],
                ),
                "not_quorate": Figure(
                    "Not quorate", counted[kind.value]["not_quorate"], _held(period, kind=kind.value, quorate="no")
                ),
            }
            for kind in (ReviewKind.ICPC, ReviewKind.RCPC)
        ],
        "first_core_group": [
            Figure(
                label, counted[icpc]["first_core_group"][outcome], _held(period, kind=icpc, first_core_group=outcome)
            )
            for outcome, label in FIRST_CORE_GROUP_OUTCOMES
        ],
        "first_core_group_percent_met": counted[icpc]["first_core_group"]["percent_met"],
    }


def _reviews_consulted(period: Period, **params: Any) -> str:
    return _url(
        "consultations:links", **_dates("reviewed_from", period.start), **_dates("reviewed_to", period.end), **params
    )


def _links_row(label: str, years: list[tuple[Period, dict[str, Any]]], about: str, **params: Any) -> dict[str, Any]:
    """A row of links sent and returned (with the percentage returned), this year then a year
    before, each opening the reviews it counts."""
    cells = []
    for (period, counts), when in zip(years, YEARS_SHOWN):
        cells.append(Figure(f"sent{when}", counts["sent"], _reviews_consulted(period, **params)))
        cells.append(
            Figure(
                f"returned{when}",
                counts["returned"],
                _reviews_consulted(period, returned="yes", **params),
                counts["percent_returned"],
            )
        )
    return {"label": label, "about": about, "cells": cells}


def _figures_row(label: str, values: list[object], urls: list[str], about: str) -> dict[str, Any]:
    """A row of one figure, this year then a year before; a figure without a list has no url."""
    return {
        "label": label,
        "about": about,
        "cells": [
            Figure(when, value, url) for value, url, when in zip(values, urls, ("in the period", "a year before"))
        ],
    }


YEARS_SHOWN = ("", ", a year before")


def consultations(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    """The children's and families' views sought online, with the same dates a year before
    beside them; every count opens the reviews it counts (consultations.figure_views)."""
    last_period = a_year_before(period)
    years = [(period, figures["consultations"]), (last_period, figures["consultations_last_year"])]
    consultation = Purpose.CONSULTATION.value
    feedback = Purpose.FEEDBACK.value

    def links(part: str, group: str | None, key: str | None) -> list[tuple[Period, dict[str, Any]]]:
        return [(when, counted[part]["all"] if group is None else counted[part][group][key]) for when, counted in years]

    alerts = [
        _figures_row(
            label,
            [counted["alerts"][outcome] for _, counted in years],
            [_reviews_consulted(when, alert=outcome) for when, _ in years],
            f"safety alerts {label.lower()}",
        )
        for outcome, label in ALERT_OUTCOMES
    ]
    for key, label in (
        ("median_hours_to_respond", "Median hours to respond"),
        ("longest_hours_to_respond", "Longest hours to respond"),
    ):
        alerts.append(_figures_row(label, [counted["alerts"][key] for _, counted in years], ["", ""], label.lower()))
    return {
        "last_period": last_period,
        "by_person": [
            *(
                _links_row(
                    label,
                    links("consultation", "by_person_type", person),
                    f"consultation links to: {label}",
                    purpose=consultation,
                    person_type=person,
                )
                for person, label in PersonType.choices
            ),
            _links_row("Everyone", links("consultation", None, None), "consultation links", purpose=consultation),
        ],
        "by_age_band": [
            _links_row(
                label,
                links("consultation", "by_age_band", band),
                f"consultation links, the child's form: {label}",
                purpose=consultation,
                person_type=PersonType.CHILD.value,
                age_band=band,
            )
            for band, label in CHILD_AGE_BANDS
        ],
        "by_kind": [
            _links_row(
                kind.label,
                links("consultation", "by_kind", kind.value),
                f"consultation links for: {kind.label}",
                purpose=consultation,
                kind=kind.value,
            )
            for kind in CONSULTED_KINDS
        ],
        "feedback": [
            *(
                _links_row(
                    label,
                    links("feedback", "by_person_type", person),
                    f"feedback links to: {label}",
                    purpose=feedback,
                    person_type=person,
                )
                for person, label in PersonType.choices
            ),
            _links_row("Everyone", links("feedback", None, None), "feedback links", purpose=feedback),
        ],
        "scores": [
            *(
                _figures_row(
                    label,
                    [counted["feedback"]["scores"][score] for _, counted in years],
                    [_reviews_consulted(when, purpose=feedback, returned="yes", score=score) for when, _ in years],
                    f"feedback scoring how well the review listened {label}",
                )
                for score, label in LISTENED_SCORES
            ),
            _figures_row(
                "Mean score", [counted["feedback"]["mean_score"] for _, counted in years], ["", ""], "mean score"
            ),
        ],
        "alerts": alerts,
    }


CASELOADS_OUT_OF_BAND_SHOWN = 10
"""How many IROs above the IRO Handbook range, and how many below it, the dashboard lists: at
1,500 IROs the whole list is far too long to take in at a glance, so it has a page of its own."""


def caseload_rows(rows: Iterable[Caseload]) -> list[dict[str, Any]]:
    return [
        {"caseload": row, "children": Figure("Children", row.children, _url("children:list", iro=row.iro.pk))}
        for row in rows
    ]


def caseload_chart(rows: Iterable[Caseload], *, title: str, description: str) -> str:
    low, high = CASELOAD_BAND
    return charts.bar_chart(
        chart_id="caseload-chart",
        title=title,
        description=f"{description} against the IRO Handbook range of {low} to {high}; caseloads above the range are "
        "drawn in red, and each caseload outside the range says so. The table beside the chart gives the "
        "same figures.",
        bars=[(str(row.iro), row.per_fte) for row in rows if row.per_fte is not None],
        value_axis_label="Children per full-time IRO",
        category_axis_label="IRO",
        band=CASELOAD_BAND,
        band_label=f"IRO Handbook range {low} to {high}",
        highlight_above=high,
        highlight_below=low,
    )


def _out_of_band_caption(rows: list[Caseload], shown: int, where: str, order: str) -> str:
    """For example "10 of 37 IROs above 70 children per full-time IRO, highest first"."""
    if not rows:
        return f"No IROs {where} children per full-time IRO"
    counted = f"{shown} of {len(rows)}" if len(rows) > shown else str(len(rows))
    caption = f"{counted} IRO{'' if len(rows) == 1 else 's'} {where} children per full-time IRO"
    return f"{caption}, {order}" if min(len(rows), shown) > 1 else caption


def caseloads_outside_the_band(figures: dict[str, Any], shown: int = CASELOADS_OUT_OF_BAND_SHOWN) -> dict[str, Any]:
    """The managers' dashboard: the IROs furthest above the range and furthest below it, charted
    together, with a table for each side."""
    low, high = CASELOAD_BAND
    rows = figures["caseloads"]["rows"]
    above, below = above_band(rows), below_band(rows)
    charted = above[:shown] + below[:shown]
    return {
        "groups": [
            {
                "caption": _out_of_band_caption(above, shown, f"above {high}", "highest first"),
                "rows": caseload_rows(above[:shown]),
            },
            {
                "caption": _out_of_band_caption(below, shown, f"below {low}", "lowest first"),
                "rows": caseload_rows(below[:shown]),
            },
        ],
        "chart": caseload_chart(
            charted,
            title="IROs outside the IRO Handbook range",
            description="The caseloads per full-time equivalent of the IROs furthest above and below the range",
        )
        if charted
        else None,
    }


def caseload_page(rows: list[Caseload]) -> dict[str, Any]:
    """One page of the list of every IRO's caseload, and its chart of the same rows."""
    return {
        "caseload_rows": caseload_rows(rows),
        "caseload_chart": caseload_chart(
            rows,
            title="Children per full-time IRO",
            description="The caseload per full-time equivalent of each IRO on this page of the list",
        )
        if rows
        else None,
    }


def iro_allocation(figures: dict[str, Any], period: Period, on: date) -> dict[str, Any]:
    started = {**_dates("started_from", period.start), **_dates("started_to", period.end)}
    return {
        "days": settings.REVIEW_STANDARDS["iro_allocated_within_working_days"],
        "percent": figures["children"]["percent_iro_allocated_in_time"],
        "figures": [
            Figure(
                label,
                figures["children"][f"iro_allocation_{outcome}"],
                _url("children:list", iro_allocation=outcome, **started),
            )
            for outcome, label in IRO_ALLOCATION_OUTCOMES
        ],
    }


RAG_LABELS = {Rag.RED.value: "Red", Rag.AMBER.value: "Amber", Rag.GREEN.value: "Green", "none": "Not rated"}


def oversight(figures: dict[str, Any]) -> dict[str, Any]:
    looked_after = {"care_status": "looked_after"}
    over = figures["oversight"]
    return {
        "ratings": [
            Figure(RAG_LABELS[rag], count, _url("children:list", rag=rag, **looked_after), over["percents"][rag])
            for rag, count in over["ratings"].items()
        ],
        "red_check_overdue": Figure(
            "Red-rated children with an overdue check",
            over["red_check_overdue"],
            _url("children:list", rag=Rag.RED.value, oversight="check_overdue", **looked_after),
        ),
        "no_record_this_quarter": Figure(
            "Children with no oversight record this quarter",
            over["no_record_this_quarter"],
            _url("children:list", oversight="no_record_this_quarter", **looked_after),
        ),
        "quarter_start": over["quarter_start"],
        "looked_after_now": over["looked_after_now"],
    }


def rag_chart(figures: dict[str, Any]) -> str:
    over = figures["oversight"]
    return charts.bar_chart(
        chart_id="rag-chart",
        title="Current RAG ratings of children looked after",
        description="How many children looked after now have each current RAG rating, or none yet. The table beside "
        "the chart gives the same figures.",
        bars=[(RAG_LABELS[rag], count) for rag, count in over["ratings"].items()],
        value_axis_label="Children",
        category_axis_label="Rating",
    )


def escalations(figures: dict[str, Any], period: Period) -> dict[str, Any]:
    esc = figures["escalations"]
    resolved = {**_dates("resolved_from", period.start), **_dates("resolved_to", period.end)}
    raised = {**_dates("raised_from", period.start), **_dates("raised_to", period.end)}
    return {
        "stages": [
            {
                "stage": stage,
                "open": Figure(
                    "Open",
                    esc["open_by_stage"][stage.value],
                    _url("escalations:list", status="open", stage=stage.value),
                ),
                "overdue": Figure(
                    "Response overdue",
                    esc["overdue_by_stage"][stage.value],
                    _url("escalations:list", status="open", stage=stage.value, response_overdue="yes"),
                ),
                "resolved": Figure(
                    "Resolved in the period",
                    esc["resolved_by_stage"][stage.value],
                    _url("escalations:list", status="resolved", resolved_stage=stage.value, **resolved),
                ),
            }
            for stage in Stage
        ],
        "open": Figure("Open", esc["open"], _url("escalations:list", status="open")),
        "overdue": Figure(
            "Escalations with a response overdue",
            esc["overdue"],
            _url("escalations:list", status="open", response_overdue="yes"),
        ),
        "resolved": Figure(
            "Resolved in the period", esc["resolved"], _url("escalations:list", status="resolved", **resolved)
        ),
        "areas": [
            {
                "label": label,
                "open": Figure(
                    "Open", esc["by_area"][area]["open"], _url("escalations:list", status="open", area=area)
                ),
                "raised": Figure(
                    "Raised in the period",
                    esc["by_area"][area]["raised"],
                    _url("escalations:list", status="all", area=area, **raised),
                ),
            }
            for area, label in AreaOfConcern.choices
        ],
    }


def children(figures: dict[str, Any], period: Period) -> list[Figure]:
    kids = figures["children"]
    return [
        Figure("Looked after now", kids["looked_after_now"], _url("children:list", care_status="looked_after")),
        Figure(
            "Started to be looked after in the period",
            kids["started"],
            _url("children:list", **_dates("started_from", period.start), **_dates("started_to", period.end)),
        ),
        Figure(
            "Ceased to be looked after in the period",
            kids["ceased"],
            _url("children:list", **_dates("ceased_from", period.start), **_dates("ceased_to", period.end)),
        ),
        Figure(
            "On a child protection plan now",
            kids["on_protection_plan"],
            _url("children:list", care_status="protection_plan"),
        ),
        Figure(
            "Plans open for more than 18 months",
            kids["plan_over_18_months"],
            _url("children:list", plan_length="over_18_months"),
        ),
        Figure(
            "Plans open for 2 years or more",
            kids["plan_2_years_or_more"],
            _url("children:list", plan_length="2_years_or_more"),
        ),
    ]


def page_content(figures: dict[str, Any], period: Period, on: date, everyone: bool = True) -> dict[str, Any]:
    """Everything the template shows, with every figure's link. The whole service's dashboard
    shows only the caseloads outside the range; an IRO's shows their own."""
    lac = figures["reviews"][ReviewKind.LAC.value]
    content = {
        "review_rows": review_rows(figures, period),
        "late_reason_rows": late_reason_rows(figures, period),
        "month_rows": month_rows(figures, period),
        "timeliness_chart": timeliness_chart(figures),
        "participation": participation(figures, period),
        "lac_record": lac_record(figures, period),
        "conferences": conferences(figures, period),
        "consultations": consultations(figures, period),
        "caseloads": figures["caseloads"],
        "iro_allocation": iro_allocation(figures, period, on),
        "oversight": oversight(figures),
        "rag_chart": rag_chart(figures),
        "escalations": escalations(figures, period),
        "children": children(figures, period),
    }
    if everyone:
        content["outside_the_band"] = caseloads_outside_the_band(figures)
    else:
        rows = figures["caseloads"]["rows"]
        content["caseload_rows"] = caseload_rows(rows)
        content["caseload_chart"] = caseload_chart(
            rows, title="Children per full-time IRO", description="Your caseload per full-time equivalent"
        )
    content["headlines"] = [
        Figure(
            "LAC reviews held in timescale",
            lac["in_timescale"],
            _held(period, kind=ReviewKind.LAC.value, timeliness="in_timescale"),
            lac["percent_in_timescale"],
        ),
        Figure(
            "Reviews and conferences overdue now",
            sum(figures["reviews"][kind]["overdue"] for kind in ReviewKind.values),
            _url("reviews:due", period="overdue"),
        ),
        content["participation"]["rate"],
        content["oversight"]["red_check_overdue"],
        content["escalations"]["overdue"],
    ]
    return content
