"""The annual IRO report's figures (reporting.selectors): every figure right for a small
hand-made authority, and a fixed number of queries whatever the number of children.

The authority (`build_authority`) is built for the reporting year 1 April 2025 to 31 March 2026,
with the edge cases beside each record: a child who left care and came back in the year, episodes
ending exactly on the last day of the year and on the day before it began, a 29 February
birthday, a child turning 16 on the last day, a UASC child, a temporary placement with a blank
provider, quarters with and without oversight records, an escalation resolved on the 20th and
one on the 21st working day, repeat plans 23 and 25 months after the earlier one ended. None of
the children has a review: no figure here depends on reviews.

Working days and months are computed with reviews.timescales, never copied by hand.
"""

from datetime import date as D
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from children.codes import SHORT_BREAK_LEGAL_STATUSES, Ethnicity, LegalStatus, PlacementProvider, PlacementType
from children.selectors import (
    AGE_BANDS,
    ETHNIC_GROUPS,
    PLACEMENT_GROUPS,
    PROVIDER_GROUPS,
    age_on,
    latest_birth_date_for_age,
    periods_of_care,
)
from escalations.codes import Stage
from escalations.models import Escalation
from escalations.selectors import formal_process_too_long, with_formal_process
from reporting import selectors
from reporting.periods import Period, reporting_year
from reviews.timescales import add_months, add_working_days
from tests.conftest import escalation_raised, in_care, oversight_record, protection_plan
from tests.factories import ChildFactory, IroFactory

YEAR = reporting_year(2025)  # 1 April 2025 to 31 March 2026


# ---------------------------------------------------------------------------------------------
# Building the authority
# ---------------------------------------------------------------------------------------------


