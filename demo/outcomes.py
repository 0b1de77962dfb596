"""The rest of the SSDA903 return for the demo children: health at 31 March (OC2), care leavers
(OC3), missing and away episodes, adoption decisions and adoptions (PlacedAdoption, AD1) and
previous permanence (PrevPerm), drawn from the care histories demo/children.py made, so that they
agree with them as the DfE rules require.

Rates are England's (Children looked after in England including adoptions, and Outcomes for
children in need including children looked after, DfE, years ending 31 March 2023 and 2024):
about 9 in 10 children looked after 12 months had their annual health assessment, 8 in 10 their
teeth checked, 8 to 9 in 10 their immunisations up to date; an SDQ score for about 77% of those
aged 4 to 16, averaging about 14; about 1 in 10 children looked after in the year went missing,
with several episodes each; of care leavers aged 19 to 21 about 9 in 10 were in touch, 56% in
education, employment or training and 88% in suitable accommodation. Everything is drawn from a
stream of its own derived from the seed, so the rest of the authority is as it was without it."""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from children.selectors import age_on, periods_of_care
from outcomes.health_services import looked_after_continuously
from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from outcomes.years import (
    CARE_LEAVER_AGES,
    birthday,
    birthday_in_year,
    care_leaver_birthday,
    collection_start,
    collection_year_of,
)

from .children import add_years, bulk_save

SHORT_BREAKS = ("V3", "V4")
PLACED_FOR_ADOPTION = ("A5", "A6")
ADOPTED = ("E11", "E12")
# The DfE's three-digit number for the authority that arranged an earlier permanence order:
# Nottingham, the demo's home.
AUTHORITY_LA_NUMBER = "892"

HEALTH_ASSESSMENT_IN_DATE = 0.9
TEETH_CHECKED = 0.8
IMMUNISATIONS_UP_TO_DATE = 0.84
HEALTH_CHECKS_UP_TO_DATE = 0.88
SDQ_SCORED = 0.78
SDQ_MEAN, SDQ_SPREAD = 14, 6.5
SDQ_REASONS = {"SDQ2": 25, "SDQ3": 15, "SDQ4": 35, "SDQ5": 25}
CONVICTED_AGED_10_AND_OVER = 0.03
SUBSTANCE_MISUSE_AGED_11_AND_OVER = 0.05

# Children aged 11 or over who go missing at some point, and how often while they do.
GOES_MISSING_AGED_11_AND_OVER = 0.22
MISSING_EPISODES_PER_YEAR = 6
MISSING_DAYS = {(0, 0): 45, (1, 2): 40, (3, 10): 15}
MISSING_KINDS = {"M": 85, "A": 15}

PREVIOUS_PERMANENCE = {"Z1": 90, "P2": 4, "P3": 4, "P1": 1.5, "P4": 0.5}

IN_TOUCH = {
    "young": {"YES": 93, "NO": 3, "REFU": 2, "NREQ": 1, "RHOM": 1},
    "older": {"YES": 89, "NO": 4, "REFU": 3, "NREQ": 3, "RHOM": 1},
}
# Of care leavers in touch: in education, employment or training.
IN_EDUCATION_EMPLOYMENT_OR_TRAINING = {"young": 0.7, "older": 0.63}
EDUCATION_EMPLOYMENT_OR_TRAINING = {"F1": 8, "P1": 1, "F2": 40, "P2": 8, "F4": 25, "P4": 10, "F5": 6, "P5": 2}
NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING = {"G4": 30, "G5": 55, "G6": 15}
# Of care leavers in touch: in suitable accommodation.
SUITABLY_ACCOMMODATED = 0.99
SUITABLE = {"B1": 15, "D1": 20, "E1": 8, "K1": 5, "T1": 5, "U1": 35, "Z1": 10, "C1": 2}
UNSUITABLE = {"S2": 30, "V2": 20, "W2": 10, "X2": 15, "U2": 15, "Y2": 10}

# Why a decision to place for adoption was reversed.
REVERSED = {"RD1": 45, "RD3": 35, "RD4": 20}  # not RD2: the court made the placement order
# Adopters' legal status, and the sexes and number of adopters each allows (rules 511-524).
ADOPTERS = {"L11": 50, "L3": 15, "L12": 8, "L2": 5, "L4": 4, "L0": 18}
ADOPTERS_SEXES = {
    "L11": ("MF",),
    "L3": ("MF",),
    "L12": ("MM", "FF"),
    "L2": ("MM", "FF"),
    "L4": ("MM", "FF"),
    "L0": ("F1", "M1"),
}


