"""The outcomes a corporate parent asks about, from the SSDA903 return's outcome tables and
episodes: health of children in care 12 months or more (OC2), care leavers (OC3), missing,
adoption timeliness, placement stability, placement location and routes out of care, for one
reporting year (1 April to 31 March; the DfE's collection year is named by the year it ends in).

Each figure is one condition on a Child query (FIGURES): the figure counts the children that
meet it and the list behind it shows the same children. A cohort is the children the figure is a
percentage of. `children` narrows every figure to a set of children (an IRO's own caseload);
None means the whole authority. outcome_figures runs four queries whatever the number of
children.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Subquery as SubqueryExpression
from django.db.models.functions import Coalesce
from django.db.models.lookups import In, LessThanOrEqual

from children.codes import SHORT_BREAK_LEGAL_STATUSES, PlacementType, ReasonEpisodeCeased, ReasonForNewEpisode
from children.models import CareEpisode, Child, open_on
from children.selectors import (
    aged_between,
    dfe_care_ends_between,
    dfe_ceased_care_between,
    dfe_episodes,
    dfe_looked_after,
    dfe_looked_after_between,
    episodes_open_between,
    latest_birth_date_for_age,
    period_of_care_ends_between,
    period_of_care_starts,
)
from iro_portal.months import latest_start_open_longer_than
from outcomes.codes import CareLeaverActivity, InTouch, MissingKind
from outcomes.models import Adoption, AdoptionDecision, CareLeaverRecord, HealthRecord, MissingEpisode

from .periods import Period, reporting_year
from .selectors import percent
from .tallies import tally

EET_ACTIVITIES = frozenset(
    {
        CareLeaverActivity.F1,
        CareLeaverActivity.P1,
        CareLeaverActivity.F2,
        CareLeaverActivity.P2,
        CareLeaverActivity.F4,
        CareLeaverActivity.P4,
        CareLeaverActivity.F5,
        CareLeaverActivity.P5,
    }
)
"""ACTIV codes for a care leaver in education (higher or other), training, employment or an
apprenticeship, full or part time: the DfE's "in education, employment or training"."""
NEET_ACTIVITIES = frozenset({CareLeaverActivity.G4, CareLeaverActivity.G5, CareLeaverActivity.G6})
"""ACTIV codes for a care leaver not in education, employment or training (illness or
disability, other reasons, pregnancy or parenting). Code 0 (not known) is neither."""

PLACED_FOR_ADOPTION = frozenset({PlacementType.A3, PlacementType.A4, PlacementType.A5, PlacementType.A6})
TEMPORARY_PLACEMENTS = frozenset(
    {PlacementType.T0, PlacementType.T1, PlacementType.T2, PlacementType.T3, PlacementType.T4}
)
"""Temporary moves (hospital, holiday, custody, another carer for a short while) after which the
child goes back to their placement: the DfE does not count them as placements."""

MILES_FROM_HOME = 20

ROUTES_OUT = [
    ("adoption", "Adopted", [ReasonEpisodeCeased.E11, ReasonEpisodeCeased.E12]),
    (
        "special_guardianship",
        "Special guardianship order",
        [ReasonEpisodeCeased.E45, ReasonEpisodeCeased.E46, ReasonEpisodeCeased.E47, ReasonEpisodeCeased.E48],
    ),
    ("child_arrangements", "Residence or child arrangements order", [ReasonEpisodeCeased.E41]),
    ("return_home", "Returned home to parents", [ReasonEpisodeCeased.E4A, ReasonEpisodeCeased.E4B]),
    ("independent_living", "Moved to independent living", [ReasonEpisodeCeased.E5, ReasonEpisodeCeased.E6]),
    ("age_18", "Aged 18 and stayed with their carers", [ReasonEpisodeCeased.E17]),
    (
        "other",
        "Other reasons",
        [
            ReasonEpisodeCeased.E13,
            ReasonEpisodeCeased.E2,
            ReasonEpisodeCeased.E3,
            ReasonEpisodeCeased.E7,
            ReasonEpisodeCeased.E8,
            ReasonEpisodeCeased.E9,
            ReasonEpisodeCeased.E14,
            ReasonEpisodeCeased.E15,
            ReasonEpisodeCeased.E16,
            ReasonEpisodeCeased.X1,
        ],
    ),
]
"""(key, label, REC codes): why children ceased to be looked after, grouped as the DfE's
"children who ceased to be looked after by reason episode ceased" table groups them. E13 (left
care to live with a parent, relative or other person without parental responsibility) is a row
of its own there, not a return home; here it is among the other reasons, as is X1 (an episode
that ends with another beginning the same day), which ends being looked after as the DfE counts
it only when the next episode is a short break."""

