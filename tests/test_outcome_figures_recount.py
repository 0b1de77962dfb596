"""Every outcome figure (reporting.outcome_selectors) equals a recount in plain Python from the
raw rows of a seeded demo authority, its outcome tables filled here child by child."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from children.models import CareEpisode, Child
from children.selectors import age_on, periods_of_care
from iro_portal.months import add_months
from outcomes.models import Adoption, AdoptionDecision, CareLeaverRecord, HealthRecord, MissingEpisode
from reporting import outcome_selectors as outcomes
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db

YEAR = 2025
START, END = date(2025, 4, 1), date(2026, 3, 31)
SHORT_BREAKS = {"V3", "V4"}
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}
ADOPTIVE = {"A3", "A4", "A5", "A6"}


def open_on(episode, day):
    return episode.start_date <= day and (episode.end_date is None or day < episode.end_date)


def fill_outcome_tables(children):
    """OC2, OC3, missing and adoption rows, and placement distances, made from each child's index
    so that every figure has some children in it and some out (in place of the demo's own)."""
    for model in (HealthRecord, CareLeaverRecord, MissingEpisode, Adoption, AdoptionDecision):
        model.objects.all().delete()
    for index, child in enumerate(children):
        episodes = sorted(child.episodes.all(), key=lambda episode: episode.start_date)
        at_end = [e for e in episodes if open_on(e, END) and e.legal_status not in SHORT_BREAKS]
        for number, episode in enumerate(episodes):
            known = (index + number) % 11 != 0
            CareEpisode.objects.filter(pk=episode.pk).update(
                placement_distance=Decimal((index * 7 + number) % 45) if known else None,
                placement_location=("OUT" if (index + number) % 3 == 0 else "IN") if known else "",
            )
        if at_end and index % 5:
            HealthRecord.objects.create(
                child=child,
                year=2026,
                health_assessment=index % 9 != 0,
                teeth_check=index % 4 != 0,
                immunisations=None if index % 13 == 0 else index % 6 != 0,
                substance_misuse=index % 10 == 0,
                sdq_score=(index * 3) % 41 if index % 7 else None,
            )
        if 17 <= age_on(child.date_of_birth, END) <= 21:
            CareLeaverRecord.objects.create(
                child=child,
                year=2026,
                in_touch=["YES", "YES", "NO", "REFU"][index % 4],
                activity=["F1", "G5", "P4", "0", "F5", "G6"][index % 6],
                accommodation=["D1", "B2", "Z1", "0", "U1"][index % 5],
            )
        if episodes and index % 4 == 0:
            first = max(episodes[0].start_date, START - timedelta(days=60))
            for step in range(index % 3 + 1):
                MissingEpisode.objects.create(
                    child=child, kind="M" if step % 2 == 0 else "A", start_date=first + timedelta(days=50 * step)
                )
        for episode in episodes:
            if episode.reason_episode_ceased in {"E11", "E12"}:
                placed = next((e.start_date for e in episodes if e.placement_type in ADOPTIVE), episode.start_date)
                matched = placed - timedelta(days=index % 30 + 5)
                decided = matched - timedelta(days=index % 200 + 20)
                if index % 2:
                    Adoption.objects.create(child=child, decided_on=decided, matched_on=matched)
                else:
                    AdoptionDecision.objects.create(child=child, decided_on=decided)
                    Adoption.objects.create(child=child, matched_on=matched)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        call_command("seed_demo", "--children", "300", "--seed", "11", "--today", "2026-05-01", stdout=StringIO())
        fill_outcome_tables(list(Child.objects.prefetch_related("episodes").order_by("pk")))
        yield


def recount():
    """Each figure's children and each cohort's, by plain Python over the rows."""
    health = {record.child_id: record for record in HealthRecord.objects.filter(year=2026)}
    leavers = {record.child_id: record for record in CareLeaverRecord.objects.filter(year=2026)}
    missing = defaultdict(list)
    for episode in MissingEpisode.objects.all():
        if START <= episode.start_date <= END:
            missing[episode.child_id].append(episode)
    found = defaultdict(set)
    for child in Child.objects.prefetch_related("episodes"):
        pk = child.pk
        age = age_on(child.date_of_birth, END)
        episodes = sorted(child.episodes.all(), key=lambda episode: episode.start_date)
        record = health.get(pk)
        if record:
            found["oc2"].add(pk)
            for field in ("health_assessment", "teeth_check", "immunisations", "substance_misuse"):
                if getattr(record, field) is True:
                    found[field].add(pk)
            if 4 <= age <= 16:
                found["oc2_sdq_ages"].add(pk)
                if record.sdq_score is not None:
                    found["sdq_recorded"].add(pk)
        leaver = leavers.get(pk)
        if leaver:
            band = "17_18" if age <= 18 else "19_21"
            cohort = f"care_leavers_{band}"
            found[cohort].add(pk)
            checks = {
                "in_touch": leaver.in_touch == "YES",
                "eet": leaver.activity in {"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"},
                "neet": leaver.activity in {"G4", "G5", "G6"},
                "suitable": leaver.accommodation.endswith("1"),
            }
            for measure, met in checks.items():
                if met:
                    found[f"{cohort}_{measure}"].add(pk)
        during = any(
            e.start_date <= END and (e.end_date is None or e.end_date >= START) and e.legal_status not in SHORT_BREAKS
            for e in episodes
        )
        if during:
            found["looked_after_during"].add(pk)
            kinds = {episode.kind for episode in missing[pk]}
            if "M" in kinds:
                found["went_missing"].add(pk)
            if "A" in kinds:
                found["away"].add(pk)
        current = next((e for e in episodes if open_on(e, END) and e.legal_status not in SHORT_BREAKS), None)
        if current:
            found["looked_after_at_end"].add(pk)
            placements = [
                e
                for e in episodes
                if e.start_date <= END
                and (e.end_date is None or e.end_date >= START)
                and e.legal_status not in SHORT_BREAKS
                and e.placement_type not in TEMPORARY
                and not (e.start_date >= START and e.reason_for_new_episode == "L")
            ]
            if len(placements) >= 3:
                found["three_or_more_placements"].add(pk)
            if current.placement_distance is None:
                found["distance_not_known"].add(pk)
            elif current.placement_distance > 20:
                found["over_20_miles"].add(pk)
            if current.placement_location == "OUT":
                found["outside_authority"].add(pk)
            if current.placement_location == "":
                found["location_not_known"].add(pk)
            period = next(p for p in periods_of_care(episodes) if p.includes(END))
            if age < 16 and add_months(period.start_date, 30) <= END:
                found["long_term"].add(pk)
                starts = [
                    e.start_date
                    for e in episodes
                    if e.start_date <= END and e.reason_for_new_episode != "L" and e.placement_type not in TEMPORARY
                ]
                two_years = [day for day in starts if add_months(day, 24) <= END]
                if (starts and starts[-1] in two_years) or (
                    current.placement_type in ADOPTIVE and len(starts) > 1 and starts[-2] in two_years
                ):
                    found["long_term_stable"].add(pk)
        # Ceasing as the DfE counts it: short-break episodes left out before the periods are made.
        counted = [episode for episode in episodes if episode.legal_status not in SHORT_BREAKS]
        ended = [p for p in periods_of_care(counted) if p.end_date and START <= p.end_date <= END]
        if ended:
            found["ceased"].add(pk)
            reason = ended[-1].episodes[-1].reason_episode_ceased
            route = next(key for key, _, codes in outcomes.ROUTES_OUT if reason in codes)
            found[f"route_{route}"].add(pk)
    return found, health, missing


def adoption_recount():
    to_placed, to_match = [], []
    for child in Child.objects.prefetch_related("episodes", "adoptions", "adoption_decisions"):
        episodes = sorted(child.episodes.all(), key=lambda episode: episode.start_date)
        ended = [p for p in periods_of_care(episodes) if p.end_date and START <= p.end_date <= END]
        if not ended or ended[-1].episodes[-1].reason_episode_ceased not in {"E11", "E12"}:
            continue
        period = ended[-1]
        placed = next((e.start_date for e in period.episodes if e.placement_type in ADOPTIVE), None)
        if placed:
            to_placed.append((placed - period.start_date).days)
        matches = sorted((a for a in child.adoptions.all() if a.matched_on), key=lambda a: a.matched_on)
        decisions = sorted(child.adoption_decisions.all(), key=lambda d: d.decided_on)
        if matches:
            decided = matches[-1].decided_on or (decisions[-1].decided_on if decisions else None)
            if decided:
                to_match.append((matches[-1].matched_on - decided).days)
    return to_placed, to_match


def average(values, places="1"):
    return (Decimal(sum(values)) / len(values)).quantize(Decimal(places), rounding=ROUND_HALF_UP) if values else None


def test_every_figure_and_cohort_equals_the_recount(demo):
    figures = outcomes.outcome_figures(YEAR)
    found, _, _ = recount()
    for key in outcomes.COHORT_LABELS:
        assert figures["cohorts"][key] == len(found[key]), key
    for key in outcomes.FIGURES:
        assert figures["figures"][key]["count"] == len(found[key]), key
    # Each list is the same children as its figure.
    for key in [*outcomes.FIGURES, *outcomes.COHORT_LABELS]:
        listed = set(outcomes.children_in_figure(YEAR, key, Child.objects.all()).values_list("pk", flat=True))
        assert listed == found[key], key


def test_the_demo_exercises_the_figures(demo):
    found, _, _ = recount()
    for key in ("oc2", "looked_after_at_end", "long_term", "ceased", "went_missing", "three_or_more_placements"):
        assert found[key], key
    assert found["long_term_stable"] and found["long_term"] - found["long_term_stable"]


def test_the_averages_equal_the_recount(demo):
    figures = outcomes.outcome_figures(YEAR)
    found, health, missing = recount()
    scores = [health[pk].sdq_score for pk in found["sdq_recorded"]]
    assert figures["average_sdq_score"] == average(scores, "0.1")
    episodes = sum(1 for pk in found["looked_after_during"] for episode in missing[pk] if episode.kind == "M")
    assert figures["missing_episodes"] == episodes
    went = len(found["went_missing"])
    per_child = (Decimal(episodes) / went).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if went else None
    assert figures["missing_episodes_per_child"] == per_child
    to_placed, to_match = adoption_recount()
    adoption = figures["adoption"]
    assert adoption["adopted"] == len(found["route_adoption"])
    assert (adoption["entered_to_placed_children"], adoption["entered_to_placed_days"]) == (
        len(to_placed),
        average(to_placed, "1"),
    )
    assert (adoption["decision_to_match_children"], adoption["decision_to_match_days"]) == (
        len(to_match),
        average(to_match, "1"),
    )
