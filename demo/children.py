"""Synthetic demo data: a local authority's IRO service with staff accounts and children whose
care, child protection and allocation histories look like real ones.

Everything is drawn from one random.Random(seed) in a fixed order, so a seed always gives the
same data; whether a girl is a mother comes from a second stream derived from the seed, so that
recording it left the rest of every authority as it was. Records are built in memory and saved
with bulk_create: the services validate and audit one record at a time, which is far too slow
for thousands of children. The histories are valid by construction instead (SSDA903 episode
rules, DATA_DICTIONARY.md section 3c, with the code lists of the years each episode is open in),
and tests/test_seed_demo.py checks them against the project's own rules and exports each year's
return.

Conferences fall on working days: a protection plan starts on the day of its initial conference
and one that ends because the child is no longer at risk ends at a review conference, on the
working days of iro_portal.working_days. the seed_demo command joins this module and
demo/reviews.py.

On each 31 March the children looked after (short breaks aside, as the DfE counts them) are placed
and looked after about as England's are (Children looked after in England including adoptions,
DfE, 2025: 81,770 children at 31 March 2025): about 68% in foster placements, 18% of all with
relatives or friends (U1-U3); 12-13% in children's homes and secure homes; 5-6% in supported
accommodation or living independently; 6% placed with parents; 2-3% placed for adoption and 3%
elsewhere (residential settings, schools, NHS); about 80% on care orders (C1, C2), 14-16%
accommodated under section 20 (V2, unaccompanied asylum-seeking children among them) and 4-5% on
placement orders (E1). The routes into and out of care, the placements by age and the adoption
track below give those shares; tests/test_demo_authority.py reads them with the portal's own
figures."""

import enum
import io
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from children.selectors import age_on, periods_of_care
from iro_portal.working_days import add_working_days, on_or_after, on_or_before
from reviews.timescales import reporting_year_start

from .placements import place_episodes
from .shares import Shares

DEMO_ID_PREFIX = "DEMO"
DEMO_PASSWORD = "iro-portal-demo"
BATCH_SIZE = 1000

CASELOAD_PER_FTE_TARGET = 60
MINIMUM_IROS = 3
IRO_FTE_PATTERN = tuple(Decimal(fte) for fte in ("1.00", "0.80", "0.60", "1.00", "0.50", "1.00", "0.80", "1.00"))
IRO_USERNAME = re.compile(r"^iro(\d+)$")
TEAMS = ("North", "South", "East", "West")

# Share of demo children by the shape of their history. The authority is in a steady state, as
# England is (83,630 children looked after at 31 March 2024, within 2% of each of the four years
# before; about 32,000 start and 30,000 cease each year: Children looked after in England
# including adoptions, DfE): children in care today have been looked after for lengths drawn as
# time_in_care_so_far does, and enough periods of care ended in the last three years to balance
# those that started, so about a third of the demo children are looked after today and the number
# on each 31 March since the window began moves a few percent a year.
CHILD_KINDS = {
    "in_care": 66,
    "returned_to_care": 5,
    "short_break_agreement": 1.2,
    "short_break_series": 0.8,
    "ceased_care": 120,
    "protection_only": 9,
    "strategy_discussion_only": 2,
}

# Age bands (inclusive years) of children in care, and of children on a plan only.
AGES_IN_CARE = {(0, 0): 5, (1, 4): 15, (5, 9): 20, (10, 15): 38, (16, 17): 22}
AGES_ON_PLAN = {(0, 0): 12, (1, 4): 28, (5, 9): 27, (10, 15): 28, (16, 17): 5}

SEXES = {"M": 54, "F": 45.7, "U": 0.3}
UASC_SEXES = {"M": 95, "F": 5}
ETHNICITIES = {
    "WBRI": 70,
    "WIRI": 0.5,
    "WOTH": 4,
    "WIRT": 0.4,
    "WROM": 0.8,
    "MWBC": 4,
    "MWBA": 1.5,
    "MWAS": 1.5,
    "MOTH": 3.5,
    "AIND": 0.5,
    "APKN": 1.5,
    "ABAN": 0.5,
    "AOTH": 1,
    "BCRB": 1.5,
    "BAFR": 3,
    "BOTH": 1.5,
    "CHNE": 0.2,
    "OOTH": 2.5,
    "REFU": 0.4,
    "NOBT": 1,
}
UASC_ETHNICITIES = {"OOTH": 28, "AOTH": 24, "BAFR": 24, "BOTH": 8, "WOTH": 8, "NOBT": 4, "MOTH": 4}

# Short, common given and family names, combined at random: nobody real is described.
NAMES = {
    "british": (
        (
            "Oliver",
            "Jack",
            "Alfie",
            "Freddie",
            "Noah",
            "Theo",
            "Archie",
            "Jacob",
            "Riley",
            "Logan",
            "Mason",
            "Tyler",
            "Kai",
            "Finley",
            "Lewis",
            "Jayden",
            "Callum",
            "Reece",
            "Connor",
            "Ethan",
        ),
        (
            "Olivia",
            "Amelia",
            "Isla",
            "Ava",
            "Ella",
            "Freya",
            "Lily",
            "Evie",
            "Poppy",
            "Sophie",
            "Chloe",
            "Millie",
            "Erin",
            "Jessica",
            "Holly",
            "Megan",
            "Leah",
            "Summer",
            "Keira",
            "Niamh",
        ),
        (
            "Smith",
            "Taylor",
            "Williams",
            "Wilson",
            "Johnson",
            "Davies",
            "Robinson",
            "Wright",
            "Thompson",
            "Evans",
            "Walker",
            "Roberts",
            "Green",
            "Wood",
            "Jackson",
            "Clarke",
            "Hughes",
            "Edwards",
            "Turner",
            "Moore",
            "Cooper",
            "Ward",
            "Morris",
            "King",
            "Parker",
            "Bennett",
            "Shaw",
            "Cox",
        ),
    ),
    "south_asian": (
        ("Mohammed", "Ayaan", "Zain", "Arjun", "Rayan", "Ibrahim", "Hamza", "Aarav", "Yusuf", "Rohan"),
        ("Aisha", "Maryam", "Zara", "Priya", "Inaya", "Fatima", "Anaya", "Safa", "Amira", "Simran"),
        (
            "Khan",
            "Ahmed",
            "Hussain",
            "Ali",
            "Patel",
            "Begum",
            "Shah",
            "Akhtar",
            "Iqbal",
            "Rahman",
            "Kaur",
            "Singh",
            "Mahmood",
            "Islam",
        ),
    ),
    "african_caribbean": (
        ("Daniel", "Joshua", "Samuel", "Emmanuel", "Isaac", "Tobi", "Kwame", "Malachi", "Elijah", "Jerome"),
        ("Blessing", "Esther", "Abigail", "Precious", "Favour", "Naomi", "Amara", "Adaeze", "Tiana", "Shanice"),
        (
            "Okafor",
            "Mensah",
            "Adeyemi",
            "Campbell",
            "Asante",
            "Bello",
            "Grant",
            "Osei",
            "Reid",
            "Boateng",
            "Richards",
            "Mohamed",
            "Francis",
            "Bailey",
        ),
    ),
    "newly_arrived": (
        (
            "Ahmad",
            "Mustafa",
            "Omar",
            "Yonas",
            "Dawit",
            "Ardit",
            "Bilal",
            "Samir",
            "Hassan",
            "Abdullah",
            "Arman",
            "Yasin",
            "Filmon",
            "Besnik",
        ),
        ("Senait", "Amina", "Mariam", "Sara", "Lina", "Hana", "Nour", "Elira", "Selam", "Rahel"),
        (
            "Ahmadi",
            "Haidari",
            "Rahimi",
            "Tesfay",
            "Berhane",
            "Gebre",
            "Osman",
            "Abdi",
            "Hoxha",
            "Krasniqi",
            "Nazari",
            "Mohammadi",
            "Noori",
            "Idris",
        ),
    ),
}
BOYS_NAMES = frozenset(name for boys, _, _ in NAMES.values() for name in boys)
NAME_GROUPS = {
    "AIND": ("south_asian",),
    "APKN": ("south_asian",),
    "ABAN": ("south_asian",),
    "AOTH": ("south_asian",),
    "MWAS": ("british", "south_asian"),
    "MWBC": ("british", "african_caribbean"),
    "MWBA": ("british", "african_caribbean"),
    "BCRB": ("african_caribbean",),
    "BAFR": ("african_caribbean",),
    "BOTH": ("african_caribbean",),
    "OOTH": ("british", "newly_arrived"),
    "CHNE": ("british",),
}