CARE_LEAVER_AGES = [("17_18", "Aged 17 or 18", 17, 19), ("19_21", "Aged 19 to 21", 19, 22)]
"""(key, label, from age, up to but not including age): the age reached at the birthday in the
year, which is the age on 31 March."""

SDQ_AGES = (4, 17)
"""SDQ scores are collected for children aged 4 to 16 (inclusive) at 31 March."""


def collection_year(first_year: int) -> int:
    """The OC2 and OC3 year (named by the year it ends in) of the reporting year starting 1 April
    `first_year`."""
    return first_year + 1


def _as_condition(condition: Any) -> Q:
    return condition if isinstance(condition, Q) else Q(condition)


def _child_has(rows: QuerySet[Any]) -> Q:
    return Q(Exists(rows.filter(child=OuterRef("pk"))))


def looked_after_at_year_end(period: Period) -> Q:
    """Looked after on 31 March, short breaks (V3/V4) left out as the DfE's "children looked
    after at 31 March" leaves them out."""
    return Q(dfe_looked_after(period.end))


def _episode_at_year_end(period: Period, **conditions: Any) -> Q:
    return _child_has(dfe_episodes().filter(open_on(period.end), **conditions))


def _placements(on: date) -> QuerySet[CareEpisode]:
    """A child's episodes up to `on` that begin a placement, newest first: starting care or a
    change of placement (not a change of legal status only), temporary placements left out."""
    return (
        CareEpisode.objects.filter(child=OuterRef("pk"), start_date__lte=on)
        .exclude(reason_for_new_episode=ReasonForNewEpisode.L)
        .exclude(placement_type__in=TEMPORARY_PLACEMENTS)
        .order_by("-start_date")
    )


def placements_during(period: Period) -> QuerySet[CareEpisode]:
    """The placements each child had during the period, as the DfE counts them for "three or more
    placements": the placement the child was in when the period began, and each placement that
    started in it (starting care or a change of placement; a change of legal status only is the
    same placement). Temporary placements (T0-T4) and short breaks (V3/V4) are not counted."""
    return (
        episodes_open_between(period.start, period.end)
        .exclude(legal_status__in=SHORT_BREAK_LEGAL_STATUSES)
        .exclude(placement_type__in=TEMPORARY_PLACEMENTS)
        .exclude(Q(start_date__gte=period.start) & Q(reason_for_new_episode=ReasonForNewEpisode.L))
    )


def three_or_more_placements(period: Period) -> Q:
    """The DfE's short-term stability measure: children looked after at 31 March who had three or
    more placements during the year (placements_during)."""
    many = placements_during(period).values("child").annotate(placements=Count("pk")).filter(placements__gte=3)
    return looked_after_at_year_end(period) & Q(pk__in=many.values("child"))


def _period_of_care_start(on: date) -> SubqueryExpression:
    return SubqueryExpression(
        period_of_care_starts()
        .filter(child=OuterRef("pk"), start_date__lte=on)
        .order_by("-start_date")
        .values("start_date")[:1],
        output_field=DateField(),
    )


def long_term_cohort(period: Period) -> Q:
    """Children looked after at 31 March, under 16 then, and looked after continuously for at
    least two and a half years by then."""
    start_by = latest_start_open_longer_than(period.end, 30, or_exactly=True)
    return (
        looked_after_at_year_end(period)
        & Q(date_of_birth__gt=latest_birth_date_for_age(period.end, 16))
        & Q(LessThanOrEqual(_period_of_care_start(period.end), start_by))
    )