def build_authority():
    iro = IroFactory(first_name="Iris", last_name="Reviewer")
    child = {}

    def make(name, **fields):
        child[name] = ChildFactory(given_name=name, family_name="Annual", **fields)
        return child[name]

    # --- Children in care ---------------------------------------------------------------------
    # Ava: in care for years, placement change (a new episode the day the last ended) in August;
    # born on 29 February 2016: 10 on 31 March 2026, 9 on 28 February 2026, 10 on 1 March.
    ava = make("Ava", date_of_birth=D(2016, 2, 29), sex="F", ethnicity="WBRI")
    in_care(
        ava, D(2020, 1, 1), D(2025, 8, 1), placement_type="U6", placement_provider="PR4", reason_episode_ceased="X1"
    )
    in_care(
        ava, D(2025, 8, 1), legal_status="C2", placement_type="U4", placement_provider="PR1", reason_for_new_episode="P"
    )

    # Ben: UASC; left care on 15 June and came back on 1 October (nothing in July to September);
    # turns 16 on 31 March 2026.
    ben = make("Ben", date_of_birth=D(2010, 3, 31), sex="M", ethnicity="BAFR", is_uasc=True)
    in_care(ben, D(2024, 1, 10), D(2025, 6, 15), legal_status="V2")
    in_care(ben, D(2025, 10, 1), legal_status="V2", placement_type="K2", placement_provider="PR4")

    # Cal: adopted on 31 March 2026, the last day of the year: not looked after on it.
    cal = make("Cal", date_of_birth=D(2019, 7, 1), sex="M", ethnicity="WIRI")
    in_care(cal, D(2024, 5, 1), D(2026, 3, 31), legal_status="E1", placement_type="A4", reason_episode_ceased="E11")

    # Dee: ceased on 31 March 2025, the day before the year: in no figure.
    dee = make("Dee", date_of_birth=D(2012, 1, 1), sex="F", ethnicity="WBRI")
    in_care(dee, D(2023, 1, 1), D(2025, 3, 31))

    # Eve: came into care on 31 March 2026 under police protection, a temporary placement with
    # no provider (SSDA903 rule 178); under 1; sex unknown, ethnicity not yet obtained.
    eve = make("Eve", date_of_birth=D(2025, 6, 1), sex="U", ethnicity="NOBT")
    in_care(eve, D(2026, 3, 31), legal_status="L1", placement_type="T1", placement_provider="")

    # Fay: short breaks (V3) from 1 May 2025: left out, as the DfE counts, on a line of her own; aged 4.
    fay = make("Fay", date_of_birth=D(2022, 1, 15), sex="F", ethnicity="MWAS")
    in_care(fay, D(2025, 5, 1), legal_status="V3", placement_type="K2", placement_provider="PR1")

    # Gus: placed with parents (PR0) on an interim care order; 9 on 31 March 2026 (10 the day after).
    gus = make("Gus", date_of_birth=D(2016, 4, 1), sex="M", ethnicity="CHNE")
    in_care(gus, D(2024, 6, 1), legal_status="C1", placement_type="P1", placement_provider="PR0")

    # Ida: ceased on 1 April 2025, the year's first day: looked after at its start (31 March),
    # ceased in it and, as the DfE counts, looked after during it (until care ceased that day).
    ida = make("Ida", date_of_birth=D(2009, 9, 9), sex="F", ethnicity="WBRI")
    in_care(ida, D(2024, 2, 1), D(2025, 4, 1))

    # --- Oversight --------------------------------------------------------------------------------
    oversight_record(ava, iro, "midway_review", D(2025, 3, 31), rag="amber")  # before the year: not counted
    oversight_record(ava, iro, "post_review", D(2025, 5, 10), rag="red")  # Q1
    oversight_record(ava, iro, "case_file_check", D(2025, 8, 15))  # Q2
    oversight_record(ava, iro, "midway_review", D(2025, 11, 10), rag="green")  # Q3
    oversight_record(ava, iro, "contact_with_child", D(2026, 3, 31))  # Q4, its last day
    oversight_record(ben, iro, "contact_with_social_worker", D(2025, 4, 1))  # Q1, its first day
    oversight_record(ben, iro, "midway_review", D(2025, 10, 20), rag="amber")  # Q3 (none needed in Q2)
    oversight_record(ben, iro, "pre_meeting_check", D(2026, 1, 5))  # Q4
    oversight_record(cal, iro, "quality_assurance_alert", D(2025, 4, 30))  # Q1
    oversight_record(cal, iro, "post_review", D(2025, 9, 30), rag="green")  # Q2, its last day
    oversight_record(cal, iro, "case_file_check", D(2025, 12, 31))  # Q3; nothing in Q4
    oversight_record(fay, iro, "contact_with_child", D(2025, 6, 30))  # Q1
    oversight_record(fay, iro, "case_file_check", D(2025, 7, 1))  # Q2
    oversight_record(fay, iro, "case_file_check", D(2025, 12, 1))  # Q3
    oversight_record(fay, iro, "midway_review", D(2026, 2, 2), rag="green")  # Q4
    oversight_record(ida, iro, "contact_with_social_worker", D(2025, 4, 1))  # counted among records
    oversight_record(gus, iro, "case_file_check", D(2026, 4, 1))  # after the year: not counted

    # --- Escalations -----------------------------------------------------------------------------
    on_20th = D(2025, 5, 1)
    escalation_raised(
        ava,
        iro,
        on_20th,
        ["care_planning", "placement"],
        [(Stage.INFORMAL, on_20th), (Stage.TEAM_MANAGER, D(2025, 5, 8))],
        resolved_on=add_working_days(on_20th, 20),
        resolved_at_stage=Stage.TEAM_MANAGER,
    )
    on_21st = D(2025, 6, 2)
    escalation_raised(
        ava, iro, on_21st, ["health"], resolved_on=add_working_days(on_21st, 21), resolved_at_stage=Stage.INFORMAL
    )
    escalation_raised(ben, iro, D(2025, 4, 10), ["care_planning"], withdrawn_on=D(2025, 5, 1))
    escalation_raised(
        cal,
        iro,
        D(2024, 11, 1),
        ["legal"],
        [(Stage.INFORMAL, D(2024, 11, 1)), (Stage.DIRECTOR, D(2025, 2, 3)), (Stage.CAFCASS, D(2025, 4, 15))],
        resolved_on=D(2025, 6, 20),
        resolved_at_stage=Stage.CAFCASS,
    )
    escalation_raised(gus, iro, D(2026, 3, 31), ["education"])
    escalation_raised(fay, iro, D(2025, 3, 31), ["other"], resolved_on=D(2025, 4, 2), resolved_at_stage=Stage.INFORMAL)
    escalation_raised(
        gus, iro, D(2026, 2, 2), ["contact"], [(Stage.INFORMAL, D(2026, 2, 2)), (Stage.CAFCASS, D(2026, 4, 1))]
    )

    # --- Child protection plans --------------------------------------------------------------------
    hal = make("Hal")  # a repeat plan 23 months after the first ended; category changed to EMO
    protection_plan(hal, D(2021, 1, 10), D(2023, 5, 10))
    protection_plan(
        hal, add_months(D(2023, 5, 10), 23), initial_category_of_abuse="NEG", latest_category_of_abuse="EMO"
    )
    ivy = make("Ivy")  # a repeat plan 25 months after the first ended, on the year's first day
    protection_plan(ivy, D(2020, 6, 1), D(2023, 3, 1))
    protection_plan(ivy, add_months(D(2023, 3, 1), 25), D(2025, 12, 1), initial_category_of_abuse="PHY")
    jo = make("Jo")  # open exactly 2 years on 31 March 2026
    protection_plan(jo, add_months(YEAR.end, -24), initial_category_of_abuse="SAB")
    kay = make("Kay")  # open 18 months and a day
    protection_plan(kay, add_months(YEAR.end, -18) - timedelta(days=1), initial_category_of_abuse="MUL")
    mo = make("Mo")  # ended in the year after exactly 2 years
    protection_plan(mo, D(2023, 6, 30), D(2025, 6, 30))
    quin = make("Quin")  # ended in the year a day short of 2 years
    protection_plan(quin, D(2023, 7, 1), D(2025, 6, 30))
    ned = make("Ned")  # a plan ended on 31 March 2026 and a new one started the same day
    protection_plan(ned, D(2025, 1, 15), YEAR.end)
    protection_plan(ned, YEAR.end)
    rex = make("Rex")  # a first plan started in the year
    protection_plan(rex, D(2025, 7, 1))
    return {"iro": iro, **child}