CATEGORIES_OF_NEED = {"N1": 58, "N2": 3, "N3": 3, "N4": 8, "N5": 14, "N6": 3, "N7": 1, "N8": 4}
FIRST_LEGAL_STATUS = {
    "court": {"C1": 85, "L2": 10, "L1": 5},
    "s20": {"V2": 92, "L1": 8},
    "uasc": {"V2": 1},
    "remand": {"J1": 1},
    "short_break_agreement": {"V4": 1},
}
# Young children in care proceedings who are on the way to adoption (a placement order, E1) if
# they came into care in the last ADOPTION_TRACK_DAYS.
ADOPTION_TRACK = 0.7
ADOPTION_TRACK_DAYS = 1000
# Legal statuses under which a child may be placed with parents (P1).
WITH_PARENTS_STATUSES = ("C1", "C2")
FOSTER_PLACEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6")
# Foster placements that become long-term with the same carers (RNE T, reason PLACE).
LONG_TERM = {"U6": "U4", "U3": "U1"}
# Fostering-for-adoption carers who go on to adopt: A5 with the same carers.
FOSTERING_FOR_ADOPTION = ("U2", "U5")

PLACEMENTS_BY_AGE = (
    (0, {"U6": 48, "U3": 18, "U5": 12, "U2": 4, "R3": 6, "P1": 9}),
    (1, {"U6": 46, "U3": 20, "U4": 8, "U1": 4, "U5": 4, "P1": 11, "K2": 1, "R3": 1}),
    (5, {"U6": 42, "U3": 16, "U4": 14, "U1": 6, "K2": 6, "P1": 9, "S1": 1, "R1": 1.5, "R2": 0.5}),
    (10, {"U6": 33, "U3": 10, "U4": 14, "U1": 5, "K2": 19, "P1": 7, "S1": 2, "K1": 1, "R1": 2, "R2": 1.5}),
    (16, {"U6": 24, "U3": 6, "U4": 10, "U1": 3, "K2": 14, "K3": 30, "P1": 3, "K1": 0.5, "P3": 0.5, "R1": 1, "R2": 2}),
)
ROUTE_PLACEMENTS = {
    "uasc": ((0, {"U6": 70, "K2": 20, "U3": 10}), (16, {"K3": 55, "U6": 30, "K2": 15})),
    "remand": ((0, {"U6": 35, "K2": 30, "K1": 15}), (15, {"U6": 30, "K2": 25, "K1": 15, "R5": 30})),
    # Short breaks are never with long-term foster carers (rule 384).
    "short_break_agreement": ((0, {"K2": 50, "U6": 40, "R1": 10}),),
}
# Supported accommodation (K3) joined the SSDA903 placement codes in 2024/25 and semi-independent
# living (H5) left them in 2025/26: a placement for 16 and 17 year olds starting before 1 April
# 2024 is H5. Registering supported accommodation with Ofsted became compulsory on 28 April 2024,
# so an H5 placement still open that day becomes K3 with the same provider: the same carers, a
# new placement type (RNE T; the change recorded as PLACE, a change in the status of the placement).
SUPPORTED_ACCOMMODATION_CODED_FROM = date(2024, 4, 1)
SUPPORTED_ACCOMMODATION_REGISTERED_ON = date(2024, 4, 28)
PROVIDERS = {
    "U1": {"PR1": 90, "PR2": 10},
    "U2": {"PR1": 90, "PR2": 10},
    "U3": {"PR1": 90, "PR2": 10},
    "U4": {"PR1": 55, "PR4": 35, "PR5": 10},
    "U5": {"PR1": 60, "PR4": 25, "PR5": 15},
    "U6": {"PR1": 55, "PR4": 35, "PR5": 10},
    "A5": {"PR1": 55, "PR2": 30, "PR5": 15},
    "A6": {"PR1": 55, "PR2": 30, "PR5": 15},
    "K1": {"PR1": 20, "PR2": 50, "PR4": 30},
    "K2": {"PR1": 15, "PR4": 75, "PR5": 10},
    "H5": {"PR1": 15, "PR4": 60, "PR5": 25},
    "K3": {"PR1": 15, "PR4": 60, "PR5": 25},
    "P1": {"PR0": 1},
    "P3": {"PR4": 1},
    "R1": {"PR4": 70, "PR5": 30},
    "R2": {"PR3": 1},
    "R3": {"PR1": 30, "PR4": 50, "PR5": 20},
    "R5": {"PR3": 1},
    "S1": {"PR4": 60, "PR5": 40},
}
PLACEMENT_CHANGE_REASONS = {
    "CARPL": 38,
    "CREQB": 12,
    "CREQO": 9,
    "CHILD": 8,
    "LAREQ": 6,
    "STAND": 4,
    "ALLEG": 3,
    "CLOSE": 4,
    "APPRR": 2,
    "OTHER": 14,
}
# Placement moves a year, by age from the given year.
MOVES_PER_YEAR = ((0, 0.35), (5, 0.4), (10, 0.6), (16, 0.7))
ROUTE_MOVES_PER_YEAR = {"remand": 0.3, "short_break_agreement": 0.1, "uasc": 0.5}

