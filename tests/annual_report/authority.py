"""The hand-built authority the annual IRO report tests (tests/annual_report/) run on, and every
figure of it they know.

Nothing here depends on the demo seed. The reporting years are 2025 (April 2025 to March 2026,
"this year") and 2024 (April 2024 to March 2025, "last year"); every record is dated well before
today, so the figures are the same whether worked out as of ON or as of the day the test runs.

The authority (`build_authority`):

* 8 "bulk" children, born 1 June 2013 (11 on 31 March 2025, 12 on 31 March 2026), girls, White
  British, in care since 2023, a LAC review each year (in timescale: PN1 x6 and PN2 x2 this year,
  PN1 x4 and PN3 x4 last year), oversight records (7 this year, 3 last year).
* Ulla: UASC boy, 17, Black African, came into care 1 May 2025; a late review (IRO unavailable, PN5).
* Lark: girl born 1 May 2024, in care since 1 June 2024 (under 1 last year, 1 this year); a review
  this year in timescale, PN0.
* Wren: girl, 8, came into care 15 January 2026.
* Cato: boy born 1 January 2020 (5 on 31 March 2025), in care 2022 to 1 September 2025; a late
  review last year (family unavailable, PN7).
* Pim: boy, in care 2022 to 1 October 2024.
* Nell: not in care; an initial child protection conference in timescale on 1 July 2025 and a
  neglect plan from that day.
* One escalation raised on 1 May 2025 about a bulk child, resolved informally 8 days later
  (reported with the informal ones, not against the formal process's standard).
"""

from datetime import date as D
from decimal import Decimal

from escalations.codes import Stage
from reviews.models import ReviewKind
from tests.conftest import escalation_raised, held_review, in_care, oversight_record, protection_plan
from tests.factories import ChildFactory, IroFactory

YEAR = 2025
ON = D(2026, 6, 1)
THIS, LAST = "April 2025 to March 2026", "April 2024 to March 2025"
FAMILY = "Quenderby"  # every hand-built child's family name; must never reach the board
CYCLE_START = D(2023, 1, 1)
"""When the cycle of the bulk children's reviews began."""


def child(given, local_id, **fields):
    return ChildFactory(given_name=given, family_name=FAMILY, local_child_id=local_id, **fields)


def episode(child, start, end=None, *, placement_type="U4", **fields):
    """An episode of care, in a foster placement unless told otherwise."""
    return in_care(child, start, end, placement_type=placement_type, **fields)


def lac_review(child, held_on, due_date, code, *, cycle_start=CYCLE_START, **fields):
    return held_review(
        child, ReviewKind.LAC, due=due_date, held=held_on, participation_code=code, cycle_start=cycle_start, **fields
    )


def build_authority():
    iro = IroFactory(first_name="Ivo", last_name="Chair")
    bulk = [
        child(f"Bulkina{n}", f"QZ80{n:02d}", date_of_birth=D(2013, 6, 1), sex="F", ethnicity="WBRI") for n in range(8)
    ]
    for n, kid in enumerate(bulk):
        episode(kid, D(2023, 1, 1))
        lac_review(kid, D(2025, 6, 10), D(2025, 6, 20), "PN1" if n < 6 else "PN2")
        lac_review(kid, D(2024, 6, 10), D(2024, 6, 20), "PN1" if n < 4 else "PN3")
        if n < 7:
            oversight_record(kid, iro, "case_file_check", D(2025, 7, 15), rag="green")
        if n < 3:
            oversight_record(kid, iro, "case_file_check", D(2024, 7, 15), rag="amber")

    ulla = child("Ullarina", "QZ9001", date_of_birth=D(2009, 1, 1), sex="M", ethnicity="BAFR", is_uasc=True)
    episode(ulla, D(2025, 5, 1), legal_status="V2", placement_type="K2", placement_provider="PR4")
    lac_review(ulla, D(2025, 11, 20), D(2025, 11, 3), "PN5", late_reason="iro_unavailable", cycle_start=D(2025, 5, 1))

    lark = child("Larkinetta", "QZ9002", date_of_birth=D(2024, 5, 1), sex="F", ethnicity="WBRI")
    episode(lark, D(2024, 6, 1), legal_status="C1")
    lac_review(lark, D(2025, 9, 1), D(2025, 9, 5), "PN0", cycle_start=D(2024, 6, 1))

    wren = child("Wrenolia", "QZ9003", date_of_birth=D(2018, 3, 1), sex="F", ethnicity="WBRI")
    episode(wren, D(2026, 1, 15), legal_status="V2")

    cato = child("Catorius", "QZ9004", date_of_birth=D(2020, 1, 1), sex="M", ethnicity="WBRI")
    episode(cato, D(2022, 1, 1), D(2025, 9, 1))
    lac_review(cato, D(2024, 9, 2), D(2024, 8, 20), "PN7", late_reason="family_unavailable", cycle_start=D(2022, 1, 1))

    pim = child("Pimbertus", "QZ9005", date_of_birth=D(2015, 1, 1), sex="M", ethnicity="WBRI")
    episode(pim, D(2022, 1, 1), D(2024, 10, 1))

    nell = child("Nellisande", "QZ9006", date_of_birth=D(2017, 1, 1), sex="F", ethnicity="WBRI")
    held_review(
        nell,
        ReviewKind.ICPC,
        due=D(2025, 7, 1),
        held=D(2025, 7, 1),
        number=1,
        cycle_start=D(2025, 6, 16),
        conference_outcome="plan_made",
        category_of_abuse="NEG",
    )
    protection_plan(nell, D(2025, 7, 1))

    escalation_raised(
        bulk[0], iro, D(2025, 5, 1), ["care_planning"], resolved_on=D(2025, 5, 9), resolved_at_stage=Stage.INFORMAL
    )
    return {"iro": iro, "bulk": bulk, "ulla": ulla, "lark": lark, "wren": wren, "cato": cato, "pim": pim, "nell": nell}