@pytest.fixture
def authority(db):
    return build_authority()


def every(values, **counts):
    return {value: counts.get(str(value), 0) for value in values}


# ---------------------------------------------------------------------------------------------
# Every figure, by hand
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFigures:
    def test_children_in_care_profile(self, authority):
        figures = selectors.children_in_care_profile(YEAR)
        assert figures == {
            "looked_after_at_start": 5,  # Ava Ben Cal Gus Ida on 31 March 2025; Dee ceased that day
            "looked_after_at_end": 4,  # Ava Ben Eve Gus; Cal ceased on 31 March 2026; Fay on short breaks
            # Ava Ben Cal Eve Gus, and Ida who ceased on the first day; not Dee, the day before, nor Fay
            "looked_after_during": 6,
            "started": 2,  # Ben (back on 1 October), Eve; not Ava's placement change nor Fay's short breaks
            "ceased": 3,  # Ben (15 June), Cal (31 March 2026), Ida (1 April 2025); not Dee
            "only_short_breaks_at_end": 1,  # Fay
            "only_short_breaks_during": 1,  # Fay
            "age_bands": {
                "under_1": 1,  # Eve
                "1_to_4": 0,  # Fay, 4, is on short breaks
                "5_to_9": 1,  # Gus, 10 only on 1 April
                "10_to_15": 1,  # Ava, born 29 February 2016: 10
                "16_and_over": 1,  # Ben, 16 on 31 March 2026
            },
            "sex": {"M": 2, "F": 1, "U": 1},  # Ben Gus; Ava; Eve
            "ethnicity": {
                "white": {"all": 1, "not_uasc": 1, "uasc": 0},  # Ava
                "mixed": {"all": 0, "not_uasc": 0, "uasc": 0},  # Fay is on short breaks
                "asian": {"all": 0, "not_uasc": 0, "uasc": 0},
                "black": {"all": 1, "not_uasc": 0, "uasc": 1},  # Ben, UASC
                "other": {"all": 1, "not_uasc": 1, "uasc": 0},  # Gus, Chinese
                "not_stated": {"all": 0, "not_uasc": 0, "uasc": 0},
                "not_obtained": {"all": 1, "not_uasc": 1, "uasc": 0},  # Eve
            },
            # Ava C2, Ben V2, Eve L1, Gus C1 (Fay's V3 is short breaks)
            "legal_status": every(LegalStatus.values, C2=1, V2=1, L1=1, C1=1),
            "placements": {
                **{key: {"own": 0, "private": 0, "other": 0} for key, _, _ in PLACEMENT_GROUPS},
                "foster": {"own": 1, "private": 0, "other": 0},  # Ava's U4 with PR1 since August
                "childrens_home": {"own": 0, "private": 1, "other": 0},  # Ben PR4 (Fay's short breaks left out)
                "temporary": {"own": 0, "private": 0, "other": 1},  # Eve, T1 with no provider
                "parents": {"own": 0, "private": 0, "other": 1},  # Gus, P1 with PR0
            },
        }
        assert list(figures["ethnicity"]) == [key for key, _, _ in ETHNIC_GROUPS]
        assert list(figures["placements"]) == [key for key, _, _ in PLACEMENT_GROUPS]

    @pytest.mark.parametrize(
        "end, bands",
        [
            # looked after: Ava, Ben (back since October), Cal, Gus; ages Ava 9, Ben 15, Cal 6, Gus 9 (Fay's
            # short breaks left out)
            (D(2026, 2, 28), {"under_1": 0, "1_to_4": 0, "5_to_9": 3, "10_to_15": 1, "16_and_over": 0}),
            # Ava's birthday falls on 1 March in a year without 29 February: 10
            (D(2026, 3, 1), {"under_1": 0, "1_to_4": 0, "5_to_9": 2, "10_to_15": 2, "16_and_over": 0}),
        ],
    )
    def test_age_on_the_last_day_with_a_29_february_birthday(self, authority, end, bands):
        assert selectors.children_in_care_profile(Period(D(2025, 3, 1), end))["age_bands"] == bands

    def test_oversight_year_figures(self, authority):
        assert selectors.oversight_year_figures(YEAR) == {
            "records": 15,  # Ava 4, Ben 3, Cal 3, Fay 4, Ida 1; not Ava's of 31 March 2025 nor Gus's of 1 April 2026
            "records_by_kind": {
                "post_review": 2,  # Ava Q1, Cal Q2
                "midway_review": 3,  # Ava Q3, Ben Q3, Fay Q4
                "case_file_check": 4,  # Ava Q2, Cal Q3, Fay Q2 and Q3
                "contact_with_child": 2,  # Ava Q4, Fay Q1
                "contact_with_social_worker": 2,  # Ben Q1, Ida
                "pre_meeting_check": 1,  # Ben Q4
                "quality_assurance_alert": 1,  # Cal Q1
            },
            "ratings": {"red": 1, "amber": 1, "green": 3},  # Ava; Ben; Ava, Cal, Fay
            "children_looked_after": 7,  # Ava Ben Cal Eve Fay Gus Ida
            # Ava every quarter; Ben every quarter he was looked after (not July to September);
            # Fay from May; Ida (looked after on 1 April only, seen that day); not Cal (none in Q4),
            # Eve (in care on 31 March only, no record), Gus (none)
            "children_with_record_every_quarter": 4,
            "percent_every_quarter": 57,
        }

    def test_quarters_of_a_period_are_clipped_to_it(self):
        assert selectors.quarters(YEAR) == [
            (D(2025, 4, 1), D(2025, 6, 30)),
            (D(2025, 7, 1), D(2025, 9, 30)),
            (D(2025, 10, 1), D(2025, 12, 31)),
            (D(2026, 1, 1), D(2026, 3, 31)),
        ]
        assert selectors.quarters(Period(D(2025, 5, 15), D(2025, 7, 3))) == [
            (D(2025, 5, 15), D(2025, 6, 30)),
            (D(2025, 7, 1), D(2025, 7, 3)),
        ]

    def test_escalation_year_figures(self, authority):
        assert selectors.escalation_year_figures(YEAR) == {
            "raised": 5,  # Ava twice, Ben, Gus twice (one on 31 March 2026); not Cal's nor Fay's (before)
            "children": 3,  # Ava, Ben, Gus
            "by_area": every(
                [
                    "care_planning",
                    "placement",
                    "health",
                    "education",
                    "contact",
                    "safeguarding",
                    "statutory_visits",
                    "review_process",
                    "assessments",
                    "pathway",
                    "identity",
                    "participation",
                    "legal",
                    "other",
                ],
                care_planning=2,
                placement=1,
                health=1,
                education=1,
                contact=1,  # Cal's legal, Fay's other: before
            ),
            "resolved": 4,  # Ava's two, Cal's, Fay's (raised the day before the year, resolved in it)
            "resolved_by_stage": {1: 2, 2: 1, 3: 0, 4: 0, 5: 0, 6: 1},  # Ava's second and Fay's; Ava's first; Cal's
            "resolved_informally": 2,  # Ava's second and Fay's: never went formal, not judged by the standard
            "resolved_formally": 2,  # Ava's first and Cal's
            # Ava's first: 16 working days from its team manager step (8 May) to resolution; Cal's formal
            # process ran from 3 February to 20 June 2025
            "resolved_within_working_days": 1,
            "percent_resolved_within_working_days": 50,
            "resolution_working_days": 20,
            "withdrawn": 1,  # Ben's
            "cafcass_referrals": 1,  # Cal's, sent in April 2025; Gus's is sent on 1 April 2026
        }

    def test_the_standard_is_the_formal_process_limit_the_escalation_lists_flag_by(self, authority, settings):
        settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS = 15
        figures = selectors.escalation_year_figures(YEAR)
        assert figures["resolution_working_days"] == 15
        assert figures["resolved_within_working_days"] == 0  # Ava's first took 16
        too_long = with_formal_process(Escalation.objects.filter(resolved_on__gte=YEAR.start), YEAR.end).filter(
            formal_process_too_long()
        )
        assert too_long.count() == figures["resolved_formally"]

    def test_child_protection_year_figures(self, authority):
        assert selectors.child_protection_year_figures(YEAR) == {
            "plans_started": 4,  # Hal's second, Ivy's second (1 April 2025), Ned's second (31 March 2026), Rex's
            "plans_ended": 4,  # Ivy's second, Mo's, Quin's, Ned's first (31 March 2026)
            # Hal's second NEG (EMO now), Ned's second and Rex's NEG; Ivy's second PHY
            "plans_started_by_initial_category": {"NEG": 3, "PHY": 1, "SAB": 0, "EMO": 0, "MUL": 0},
            "plans_at_end": 5,  # Hal, Jo, Kay, Ned (the second), Rex; Ned's first ended that day
            # Ned's second and Rex's NEG; Jo SAB; Hal's latest EMO (initially NEG); Kay MUL
            "plans_at_end_by_category": {"NEG": 2, "PHY": 0, "SAB": 1, "EMO": 1, "MUL": 1},
            "plans_open_18_months_at_end": 2,  # Jo (2 years), Kay (18 months and a day)
            "plans_open_2_years_at_end": 1,  # Jo, exactly 2 years
            "repeat_plans": 3,  # Hal, Ivy, Ned; not Rex's first
            "repeat_plans_within_2_years": 2,  # Hal (23 months after), Ned (the same day); not Ivy (25 months)
            "percent_repeat_plans": 75,  # 3 of 4
            "plans_ended_lasting_2_years_or_more": 1,  # Mo, exactly 2 years; Quin a day short
        }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "earlier_end, later_start, within",
    [
        (D(2024, 2, 29), D(2026, 2, 28), True),  # add_months(29 February 2024, 24) is 28 February 2026
        (D(2024, 2, 29), D(2026, 3, 1), False),
        (D(2023, 5, 10), D(2025, 5, 10), True),  # exactly 2 years
        (D(2023, 5, 10), D(2025, 5, 11), False),
    ],
)
def test_repeat_plan_within_2_years_counts_calendar_months(earlier_end, later_start, within):
    child = ChildFactory()
    protection_plan(child, D(2020, 1, 1), earlier_end)
    protection_plan(child, later_start)
    figures = selectors.child_protection_year_figures(Period(later_start, later_start))
    assert (figures["repeat_plans"], figures["repeat_plans_within_2_years"]) == (1, int(within))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, end, lasted",
    [
        (D(2024, 2, 29), D(2026, 2, 28), True),  # as PLAN_LENGTHS: add_months(start, 24) on or before the end
        (D(2024, 2, 29), D(2026, 2, 27), False),
        (D(2024, 3, 1), D(2026, 2, 28), False),
    ],
)
def test_plans_lasting_2_years_count_calendar_months(start, end, lasted):
    protection_plan(ChildFactory(), start, end)
    figures = selectors.child_protection_year_figures(Period(end, end))
    assert figures["plans_ended_lasting_2_years_or_more"] == int(lasted)