# How ceased periods of care end, with the age at the end and the length of the period (days).
EXITS = {"home": 43, "special_guardianship": 14, "adoption": 5, "eighteen": 24, "remand": 3, "other": 11}
EXIT_AGES = {
    "home": {(0, 0): 8, (1, 4): 17, (5, 9): 20, (10, 15): 40, (16, 17): 15},
    "special_guardianship": {(1, 4): 45, (5, 9): 40, (10, 12): 15},
    "adoption": {(1, 1): 25, (2, 2): 30, (3, 3): 20, (4, 5): 25},
    "remand": {(12, 15): 40, (16, 17): 60},
    "other": AGES_IN_CARE,
}
EXIT_DURATIONS = {
    "home": {(14, 90): 30, (91, 365): 40, (366, 1100): 30},
    "special_guardianship": {(240, 1400): 1},
    "adoption": {(420, 1000): 1},
    "eighteen": {(200, 730): 35, (731, 1825): 35, (1826, 4000): 30},
    "remand": {(14, 150): 1},
    "other": {(30, 730): 1},
}
EXIT_ROUTES = {
    "home": {"court": 70, "s20": 30},
    "special_guardianship": {"court": 1},
    "adoption": {"court": 1},
    "eighteen": {"court": 85, "s20": 15},
    "remand": {"remand": 1},
    "other": {"court": 80, "s20": 20},
}

# Children on a plan only who had one before: nationally about 23.6% of plans started in a year
# are second or subsequent ones, the child having had a plan at any time before (Characteristics
# of children in need, DfE, 2024/25; reporting.selectors counts them so). Children in care have
# first plans too, and young children have had no time for an earlier one, so the chances are well
# above the share. They differ for a plan that has ended and one still open, because the window
# holds the ended plans from further back: with one chance, the share rose from 13% of the plans
# started in the window's first year to 34% in the current one.
REPEAT_PLAN = {"ended": 0.95, "open": 0.42}
# Days from the end of a child's earlier plan to the start of the next, and the shortest plan (one
# ended at the first review conference).
EARLIER_PLAN_GAP_DAYS = (90, 700)
SHORTEST_PLAN_DAYS = 91
CATEGORIES_OF_ABUSE = {"NEG": 50, "EMO": 36, "PHY": 7, "SAB": 4, "MUL": 3}
PLAN_END_REASONS = {"no_longer_at_risk": 86, "moved_away": 9, "other": 5}
# Plans that end because the child is no longer at risk end at a review conference: the first
# comes about 3 months after the initial conference, later ones every 6 months. How many review
# conferences come before the one that ends the plan (CIN census durations: most plans end
# within a year, a few run past two).
REVIEW_CONFERENCES_BEFORE_PLAN_ENDS = {0: 24, 1: 38, 2: 24, 3: 10, 4: 4}
# Working days from the strategy discussion that started section 47 enquiries to the initial
# conference: the standard is 15; a few conferences are late, but never by more than 30 days in all.
# Exactly this share of each reporting year's is late (demo.shares), at 300 children as at 5,000:
# drawn one by one, a small authority's 40 initial conferences had anything from 1 to 10 late.
INITIAL_CONFERENCE_LATE = 0.16
INITIAL_CONFERENCE_WORKING_DAYS = (4, 15)
LATE_INITIAL_CONFERENCE_WORKING_DAYS = (16, 21)
LATEST_INITIAL_CONFERENCE_DAYS = 30
# Children with only a strategy discussion whose section 47 enquiries are still under way (the
# initial conference, if one is needed, is still to come).
ENQUIRIES_UNDER_WAY = 0.15
# An earlier strategy discussion before a plan: sometimes it started section 47 enquiries too
# (and the conference then decided that no plan was needed).
EARLIER_DISCUSSION_STARTED_ENQUIRIES = 0.4
REALLOCATIONS_PER_YEAR = 0.2
# Girls looked after who are mothers (SSDA903 MOTHER): a few of those aged 15 or over, their first
# child born after they turned 14.
MOTHERS_AMONG_GIRLS_AGED_15_AND_OVER = 0.06
SEX_UNKNOWN_CODED_FROM = date(2024, 4, 1)
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    fte: Decimal = Decimal("1.00")
    team: str = ""

    @property
    def is_administrator(self):
        return self.role == Role.ADMINISTRATOR


@dataclass
class ChildHistory:
    """One demo child and everything recorded about them, before saving. Allocations hold the
    IRO's index in the staff list until the IRO accounts exist."""

    child: Child
    episodes: list = field(default_factory=list)
    strategy_discussions: list = field(default_factory=list)
    protection_plans: list = field(default_factory=list)
    allocations: list = field(default_factory=list)
    short_break_series: bool = False

    def involvement(self):
        """Spans when the child needs an IRO: periods of care and protection plans, joined where
        they touch. A series of short breaks (V3) is one span: its review cycle runs across
        the breaks."""
        periods = periods_of_care(self.episodes)
        if self.short_break_series:
            spans = [(periods[0].start_date, None)]
        else:
            spans = [(period.start_date, period.end_date) for period in periods]
        spans += [(plan.start_date, plan.end_date) for plan in self.protection_plans]
        joined = []
        for start, end in sorted(spans, key=lambda span: span[0]):
            if joined and (joined[-1][1] is None or start <= joined[-1][1]):
                previous_end = joined[-1][1]
                joined[-1] = (joined[-1][0], None if previous_end is None or end is None else max(previous_end, end))
            else:
                joined.append((start, end))
        return joined


@dataclass
class DemoAuthority:
    staff: list
    histories: list


@dataclass(frozen=True)
class SavedAuthority:
    """What save_local_authority wrote: the IRO accounts in the order the histories' allocations
    index them, and how many records of each kind."""

    iros: list
    counts: dict