@dataclass
class DemoOutcomes:
    health_records: list = field(default_factory=list)
    care_leaver_records: list = field(default_factory=list)
    missing_episodes: list = field(default_factory=list)
    adoption_decisions: list = field(default_factory=list)
    adoptions: list = field(default_factory=list)
    previous_permanence: list = field(default_factory=list)


def collection_years(today):
    """The completed collection years the demo's three-year window reaches, named by the year
    they end in."""
    window_start = add_years(today, -3)
    first = window_start.year + 1 if window_start > date(window_start.year, 3, 31) else window_start.year
    last = today.year if today > date(today.year, 3, 31) else today.year - 1
    return range(first, last + 1)


def return_years(today):
    """The collection years the demo's outcome records are made for: those its window reaches
    and the one open a year before it began, whose return the first of them is checked against
    (the rules comparing two years)."""
    return range(collection_year_of(add_years(today, -4)), collection_years(today).stop)


def build_outcomes(histories, *, seed, today):
    """The outcome records of every child in `histories`, in memory."""
    return _OutcomesGenerator(seed, today).build(histories)


def save_outcomes(outcomes):
    """Save the records (their children must be saved already); returns how many of each."""
    saved = {
        "health_records": (HealthRecord, outcomes.health_records),
        "care_leaver_records": (CareLeaverRecord, outcomes.care_leaver_records),
        "missing_episodes": (MissingEpisode, outcomes.missing_episodes),
        "adoption_decisions": (AdoptionDecision, outcomes.adoption_decisions),
        "adoptions": (Adoption, outcomes.adoptions),
        "previous_permanence": (PreviousPermanence, outcomes.previous_permanence),
    }
    for model, records in saved.values():
        bulk_save(model, records)
    return {name: len(records) for name, (_, records) in saved.items()}