# ---------------------------------------------------------------------------------------------
# The groups
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups, values",
    [
        (ETHNIC_GROUPS, Ethnicity.values),
        (PLACEMENT_GROUPS, PlacementType.values),
        (PROVIDER_GROUPS, [*PlacementProvider.values, ""]),
    ],
)
def test_every_code_is_in_exactly_one_group(groups, values):
    codes = [code for _, _, group in groups for code in group]
    assert sorted(codes) == sorted(values)
    assert len({key for key, _, _ in groups}) == len(groups)


def test_age_bands_cover_every_age_once():
    assert [(low, high) for _, _, low, high in AGE_BANDS] == [(0, 1), (1, 5), (5, 10), (10, 16), (16, None)]


@pytest.mark.parametrize("born", [D(2012, 2, 29), D(2012, 2, 28), D(2012, 3, 1), D(2011, 12, 31), D(2012, 1, 1)])
def test_age_bands_agree_with_age_on_day_by_day(born):
    """aged_between compares dates of birth with latest_birth_date_for_age: the same as age_on."""
    day = D(2012, 1, 1)
    while day <= D(2030, 12, 31):
        for years in (1, 5, 10, 16):
            assert (born <= latest_birth_date_for_age(day, years)) == (age_on(born, day) >= years), (day, years)
        day += timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# A fixed number of queries