def long_term_stability(period: Period) -> Q:
    """The DfE's long-term stability measure (formerly NI 63): "looked after children aged under
    16 who have been looked after continuously for at least 2.5 years who were living in the same
    placement for at least 2 years, or are placed for adoption and their adoptive placement
    together with their previous placement last for at least 2 years" (long_term_cohort). A
    change of legal status only is the same placement; temporary placements are not placements."""
    two_years_before = latest_start_open_longer_than(period.end, 24, or_exactly=True)
    placements = _placements(period.end).values("start_date")
    current_start = SubqueryExpression(placements[:1], output_field=DateField())
    previous_start = SubqueryExpression(placements[1:2], output_field=DateField())
    placed_for_adoption = _episode_at_year_end(period, placement_type__in=PLACED_FOR_ADOPTION)
    return long_term_cohort(period) & (
        Q(LessThanOrEqual(current_start, two_years_before))
        | (placed_for_adoption & Q(LessThanOrEqual(previous_start, two_years_before)))
    )


def _last_reason_ceased(period: Period) -> SubqueryExpression:
    """The reason the child last ceased to be looked after in the period ended (the REC of the
    episode that ended it), as the DfE counts ceasing (dfe_care_ends_between)."""
    return SubqueryExpression(
        dfe_care_ends_between(period.start, period.end)
        .filter(child=OuterRef("pk"))
        .order_by("-end_date")
        .values("reason_episode_ceased")[:1]
    )


def ceased(period: Period) -> Q:
    """Ceased to be looked after in the period as the DfE's published statistics count it, short
    breaks (V3/V4) left out: the report's count of children who ceased, and the cohort of the
    routes out of care."""
    return _as_condition(dfe_ceased_care_between(period.start, period.end))


def route_out(period: Period, codes: Iterable[str]) -> Q:
    return ceased(period) & Q(In(_last_reason_ceased(period), codes))


def adopted(period: Period) -> Q:
    """Children who ceased to be looked after in the period by being adopted (REC E11, E12)."""
    return route_out(period, ROUTES_OUT[0][2])


def _health_record(first_year: int, **conditions: Any) -> Q:
    return _child_has(HealthRecord.objects.filter(year=collection_year(first_year), **conditions))


def _care_leaver_record(first_year: int, **conditions: Any) -> Q:
    return _child_has(CareLeaverRecord.objects.filter(year=collection_year(first_year), **conditions))


def _missing(period: Period, kind: str) -> Q:
    return _child_has(
        MissingEpisode.objects.filter(kind=kind, start_date__gte=period.start, start_date__lte=period.end)
    )


def looked_after_during(period: Period) -> Q:
    """Looked after at any time in the period, short breaks (V3/V4) left out: the cohort the DfE
    gives the share of children who went missing of ("figures exclude children looked after under
    an agreed series of short-term placements"). The DfE counts a child as missing who "is not at
    their placement or a place they are expected to be and their whereabouts is not known"; away
    without authorisation is the child whose whereabouts are known."""
    return Q(dfe_looked_after_between(period.start, period.end))


def _sdq_cohort(first_year: int) -> Q:
    period = reporting_year(first_year)
    return _health_record(first_year) & aged_between(period.end, *SDQ_AGES)


@dataclass(frozen=True)
class FigureDefinition:
    key: str
    label: str
    cohort: str
    """The key of the cohort (COHORTS) the figure is a percentage of."""


def cohorts(first_year: int) -> dict[str, Q]:
    """The groups of children the figures are percentages of, each a condition on Child."""
    period = reporting_year(first_year)
    found = {
        "oc2": _health_record(first_year),
        "oc2_sdq_ages": _sdq_cohort(first_year),
        "looked_after_during": looked_after_during(period),
        "looked_after_at_end": looked_after_at_year_end(period),
        "long_term": long_term_cohort(period),
        "ceased": ceased(period),
    }
    for key, _, low, high in CARE_LEAVER_AGES:
        found[f"care_leavers_{key}"] = _care_leaver_record(first_year) & aged_between(period.end, low, high)
    return found