def add_years(day, years):
    """The same day `years` later (or earlier); 29 February falls on 1 March in other years,
    as in children.selectors.age_on."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


class _Generator:
    """Draws one local authority. Every draw comes from self.rng in a fixed order: the same seed
    and reference date always give the same authority."""

    def __init__(self, seed, today):
        self.seed = seed
        self.rng = random.Random(seed)
        self.motherhood_rng = random.Random(f"{seed}-motherhood")
        self.late_initial_conferences = Shares(INITIAL_CONFERENCE_LATE, random.Random(f"{seed}-late-conferences"))
        self.today = today
        self.window_start = add_years(today, -3)

    def build(self, number_of_children, *, first_child_number=1, first_iro_number=1):
        """The children numbered from `first_child_number` (an authority saved in chunks numbers
        each chunk on from the last) and the IROs they need, numbered from `first_iro_number`."""
        kinds = {
            "in_care": self.in_care,
            "returned_to_care": self.returned_to_care,
            "short_break_agreement": self.short_break_agreement,
            "short_break_series": self.short_break_series,
            "ceased_care": self.ceased_care,
            "protection_only": self.protection_only,
            "strategy_discussion_only": self.strategy_discussion_only,
        }
        numbers = range(first_child_number, first_child_number + number_of_children)
        histories = [kinds[self.pick(CHILD_KINDS)](number) for number in numbers]
        iro_ftes = self.iro_ftes(
            sum(1 for history in histories for span in history.involvement() if span[1] is None), first_iro_number
        )
        self.allocate(histories, iro_ftes)
        place_episodes(histories, self.seed)
        for history in histories:
            history.child.upn = unique_pupil_number(history.child, self.today)
        return DemoAuthority(staff=self.staff(iro_ftes, first_iro_number), histories=histories)

    # Random helpers.

    def pick(self, weights):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def chance(self, probability):
        return self.rng.random() < probability

    def days(self, low, high):
        return timedelta(days=self.rng.randint(low, high))

    def day_between(self, first, last):
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def working_day(self, day, first, last):
        """The working day on or before `day` or, failing that, after it, within [first, last];
        None when the range holds no working day."""
        day = min(max(day, first), last)
        earlier = on_or_before(day)
        if earlier >= first:
            return earlier
        later = on_or_after(day)
        return later if later <= last else None

    def conference_day_between(self, first, last):
        """A working day drawn between first and last (inclusive), or None if there is none."""
        if last < first:
            return None
        return self.working_day(self.day_between(first, last), first, last)

    def birth_date(self, band, on):
        """A date of birth giving an age within the band (inclusive years) on `on`, at least two
        days before it so that something can happen in between."""
        youngest, oldest = band
        earliest = add_years(on, -(oldest + 1)) + timedelta(days=1)
        latest = min(add_years(on, -youngest), on - timedelta(days=2))
        return self.day_between(earliest, latest)

    # Children.

    def new_child(self, number, date_of_birth, *, uasc=False, disabled=None):
        sex = self.pick(UASC_SEXES if uasc else SEXES)
        ethnicity = self.pick(UASC_ETHNICITIES if uasc else ETHNICITIES)
        group = "newly_arrived" if uasc else self.rng.choice(NAME_GROUPS.get(ethnicity, ("british",)))
        boys, girls, families = NAMES[group]
        given_names = {"M": boys, "F": girls}.get(sex) or self.rng.choice((boys, girls))
        child = Child(
            local_child_id=f"{DEMO_ID_PREFIX}{number:06d}",
            given_name=self.rng.choice(given_names),
            family_name=self.rng.choice(families),
            date_of_birth=date_of_birth,
            sex=sex,
            ethnicity=ethnicity,
            is_uasc=uasc,
            has_disability=self.chance(0.05) if disabled is None else disabled,
        )
        return ChildHistory(child=child)

    def in_care(self, number):
        date_of_birth = self.birth_date(self.pick(AGES_IN_CARE), self.today)
        age = age_on(date_of_birth, self.today)
        uasc = self.chance({16: 0.3, 17: 0.3, 14: 0.08, 15: 0.08}.get(age, 0))
        history = self.new_child(number, date_of_birth, uasc=uasc)
        yesterday = self.today - timedelta(days=1)
        if uasc:
            earliest = max(add_years(date_of_birth, 14), self.today - timedelta(days=900))
            start = self.day_between(min(earliest, yesterday), yesterday)  # 14 today: arrived yesterday
            route = "uasc"
        else:
            start = max(self.today - self.time_in_care_so_far(date_of_birth), date_of_birth)
            start = min(start, yesterday)
            route = self.route(age_on(date_of_birth, start), start)
            self.maybe_plan_before_care(history, start)
        history.episodes = self.care_period(history.child, start, route)
        if history.episodes[-1].placement_type == "P1" and self.chance(0.4):
            self.open_plan_while_looked_after(history, history.episodes[-1].start_date)
        self.as_the_returns_record(history)
        return history

    def time_in_care_so_far(self, date_of_birth):
        """How long a child in care today has been looked after, drawn as a steady state has it:
        as likely to have started on any day as children leave on any day, and still here, so
        the chance of each length falls as the lengths of ceased periods do. Drawn by rejection:
        a length up to the child's age, kept if a period of care drawn like a ceased one lasts
        longer."""
        longest = max(1, (self.today - date_of_birth).days)
        while True:
            so_far = self.rng.randint(1, longest)
            if self.period_length(self.pick(EXITS)) > so_far:
                return timedelta(days=so_far)

    def period_length(self, exit_kind):
        """Days a period of care ending in `exit_kind` lasts."""
        low, high = self.pick(EXIT_DURATIONS[exit_kind])
        return self.rng.randint(low, high)

    def returned_to_care(self, number):
        date_of_birth = self.birth_date(self.pick({(5, 9): 20, (10, 15): 38, (16, 17): 22}), self.today)
        history = self.new_child(number, date_of_birth)
        second_start = self.today - self.days(1, 700)
        # The first period ended within the last three years, like every ended period.
        first_end = max(second_start - self.days(60, 540), self.window_start + timedelta(days=1))
        first_start = max(first_end - self.days(30, 600), date_of_birth + timedelta(days=1))
        first_route = self.pick(EXIT_ROUTES["home"])
        first = self.care_period(history.child, first_start, first_route, end=first_end, exit_kind="home")
        if self.chance(0.3):
            start = self.conference_day_between(first_end + timedelta(days=14), second_start - timedelta(days=14))
            if start is not None:
                self.protection_plan(history, start, end=second_start, end_reason="looked_after")
        route = self.route(age_on(date_of_birth, second_start), second_start)
        history.episodes = first + self.care_period(history.child, second_start, route)
        self.as_the_returns_record(history)
        return history

    def short_break_agreement(self, number):
        """Disabled child looked after under a short-break agreement (V4): one open episode."""
        date_of_birth = self.birth_date((5, 17), self.today)
        history = self.new_child(number, date_of_birth, disabled=True)
        earliest = max(add_years(date_of_birth, 4), self.today - timedelta(days=1100))
        start = self.day_between(earliest, self.today - timedelta(days=1))
        history.episodes = self.care_period(history.child, start, "short_break_agreement")
        if self.chance(0.2):
            self.open_plan_while_looked_after(history, start)
        self.as_the_returns_record(history)
        return history

    def short_break_series(self, number):
        """Disabled child on a series of short breaks (V3): each break of a few days is its own
        episode and period of care, with the same short-break carers."""
        date_of_birth = self.birth_date((5, 17), self.today)
        history = self.new_child(number, date_of_birth, disabled=True)
        history.short_break_series = True
        placement = self.pick({"K2": 60, "U6": 40})
        provider = self.pick(PROVIDERS[placement])
        start = self.day_between(
            max(add_years(date_of_birth, 4), self.today - timedelta(days=700)), self.today - timedelta(days=30)
        )
        while start < self.today:
            end = start + self.days(2, 5)
            episode = self.episode(history.child, start, "S", "V3", "N2", placement, provider)
            if end < self.today:
                episode.end_date, episode.reason_episode_ceased = end, "E4A"
            history.episodes.append(episode)
            start = end + self.days(14, 56)
        if self.chance(0.2):
            self.open_plan_while_looked_after(history, history.episodes[0].start_date)
        self.as_the_returns_record(history)
        return history

    def ceased_care(self, number):
        exit_kind = self.pick(EXITS)
        if exit_kind == "eighteen":
            latest_birth = add_years(self.today, -18) - timedelta(days=2)
            date_of_birth = self.day_between(add_years(self.window_start, -18) + timedelta(days=1), latest_birth)
            end = add_years(date_of_birth, 18)
            uasc = self.chance(0.3)
        else:
            end = self.day_between(self.window_start + timedelta(days=1), self.today - timedelta(days=1))
            date_of_birth = self.birth_date(self.pick(EXIT_AGES[exit_kind]), end)
            uasc = exit_kind == "other" and age_on(date_of_birth, end) >= 16 and self.chance(0.3)
        history = self.new_child(number, date_of_birth, uasc=uasc)
        if uasc:
            start = max(end - self.days(14, 1100), add_years(date_of_birth, 15))
            route = "uasc"
        else:
            low, high = self.pick(EXIT_DURATIONS[exit_kind])
            start = min(max(end - self.days(low, high), date_of_birth + self.days(0, 14)), end - timedelta(days=1))
            route = self.pick(EXIT_ROUTES[exit_kind])
            self.maybe_plan_before_care(history, start)
        history.episodes = self.care_period(history.child, start, route, end=end, exit_kind=exit_kind)
        self.as_the_returns_record(history)
        return history

    def as_the_returns_record(self, history):
        """The child as the Header of the SSDA903 returns that list them. SEX U (unknown) is a
        code only from 2024/25: a child of unknown sex looked after earlier was recorded as the
        given name suggests. MOTHER and MC_DOB are for a girl looked after other than on short
        breaks alone (rule 393), and for nobody else; they come from the motherhood stream."""
        child = history.child
        if child.sex == "U" and min(episode.start_date for episode in history.episodes) < SEX_UNKNOWN_CODED_FROM:
            child.sex = "M" if child.given_name in BOYS_NAMES else "F"
        if child.sex != "F" or all(episode.legal_status in ("V3", "V4") for episode in history.episodes):
            return
        child.is_mother = (
            age_on(child.date_of_birth, self.today) >= 15
            and self.motherhood_rng.random() < MOTHERS_AMONG_GIRLS_AGED_15_AND_OVER
        )
        if child.is_mother:
            fourteenth_birthday = add_years(child.date_of_birth, 14)
            child.first_child_date_of_birth = fourteenth_birthday + timedelta(
                days=self.motherhood_rng.randint(1, (self.today - fourteenth_birthday).days)
            )

    def protection_only(self, number):
        date_of_birth = self.birth_date(self.pick(AGES_ON_PLAN), self.today)
        history = self.new_child(number, date_of_birth)
        day_after_birth = date_of_birth + timedelta(days=1)
        yesterday = self.today - timedelta(days=1)
        ended = self.chance(0.4) and (self.today - date_of_birth).days > 120
        if ended:
            length = self.plan_length(longest=yesterday - day_after_birth)
            end = self.day_between(max(day_after_birth + length, self.today - timedelta(days=900)), yesterday)
            start, end = self.plan_dates(end - length, end, day_after_birth, yesterday)
            self.protection_plan(history, start, end=end, end_reason=self.pick(PLAN_END_REASONS))
        else:
            longest = 900 if self.chance(0.1) else 540
            earliest = max(day_after_birth, self.today - timedelta(days=longest))
            start = self.conference_day_between(earliest, yesterday) or yesterday
            self.protection_plan(history, start)
        if self.chance(REPEAT_PLAN["ended" if ended else "open"]):
            self.earlier_plan(history, history.protection_plans[0].start_date)
        return history

    def earlier_plan(self, history, later_start):
        """A plan that ended months or years before the one starting on `later_start`, shorter
        and sooner before it the younger the child was: none if the child was born too recently
        for a plan and the months before the next one."""
        day_after_birth = history.child.date_of_birth + timedelta(days=1)
        shortest_gap, longest_gap = EARLIER_PLAN_GAP_DAYS
        room = later_start - day_after_birth - timedelta(days=shortest_gap)
        if room < timedelta(days=SHORTEST_PLAN_DAYS):
            return
        length = self.plan_length(longest=room)
        gap = self.rng.randint(shortest_gap, min(longest_gap, shortest_gap + (room - length).days))
        end = later_start - timedelta(days=gap)
        start, end = self.plan_dates(end - length, end, day_after_birth, end)
        self.protection_plan(history, start, end=end, end_reason=self.pick(PLAN_END_REASONS))

    def strategy_discussion_only(self, number):
        """Section 47 enquiries (or none) that led to no plan, or are still under way: no IRO involvement."""
        date_of_birth = self.birth_date(self.pick(AGES_ON_PLAN), self.today)
        history = self.new_child(number, date_of_birth)
        if self.chance(ENQUIRIES_UNDER_WAY):
            yesterday = self.today - timedelta(days=1)
            recent = self.day_between(max(date_of_birth, self.today - timedelta(days=21)), yesterday)
            self.strategy_discussion(history, recent, True)
            return history
        day = self.day_between(max(date_of_birth, self.window_start), self.today - timedelta(days=1))
        self.strategy_discussion(history, day, self.chance(0.5))
        later = day + self.days(30, 200)
        if self.chance(0.2) and later < self.today:
            self.strategy_discussion(history, later, self.chance(0.5))
        return history

    def route(self, age, start):
        """How a child came into care at this age: care proceedings, section 20 or remand
        (remands last months, so only recent starts are remands)."""
        if age < 10:
            return self.pick({"court": 96, "s20": 4})
        route = self.pick({"court": 90, "s20": 7, "remand": 3} if age < 16 else {"court": 78, "s20": 18, "remand": 4})
        if route == "remand" and (age < 12 or start < self.today - timedelta(days=150)):
            return "s20"
        return route

    # Child protection.

    def strategy_discussion(self, history, day, section_47_enquiry_started):
        """One discussion a day: a second one drawn for the same day only adds its enquiries."""
        day = max(day, history.child.date_of_birth)
        for discussion in history.strategy_discussions:
            if discussion.date == day:
                discussion.section_47_enquiry_started |= section_47_enquiry_started
                return
        history.strategy_discussions.append(
            StrategyDiscussion(child=history.child, date=day, section_47_enquiry_started=section_47_enquiry_started)
        )

    def protection_plan(self, history, start, *, end=None, end_reason=""):
        """A plan starts on the day of its initial conference (`start`, a working day), held
        within 15 working days of the strategy discussion that started section 47 enquiries, or
        a few days late. Sometimes there was an earlier discussion; some of those started
        enquiries of their own (the conference then found no plan was needed)."""
        discussion = self.section_47_discussion_day(start)
        if self.chance(0.25):
            earlier = discussion - self.days(30, 200)
            self.strategy_discussion(history, earlier, self.chance(EARLIER_DISCUSSION_STARTED_ENQUIRIES))
        self.strategy_discussion(history, discussion, True)
        history.protection_plans.append(
            ChildProtectionPlan(
                child=history.child,
                start_date=start,
                initial_category_of_abuse=self.pick(CATEGORIES_OF_ABUSE),
                end_date=end,
                end_reason=end_reason,
            )
        )

    def section_47_discussion_day(self, conference):
        """The strategy discussion that started the enquiries behind an initial conference held
        on `conference`: mostly 4-15 working days before it, sometimes a few days more, never
        more than 30 days."""
        low, high = (
            LATE_INITIAL_CONFERENCE_WORKING_DAYS
            if self.late_initial_conferences.next(reporting_year_start(conference))
            else INITIAL_CONFERENCE_WORKING_DAYS
        )
        count = self.rng.randint(low, high)
        while count > 1 and (conference - add_working_days(conference, -count)).days > LATEST_INITIAL_CONFERENCE_DAYS:
            count -= 1
        return add_working_days(conference, -count)

    def plan_length(self, longest=None):
        """Days from the initial conference to the review conference that ends the plan: a
        little under 3 months, 9 months, 15 months... (review conferences fall due 3 months after
        the initial one, then every 6 months, and are held a little before they are due)."""
        reviews_before = self.pick(REVIEW_CONFERENCES_BEFORE_PLAN_ENDS)
        days = 91 + 182 * reviews_before - self.rng.randint(0, 28)
        while longest is not None and reviews_before and days > longest.days:
            reviews_before -= 1
            days -= 182
        return timedelta(days=days)

    def plan_dates(self, start, end, earliest, latest):
        """A plan's start and end moved onto working days (the conferences that made and ended
        it), within [earliest, latest]."""
        end = self.working_day(end, earliest + timedelta(days=1), latest) or end
        start = self.working_day(start, earliest, end - timedelta(days=1)) or start
        return start, end

    def maybe_plan_before_care(self, history, care_start):
        """Some children were on a plan that ended the day they became looked after."""
        if care_start < self.window_start - timedelta(days=365) or not self.chance(0.1):
            return
        start = care_start - self.days(60, 420)
        date_of_birth = history.child.date_of_birth
        if start - timedelta(days=LATEST_INITIAL_CONFERENCE_DAYS) >= date_of_birth:
            start = self.working_day(start, date_of_birth + timedelta(days=1), care_start - timedelta(days=1))
            self.protection_plan(history, start, end=care_start, end_reason="looked_after")

    def open_plan_while_looked_after(self, history, earliest):
        earliest = max(earliest, self.today - timedelta(days=700), history.child.date_of_birth + timedelta(days=1))
        start = self.conference_day_between(earliest, self.today - timedelta(days=1))
        if start is not None:
            self.protection_plan(history, start)

    # Care episodes.

    def episode(
        self, child, start, reason_for_new_episode, legal_status, category_of_need, placement_type, placement_provider
    ):
        return CareEpisode(
            child=child,
            start_date=start,
            reason_for_new_episode=reason_for_new_episode,
            legal_status=legal_status,
            category_of_need=category_of_need,
            placement_type=placement_type,
            placement_provider=placement_provider,
        )

    def care_period(self, child, start, route, *, end=None, exit_kind=None):
        """The episodes of one period of care from `start`, open at the reference date unless it
        ends on `end`. A new episode starts whenever the legal status or placement changes;
        each one ends the day the next starts, with REC X1."""
        horizon = end or self.today
        category_of_need = self.category_of_need(child, route)
        statuses, placed_for_adoption = self.legal_statuses(child, start, horizon, route, exit_kind)
        changes = {}
        for day, status in statuses[1:]:
            changes.setdefault(day, {})["legal_status"] = status
            if self.chance(0.15):
                changes[day]["move"] = True
        for day in self.placement_moves(child, start, horizon, route):
            if placed_for_adoption is None or day < placed_for_adoption:
                changes.setdefault(day, {})["move"] = True
        if placed_for_adoption is not None:
            changes.setdefault(placed_for_adoption, {})["placed_for_adoption"] = True
        full_order = next((day for day, status in statuses if status == "C2"), None)
        if full_order is not None and exit_kind != "adoption":
            long_term_day = full_order + self.days(120, 720)
            if long_term_day < horizon:
                changes.setdefault(long_term_day, {})["long_term"] = True

        status = statuses[0][1]
        placement, provider = self.placement(child, start, status, route)
        episodes = [self.episode(child, start, "S", status, category_of_need, placement, provider)]
        for day in sorted(changes):
            change = changes[day]
            new_status = change.get("legal_status", status)
            new_placement, new_provider, same_carers, reason = placement, provider, False, ""
            if change.get("placed_for_adoption"):
                same_carers = placement in FOSTERING_FOR_ADOPTION
                new_placement = "A5" if same_carers else "A6"
                new_provider, reason = self.pick(PROVIDERS[new_placement]), "CARPL"
            elif change.get("move") or (placement == "P1" and new_status not in WITH_PARENTS_STATUSES):
                new_placement, new_provider = self.placement(child, day, new_status, route)
                custody = route == "remand" and self.chance(0.5)
                reason = "CUSTOD" if custody else self.pick(PLACEMENT_CHANGE_REASONS)
            elif change.get("long_term") and placement in LONG_TERM:
                new_placement, same_carers, reason = LONG_TERM[placement], True, "PLACE"
            status_changed = new_status != status
            if not reason and not status_changed:
                continue
            ending = episodes[-1]
            ending.end_date, ending.reason_episode_ceased, ending.reason_for_placement_change = day, "X1", reason
            episodes.append(
                self.episode(
                    child,
                    day,
                    reason_for_new_episode(status_changed, bool(reason), same_carers),
                    new_status,
                    category_of_need,
                    new_placement,
                    new_provider,
                )
            )
            status, placement, provider = new_status, new_placement, new_provider
        if end is not None:
            episodes[-1].end_date = end
            episodes[-1].reason_episode_ceased = self.reason_care_ended(exit_kind, episodes[-1], child)
        return self.register_supported_accommodation(episodes)

    def register_supported_accommodation(self, episodes):
        """The episodes with an H5 placement open on the day supported accommodation had to be
        registered, split there: K3 from that day, and in the episodes after it that carry the
        same placement on (see SUPPORTED_ACCOMMODATION_REGISTERED_ON). A legal status that changed
        that very day changed with the placement's status (RNE U, not L)."""
        day = SUPPORTED_ACCOMMODATION_REGISTERED_ON
        registered = []
        for episode in episodes:
            registered.append(episode)
            if episode.placement_type != "H5":
                continue
            if episode.start_date >= day:
                episode.placement_type = "K3"
                if episode.start_date == day and episode.reason_for_new_episode == "L":
                    episode.reason_for_new_episode = "U"
                    registered[-2].reason_for_placement_change = "PLACE"
            elif day < (episode.end_date or self.today):
                supported = self.episode(
                    episode.child,
                    day,
                    "T",
                    episode.legal_status,
                    episode.category_of_need,
                    "K3",
                    episode.placement_provider,
                )
                supported.end_date = episode.end_date
                supported.reason_episode_ceased = episode.reason_episode_ceased
                supported.reason_for_placement_change = episode.reason_for_placement_change
                episode.end_date, episode.reason_episode_ceased = day, "X1"
                episode.reason_for_placement_change = "PLACE"
                registered.append(supported)
        return registered

    def category_of_need(self, child, route):
        """Fixed for the whole period of care (SSDA903 rule 504)."""
        if route == "uasc":
            return "N8"
        if route == "short_break_agreement":
            return "N2"
        if route == "remand":
            return self.pick({"N6": 70, "N5": 30})
        if child.has_disability and self.chance(0.25):
            return "N2"
        return self.pick(CATEGORIES_OF_NEED)

    def legal_statuses(self, child, start, horizon, route, exit_kind):
        """The legal statuses through the period, as (day, status) from `start`, and the day the
        child was placed for adoption, if they were."""
        if exit_kind == "adoption":
            length = (horizon - start).days
            placement_order = start + timedelta(days=int(length * self.rng.uniform(0.35, 0.55)))
            placed = placement_order + timedelta(days=int(length * self.rng.uniform(0, 0.15)))
            return [(start, "C1"), (placement_order, "E1")], placed
        adoption_track = (
            route == "court"
            and age_on(child.date_of_birth, start) < 3
            and start >= self.today - timedelta(days=ADOPTION_TRACK_DAYS)
            and self.chance(ADOPTION_TRACK)
        )
        status = self.pick(FIRST_LEGAL_STATUS[route])
        statuses = [(start, status)]
        day = start
        while (step := self.next_legal_status(status, route, adoption_track)) is not None:
            status, wait = step
            day += timedelta(days=wait)
            if day >= horizon:
                break
            statuses.append((day, status))
        placed = None
        if statuses[-1][1] == "E1":
            candidate = statuses[-1][0] + self.days(30, 240)
            if self.today - timedelta(days=300) <= candidate < horizon:
                placed = candidate
        return statuses, placed

    def next_legal_status(self, status, route, adoption_track):
        """The next legal status and the days until it, or None if the status lasts: police
        protection lasts up to 72 hours, an emergency protection order days, care proceedings
        most of a year."""
        if status == "L1":
            return ("C1" if route == "court" else "V2"), self.rng.randint(1, 3)
        if status == "L2":
            return "C1", self.rng.randint(3, 8)
        if status == "V2" and route == "s20" and self.chance(0.3):
            return "C1", self.rng.randint(60, 400)
        if status == "C1":
            return ("E1" if adoption_track else "C2"), self.rng.randint(150, 420)
        return None

    def placement_moves(self, child, start, horizon, route):
        """Days the child moves to new carers: a few a year, more for teenagers, and often soon
        after an emergency start in care proceedings."""
        moves = []
        if route == "court" and self.chance(0.3):
            moves.append(start + self.days(7, 90))
        day = start
        while True:
            age = age_on(child.date_of_birth, day)
            rate = ROUTE_MOVES_PER_YEAR.get(route) or next(
                rate for lowest, rate in reversed(MOVES_PER_YEAR) if age >= lowest
            )
            day += timedelta(days=max(7, int(self.rng.expovariate(rate) * 365)))
            if day >= horizon:
                break
            moves.append(day)
        return [day for day in moves if start < day < horizon]

    def placement(self, child, day, status, route):
        """A placement type plausible for the child's age and legal status, and its provider
        (PR0 only with P1; K3, or H5 before 2024/25, only from 16; adoption placements only via
        placed_for_adoption)."""
        age = age_on(child.date_of_birth, day)
        bands = ROUTE_PLACEMENTS.get(route, PLACEMENTS_BY_AGE)
        weights = next(weights for lowest, weights in reversed(bands) if age >= lowest)
        if day < SUPPORTED_ACCOMMODATION_CODED_FROM:
            weights = {("H5" if code == "K3" else code): weight for code, weight in weights.items()}
        allowed = {
            code: weight
            for code, weight in weights.items()
            if (code != "P1" or status in WITH_PARENTS_STATUSES) and (status != "E1" or code in FOSTER_PLACEMENTS)
        }
        placement = self.pick(allowed)
        return placement, self.pick(PROVIDERS[placement])

    def reason_care_ended(self, exit_kind, last, child):
        """REC for the last episode, consistent with how and where the period ended."""
        if exit_kind == "adoption":
            return self.pick({"E11": 80, "E12": 20})
        if exit_kind == "home":
            return self.pick({"E4A": 72, "E13": 14, "E4B": 9, "E41": 5})
        if exit_kind == "special_guardianship":
            if last.placement_type in ("U1", "U3"):
                return self.pick({"E45": 70, "E47": 30})
            if last.placement_type in FOSTER_PLACEMENTS:
                return self.pick({"E46": 60, "E48": 25, "E47": 15})
            return self.pick({"E47": 50, "E48": 50})
        if exit_kind == "eighteen":
            if last.placement_type in FOSTER_PLACEMENTS:
                return self.pick({"E17": 50, "E5": 45, "E6": 5})
            return self.pick({"E5": 85, "E6": 10, "E8": 5})
        if exit_kind == "remand":
            return self.pick({"E14": 65, "E9": 35})
        if child.is_uasc:
            return "E15"
        return self.pick({"E3": 45, "E8": 40, "E16": 15})

    # Staff and allocations.

    def iro_ftes(self, children_to_allocate, first_iro_number=1):
        """Enough IROs (at least three) for caseloads near 60 children per full-time IRO. Their
        working hours follow one pattern through the team, from IRO number `first_iro_number`."""

        def ftes(count):
            first = first_iro_number - 1
            return [IRO_FTE_PATTERN[index % len(IRO_FTE_PATTERN)] for index in range(first, first + count)]

        def distance(count):
            return abs(children_to_allocate / float(sum(ftes(count))) - CASELOAD_PER_FTE_TARGET)

        most = MINIMUM_IROS + children_to_allocate // 25
        return ftes(min(range(MINIMUM_IROS, most + 1), key=distance))

    def allocate(self, histories, iro_ftes):
        """Allocate each span of involvement to IROs. Current allocations go to whichever IRO is
        furthest below their share, which follows FTE give or take 15% (some IROs carry more
        than others); earlier ones are weighted by FTE. A reallocation ends the previous
        allocation the day it starts."""
        iros = range(len(iro_ftes))
        weights = [float(fte) for fte in iro_ftes]
        shares = [weight * self.rng.uniform(0.85, 1.15) for weight in weights]
        current = [0] * len(iro_ftes)
        for history in histories:
            for start, end in history.involvement():
                changes = []
                day = start
                while True:
                    day += timedelta(days=max(30, int(self.rng.expovariate(REALLOCATIONS_PER_YEAR) * 365)))
                    if day >= (end or self.today):
                        break
                    changes.append(day)
                boundaries = [start, *changes, end]
                if end is None:
                    iro = min(iros, key=lambda index: (current[index] + 1) / shares[index])
                    current[iro] += 1
                else:
                    iro = self.rng.choices(iros, weights=weights)[0]
                segments = [(iro, boundaries[-2], end)]
                for segment_start, segment_end in reversed(list(zip(boundaries[:-2], boundaries[1:-1]))):
                    others = [index for index in iros if index != iro]
                    iro = self.rng.choices(others, weights=[weights[index] for index in others])[0]
                    segments.append((iro, segment_start, segment_end))
                history.allocations.extend(reversed(segments))

    def staff(self, iro_ftes, first_iro_number=1):
        teams = TEAMS[: min(len(TEAMS), max(2, round(len(iro_ftes) / 5)))]
        boys, girls, families = NAMES["british"]

        def name():
            return self.rng.choice(boys + girls), self.rng.choice(families)

        staff = [
            StaffMember("admin", *name(), role=Role.ADMINISTRATOR),
            StaffMember("manager", *name(), role=Role.SERVICE_MANAGER, team="IRO service"),
            StaffMember("board", *name(), role=Role.BOARD_MEMBER, team="Corporate Parenting Board"),
            # Named without the generator, so that adding the account changed no one else's name.
            StaffMember("support", "Jordan", "Ashworth", role=Role.BUSINESS_SUPPORT, team="Business support"),
        ]
        staff += [
            StaffMember(
                f"iro{first_iro_number + index}", *name(), role=Role.IRO, fte=fte, team=teams[index % len(teams)]
            )
            for index, fte in enumerate(iro_ftes)
        ]
        return staff