class _OutcomesGenerator:
    def __init__(self, seed, today):
        self.rng = random.Random(f"{seed}-outcomes")
        self.today = today
        self.window_start = add_years(today, -3)
        self.years = return_years(today)

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def chance(self, probability):
        return self.rng.random() < probability

    def build(self, histories):
        outcomes = DemoOutcomes()
        for history in histories:
            if not history.episodes:
                continue
            periods = periods_of_care(history.episodes)
            self.previous_permanence(history.child, periods, outcomes)
            self.health(history.child, history.episodes, outcomes)
            self.care_leaver(history.child, history.episodes, outcomes)
            self.missing(history.child, history.episodes, outcomes)
            self.adoption(history.child, periods, outcomes)
        return outcomes

    def previous_permanence(self, child, periods, outcomes):
        """PrevPerm for every child who started care: mostly none; the order, where there was
        one, made by this authority some years before the child's first period of care."""
        order = self.pick(PREVIOUS_PERMANENCE)
        record = PreviousPermanence(child=child, order=order)
        if order != "Z1":
            first_start = periods[0].start_date
            earliest = child.date_of_birth + timedelta(days=1)
            if first_start - earliest < timedelta(days=60):
                record.order = "Z1"
            else:
                made = earliest + timedelta(days=self.rng.randint(0, (first_start - earliest).days - 30))
                record.arranged_by = AUTHORITY_LA_NUMBER
                date_unknown = date(made.year, 12, 31) < first_start and self.chance(0.2)
                record.order_date = f"ZZ/ZZ/{made.year}" if date_unknown else made.strftime("%d/%m/%Y")
        outcomes.previous_permanence.append(record)

    def health(self, child, episodes, outcomes):
        """OC2 for each year the child had been looked after continuously for 12 months at
        31 March, as the export's cohort has it (outcomes.health_services.looked_after_continuously)."""
        for year in self.years:
            end = date(year, 3, 31)
            start = date(year - 1, 4, 1)
            if not looked_after_continuously(episodes, year):
                continue
            age = age_on(child.date_of_birth, end)
            record = HealthRecord(
                child=child,
                year=year,
                health_assessment=self.chance(HEALTH_ASSESSMENT_IN_DATE),
                teeth_check=self.chance(TEETH_CHECKED),
                immunisations=self.chance(IMMUNISATIONS_UP_TO_DATE),
                substance_misuse=age >= 11 and self.chance(SUBSTANCE_MISUSE_AGED_11_AND_OVER),
            )
            if age < 5:
                record.health_check = self.chance(HEALTH_CHECKS_UP_TO_DATE)
            if age >= 10:
                record.convicted = self.chance(CONVICTED_AGED_10_AND_OVER)
            if record.substance_misuse:
                record.intervention_received = self.chance(0.6)
                if not record.intervention_received:
                    record.intervention_offered = self.chance(0.5)
            if birthday(child.date_of_birth, 4) <= end and birthday(child.date_of_birth, 17) >= start:
                # 4 by 31 March and not yet 17 on 1 April (rules 188, 189 and 197B)
                if self.chance(SDQ_SCORED):
                    record.sdq_score = min(40, max(0, round(self.rng.gauss(SDQ_MEAN, SDQ_SPREAD))))
                else:
                    record.sdq_reason = self.pick(SDQ_REASONS)
            outcomes.health_records.append(record)

    def care_leaver(self, child, episodes, outcomes):
        """OC3 for each year one of a care leaver's 17th to 21st birthdays falls in, as the
        export's cohort has it (outcomes.years.care_leaver_birthday)."""
        facts = [
            (e.start_date, e.end_date, e.reason_for_new_episode, e.legal_status, e.reason_episode_ceased)
            for e in episodes
        ]
        for year in self.years:
            if care_leaver_birthday(child.date_of_birth, facts, year) is None:
                continue
            age = next(age for age in CARE_LEAVER_AGES if birthday_in_year(child.date_of_birth, age, year))
            group = "young" if age < 19 else "older"
            record = CareLeaverRecord(child=child, year=year, in_touch=self.pick(IN_TOUCH[group]))
            record.activity, record.accommodation = "0", "0"
            if record.in_touch == "YES":
                if self.chance(IN_EDUCATION_EMPLOYMENT_OR_TRAINING[group]):
                    record.activity = self.pick(EDUCATION_EMPLOYMENT_OR_TRAINING)
                else:
                    neet = dict(NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING)
                    if child.sex != "F":
                        neet.pop("G6")
                    record.activity = self.pick(neet)
                suitable = dict(SUITABLE)
                if birthday(child.date_of_birth, 18) > collection_start(year):
                    suitable.pop("T1")  # no foyer for a care leaver under 18 on 1 April (rule 347)
                if age == 17:
                    suitable.pop("Z1")  # nor former foster carers around the 17th birthday (rule 3001)
                record.accommodation = self.pick(suitable if self.chance(SUITABLY_ACCOMMODATED) else UNSUITABLE)
            outcomes.care_leaver_records.append(record)

    def missing(self, child, episodes, outcomes):
        """Missing and away episodes of children aged 11 or over who go missing, within one
        placement (each back before the placement ends) and since the window began."""
        if not self.chance(GOES_MISSING_AGED_11_AND_OVER):
            return
        eleventh = add_years(child.date_of_birth, 11)
        for episode in episodes:
            if episode.legal_status in SHORT_BREAKS:
                continue
            first = max(episode.start_date + timedelta(days=1), eleventh, self.window_start)
            last = min(episode.end_date or self.today, self.today) - timedelta(days=1)
            day = first
            while True:
                day += timedelta(days=int(self.rng.expovariate(MISSING_EPISODES_PER_YEAR) * 365))
                low, high = self.pick(MISSING_DAYS)
                end = day + timedelta(days=self.rng.randint(low, high))
                if end >= last:
                    break
                outcomes.missing_episodes.append(
                    MissingEpisode(child=child, kind=self.pick(MISSING_KINDS), start_date=day, end_date=end)
                )
                day = end + timedelta(days=1)

    def adoption(self, child, periods, outcomes):
        """The decision that a child should be placed for adoption, before the placement order
        (E1) and in the same period of care, reversed when the child left care otherwise; and for a child adopted, AD1: matched with the
        adopters on or before the day they were placed, and adopters consistent in number, sex
        and legal status."""
        for period in periods:
            placement_order = next((e for e in period.episodes if e.legal_status == "E1"), None)
            if placement_order is None:
                continue
            decided = max(period.start_date, placement_order.start_date - timedelta(days=self.rng.randint(20, 120)))
            decision = AdoptionDecision(child=child, decided_on=decided)
            outcomes.adoption_decisions.append(decision)
            last = period.episodes[-1]
            if last.end_date is not None and last.reason_episode_ceased not in ADOPTED:
                # Left care without being adopted: the decision was reversed then (rule 557).
                decision.ceased_on, decision.reason_ceased = last.end_date, self.pick(REVERSED)
            placed = next((e for e in period.episodes if e.placement_type in PLACED_FOR_ADOPTION), None)
            if placed is None or last.reason_episode_ceased not in ADOPTED:
                continue
            matched = max(decided, placed.start_date - timedelta(days=self.rng.randint(0, 60)))
            legal_status = self.pick(ADOPTERS)
            outcomes.adoptions.append(
                Adoption(
                    child=child,
                    decided_on=decided,
                    matched_on=matched,
                    by_former_foster_carers=placed.placement_type == "A5",
                    number_of_adopters=1 if legal_status == "L0" else 2,
                    adopters_sex=self.rng.choice(ADOPTERS_SEXES[legal_status]),
                    adopters_legal_status=legal_status,
                )
            )