COHORT_LABELS = {
    "oc2": "Looked after continuously for 12 months at 31 March",
    "oc2_sdq_ages": "Looked after continuously for 12 months at 31 March, aged 4 to 16",
    "looked_after_during": "Looked after during the year",
    "looked_after_at_end": "Looked after at 31 March",
    "long_term": "Under 16 at 31 March and looked after for 2.5 years or more",
    "ceased": "Ceased to be looked after in the year",
    **{f"care_leavers_{key}": f"Care leavers {label.lower()}" for key, label, _, _ in CARE_LEAVER_AGES},
}


def _definitions() -> list[FigureDefinition]:
    found = [
        FigureDefinition("health_assessment", "Health assessment up to date", "oc2"),
        FigureDefinition("teeth_check", "Teeth checked by a dentist", "oc2"),
        FigureDefinition("immunisations", "Immunisations up to date", "oc2"),
        FigureDefinition("substance_misuse", "Substance misuse problem identified", "oc2"),
        FigureDefinition("sdq_recorded", "SDQ score recorded", "oc2_sdq_ages"),
    ]
    for key, _, _, _ in CARE_LEAVER_AGES:
        cohort = f"care_leavers_{key}"
        found += [
            FigureDefinition(f"{cohort}_in_touch", "In touch", cohort),
            FigureDefinition(f"{cohort}_eet", "In education, employment or training", cohort),
            FigureDefinition(f"{cohort}_neet", "Not in education, employment or training", cohort),
            FigureDefinition(f"{cohort}_suitable", "In suitable accommodation", cohort),
        ]
    found += [
        FigureDefinition("went_missing", "Went missing", "looked_after_during"),
        FigureDefinition("away", "Away from placement without authorisation", "looked_after_during"),
        FigureDefinition("three_or_more_placements", "Three or more placements in the year", "looked_after_at_end"),
        FigureDefinition("long_term_stable", "Same placement for 2 years, or placed for adoption", "long_term"),
        FigureDefinition("over_20_miles", "Placed more than 20 miles from home", "looked_after_at_end"),
        FigureDefinition("distance_not_known", "Distance from home not known", "looked_after_at_end"),
        FigureDefinition("outside_authority", "Placed outside the authority", "looked_after_at_end"),
        FigureDefinition("location_not_known", "Placement location not known", "looked_after_at_end"),
    ]
    found += [FigureDefinition(f"route_{key}", label, "ceased") for key, label, _ in ROUTES_OUT]
    return found


FIGURES = {definition.key: definition for definition in _definitions()}