def unique_pupil_number(child, today):
    """A UPN for a child who has started school (4 by the last 31 August), as schools allocate
    them: the authority's DfE number (892), a school's establishment number, the year of
    allocation and a serial, with the check letter first (DfE UPN guidance: each of the 12
    characters times its position, 2 to 13, summed, modulo 23, indexes the check letters).
    Built from the child's number, so every demo child's UPN is different (rule 444); a younger
    child has none."""
    last_august = date(today.year if today >= date(today.year, 8, 31) else today.year - 1, 8, 31)
    if add_years(child.date_of_birth, 4) > last_august:
        return ""
    number = int(child.local_child_id.removeprefix(DEMO_ID_PREFIX))
    allocated = add_years(child.date_of_birth, 4).year % 100
    digits = f"892{2000 + number // 1000 % 8000:04d}{allocated:02d}{number % 1000:03d}"
    check = sum(position * int(digit) for position, digit in enumerate(digits, start=2)) % 23
    return UPN_CHECK_LETTERS[check] + digits


def reason_for_new_episode(legal_status_changed, placement_changed, same_carers):
    """RNE from what changed (SSDA903 rules 434-436): L, P or T, B or U."""
    if not placement_changed:
        return "L"
    if legal_status_changed:
        return "U" if same_carers else "B"
    return "T" if same_carers else "P"