# ---------------------------------------------------------------------------------------------

QUERIES = {
    "children_in_care_profile": 4,
    "oversight_year_figures": 2,
    "escalation_year_figures": 2,
    "child_protection_year_figures": 2,
}


def add_children(number, iro):
    """`number` more children, each with something every figure counts."""
    for n in range(number):
        kid = ChildFactory(
            date_of_birth=D(2010 + n % 15, 1 + n % 12, 1), ethnicity=Ethnicity.values[n % 20], is_uasc=n % 3 == 0
        )
        in_care(kid, D(2024, 1, 1), D(2025, 9, 1), reason_episode_ceased="X1")
        in_care(
            kid,
            D(2025, 9, 1),
            legal_status=LegalStatus.values[n % 13],
            placement_type=["U4", "K2", "T1", "P1"][n % 4],
            placement_provider=["PR1", "PR4", "", "PR0"][n % 4],
            reason_for_new_episode="P",
        )
        oversight_record(kid, iro, "midway_review", D(2025, 4 + n % 9, 1), rag="green")
        escalation_raised(
            kid,
            iro,
            D(2025, 5, 1),
            ["health"],
            [(Stage.INFORMAL, D(2025, 5, 1)), (Stage.CAFCASS, D(2025, 6, 2))],
            resolved_on=add_working_days(D(2025, 5, 1), 10 + n),
            resolved_at_stage=Stage.CAFCASS,
        )
        protection_plan(kid, D(2022, 1, 1), D(2023, 1, 1))
        protection_plan(kid, D(2025, 4, 1 + n % 28))