OTHER_ACTIVITY = {
    YEAR: {
        "child_population": 20000,
        "fostering_reviews_held": 40,
        "fostering_reviews_in_time": 36,
        "independent_visitor_matches": 3,
        "advocacy_referrals": 12,
        "complaints_received": 7,
        "complaints_stage_1": 5,
        "complaints_stage_2": 1,
        "complaints_stage_3": 0,
    },
    YEAR - 1: {
        "child_population": 15000,
        "fostering_reviews_held": 30,
        "fostering_reviews_in_time": 24,
        "independent_visitor_matches": 7,
        "advocacy_referrals": 9,
        "complaints_received": 6,
        "complaints_stage_1": 4,
        "complaints_stage_2": 2,
        "complaints_stage_3": 0,
    },
}
COMPARATORS = {
    "lac.percent_in_timescale": {"statistical_neighbours": Decimal("85.5"), "england": Decimal("88.5")},
    "children.rate_per_10000": {"statistical_neighbours": Decimal("72.4"), "england": Decimal("71")},
}


# Every figure this test knows: key -> (this year, last year), as the internal version shows them.
KNOWN = {
    "children.at_start": (10, 10),  # bulk 8, Lark, Cato | bulk 8, Cato, Pim
    "children.at_end": (11, 10),  # bulk 8, Ulla, Lark, Wren | bulk 8, Lark, Cato
    "children.during": (12, 11),  # + Cato | + Pim
    "children.started": (2, 1),  # Ulla, Wren | Lark
    "children.ceased": (1, 1),  # Cato | Pim
    "children.rate_per_10000": (5.5, 6.7),  # 11 of 20,000 | 10 of 15,000
    "children.age.under_1": (0, 1),
    "children.age.1_to_4": (1, 0),
    "children.age.5_to_9": (1, 1),  # Wren | Cato
    "children.age.10_to_15": (8, 8),
    "children.age.16_and_over": (1, 0),  # Ulla
    "children.age.total": (11, 10),
    "children.age.10_to_15.percent": (73, 80),
    "children.sex.F": (10, 9),
    "children.sex.M": (1, 1),
    "children.sex.U": (0, 0),
    "children.sex.total": (11, 10),
    "children.ethnicity.black.uasc": (1, 0),
    "lac.held": (10, 9),
    "lac.in_timescale": (9, 8),
    "lac.percent_in_timescale": (90, 89),  # 8 of 9 is 88.9
    "lac.late": (1, 1),
    "lac.late_reason.iro_unavailable": (1, 0),
    "lac.late_reason.family_unavailable": (0, 1),
    "lac.participation.PN0": (1, 0),
    "lac.participation.PN1": (6, 4),
    "lac.participation.PN2": (2, 0),
    "lac.participation.PN3": (0, 4),
    "lac.participation.PN5": (1, 0),
    "lac.participation.PN7": (0, 1),
    "lac.participation.total": (10, 9),
    "lac.participated": (9, 8),  # PN1 to PN6
    "lac.participation_counted": (9, 9),  # PN1 to PN7
    "lac.participation_rate": (100, 89),
    "cp.icpc.held": (1, 0),
    "cp.icpc.in_timescale": (1, 0),
    "cp.icpc.percent_in_timescale": (100, None),
    "cp.plans_started": (1, 0),
    "cp.category.NEG": (1, 0),
    "oversight.records": (7, 3),
    "oversight.kind.case_file_check": (7, 3),
    "oversight.kind.total": (7, 3),
    "oversight.rating.green": (7, 0),
    "oversight.rating.amber": (0, 3),
    "escalations.raised": (1, 0),
    "escalations.resolved_stage.1": (1, 0),
    "escalations.resolved_stage.total": (1, 0),
    "escalations.resolved_in_time": (0, 0),  # resolved informally: not judged against the standard
    "escalations.resolved_informally": (1, 0),
    "escalations.raised_informal": (1, 0),
    "other.fostering_reviews_held": (40, 30),
    "other.fostering_reviews_in_time": (36, 24),
    "other.percent_fostering_in_time": (90, 80),
    "other.independent_visitor_matches": (3, 7),
    "other.advocacy_referrals": (12, 9),
    "other.complaints_received": (7, 6),
    "other.complaints_stage_1": (5, 4),
    "other.complaints_stage_3": (0, 0),
}


PLAN = [
    {
        "priority": "Hold reviews on time",
        "measure": "95% in timescale",
        "intended_impact": "Plans do not drift",
        "action": "Book reviews earlier",
    },
    {
        "priority": "Hear more children",
        "measure": "Participation rate",
        "intended_impact": "Children shape plans",
        "action": "Offer advocates",
    },
]


def add_child_in_care_with_a_review():
    kid = child("Ottoline", "QZ9100", date_of_birth=D(2012, 2, 2), sex="F", ethnicity="WBRI")
    episode(kid, D(2025, 8, 1))
    lac_review(kid, D(2025, 10, 1), D(2025, 10, 20), "PN1", cycle_start=D(2025, 8, 1))