def build_local_authority(number_of_children, seed, today, *, first_child_number=1, first_iro_number=1):
    """Generate the demo authority in memory, without touching the database. Conferences (plan
    starts, and plan ends at a review conference) fall on working days. An authority too large
    to hold in memory is built in chunks, each with a seed of its own, its children and IROs
    numbered on from the chunk before."""
    return _Generator(seed, today).build(
        number_of_children, first_child_number=first_child_number, first_iro_number=first_iro_number
    )


def demo_data_exists():
    return Child.objects.filter(local_child_id__startswith=DEMO_ID_PREFIX).exists()


@transaction.atomic
def save_local_authority(authority, *, replace=True, password=None):
    """Replace the demo children (and everything recorded about them, which cascades) with the
    generated authority; demo accounts are updated in place so that audit events and sessions
    keep pointing at them. Auditing the run is the caller's job (one event for the whole seed).

    An authority saved in chunks passes replace=False: the chunks saved before stay, and the
    caller deactivates the IROs no chunk needed once all are saved; `password` is then the one
    hash (make_password is deliberately slow) for every chunk's accounts."""
    if replace:
        Child.objects.filter(local_child_id__startswith=DEMO_ID_PREFIX).delete()
    users = _save_staff(authority.staff, password or make_password(DEMO_PASSWORD))
    if replace:
        deactivate_demo_iros_except(users)
    iros = [users[member.username] for member in authority.staff if member.role == Role.IRO]
    histories = authority.histories
    bulk_save(Child, [history.child for history in histories])
    episodes = [episode for history in histories for episode in history.episodes]
    discussions = [discussion for history in histories for discussion in history.strategy_discussions]
    plans = [plan for history in histories for plan in history.protection_plans]
    allocations = [
        Allocation(child=history.child, iro=iros[iro], start_date=start, end_date=end)
        for history in histories
        for iro, start, end in history.allocations
    ]
    bulk_save(CareEpisode, episodes)
    bulk_save(StrategyDiscussion, discussions)
    bulk_save(ChildProtectionPlan, plans)
    bulk_save(Allocation, allocations)
    return SavedAuthority(
        iros=iros,
        counts={
            "children": len(histories),
            "iros": len(iros),
            "care_episodes": len(episodes),
            "strategy_discussions": len(discussions),
            "protection_plans": len(plans),
            "allocations": len(allocations),
        },
    )