def conditions(first_year: int) -> dict[str, Q]:
    """Every figure's condition on Child: in the figure's cohort and counted in it. As the DfE
    defines them:
    - health (OC2): of children "looked after continuously for at least 12 months at 31 March",
      those whose health assessment and immunisations are up to date, whose teeth were checked
      by a dentist in the year, with a substance misuse problem identified; an SDQ score
      recorded for those aged 4 to 16;
    - care leavers (OC3, "whose 17th to 21st birthday falls in the year"): in touch (IN_TOUCH
      YES), in education, employment or training (EET_ACTIVITIES) or not (NEET_ACTIVITIES), in
      accommodation judged suitable (ACCOM ending 1), by age at that birthday;
    - missing (looked_after_during): a missing, or an away, episode starting in the year;
    - stability: three_or_more_placements and long_term_stability;
    - location, of children looked after at 31 March: placed more than 20 miles from home, and
      outside the authority, from the episode open that day; "not known" where the postcodes
      are not (no distance, no location);
    - routes out: children who ceased to be looked after in the year, by ROUTES_OUT."""
    period = reporting_year(first_year)
    found: dict[str, Q] = {
        "health_assessment": _health_record(first_year, health_assessment=True),
        "teeth_check": _health_record(first_year, teeth_check=True),
        "immunisations": _health_record(first_year, immunisations=True),
        "substance_misuse": _health_record(first_year, substance_misuse=True),
        "sdq_recorded": _sdq_cohort(first_year) & _health_record(first_year, sdq_score__isnull=False),
        "went_missing": looked_after_during(period) & _missing(period, MissingKind.MISSING),
        "away": looked_after_during(period) & _missing(period, MissingKind.AWAY),
        "three_or_more_placements": three_or_more_placements(period),
        "long_term_stable": long_term_stability(period),
        "over_20_miles": _episode_at_year_end(period, placement_distance__gt=MILES_FROM_HOME),
        "distance_not_known": _episode_at_year_end(period, placement_distance__isnull=True),
        "outside_authority": _episode_at_year_end(period, placement_location="OUT"),
        "location_not_known": _episode_at_year_end(period, placement_location=""),
    }
    for key, _, low, high in CARE_LEAVER_AGES:
        cohort = f"care_leavers_{key}"
        aged = aged_between(period.end, low, high)
        found[f"{cohort}_in_touch"] = aged & _care_leaver_record(first_year, in_touch=InTouch.YES)
        found[f"{cohort}_eet"] = aged & _care_leaver_record(first_year, activity__in=EET_ACTIVITIES)
        found[f"{cohort}_neet"] = aged & _care_leaver_record(first_year, activity__in=NEET_ACTIVITIES)
        found[f"{cohort}_suitable"] = aged & _care_leaver_record(first_year, accommodation__endswith="1")
    for key, _, codes in ROUTES_OUT:
        found[f"route_{key}"] = route_out(period, codes)
    return found


def children_in_figure(first_year: int, key: str, children: QuerySet[Child]) -> QuerySet[Child]:
    """The children behind one figure (or one cohort): the list its number opens."""
    condition = conditions(first_year).get(key) or cohorts(first_year)[key]
    return children.filter(condition)


