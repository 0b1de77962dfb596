"""The outcome figures (reporting.outcome_selectors) on a hand-made authority where every number
is worked out by hand, then against a recount from the raw rows on a seeded demo authority, and
the outcomes page and the lists its figures open."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from outcomes.models import Adoption, AdoptionDecision, CareLeaverRecord, HealthRecord, MissingEpisode
from reporting import outcome_selectors as outcomes
from reporting import stored_figures
from tests.conftest import in_care, sign_in
from tests.factories import AllocationFactory, ChildFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
"""The reporting year 1 April 2025 to 31 March 2026: OC2 and OC3 of collection year 2026."""
OC_YEAR = 2026


def child(name, born, **fields):
    return ChildFactory(given_name=name, family_name="Hand", date_of_birth=born, **fields)


def episode(who, start, end=None, *, rne="S", reason="X1", **fields):
    """An episode; one that ends continues (X1) unless `reason` says how care ended."""
    return in_care(who, start, end, reason_for_new_episode=rne, reason_episode_ceased=reason if end else "", **fields)


def health(who, **fields):
    return HealthRecord.objects.create(child=who, year=OC_YEAR, **fields)


def leaver(who, in_touch, activity, accommodation):
    return CareLeaverRecord.objects.create(
        child=who, year=OC_YEAR, in_touch=in_touch, activity=activity, accommodation=accommodation
    )


def missing(who, kind, start, end=None):
    return MissingEpisode.objects.create(child=who, kind=kind, start_date=start, end_date=end)


@pytest.fixture
def authority():
    """Who is who, and what each adds to the figures (ages on 31 March 2026)."""
    cast = {}
    # Ada, 10, in care since January 2023. OC2: assessment, teeth, immunisations, SDQ 12.
    # Placements in the year: the foster placement she was in on 1 April, a move in June, a
    # change of legal status only in September (same placement), a move to a children's home in
    # December: 3. Under 16, in care 2.5 years, but in her placement only since December.
    # 25 miles from home, outside the authority. Missing twice and away once in the year.
    ada = cast["ada"] = child("Ada", date(2015, 6, 1))
    episode(ada, date(2023, 1, 10), date(2025, 6, 1), placement_type="U4")
    episode(ada, date(2025, 6, 1), date(2025, 9, 1), rne="P", placement_type="U4")
    episode(ada, date(2025, 9, 1), date(2025, 12, 1), rne="L", legal_status="C1", placement_type="U4")
    episode(
        ada,
        date(2025, 12, 1),
        rne="P",
        placement_type="K2",
        placement_distance=Decimal("25.0"),
        placement_location="OUT",
    )
    health(ada, health_assessment=True, teeth_check=True, immunisations=True, sdq_score=12, substance_misuse=False)
    missing(ada, "M", date(2025, 5, 1), date(2025, 5, 2))
    missing(ada, "M", date(2025, 8, 10), date(2025, 8, 11))
    missing(ada, "A", date(2025, 9, 1), date(2025, 9, 1))
    # Ben, 13, in the same foster placement since March 2022: stable. 3.2 miles, inside. OC2:
    # assessment, immunisations, SDQ 20, substance misuse. Missing once in the year (and once
    # the March before, which is not counted).
    ben = cast["ben"] = child("Ben", date(2012, 5, 1))
    episode(ben, date(2022, 3, 1), placement_distance=Decimal("3.2"), placement_location="IN")
    health(ben, health_assessment=True, teeth_check=False, immunisations=True, sdq_score=20, substance_misuse=True)
    missing(ben, "M", date(2025, 3, 20), date(2025, 3, 21))
    missing(ben, "M", date(2025, 12, 1), date(2025, 12, 3))
    # Cal, 3: too young for an SDQ; in care since January 2024 (under 2.5 years); no postcodes,
    # so distance and location not known. OC2: teeth only.
    cal = cast["cal"] = child("Cal", date(2023, 1, 1))
    episode(cal, date(2024, 1, 10), home_postcode="", placement_postcode="", provider_urn="")
    health(cal, health_assessment=False, teeth_check=True, immunisations=False, sdq_reason="SDQ1")
    # Dee, 17 (too old for the SDQ and the long-term measure): children's home, a week in
    # hospital (temporary, not counted), back to a children's home, then foster care: 3
    # placements. Exactly 20 miles (not more than 20), outside. OC2: assessment, teeth. Away once.
    dee = cast["dee"] = child("Dee", date(2009, 1, 15))
    episode(dee, date(2024, 2, 1), date(2025, 5, 1), placement_type="K2")
    episode(dee, date(2025, 5, 1), date(2025, 5, 10), rne="P", placement_type="T1", placement_provider="")
    episode(dee, date(2025, 5, 10), date(2025, 10, 1), rne="P", placement_type="K2")
    episode(
        dee,
        date(2025, 10, 1),
        rne="P",
        placement_type="U6",
        placement_distance=Decimal("20.0"),
        placement_location="OUT",
    )
    health(dee, health_assessment=True, teeth_check=True, immunisations=False, substance_misuse=False)
    missing(dee, "A", date(2026, 1, 5), date(2026, 1, 6))
    # Sky, 5, placed for adoption in May 2024 (under 2 years) after foster care from June 2023:
    # the two together last over 2 years, so stable. 12.5 miles, inside.
    sky = cast["sky"] = child("Sky", date(2021, 2, 1))
    episode(sky, date(2023, 6, 1), date(2024, 5, 1), placement_type="U4")
    episode(
        sky,
        date(2024, 5, 1),
        rne="B",
        legal_status="E1",
        placement_type="A4",
        placement_provider="PR1",
        placement_distance=Decimal("12.5"),
        placement_location="IN",
    )
    # Tom, 12, in care since March 2023 but moved in February 2025: not stable. 40 miles, outside.
    tom = cast["tom"] = child("Tom", date(2014, 1, 1))
    episode(tom, date(2023, 3, 1), date(2025, 2, 1), placement_type="U4")
    episode(tom, date(2025, 2, 1), rne="P", placement_distance=Decimal("40.0"), placement_location="OUT")
    # Vic, on a short break over 31 March: counted neither as looked after during the year nor at
    # 31 March.
    vic = cast["vic"] = child("Vic", date(2016, 7, 1))
    episode(
        vic,
        date(2026, 3, 30),
        date(2026, 4, 2),
        reason="E4A",
        legal_status="V3",
        placement_distance=Decimal("50.0"),
        placement_location="OUT",
    )
    # Adopted in the year. Amy: care from 1 May 2023, placed for adoption 1 June 2024 (397
    # days); decision 10 January 2024, matched 20 May 2024 (131 days). Max: care from 1 January
    # 2024, placed 1 September 2024 (244 days); decision (PlacedAdoption only) 1 April 2024,
    # matched 15 August 2024 (136 days). Averages: 320.5 and 133.5 days, rounded up.
    amy = cast["amy"] = child("Amy", date(2022, 1, 1))
    episode(amy, date(2023, 5, 1), date(2024, 6, 1), placement_type="U4")
    episode(amy, date(2024, 6, 1), date(2025, 10, 15), rne="B", reason="E11", legal_status="E1", placement_type="A4")
    Adoption.objects.create(child=amy, decided_on=date(2024, 1, 10), matched_on=date(2024, 5, 20))
    max_ = cast["max"] = child("Max", date(2023, 3, 1))
    episode(max_, date(2024, 1, 1), date(2024, 9, 1), placement_type="U4")
    episode(max_, date(2024, 9, 1), date(2025, 6, 30), rne="B", reason="E12", legal_status="E1", placement_type="A5")
    AdoptionDecision.objects.create(child=max_, decided_on=date(2024, 4, 1))
    Adoption.objects.create(child=max_, matched_on=date(2024, 8, 15))
    # Other routes out, one child each: special guardianship, child arrangements order, returned
    # home, independent living, 18 and stayed put. Ria ceased twice in the year (home, then to
    # live with a relative, E13): counted once, by the last (other).
    routes = [
        ("sgo", date(2012, 1, 1), date(2024, 3, 1), date(2025, 7, 1), "E45"),
        ("cao", date(2019, 1, 1), date(2025, 4, 10), date(2025, 12, 20), "E41"),
        ("home", date(2018, 1, 1), date(2025, 1, 10), date(2025, 8, 1), "E4B"),
        ("independent", date(2008, 2, 1), date(2024, 1, 1), date(2025, 9, 1), "E5"),
        ("eighteen", date(2007, 7, 1), date(2022, 1, 1), date(2025, 7, 1), "E17"),
    ]
    for name, born, start, end, reason in routes:
        cast[name] = child(name.title(), born)
        episode(cast[name], start, end, reason=reason)
    ria = cast["ria"] = child("Ria", date(2013, 1, 1))
    episode(ria, date(2023, 1, 1), date(2024, 6, 1), reason="E8")
    episode(ria, date(2025, 1, 1), date(2025, 5, 1), reason="E4A")
    episode(ria, date(2025, 8, 1), date(2025, 11, 1), reason="E13")
    # Care leavers (ages at their birthday in the year). 17-18: Lee in touch, education,
    # suitable; Lou in touch, NEET, not suitable. 19-21: Liv not in touch, nothing known; Len
    # in touch, employment, suitable; Lyn in touch, university, with former foster carers.
    leaver(child("Lee", date(2008, 6, 10)), "YES", "F2", "D1")
    leaver(child("Lou", date(2007, 9, 1)), "YES", "G5", "B2")
    leaver(child("Liv", date(2006, 1, 20)), "NO", "0", "0")
    leaver(child("Len", date(2004, 11, 11)), "YES", "P4", "U1")
    leaver(child("Lyn", date(2006, 3, 31)), "YES", "F1", "Z1")
    return cast


def counted(figures, key):
    figure = figures["figures"][key]
    return figure["count"], figure["percent"]


def test_health_of_children_in_care_a_year(authority):
    figures = outcomes.outcome_figures(YEAR)
    assert figures["cohorts"]["oc2"] == 4
    assert counted(figures, "health_assessment") == (3, 75)
    assert counted(figures, "teeth_check") == (3, 75)
    assert counted(figures, "immunisations") == (2, 50)
    assert counted(figures, "substance_misuse") == (1, 25)
    # Ada and Ben are 4 to 16; both have a score.
    assert figures["cohorts"]["oc2_sdq_ages"] == 2
    assert counted(figures, "sdq_recorded") == (2, 100)
    assert figures["average_sdq_score"] == Decimal("16.0")


def test_care_leavers_by_age(authority):
    figures = outcomes.outcome_figures(YEAR)
    assert figures["cohorts"]["care_leavers_17_18"] == 2
    assert counted(figures, "care_leavers_17_18_in_touch") == (2, 100)
    assert counted(figures, "care_leavers_17_18_eet") == (1, 50)
    assert counted(figures, "care_leavers_17_18_neet") == (1, 50)
    assert counted(figures, "care_leavers_17_18_suitable") == (1, 50)
    assert figures["cohorts"]["care_leavers_19_21"] == 3
    assert counted(figures, "care_leavers_19_21_in_touch") == (2, 67)
    assert counted(figures, "care_leavers_19_21_eet") == (2, 67)
    assert counted(figures, "care_leavers_19_21_neet") == (0, 0)
    assert counted(figures, "care_leavers_19_21_suitable") == (2, 67)


def test_missing(authority):
    figures = outcomes.outcome_figures(YEAR)
    # Everyone with an episode in the year but Vic (short breaks only): the six in care at 31
    # March, Amy, Max, the five other leavers and Ria.
    assert figures["cohorts"]["looked_after_during"] == 14
    assert counted(figures, "went_missing") == (2, 14)
    assert counted(figures, "away") == (2, 14)
    assert figures["missing_episodes"] == 3
    assert figures["missing_episodes_per_child"] == Decimal("1.5")


def test_placement_stability_and_location(authority):
    figures = outcomes.outcome_figures(YEAR)
    # Ada, Ben, Cal, Dee, Sky, Tom (not Vic, on a short break).
    assert figures["cohorts"]["looked_after_at_end"] == 6
    assert counted(figures, "three_or_more_placements") == (2, 33)
    # Ada, Ben, Sky, Tom; Ben and Sky stable.
    assert figures["cohorts"]["long_term"] == 4
    assert counted(figures, "long_term_stable") == (2, 50)
    assert counted(figures, "over_20_miles") == (2, 33)
    assert counted(figures, "distance_not_known") == (1, 17)
    assert counted(figures, "outside_authority") == (3, 50)
    assert counted(figures, "location_not_known") == (1, 17)


def test_routes_out_of_care_and_adoption_timeliness(authority):
    figures = outcomes.outcome_figures(YEAR)
    assert figures["cohorts"]["ceased"] == 8
    routes = {key: counted(figures, f"route_{key}") for key, _, _ in outcomes.ROUTES_OUT}
    assert routes == {
        "adoption": (2, 25),
        "special_guardianship": (1, 13),
        "child_arrangements": (1, 13),
        "return_home": (1, 13),
        "independent_living": (1, 13),
        "age_18": (1, 13),
        "other": (1, 13),
    }
    assert figures["adoption"] == {
        "adopted": 2,
        "entered_to_placed_children": 2,
        "entered_to_placed_days": Decimal(321),
        "decision_to_match_children": 2,
        "decision_to_match_days": Decimal(134),
    }


def test_the_figures_are_counted_in_four_queries(authority, django_assert_num_queries):
    with django_assert_num_queries(4):
        outcomes.outcome_figures(YEAR)


def test_an_iro_sees_the_figures_for_their_own_children(authority, iro):
    for name in ("ben", "sky"):
        AllocationFactory(child=authority[name], iro=iro, start_date=date(2024, 1, 1))
    mine = authority["ben"].__class__.objects.filter(pk__in=[authority["ben"].pk, authority["sky"].pk])
    figures = outcomes.outcome_figures(YEAR, children=mine)
    assert figures["cohorts"]["looked_after_at_end"] == 2
    assert counted(figures, "long_term_stable") == (2, 100)
    assert figures["cohorts"]["oc2"] == 1


def test_the_outcomes_page_shows_each_figure_with_the_list_behind_it(authority, client, manager, clock):
    clock(date(2026, 6, 1))
    response = sign_in(client, manager).get("/outcomes/", {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "April 2025 to March 2026" in html
    assert 'href="/outcomes/2025/long_term_stable/"' in html
    listed = client.get("/outcomes/2025/long_term_stable/").content.decode()
    assert "Ben Hand" in listed and "Sky Hand" in listed
    assert "Tom Hand" not in listed and "Ada Hand" not in listed


def test_without_a_chosen_year_the_select_shows_the_year_whose_figures_are_shown(authority, client, manager, clock):
    clock(date(2026, 6, 1))
    html = sign_in(client, manager).get("/outcomes/").content.decode()
    assert "April 2025 to March 2026" in html
    assert re.search(r'<option value="2025"[^>]*selected', html)
    assert not re.search(r'<option value="2026"[^>]*selected', html)


def test_the_page_counts_in_a_fixed_number_of_queries_at_two_sizes(
    authority, client, manager, clock, django_assert_max_num_queries
):
    clock(date(2026, 6, 1))
    sign_in(client, manager)
    client.get("/outcomes/", {"year": YEAR})  # counts the figures in full; below, each change is folded in
    episode(child("Extra", date(2014, 1, 1)), date(2020, 1, 1))
    with django_assert_max_num_queries(25) as small:
        client.get("/outcomes/", {"year": YEAR})
    for number in range(10):
        extra = child(f"Extra{number}", date(2014, 1, 1))
        episode(extra, date(2020, 1, 1), placement_distance=Decimal("30.0"), placement_location="OUT")
        health(extra, health_assessment=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/outcomes/", {"year": YEAR})
    assert response.context["figures"]["cohorts"]["oc2"] == 14


def test_an_iro_list_shows_only_their_children(authority, client, iro, clock):
    clock(date(2026, 6, 1))
    AllocationFactory(child=authority["ben"], iro=iro, start_date=date(2024, 1, 1))
    sign_in(client, iro)
    page = client.get("/outcomes/", {"year": YEAR})
    assert page.context["figures"]["cohorts"]["long_term"] == 1
    listed = client.get("/outcomes/2025/long_term/").content.decode()
    assert "Ben Hand" in listed and "Sky Hand" not in listed


def test_a_year_not_offered_is_an_error_and_an_unknown_figure_is_not_found(authority, client, manager, clock):
    clock(date(2026, 6, 1))
    sign_in(client, manager)
    response = client.get("/outcomes/", {"year": "1990"})
    assert response.status_code == 400
    assert response.content.decode().count("Error:") >= 1
    assert client.get("/outcomes/2025/nonsense/").status_code == 404


def test_board_members_do_not_see_the_outcome_figures(client, board_member):
    sign_in(client, board_member)
    assert client.get("/outcomes/").status_code == 403


def test_the_figures_keep_every_value_when_stored(authority):
    figures = outcomes.outcome_figures(YEAR)
    assert stored_figures.decode(json.loads(json.dumps(stored_figures.encode(figures)))) == figures


def test_a_list_behind_a_figure_costs_the_same_queries_at_two_sizes(
    authority, client, manager, clock, django_assert_max_num_queries
):
    clock(date(2026, 6, 1))
    sign_in(client, manager)
    with django_assert_max_num_queries(30) as small:
        client.get("/outcomes/2025/over_20_miles/")
    for number in range(8):
        extra = child(f"Extra{number}", date(2014, 1, 1))
        episode(extra, date(2020, 1, 1), placement_distance=Decimal("30.0"), placement_location="OUT")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/outcomes/2025/over_20_miles/")
    assert response.context["caption"] == "10 children"