def bulk_save(model, instances):
    """Insert new instances of `model` and give them their primary keys, as bulk_create does.
    On PostgreSQL they are copied in (COPY FROM STDIN) in half the time: bulk_create passes every
    value of every row through the field classes and builds multi-row INSERTs, which took longer
    than generating the records. The demo's records hold plain values (text, numbers, dates,
    aware datetimes, booleans) and relations to records saved before them."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances, batch_size=BATCH_SIZE)
        return
    if not instances:
        return
    meta = model._meta
    fields = meta.concrete_fields
    relations = [field for field in fields if field.is_relation]
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    now = timezone.now()
    rows = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(instances)],
        )
        for instance, (pk,) in zip(instances, cursor.fetchall()):
            instance.pk = pk
            values = instance.__dict__
            for relation in relations:
                related = relation.get_cached_value(instance, None)
                if related is not None and values[relation.attname] is None:
                    if related.pk is None:
                        raise ValueError(f"{instance!r} refers to an unsaved {related!r}")
                    values[relation.attname] = related.pk
            for field in stamped:
                values[field.attname] = now
            rows.write("\t".join([copy_text(values[field.attname]) for field in fields]))
            rows.write("\n")
            instance._state.adding, instance._state.db = False, connection.alias
        rows.seek(0)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        cursor.copy_expert(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", rows)


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value):
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, (int, Decimal, date)):
        return str(value)
    raise TypeError(f"cannot copy {value!r} into PostgreSQL")


def _save_staff(staff, password):
    """Create or update the demo accounts, all with the one password hash."""
    users = {}
    for member in staff:
        users[member.username], _ = User.objects.update_or_create(
            username=member.username,
            defaults={
                "first_name": member.first_name,
                "last_name": member.last_name,
                "email": f"{member.username}@example.org",
                "role": member.role,
                "fte": member.fte,
                "team": member.team,
                "password": password,
                "is_active": True,
                "is_staff": member.is_administrator,
                "is_superuser": member.is_administrator,
            },
        )
    return users


def deactivate_demo_iros_except(usernames):
    """Deactivate the demo IROs left over from a larger earlier run."""
    User.objects.filter(role=Role.IRO, username__regex=IRO_USERNAME.pattern).exclude(username__in=usernames).update(
        is_active=False
    )


def demo_logins():
    """The demo accounts as they are now: administrator, manager, board member, business support,
    then IROs in order."""
    order = {"admin": 0, "manager": 1, "board": 2, "support": 3}
    users = User.objects.filter(
        Q(username__in=order) | Q(role=Role.IRO, is_active=True, username__regex=IRO_USERNAME.pattern)
    )

    def position(user):
        match = IRO_USERNAME.match(user.username)
        return (4, int(match.group(1))) if match and user.username not in order else (order[user.username], 0)

    return sorted(users, key=position)