def is_figure(key: str) -> bool:
    return key in FIGURES or key in COHORT_LABELS


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _average(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def adoption_timeliness(first_year: int, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """For children adopted in the year (adopted): average days from entering care (the start of
    the period of care that ended in adoption) to being placed for adoption (the first episode
    of that period with placement A3-A6), and from the decision that the child should be placed
    for adoption (AD1 DATE_INT, else the PlacedAdoption decision) to the match with adopters
    (AD1 DATE_MATCH). One query; children with a date missing are left out of that average."""
    period = reporting_year(first_year)
    scoped = Child.objects.all() if children is None else children
    adopted_on = SubqueryExpression(
        period_of_care_ends_between(period.start, period.end)
        .filter(child=OuterRef("pk"), reason_episode_ceased__in=ROUTES_OUT[0][2])
        .order_by("-end_date")
        .values("end_date")[:1],
        output_field=DateField(),
    )
    entered = SubqueryExpression(
        period_of_care_starts()
        .filter(child=OuterRef("pk"), start_date__lt=OuterRef("adopted_on"))
        .order_by("-start_date")
        .values("start_date")[:1],
        output_field=DateField(),
    )
    placed = SubqueryExpression(
        CareEpisode.objects.filter(
            child=OuterRef("pk"),
            placement_type__in=PLACED_FOR_ADOPTION,
            start_date__gte=OuterRef("entered"),
            start_date__lt=OuterRef("adopted_on"),
        )
        .order_by("start_date")
        .values("start_date")[:1],
        output_field=DateField(),
    )
    match = Adoption.objects.filter(child=OuterRef("pk"), matched_on__isnull=False).order_by("-matched_on")
    decision = AdoptionDecision.objects.filter(child=OuterRef("pk")).order_by("-decided_on")
    adopted_in_year = (
        scoped.filter(adopted(period))
        .annotate(adopted_on=adopted_on)
        .annotate(entered=entered)
        .annotate(
            placed=placed,
            matched=SubqueryExpression(match.values("matched_on")[:1], output_field=DateField()),
            decided=Coalesce(
                SubqueryExpression(match.values("decided_on")[:1], output_field=DateField()),
                SubqueryExpression(decision.values("decided_on")[:1], output_field=DateField()),
            ),
        )
        .annotate(
            entered_to_placed=ExpressionWrapper(F("placed") - F("entered"), output_field=DurationField()),
            decision_to_match=ExpressionWrapper(F("matched") - F("decided"), output_field=DurationField()),
        )
    )
    rows = tally(
        "adoptions",
        adopted_in_year,
        child="pk",
        by=("entered_to_placed", "decision_to_match"),
        children=Count("pk"),
    )
    to_placed: list[int] = []
    to_match: list[int] = []
    adopted_count = 0
    for row in rows:
        adopted_count += row["children"]
        for taken, values in ((row["entered_to_placed"], to_placed), (row["decision_to_match"], to_match)):
            if taken is not None:
                values.extend([taken.days] * row["children"])
    return {
        "adopted": adopted_count,
        "entered_to_placed_children": len(to_placed),
        "entered_to_placed_days": _average(to_placed),
        "decision_to_match_children": len(to_match),
        "decision_to_match_days": _average(to_match),
    }


def outcome_figures(first_year: int, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """Every outcome figure for the reporting year starting 1 April `first_year`: each cohort and
    each figure's count and percentage of its cohort; the average SDQ score (aged 4 to 16);
    missing episodes per child who went missing; adoption timeliness. Four queries: the counts in
    one, each condition looked up once per child."""
    period = reporting_year(first_year)
    scoped = Child.objects.all() if children is None else children
    flagged = scoped.annotate(
        **{f"cohort_{key}": _flag(condition) for key, condition in cohorts(first_year).items()},
        **{f"figure_{key}": _flag(condition) for key, condition in conditions(first_year).items()},
    )
    names = list(flagged.query.annotations)
    counts = tally(
        "outcomes",
        flagged,
        child="pk",
        once_per_row=True,
        **{f"{name}_count": Count("pk", filter=Q(**{name: True})) for name in names},
    )
    cohort_counts = {key: counts[f"cohort_{key}_count"] for key in COHORT_LABELS}
    figures = {
        key: {
            "count": counts[f"figure_{key}_count"],
            "cohort": definition.cohort,
            "percent": percent(counts[f"figure_{key}_count"], cohort_counts[definition.cohort]),
        }
        for key, definition in FIGURES.items()
    }
    sdq = tally(
        "sdq_scores",
        HealthRecord.objects.filter(
            year=collection_year(first_year), sdq_score__isnull=False, child__in=scoped.filter(_sdq_cohort(first_year))
        ),
        child="child_id",
        scored=Count("pk"),
        total=Sum("sdq_score"),
    )
    episodes = tally(
        "missing_episodes",
        MissingEpisode.objects.filter(
            kind=MissingKind.MISSING,
            start_date__gte=period.start,
            start_date__lte=period.end,
            child__in=scoped.filter(looked_after_during(period)),
        ),
        child="child_id",
        episodes=Count("pk"),
    )["episodes"]
    went_missing = figures["went_missing"]["count"]
    return {
        "year": first_year,
        "cohorts": cohort_counts,
        "figures": figures,
        "average_sdq_score": (
            (Decimal(sdq["total"]) / sdq["scored"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if sdq["scored"]
            else None
        ),
        "missing_episodes": episodes,
        "missing_episodes_per_child": (
            (Decimal(episodes) / went_missing).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            if went_missing
            else None
        ),
        "adoption": adoption_timeliness(first_year, children),
    }


def label_of(key: str) -> str:
    """What a figure (with the cohort it is of) or a cohort counts, as a list's heading."""
    if key in FIGURES:
        definition = FIGURES[key]
        return f"{COHORT_LABELS[definition.cohort]}: {definition.label.lower()}"
    return COHORT_LABELS[key]