@pytest.mark.django_db
@pytest.mark.parametrize("function", sorted(QUERIES))
def test_a_fixed_number_of_queries_whatever_the_number_of_children(function):
    iro = IroFactory()
    counts = []
    for number in (3, 27):  # 3 children, then 30
        add_children(number, iro)
        with CaptureQueriesContext(connection) as queries:
            getattr(selectors, function)(YEAR)
        counts.append(len(queries))
    assert counts == [QUERIES[function]] * 2


# ---------------------------------------------------------------------------------------------
# SQL and the Python rules agree
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_selectors_agree_with_the_python_rules_on_a_random_authority():
    """Children with random runs of episodes and plans around the year's edges: the SQL figures
    equal those worked out child by child with is_looked_after_on, episode_on, age_on and
    add_months."""
    import random

    from children.selectors import episode_on, is_looked_after_on

    rng = random.Random(20250401)
    edges = [
        YEAR.start - timedelta(days=1),
        YEAR.start,
        YEAR.start + timedelta(days=1),
        YEAR.end - timedelta(days=1),
        YEAR.end,
        YEAR.end + timedelta(days=1),
        D(2024, 2, 29),
        D(2023, 3, 31),
    ]

    def some_day():
        return rng.choice(edges) if rng.random() < 0.5 else D(2022, 1, 1) + timedelta(days=rng.randrange(1700))

    children = []
    for _ in range(60):
        kid = ChildFactory(
            date_of_birth=rng.choice([D(2010, 3, 31), D(2016, 2, 29), D(2025, 4, 1), some_day()]),
            sex=rng.choice("MFU"),
            ethnicity=rng.choice(Ethnicity.values),
            is_uasc=rng.random() < 0.3,
        )
        day, episodes, plans = some_day() - timedelta(days=400), [], []
        for _ in range(rng.randrange(4)):
            day += timedelta(days=rng.choice([0, 0, 1, 30, 200]))
            end = None if rng.random() < 0.3 else day + timedelta(days=rng.choice([1, 60, 400]))
            placement, provider = rng.choice([("U4", "PR1"), ("K2", "PR4"), ("T1", ""), ("P1", "PR0"), ("R2", "PR3")])
            legal, ceased = rng.choice(LegalStatus.values), rng.choice(["X1", "E4A"])
            episodes.append(
                in_care(
                    kid,
                    day,
                    end,
                    legal_status=legal,
                    placement_type=placement,
                    placement_provider=provider,
                    reason_episode_ceased=ceased if end else "",
                )
            )
            if end is None:
                break
            day = end
        plan_day = some_day() - timedelta(days=rng.choice([0, 200, 730, 1100]))
        for _ in range(rng.randrange(4)):
            end = (
                None
                if rng.random() < 0.2
                else add_months(plan_day, rng.choice([1, 8, 24])) + timedelta(days=rng.choice([-1, 0, 1]))
            )
            plans.append(protection_plan(kid, plan_day, end))
            if end is None:
                break
            plan_day = add_months(end, rng.choice([0, 23, 24, 25, 30]))
        children.append((kid, episodes, plans))

    profile = selectors.children_in_care_profile(YEAR)
    # As the DfE counts: short-break episodes (V3/V4) left out before anything is counted.
    every_episode = {kid.pk: eps for kid, eps, _ in children}
    children = [
        (kid, [e for e in eps if e.legal_status not in SHORT_BREAK_LEGAL_STATUSES], p) for kid, eps, p in children
    ]
    at_end = [(kid, eps) for kid, eps, _ in children if is_looked_after_on(eps, YEAR.end)]
    during = [
        kid
        for kid, eps, _ in children
        if any(is_looked_after_on(eps, YEAR.start + timedelta(days=d)) for d in range((YEAR.end - YEAR.start).days + 1))
    ]
    assert profile["looked_after_at_start"] == sum(
        is_looked_after_on(eps, YEAR.start - timedelta(days=1)) for _, eps, _ in children
    )
    assert profile["looked_after_at_end"] == len(at_end)
    assert profile["looked_after_during"] == len(during)
    periods = [periods_of_care(sorted(eps, key=lambda e: e.start_date)) for _, eps, _ in children]
    assert profile["started"] == sum(any(YEAR.start <= p.start_date <= YEAR.end for p in ps) for ps in periods)
    assert profile["ceased"] == sum(
        any(p.end_date is not None and YEAR.start <= p.end_date <= YEAR.end for p in ps) for ps in periods
    )
    assert profile["only_short_breaks_at_end"] == sum(
        is_looked_after_on(every_episode[kid.pk], YEAR.end) and not is_looked_after_on(eps, YEAR.end)
        for kid, eps, _ in children
    )

    def in_the_year(episodes):
        return any(e.start_date <= YEAR.end and (e.end_date is None or e.end_date >= YEAR.start) for e in episodes)

    assert profile["only_short_breaks_during"] == sum(
        in_the_year(every_episode[kid.pk]) and not in_the_year(eps) for kid, eps, _ in children
    )
    ages = [age_on(kid.date_of_birth, YEAR.end) for kid, _ in at_end]
    assert profile["age_bands"] == {
        key: sum(low <= age and (high is None or age < high) for age in ages) for key, _, low, high in AGE_BANDS
    }
    current = [max((e for e in eps if episode_on([e], YEAR.end)), key=lambda e: e.start_date) for _, eps in at_end]
    assert profile["legal_status"] == {
        code: sum(e.legal_status == code for e in current) for code in LegalStatus.values
    }
    group = {code: key for key, _, codes in PLACEMENT_GROUPS for code in codes}
    provider = {code: key for key, _, codes in PROVIDER_GROUPS for code in codes}
    placed = {}
    for e in current:
        placed[(group[e.placement_type], provider[e.placement_provider])] = (
            placed.get((group[e.placement_type], provider[e.placement_provider]), 0) + 1
        )
    assert {(g, p): n for g, row in profile["placements"].items() for p, n in row.items() if n} == placed

    cp = selectors.child_protection_year_figures(YEAR)
    started = [(p, plans) for _, _, plans in children for p in plans if YEAR.start <= p.start_date <= YEAR.end]
    earlier = [[q for q in plans if q.start_date < p.start_date] for p, plans in started]
    assert cp["plans_started"] == len(started)
    assert cp["repeat_plans"] == sum(bool(qs) for qs in earlier)
    assert cp["repeat_plans_within_2_years"] == sum(
        any(q.end_date and q.end_date <= p.start_date <= add_months(q.end_date, 24) for q in qs)
        for (p, _), qs in zip(started, earlier)
    )
    ended = [p for _, _, plans in children for p in plans if p.end_date and YEAR.start <= p.end_date <= YEAR.end]
    assert cp["plans_ended_lasting_2_years_or_more"] == sum(add_months(p.start_date, 24) <= p.end_date for p in ended)
