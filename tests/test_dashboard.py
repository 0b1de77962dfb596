"""The dashboard: every figure right, every figure opening a list of exactly that many rows, a
fixed number of queries, and only the people who should see it.

The tests build one small hand-made authority (`build_authority`) in which each figure is known
in advance, edge cases included: a review held exactly on its due date, PN0 left out of the
participation rate, a child who left care and came back in the same period, an IRO on 0.5 FTE.
The authority is built relative to a day `on`, so the same authority serves two purposes:

* on a fixed Wednesday (ON) the figures from reporting.selectors are compared with values worked
  out by hand, written as literals with the reason beside each;
* on today (the list pages count from timezone.localdate(), as the dashboard page does) every
  figure link on the page is followed and the list behind it must show exactly that many rows.

Deadlines (working days, months) are computed with reviews.timescales, never copied by hand.
"""

import html
import re
from dataclasses import dataclass
from datetime import date as D
from datetime import datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import children_visible_to
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan, StrategyDiscussion
from children.selectors import iro_allocation_after_care_started
from escalations import timescales as escalation_timescales
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from oversight.models import OversightRecord
from reporting import selectors
from reporting.periods import Period, reporting_year, year_to_date
from reviews import timescales
from reviews.models import Review, ReviewStatus
from reviews.selectors import quality_standard, quality_standards
from tests.conftest import ON_POSTGRESQL, sign_in
from tests.factories import AllocationFactory, ChildFactory, IroFactory

ON = D(2026, 11, 11)
"""A Wednesday well away from bank holidays (31 August and 25 December 2026 are the nearest);
its reporting year began on 1 April 2026 and its quarter on 1 October 2026."""

PAGE_SIZE = settings.CHILDREN_LIST_PAGE_SIZE
# Counting every figure takes 15 queries. On PostgreSQL a test's own transaction has written, so
# the figures are counted and not stored; on SQLite they are stored too (the data version read
# twice, the stored row looked up, yesterday's deleted, today's inserted, three savepoints and
# their releases): 11 more, as fixed as the rest.
MAX_DASHBOARD_QUERIES = 15 if ON_POSTGRESQL else 15 + 11


# ---------------------------------------------------------------------------------------------
# Building the authority
# ---------------------------------------------------------------------------------------------

def working_day_on_or_before(day):
    while not timescales.is_working_day(day):
        day -= timedelta(days=1)
    return day


class Authority:
    """A small authority built around the day `on`. Everything "in the period" happens within
    the six months before `on`; everything "before the period" at least eight months before, so
    both the reporting year to date of ON (from 1 April 2026) and a period of the seven months
    before today hold the same events."""

    def __init__(self, on, iris, owen):
        self.on = on
        self.iris = iris
        self.owen = owen
        self.owen.fte = Decimal("0.50")
        self.owen.save(update_fields=["fte"])
        self.tara = IroFactory(first_name="Tara", last_name="Tenth", fte=Decimal("0.10"))
        self.ivan = IroFactory(first_name="Ivan", last_name="Inactive", is_active=False)
        self.nora = IroFactory(first_name="Nora", last_name="Gone", is_active=False)
        self.children = {}

    # Dates relative to `on`.
    def wd(self, n):
        return timescales.add_working_days(self.on, n)

    def months(self, n):
        return timescales.add_months(self.on, n)

    # Records.
    def child(self, name, *, iro=None, allocated_from=None, allocated_to=None, date_of_birth=D(2012, 6, 1)):
        child = ChildFactory(given_name=name, family_name="Dashboard", date_of_birth=date_of_birth)
        if iro is not None:
            AllocationFactory(child=child, iro=iro, start_date=allocated_from or self.months(-40),
                              end_date=allocated_to)
        self.children[name] = child
        return child

    @staticmethod
    def in_care(child, start, end=None, *, new_episode="S", ceased="E4A"):
        return CareEpisode.objects.create(
            child=child, start_date=start, end_date=end, reason_episode_ceased=ceased if end else "",
            reason_for_new_episode=new_episode, legal_status="C2", category_of_need="N1", placement_type="U6",
            placement_provider="PR1",
        )

    @staticmethod
    def held(child, kind, *, due, held, number=2, cycle_start=None, **fields):
        return Review.objects.create(child=child, kind=kind, number=number, cycle_start=cycle_start or due,
                                     due_date=due, status=ReviewStatus.HELD, held_on=held, **fields)

    def outstanding(self, child, kind, *, due, booked=False, number=3, cycle_start=None):
        booked_for = timezone.make_aware(datetime.combine(due, time(10))) if booked else None
        return Review.objects.create(
            child=child, kind=kind, number=number, cycle_start=cycle_start or self.months(-40), due_date=due,
            status=ReviewStatus.BOOKED if booked else ReviewStatus.DUE, booked_for=booked_for,
        )

    @staticmethod
    def oversight(child, iro, kind, day, rag="", next_check=None, review=None):
        return OversightRecord.objects.create(child=child, iro=iro, kind=kind, date=day, rag=rag,
                                              next_check_date=next_check, review=review)

    @staticmethod
    def plan(child, start, end=None):
        return ChildProtectionPlan.objects.create(child=child, start_date=start, end_date=end,
                                                  end_reason="no_longer_at_risk" if end else "",
                                                  initial_category_of_abuse="NEG")

    @staticmethod
    def escalation(child, iro, raised_on, areas, steps, *, resolved=None, withdrawn_on=None):
        """`steps`: (stage, sent_on, responded_on or None); each response date is due as
        escalations.timescales says. `resolved`: (date, stage)."""
        escalation = Escalation.objects.create(child=child, raised_by=iro, raised_on=raised_on,
                                               what_is_wrong="Drift.", what_is_asked="A plan.")
        for stage, sent_on, responded_on in steps:
            EscalationStep.objects.create(
                escalation=escalation, stage=stage, addressed_to_name="Sam Senior", addressed_to_role="Manager",
                sent_on=sent_on, response_due=escalation_timescales.response_due(sent_on, stage),
                responded_on=responded_on, response_summary="Answered." if responded_on else "",
            )
        EscalationConcern.objects.bulk_create(EscalationConcern(escalation=escalation, area=area) for area in areas)
        if resolved:
            escalation.status = EscalationStatus.RESOLVED
            escalation.resolved_on, escalation.resolved_at_stage = resolved
            escalation.outcome = "Agreed."
            escalation.save()
        if withdrawn_on:
            escalation.status = EscalationStatus.WITHDRAWN
            escalation.withdrawn_on = withdrawn_on
            escalation.withdrawal_reason = "No longer needed."
            escalation.save()
        return escalation


def build_authority(on, iris, owen):
    """The hand-made authority. Iris (1.0 FTE) holds Ava, Ben, Finn, Gail, Kit, Lou, Max, Rae,
    Sid and Tia; Owen (0.5 FTE) holds Cara, Dan, Eve, Hana, Ian, Nia and Olly; Tara (0.1 FTE)
    holds eight children with no other records; Ivan, no longer active, still holds Quinn; Nora,
    no longer active, holds nobody. Uma (waiting for an IRO), Vic (left care before one was
    allocated), Xena (left care; her allocation ended) and Zoe (left care long ago) have no IRO."""
    a = Authority(on, iris, owen)
    wd, months = a.wd, a.months
    later = wd(30)  # outstanding reviews due after the next 20 working days: counted nowhere

    # --- LAC reviews held in the period, with their participation and quality -----------------
    # Ava: placement change in the period (a new episode the day the last ended: no new start).
    # Review held exactly on its due date; report exactly 3 working days before, decisions on the
    # 5th and record on the 20th working day after: all met at the boundary. Seen beforehand.
    ava = a.child("Ava", iro=iris)
    a.in_care(ava, months(-30), months(-5), ceased="X1")
    a.in_care(ava, months(-5), new_episode="P")
    ava_previous = a.held(ava, "LAC", due=months(-8), held=months(-8), cycle_start=months(-30), number=4)
    ava_due = timescales.lac_review_due(months(-30), [months(-30), ava_previous.held_on])
    ava_review = a.held(ava, "LAC", due=ava_due, held=ava_due, cycle_start=months(-30), number=5,
                        participation_code="PN1", child_chaired=True, parents_participation="attended",
                        social_worker_report_received=timescales.add_working_days(ava_due, -3),
                        decisions_circulated=timescales.add_working_days(ava_due, 5),
                        record_circulated=timescales.add_working_days(ava_due, 20))
    a.outstanding(ava, "LAC", due=later, cycle_start=months(-30))
    a.oversight(ava, iris, "contact_with_child", ava_due - timedelta(days=7))
    # Red after the review, its check four weeks on has passed with nothing recorded since.
    a.oversight(ava, iris, "post_review", ava_due, rag="red", next_check=ava_due + timedelta(weeks=4),
                review=ava_review)

    # Ben: held a day late (IRO unavailable); report 2 working days before and decisions on the
    # 6th working day: both missed at the boundary; record never circulated and overdue. Not seen.
    ben = a.child("Ben", iro=iris)
    a.in_care(ben, months(-12))
    ben_due = months(-3)
    a.held(ben, "LAC", due=ben_due, held=ben_due + timedelta(days=1), cycle_start=months(-12),
           late_reason="iro_unavailable", participation_code="PN5", advocate_present=True,
           parents_participation="views_given",
           social_worker_report_received=timescales.add_working_days(ben_due + timedelta(days=1), -2),
           decisions_circulated=timescales.add_working_days(ben_due + timedelta(days=1), 6))
    a.outstanding(ben, "LAC", due=later, cycle_start=months(-12))
    # Red with the next check due on `on` itself: not overdue yet.
    a.oversight(ben, iris, "midway_review", wd(-5), rag="red", next_check=on)

    # Cara: late with no reason recorded, two working days ago; no report; decisions and record
    # not yet due. Her only contact with the IRO came before the previous review: not seen.
    cara = a.child("Cara", iro=owen)
    a.in_care(cara, months(-20))
    a.oversight(cara, owen, "contact_with_child", months(-8) - timedelta(days=5))
    a.held(cara, "LAC", due=months(-8), held=months(-8), cycle_start=months(-20), number=3, participation_code="PN1")
    a.held(cara, "LAC", due=wd(-10), held=wd(-2), cycle_start=months(-20), number=4, participation_code="PN7",
           parents_participation="did_not_participate")
    a.outstanding(cara, "LAC", due=later, cycle_start=months(-20))
    # Red, check passed, but a case-file check recorded since: not overdue.
    a.oversight(cara, owen, "midway_review", on - timedelta(days=30), rag="red", next_check=on - timedelta(days=10))
    a.oversight(cara, owen, "case_file_check", on - timedelta(days=5))

    # Dan: under 4 (PN0), came into care in the period with Owen allocated the same day; first
    # review 2 working days early; report 10 working days before, decisions the same day,
    # record on the 21st working day (missed). Seen on the day of the review.
    dan_start = months(-5)
    dan = a.child("Dan", iro=owen, allocated_from=dan_start, date_of_birth=months(-30))
    a.in_care(dan, dan_start)
    dan_due = timescales.lac_review_due(dan_start, [])
    dan_held = timescales.add_working_days(dan_due, -2)
    dan_review = a.held(dan, "LAC", due=dan_due, held=dan_held, cycle_start=dan_start, number=1,
                        participation_code="PN0", parents_participation="attended",
                        social_worker_report_received=timescales.add_working_days(dan_held, -10),
                        decisions_circulated=dan_held, record_circulated=timescales.add_working_days(dan_held, 21))
    a.outstanding(dan, "LAC", due=later, cycle_start=dan_start, number=2)
    a.oversight(dan, owen, "contact_with_child", dan_held)
    # Amber with an overdue check: not counted among red ones.
    a.oversight(dan, owen, "post_review", dan_held, rag="amber", next_check=dan_held + timedelta(weeks=6),
                review=dan_review)

    # Eve: held a week early, participation and parents not recorded, advocate present; report 4
    # working days before (met), decisions never circulated (missed), record in 10 working days.
    # Contact with the child only after the review, a case-file check before: not seen.
    eve = a.child("Eve", iro=owen)
    a.in_care(eve, months(-14))
    eve_due = months(-4)
    eve_held = working_day_on_or_before(eve_due - timedelta(days=7))
    eve_review = a.held(eve, "LAC", due=eve_due, held=eve_held, cycle_start=months(-14), advocate_present=True,
                        social_worker_report_received=timescales.add_working_days(eve_held, -4),
                        record_circulated=timescales.add_working_days(eve_held, 10))
    a.outstanding(eve, "LAC", due=later, cycle_start=months(-14))
    a.oversight(eve, owen, "case_file_check", eve_held - timedelta(days=3))
    a.oversight(eve, owen, "post_review", eve_held, rag="amber", next_check=eve_held + timedelta(weeks=6),
                review=eve_review)
    a.oversight(eve, owen, "contact_with_child", eve_held + timedelta(days=3))
    a.oversight(eve, owen, "midway_review", wd(-10), rag="amber", next_check=wd(15))

    # --- Outstanding LAC reviews ----------------------------------------------------------------
    kit = a.child("Kit", iro=iris)  # overdue; an older review and a cancelled one count nowhere
    a.in_care(kit, months(-20))
    a.held(kit, "LAC", due=months(-9), held=months(-9), cycle_start=months(-20), participation_code="PN1")
    Review.objects.create(child=kit, kind="LAC", number=3, cycle_start=months(-20), due_date=months(-1),
                          status=ReviewStatus.CANCELLED, cancelled_reason="Recorded twice.")
    a.outstanding(kit, "LAC", due=wd(-3))
    a.oversight(kit, iris, "midway_review", wd(-15), rag="green")

    lou = a.child("Lou", iro=iris)  # due today: not overdue, due within 20 working days
    a.in_care(lou, months(-15))
    a.outstanding(lou, "LAC", due=on)
    a.oversight(lou, iris, "contact_with_child", wd(-1))

    max_ = a.child("Max", iro=iris)  # booked, due on the 20th working day: due within 20
    a.in_care(max_, months(-16))
    a.outstanding(max_, "LAC", due=wd(20), booked=True)
    a.oversight(max_, iris, "midway_review", months(-3), rag="red", next_check=months(-3) + timedelta(weeks=2))
    a.oversight(max_, iris, "midway_review", wd(-3), rag="green")

    nia = a.child("Nia", iro=owen)  # due on the 21st working day: counted nowhere
    a.in_care(nia, months(-13))
    a.outstanding(nia, "LAC", due=wd(21))

    # --- Child protection -------------------------------------------------------------------------
    # Finn: ICPC held in timescale in the period, making a plan; first RCPC due within 20 days.
    finn = a.child("Finn", iro=iris)
    finn_icpc = working_day_on_or_before(timescales.add_months(wd(10), -3))
    finn_strategy = timescales.add_working_days(finn_icpc, -12)
    StrategyDiscussion.objects.create(child=finn, date=finn_strategy, section_47_enquiry_started=True)
    a.held(finn, "ICPC", due=timescales.icpc_due(finn_strategy), held=finn_icpc, number=1, cycle_start=finn_strategy,
           conference_outcome="plan_made")
    a.plan(finn, finn_icpc)
    a.outstanding(finn, "RCPC", due=timescales.rcpc_due(finn_icpc, []), number=1, cycle_start=finn_icpc)

    # Gail: plan open 20 months; ICPC before the period; RCPC held 2 working days late (family
    # unavailable) in the period; escalation resolved before the period.
    gail = a.child("Gail", iro=iris)
    gail_plan = months(-20)
    a.held(gail, "ICPC", due=gail_plan, held=gail_plan, number=1, cycle_start=gail_plan, conference_outcome="plan_made")
    a.plan(gail, gail_plan)
    gail_due = months(-5)
    a.held(gail, "RCPC", due=gail_due, held=timescales.add_working_days(gail_due, 2), number=3, cycle_start=gail_plan,
           late_reason="family_unavailable", conference_outcome="plan_continues")
    a.outstanding(gail, "RCPC", due=later, number=4, cycle_start=gail_plan)

    # Hana: a second plan open exactly 2 years (an earlier one ended); RCPC overdue.
    hana = a.child("Hana", iro=owen)
    a.plan(hana, months(-40), months(-30))
    a.plan(hana, months(-24))
    a.outstanding(hana, "RCPC", due=wd(-1), number=5, cycle_start=months(-24))

    # Ian: plan open exactly 18 months: not "more than 18 months".
    ian = a.child("Ian", iro=owen)
    a.plan(ian, months(-18))
    a.outstanding(ian, "RCPC", due=later, number=4, cycle_start=months(-18))

    # Olly: section 47 strategy discussion 20 working days ago; ICPC overdue.
    olly = a.child("Olly", iro=owen)
    olly_strategy = wd(-20)
    StrategyDiscussion.objects.create(child=olly, date=olly_strategy, section_47_enquiry_started=True)
    a.outstanding(olly, "ICPC", due=timescales.icpc_due(olly_strategy), number=1, cycle_start=olly_strategy)

    # --- Starting and ceasing care in the period ---------------------------------------------------
    # Rae: came into care, went home, came back: one start, one end. Iris throughout.
    rae = a.child("Rae", iro=iris, allocated_from=months(-6))
    a.in_care(rae, months(-6), months(-4))
    a.in_care(rae, months(-2))
    a.oversight(rae, iris, "midway_review", months(-5), rag="green")

    sid_start = months(-1)  # IRO allocated on the 5th working day: in time
    sid = a.child("Sid", iro=iris, allocated_from=timescales.add_working_days(sid_start, 5))
    a.in_care(sid, sid_start)

    tia_start = months(-3)  # IRO allocated on the 6th working day: late
    tia = a.child("Tia", iro=iris, allocated_from=timescales.add_working_days(tia_start, 6))
    a.in_care(tia, tia_start)

    uma = a.child("Uma")  # came into care 2 working days ago, no IRO yet: still within time
    a.in_care(uma, wd(-2))

    vic_start = months(-5)  # in care for 10 days, never allocated: late, and ceased
    vic = a.child("Vic")
    a.in_care(vic, vic_start, vic_start + timedelta(days=10))

    # Xena: in care for years, left in the period; her allocation ended; a red rating that no
    # longer counts because she is not looked after now.
    xena = a.child("Xena", iro=iris, allocated_from=months(-30), allocated_to=months(-3))
    a.in_care(xena, months(-30), months(-3))
    a.oversight(xena, iris, "midway_review", months(-4), rag="red", next_check=months(-4) + timedelta(weeks=2))

    zoe = a.child("Zoe")  # left care before the period
    a.in_care(zoe, months(-40), months(-20))

    # --- Caseloads ----------------------------------------------------------------------------------
    for number in range(8):
        a.child(f"Tenth{number}", iro=a.tara, allocated_from=months(-6))
    a.child("Quinn", iro=a.ivan, allocated_from=months(-10))

    # --- Escalations --------------------------------------------------------------------------------
    a.escalation(ava, iris, wd(-10), ["care_planning", "placement"], [(Stage.INFORMAL, wd(-10), None)])
    a.escalation(ben, iris, wd(-12), ["health"],
                 [(Stage.INFORMAL, wd(-12), wd(-8)), (Stage.TEAM_MANAGER, wd(-3), None)])
    a.escalation(cara, owen, wd(-25), ["care_planning"],
                 [(Stage.INFORMAL, wd(-25), wd(-21)), (Stage.TEAM_MANAGER, wd(-18), wd(-14)),
                  (Stage.SERVICE_MANAGER, wd(-8), wd(-2))])
    dan_raised = months(-4)
    a.escalation(dan, owen, dan_raised, ["education"],
                 [(Stage.INFORMAL, dan_raised, timescales.add_working_days(dan_raised, 3)),
                  (Stage.TEAM_MANAGER, timescales.add_working_days(dan_raised, 5), None)],
                 resolved=(timescales.add_working_days(dan_raised, 8), Stage.TEAM_MANAGER))
    a.escalation(kit, iris, months(-9), ["safeguarding"],
                 [(Stage.INFORMAL, months(-9), months(-9)), (Stage.TEAM_MANAGER, months(-8), months(-8)),
                  (Stage.SERVICE_MANAGER, months(-7) - timedelta(days=3), None)],
                 resolved=(months(-6), Stage.SERVICE_MANAGER))
    a.escalation(gail, iris, months(-12), ["contact"], [(Stage.INFORMAL, months(-12), None)],
                 resolved=(months(-10), Stage.INFORMAL))
    a.escalation(eve, owen, months(-2), ["review_process"], [(Stage.INFORMAL, months(-2), None)],
                 withdrawn_on=months(-1))
    a.escalation(hana, owen, months(-9), ["care_planning", "legal"],
                 [(Stage.INFORMAL, months(-9), months(-9)), (Stage.DIRECTOR, wd(-5), None)])
    return a


@pytest.fixture
def authority(db, iro, other_iro):
    """The authority on the fixed Wednesday ON."""
    return build_authority(ON, iro, other_iro)


@pytest.fixture
def authority_today(db, iro, other_iro):
    """The same authority built around today, for the pages (which count from today)."""
    return build_authority(timezone.localdate(), iro, other_iro)


def iro_scope(iro, on):
    """What the dashboard view narrows an IRO's figures to."""
    return {"children": children_visible_to(iro, Child.objects.all(), on=on), "iros": User.objects.filter(pk=iro.pk)}


# ---------------------------------------------------------------------------------------------
# Every figure, by hand
# ---------------------------------------------------------------------------------------------

def no_late_reasons(**counts):
    return {"iro_unavailable": 0, "awaiting_assessment": 0, "child_unavailable": 0, "family_unavailable": 0,
            "other": 0, "": 0, **counts}


def areas(**counts):
    """Open and raised-in-the-period counts by area of concern, zero unless given."""
    every = ["care_planning", "placement", "health", "education", "contact", "safeguarding", "statutory_visits",
             "review_process", "assessments", "pathway", "identity", "participation", "legal", "other"]
    return {area: dict(zip(("open", "raised"), counts.get(area, (0, 0)))) for area in every}


def by_stage(**counts):
    names = {"informal": 1, "team_manager": 2, "service_manager": 3, "head_of_service": 4, "director": 5, "cafcass": 6}
    return {value: counts.get(name, 0) for name, value in names.items()}


@pytest.mark.django_db
class TestFiguresForTheWholeService:
    """Each part of reporting.selectors.dashboard for the authority on ON, year to date."""

    @pytest.fixture
    def figures(self, authority):
        period = year_to_date(ON)
        assert period == Period(D(2026, 4, 1), ON)
        return selectors.dashboard(period, ON)

    def test_review_timeliness(self, figures):
        assert figures["reviews"] == {
            "LAC": {
                "held": 5,  # Ava, Ben, Cara, Dan, Eve; Ava's and Cara's earlier ones and Kit's were before April
                "in_timescale": 3,  # Ava on her due date, Dan 2 working days early, Eve a week early
                "late": 2,  # Ben a day late, Cara 8 working days late
                "late_reasons": no_late_reasons(iro_unavailable=1, **{"": 1}),  # Ben; Cara gave none
                "percent_in_timescale": 60,  # 3 of 5
                "overdue": 1,  # Kit (the cancelled review is not outstanding); Lou is due today
                "due_soon": 2,  # Lou due today, Max booked for the 20th working day; Nia on the 21st is not
            },
            "ICPC": {
                "held": 1, "in_timescale": 1, "late": 0,  # Finn's; Gail's was 20 months ago
                "late_reasons": no_late_reasons(), "percent_in_timescale": 100,
                "overdue": 1, "due_soon": 0,  # Olly's, due 15 working days after the strategy discussion
            },
            "RCPC": {
                "held": 1, "in_timescale": 0, "late": 1,  # Gail's, 2 working days late
                "late_reasons": no_late_reasons(family_unavailable=1), "percent_in_timescale": 0,
                "overdue": 1,  # Hana's, due yesterday
                "due_soon": 1,  # Finn's first, 3 months after his ICPC
            },
        }

    def test_lac_participation_and_quality(self, figures):
        lac = figures["lac"]
        assert lac["held"] == 5
        assert lac["participation"] == {"PN0": 1, "PN1": 1, "PN2": 0, "PN3": 0, "PN4": 0, "PN5": 1, "PN6": 0,
                                        "PN7": 1, "": 1}  # Dan, Ava, Ben, Cara, Eve (not recorded)
        assert lac["participated"] == 2  # Ava PN1, Ben PN5
        assert lac["participation_counted"] == 3  # PN1, PN5, PN7: Dan's PN0 and Eve's blank left out
        assert lac["participation_rate"] == 67  # 2 of 3, rounded
        assert lac["child_chaired"] == 1  # Ava
        assert lac["advocate_present"] == 2  # Ben, Eve
        assert lac["parents"] == {"attended": 2, "views_given": 1, "did_not_participate": 1, "not_appropriate": 0,
                                  "": 1}  # Ava and Dan; Ben; Cara; Eve not recorded
        assert lac["quality"] == {
            # Ava exactly 3 working days before, Dan 10, Eve 4; Ben only 2, Cara none
            "report": {"met": 3, "missed": 2, "percent_met": 60},
            # Ava on the 5th working day, Dan the same day; Ben on the 6th, Eve never; Cara's not yet due
            "decisions": {"met": 2, "missed": 2, "pending": 1, "percent_met": 50},
            # Ava on the 20th working day, Eve the 10th; Ben never, Dan the 21st; Cara's not yet due
            "record": {"met": 2, "missed": 2, "pending": 1, "percent_met": 50},
        }
        assert lac["seen_before"] == 2  # Ava a week before, Dan on the day
        assert lac["not_seen_before"] == 3  # Ben never; Cara only before her previous review; Eve only after
        assert lac["percent_seen_before"] == 40

    def test_lac_timeliness_by_month(self, figures):
        months = [(month.first_day, month.held, month.in_timescale, month.percent_in_timescale)
                  for month in figures["months"]]
        assert months == [
            (D(2026, 4, 1), 0, 0, None),
            (D(2026, 5, 1), 0, 0, None),
            (D(2026, 6, 1), 0, 0, None),
            (D(2026, 7, 1), 2, 2, 100),  # Eve on 3 July, Dan on 7 July
            (D(2026, 8, 1), 1, 0, 0),  # Ben on 12 August, a day late
            (D(2026, 9, 1), 1, 1, 100),  # Ava on 11 September, her due date
            (D(2026, 10, 1), 0, 0, None),
            (D(2026, 11, 1), 1, 0, 0),  # Cara on 9 November, late
        ]
        # The year to date ends on 11 November: the last month counts, and links, up to then.
        assert (figures["months"][-1].start, figures["months"][-1].end) == (D(2026, 11, 1), D(2026, 11, 11))

    def test_caseloads(self, figures, authority):
        caseloads = figures["caseloads"]
        rows = [(row.iro, row.children, row.fte, row.per_fte, row.above_band, row.below_band)
                for row in caseloads["rows"]]
        assert rows == [
            (authority.iris, 10, Decimal("1.00"), 10.0, False, True),  # Ava Ben Finn Gail Kit Lou Max Rae Sid Tia
            (authority.ivan, 1, Decimal("1.00"), 1.0, False, True),  # inactive but still holds Quinn
            (authority.owen, 7, Decimal("0.50"), 14.0, False, True),  # 7 children on 0.5 FTE
            (authority.tara, 8, Decimal("0.10"), 80.0, True, False),  # 8 on 0.1 FTE: above 70
        ]  # Nora, inactive with no children, is left out; Xena's ended allocation does not count
        assert caseloads["iros"] == 4
        assert caseloads["total_children"] == 26
        assert caseloads["total_fte"] == Decimal("2.60")
        assert caseloads["per_fte"] == 10.0  # 26 / 2.6
        assert caseloads["average_per_iro"] == 6.5  # 26 / 4
        assert caseloads["above_band"] == 1  # Tara
        assert caseloads["band"] == (50, 70)

    def test_children(self, figures):
        assert figures["children"] == {
            # Ava Ben Cara Dan Eve Kit Lou Max Nia Rae Sid Tia Uma; not Vic, Xena, Zoe (left care)
            "looked_after_now": 13,
            # Dan, Rae (twice: counted once), Sid, Tia, Uma, Vic; not Ava's placement change
            "started": 6,
            "ceased": 3,  # Rae, Vic, Xena; not Ava's placement change nor Zoe (before the period)
            "on_protection_plan": 4,  # Finn, Gail, Hana, Ian
            "plan_over_18_months": 2,  # Gail (20 months), Hana (24); Ian's exactly 18 is not "more than"
            "plan_2_years_or_more": 1,  # Hana, exactly 2 years
            "iro_allocation_in_time": 3,  # Dan the same day, Rae (for both starts), Sid on the 5th working day
            "iro_allocation_late": 2,  # Tia on the 6th working day, Vic never
            "iro_allocation_pending": 1,  # Uma, 2 working days in
            "percent_iro_allocated_in_time": 60,  # 3 of the 5 whose time has come
        }

    def test_oversight(self, figures):
        assert figures["oversight"] == {
            "looked_after_now": 13,
            # red: Ava, Ben, Cara; amber: Dan, Eve; green: Kit, Max (red before), Rae;
            # none: Lou (only a contact), Nia, Sid, Tia, Uma. Xena's red does not count: she left care.
            "ratings": {"red": 3, "amber": 2, "green": 3, "none": 5},
            "percents": {"red": 23, "amber": 15, "green": 23, "none": 38},  # of 13
            "red_check_overdue": 1,  # Ava; Ben's check is due today, Cara's was followed by a record
            # Ava (September), Dan (July), Rae (June), Nia, Sid, Tia, Uma (none ever)
            "no_record_this_quarter": 7,
            "quarter_start": D(2026, 10, 1),
        }

    def test_escalations(self, figures):
        assert figures["escalations"] == {
            # Ava's informal, Ben's at team manager, Cara's at service manager, Hana's at director
            "open_by_stage": by_stage(informal=1, team_manager=1, service_manager=1, director=1),
            # Ava's informal response was due 5 working days ago; Cara's was answered; Hana's is due today
            "overdue_by_stage": by_stage(informal=1),
            "open": 4,
            "overdue": 1,
            # Dan's at team manager, Kit's (raised before the period) at service manager; Gail's was
            # resolved before the period; Eve's was withdrawn
            "resolved_by_stage": by_stage(team_manager=1, service_manager=1),
            "resolved": 2,
            "by_area": areas(
                care_planning=(3, 2),  # open: Ava, Cara, Hana; raised in the period: Ava, Cara
                placement=(1, 1),  # Ava
                health=(1, 1),  # Ben
                education=(0, 1),  # Dan, resolved
                review_process=(0, 1),  # Eve, withdrawn
                legal=(1, 0),  # Hana, raised before the period
            ),  # Kit's safeguarding and Gail's contact were raised before the period and are closed
        }


@pytest.mark.django_db
class TestFiguresForAnIro:
    """Iris's own dashboard on ON: only the children allocated to her now."""

    @pytest.fixture
    def figures(self, authority):
        return selectors.dashboard(year_to_date(ON), ON, **iro_scope(authority.iris, ON))

    def test_reviews_and_participation(self, figures):
        lac, icpc, rcpc = (figures["reviews"][kind] for kind in ("LAC", "ICPC", "RCPC"))
        assert (lac["held"], lac["in_timescale"], lac["late"], lac["overdue"], lac["due_soon"]) == (2, 1, 1, 1, 2)
        # Ava in time, Ben late; Kit overdue; Lou and Max due soon
        assert lac["late_reasons"] == no_late_reasons(iro_unavailable=1)
        assert (icpc["held"], icpc["overdue"]) == (1, 0)  # Finn's; Olly is Owen's
        assert (rcpc["held"], rcpc["late"], rcpc["overdue"], rcpc["due_soon"]) == (1, 1, 0, 1)  # Gail; Finn
        participation = figures["lac"]
        assert participation["participation_rate"] == 100  # Ava PN1, Ben PN5: 2 of 2
        assert (participation["child_chaired"], participation["advocate_present"]) == (1, 1)
        assert participation["quality"]["report"] == {"met": 1, "missed": 1, "percent_met": 50}
        assert participation["quality"]["decisions"] == {"met": 1, "missed": 1, "pending": 0, "percent_met": 50}
        assert (participation["seen_before"], participation["not_seen_before"]) == (1, 1)
        assert [month.held for month in figures["months"]] == [0, 0, 0, 0, 1, 1, 0, 0]  # Ben August, Ava September

    def test_caseload_children_oversight_and_escalations(self, figures, authority):
        assert [(row.iro, row.children, row.per_fte) for row in figures["caseloads"]["rows"]] == [
            (authority.iris, 10, 10.0)]
        assert figures["caseloads"]["total_children"] == 10
        children = figures["children"]
        assert children["looked_after_now"] == 8  # Ava Ben Kit Lou Max Rae Sid Tia
        assert (children["started"], children["ceased"]) == (3, 1)  # Rae Sid Tia; Rae (Xena is no longer hers)
        assert (children["iro_allocation_in_time"], children["iro_allocation_late"],
                children["iro_allocation_pending"]) == (2, 1, 0)  # Rae Sid; Tia
        assert (children["on_protection_plan"], children["plan_over_18_months"],
                children["plan_2_years_or_more"]) == (2, 1, 0)  # Finn Gail; Gail
        oversight = figures["oversight"]
        # red: Ava, Ben; green: Kit, Max, Rae; none: Lou, Sid, Tia
        assert oversight["ratings"] == {"red": 2, "amber": 0, "green": 3, "none": 3}
        assert (oversight["red_check_overdue"], oversight["no_record_this_quarter"]) == (1, 4)  # Ava; Ava Rae Sid Tia
        escalations = figures["escalations"]
        assert escalations["open_by_stage"] == by_stage(informal=1, team_manager=1)  # Ava, Ben
        assert (escalations["overdue"], escalations["resolved"]) == (1, 1)  # Ava; Kit's
        assert escalations["by_area"]["care_planning"] == {"open": 1, "raised": 1}  # Ava; Cara and Hana are Owen's


@pytest.mark.django_db
class TestQualityStandardsAndAllocationAtTheBoundary:
    """The working-day standards, met on the last day allowed and missed the day after, in the
    selectors (SQL), in reviews.selectors.quality_standards (Python) and in the lists."""

    @pytest.fixture
    def reviews(self, looked_after_child):
        held = working_day_on_or_before(timezone.localdate() - timedelta(days=60))
        common = {"due": held, "held": held, "cycle_start": D(2024, 1, 10)}
        met = Authority.held(looked_after_child, "LAC", **common, number=2,
                             social_worker_report_received=timescales.add_working_days(held, -3),
                             decisions_circulated=timescales.add_working_days(held, 5))
        missed = Authority.held(looked_after_child, "LAC", **common, number=3,
                                social_worker_report_received=timescales.add_working_days(held, -2),
                                decisions_circulated=timescales.add_working_days(held, 6))
        return met, missed

    @pytest.mark.parametrize("standard", ["report", "decisions"])
    def test_selectors_and_python_agree(self, reviews, standard):
        met, missed = reviews
        today = timezone.localdate()
        assert list(Review.objects.filter(quality_standard(standard, "met", today))) == [met]
        assert list(Review.objects.filter(quality_standard(standard, "missed", today))) == [missed]
        label = "Social worker" if standard == "report" else "Decisions"
        assert [s["met"] for s in quality_standards(met) if s["label"].startswith(label)] == [True]
        assert [s["met"] for s in quality_standards(missed) if s["label"].startswith(label)] == [False]

    @pytest.mark.parametrize("standard", ["report", "decisions"])
    def test_the_lists(self, client, manager, reviews, standard):
        met, missed = reviews
        sign_in(client, manager)
        for outcome, review in (("met", met), ("missed", missed)):
            page = client.get(f"{reverse('reviews:held')}?{standard}={outcome}").content.decode()
            assert "1 review held" in page
            assert reverse("reviews:detail", args=[review.pk]) in page
            assert reverse("reviews:detail", args=[(missed if review == met else met).pk]) not in page

    def test_decisions_are_pending_up_to_and_including_the_5th_working_day(self, looked_after_child):
        held = D(2026, 11, 4)  # a Wednesday: its 5th working day is Wednesday 11 November
        review = Authority.held(looked_after_child, "LAC", due=held, held=held, cycle_start=D(2024, 1, 10))
        deadline = timescales.add_working_days(held, 5)
        assert deadline == D(2026, 11, 11)
        pending = Review.objects.filter(quality_standard("decisions", "pending", deadline))
        missed = Review.objects.filter(quality_standard("decisions", "missed", deadline + timedelta(days=1)))
        assert list(pending) == [review]
        assert list(missed) == [review]

        def decisions(on):
            return next(s for s in quality_standards(review, on) if s["label"].startswith("Decisions"))

        assert (decisions(deadline)["outcome"], decisions(deadline)["due_by"]) == ("pending", deadline)
        assert (decisions(deadline + timedelta(days=1))["outcome"], decisions(deadline + timedelta(days=1))["met"]) \
            == ("missed", False)

    def test_iro_allocation_on_the_5th_working_day_is_in_time_and_the_6th_late(self, client, manager, iro):
        start = working_day_on_or_before(timezone.localdate() - timedelta(days=30))
        on_time = ChildFactory(given_name="Prompt")
        late = ChildFactory(given_name="Tardy")
        for child, days in ((on_time, 5), (late, 6)):
            Authority.in_care(child, start)
            AllocationFactory(child=child, iro=iro, start_date=timescales.add_working_days(start, days))
        today = timezone.localdate()
        in_time = Child.objects.filter(iro_allocation_after_care_started(start, today, today, "in_time"))
        not_in_time = Child.objects.filter(iro_allocation_after_care_started(start, today, today, "late"))
        assert (list(in_time), list(not_in_time)) == ([on_time], [late])
        sign_in(client, manager)
        started = {"started_from_day": start.day, "started_from_month": start.month, "started_from_year": start.year}
        for outcome, child in (("in_time", on_time), ("late", late)):
            page = client.get(f"{reverse('children:list')}?{urlencode({'iro_allocation': outcome, **started})}")
            assert "1 child matches" in page.content.decode()
            assert reverse("children:detail", args=[child.pk]) in page.content.decode()

    def test_allocation_is_pending_until_the_end_of_the_5th_working_day(self, db):
        start = D(2026, 11, 4)
        child = ChildFactory(given_name="Waiting")
        Authority.in_care(child, start)
        deadline = timescales.add_working_days(start, 5)

        def outcome(on):
            return [name for name in ("in_time", "late", "pending")
                    if Child.objects.filter(pk=child.pk).filter(
                        iro_allocation_after_care_started(start, start, on, name)).exists()]

        assert outcome(deadline) == ["pending"]
        assert outcome(deadline + timedelta(days=1)) == ["late"]


# ---------------------------------------------------------------------------------------------
# Each figure opens a list of exactly that many rows
# ---------------------------------------------------------------------------------------------

FIGURE_LINK = re.compile(
    r'<a class="govuk-link" href="([^"]+)">(\d+)<span class="govuk-visually-hidden">: ([^<]*)</span></a>')
HEADLINE_LINK = re.compile(
    r'<a class="govuk-link app-headline__link" href="([^"]+)"><span class="app-headline__value">([^<]*)</span> '
    r'<span class="app-headline__label">([^<]*)</span></a>')


@dataclass(frozen=True)
class FigureLink:
    label: str
    value: int
    url: str


def figure_links(page):
    """Every figure on the dashboard with the list it opens: the tables' numbers and the headlines
    (whose count is in brackets when a percentage is shown)."""
    links = [FigureLink(html.unescape(label).removesuffix(", open the list"), int(value), html.unescape(url))
             for url, value, label in FIGURE_LINK.findall(page)]
    for url, value, label in HEADLINE_LINK.findall(page):
        label = html.unescape(label)
        counted = re.search(r"\((\d+)\)$", label)
        links.append(FigureLink(f"headline: {label}", int(counted.group(1) if counted else value), html.unescape(url)))
    return links


class Tables(HTMLParser):
    """The tables of a page: each one's caption and the text of its body rows."""

    def __init__(self, page):
        super().__init__()
        self.tables = []
        self._in_caption = self._in_body = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append("")

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._in_body and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1] += data


def body_rows(table):
    """Data rows: not the "No ... match" row an empty list shows."""
    return [row for row in table["rows"] if not re.search(r"\bNo \w+ match", row)]


def caption_count(tables, pattern):
    matched = [(table, re.fullmatch(pattern, table["caption"].strip())) for table in tables]
    matched = [(table, match) for table, match in matched if match]
    assert len(matched) == 1, f"expected one table captioned {pattern!r}, found {[t['caption'] for t in tables]}"
    table, match = matched[0]
    return (1 if match.group(1) in (None, "") else int(match.group(1))), len(body_rows(table))


ERROR_MESSAGE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)


def filter_errors(page):
    """The messages of the page's error summary: a list that refuses a filter the dashboard
    gave it would otherwise quietly show more than the figure."""
    summary = ERROR_MESSAGE.search(page)
    return re.findall(r"<a [^>]*>([^<]*)</a>", summary.group(1)) if summary else []


def list_size(client, url):
    """How many rows the list behind a figure says it holds (its caption, or on the managers'
    escalations page the count above the tables), how many its tables show, and any errors
    about its filters."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    tables = Tables(page).tables
    path = urlsplit(url).path
    if path == reverse("reviews:held"):
        stated, shown = caption_count(tables, r"(\d+) reviews? held")
    elif path == reverse("reviews:due"):
        stated, shown = caption_count(tables, r"(\d+) reviews? due or booked")
    elif path == reverse("children:list"):
        match = [t for t in tables if re.fullmatch(r"\d+ children match|1 child matches", t["caption"].strip())]
        assert len(match) == 1, url
        stated, shown = int(match[0]["caption"].split()[0]), len(body_rows(match[0]))
    elif path == reverse("escalations:list"):
        count = re.search(r"<li>(\d+) (?:open |resolved |withdrawn )?escalations?</li>", page)
        if count:  # the managers' page: a table per stage, then the areas of concern
            stated = int(count.group(1))
            shown = sum(len(body_rows(t)) for t in tables if t["caption"].strip() != "Areas of concern")
        else:
            stated, shown = caption_count(tables, r"(\d+) escalations?")
    else:
        raise AssertionError(f"no list expected at {url}")
    return stated, shown, filter_errors(page)


def check_every_figure(client, page):
    """Follow each figure link; return the figures checked and those whose list disagrees."""
    links = figure_links(page)
    mismatches = []
    for link in links:
        stated, shown, errors = list_size(client, link.url)
        if errors or stated != link.value or shown != min(link.value, PAGE_SIZE):
            mismatches.append(f"{link.label}: figure {link.value}, but the list says {stated} and shows {shown}"
                              f"{' with the error ' + repr(errors) if errors else ''} ({link.url})")
    return links, mismatches


def period_query(start, end):
    """The dashboard's period form, filled in with two dates."""
    return {"start_day": start.day, "start_month": start.month, "start_year": start.year,
            "end_day": end.day, "end_month": end.month, "end_year": end.year}


def seven_months_to_today():
    """A period holding everything `authority_today` did "in the period", whatever today is."""
    today = timezone.localdate()
    return period_query(timescales.add_months(today, -7), today)


@pytest.mark.django_db
class TestDrillDown:
    """Sign in, open the dashboard for the seven months to today, follow every figure."""

    def dashboard_page(self, client, user, **query):
        sign_in(client, user)
        response = client.get(reverse("reporting:dashboard"), query)
        assert response.status_code == 200
        return response.content.decode()

    def test_every_manager_figure_opens_a_list_of_that_many_rows(self, client, manager, authority_today):
        page = self.dashboard_page(client, manager, **seven_months_to_today())
        links, mismatches = check_every_figure(client, page)
        assert len(links) >= 140  # every cell of every table, and the headlines
        assert sum(1 for link in links if link.value) >= 70, "the authority gives most figures something to count"
        assert mismatches == []

    def test_every_iro_figure_opens_a_list_of_that_many_rows(self, client, authority_today):
        page = self.dashboard_page(client, authority_today.iris, **seven_months_to_today())
        assert "My dashboard" in page
        links, mismatches = check_every_figure(client, page)
        assert sum(1 for link in links if link.value) >= 45
        assert mismatches == []

    def test_the_default_period_too(self, client, manager, authority_today):
        """The reporting year to date: whatever it holds, each figure opens its own list."""
        page = self.dashboard_page(client, manager)
        _, mismatches = check_every_figure(client, page)
        assert mismatches == []

    def test_month_rows_of_a_period_starting_and_ending_mid_month_open_only_the_period(
            self, client, manager, looked_after_child):
        """A month only partly inside the period counts the reviews held inside it; its link
        must list those and not the rest of the month."""
        today = timezone.localdate()
        first_month = timescales.add_months(today.replace(day=1), -3)
        start, end = first_month + timedelta(days=14), first_month + timedelta(days=45)
        before_start = first_month + timedelta(days=2)
        inside = first_month + timedelta(days=20)
        after_end = end + timedelta(days=3)
        assert before_start.month == start.month and after_end.month == end.month
        for number, day in enumerate((before_start, inside, after_end), start=2):
            Authority.held(looked_after_child, "LAC", due=day, held=day, number=number, cycle_start=D(2024, 1, 10))
        figures = selectors.lac_timeliness_by_month(Period(start, end))
        assert [month.held for month in figures] == [1, 0]  # only `inside` is in the period
        page = self.dashboard_page(client, manager, **period_query(start, end))
        month_links = [link for link in figure_links(page)
                       if link.label.startswith("LAC reviews held in ") and "timescale" not in link.label]
        assert [link.value for link in month_links] == [1, 0]
        assert [list_size(client, link.url) for link in month_links] == [(1, 1, []), (0, 0, [])]


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------

def add_many_children(authority, count=60):
    """`count` more children spread over Iris and Owen, each looked after with a held and an
    outstanding review, an oversight record and an open escalation."""
    on, wd = authority.on, authority.wd
    iros = [authority.iris, authority.owen]
    Child.objects.bulk_create(
        Child(local_child_id=f"BULK{n:04d}", given_name=f"Many{n}", family_name="Bulk", date_of_birth=D(2013, 1, 1),
              sex="M", ethnicity="WBRI") for n in range(count))
    children = list(Child.objects.filter(family_name="Bulk").order_by("pk"))  # with their ids on any database
    start = timescales.add_months(on, -12)
    CareEpisode.objects.bulk_create(
        CareEpisode(child=child, start_date=start, reason_for_new_episode="S", legal_status="C2",
                    category_of_need="N1", placement_type="U6", placement_provider="PR1") for child in children)
    Allocation.objects.bulk_create(
        Allocation(child=child, iro=iros[n % 2], start_date=start) for n, child in enumerate(children))
    held = timescales.add_months(on, -2)
    Review.objects.bulk_create(
        Review(child=child, kind="LAC", number=2, cycle_start=start, due_date=held, status="held", held_on=held,
               participation_code="PN1") for child in children)
    Review.objects.bulk_create(
        Review(child=child, kind="LAC", number=3, cycle_start=start, due_date=wd(n % 40 - 10), status="due")
        for n, child in enumerate(children))
    OversightRecord.objects.bulk_create(
        OversightRecord(child=child, iro=iros[n % 2], date=wd(-5), kind="midway_review",
                        rag=["red", "amber", "green"][n % 3], next_check_date=wd(-1))
        for n, child in enumerate(children))
    for n, child in enumerate(children):
        Authority.escalation(child, iros[n % 2], wd(-10), ["health"], [(Stage.INFORMAL, wd(-10), None)])


@pytest.mark.django_db
class TestQueries:
    """The dashboard runs the same few queries whatever the number of children."""

    def count_queries(self, client, **query):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reporting:dashboard"), query)
        assert response.status_code == 200
        return len(queries)

    @pytest.mark.parametrize("who", ["manager", "iro"])
    def test_a_fixed_number_of_queries(self, client, authority_today, manager, who):
        user = manager if who == "manager" else authority_today.iris
        sign_in(client, user)
        self.count_queries(client)  # the first request also fills the process's caches
        Child.objects.filter(pk=Child.objects.first().pk).update(given_name=F("given_name"))
        small = self.count_queries(client)  # a change since (moving the data version): counted again
        before = Child.objects.count()
        add_many_children(authority_today)
        assert Child.objects.count() == before + 60
        large = self.count_queries(client)  # a change since: counted again, over more children
        assert large == small
        assert large <= MAX_DASHBOARD_QUERIES
        assert self.count_queries(client) <= large


# ---------------------------------------------------------------------------------------------
# Who sees it, and the period
# ---------------------------------------------------------------------------------------------

def figure_value(page, label):
    values = [link.value for link in figure_links(page) if link.label == label]
    assert len(values) == 1, label
    return values[0]


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_people_are_sent_to_sign_in(self, client):
        response = client.get(reverse("reporting:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_board_members_are_refused(self, client, board_member):
        sign_in(client, board_member)
        assert client.get(reverse("reporting:dashboard")).status_code == 403

    @pytest.mark.parametrize("who", ["manager", "administrator"])
    def test_managers_and_administrators_see_the_whole_service(self, client, authority_today, who, request):
        sign_in(client, request.getfixturevalue(who))
        response = client.get(reverse("reporting:dashboard"), seven_months_to_today())
        assert response.status_code == 200
        page = response.content.decode()
        assert "<h1 class=\"govuk-heading-l\">Dashboard</h1>" in page
        assert figure_value(page, "Looked-after child review held") == 5
        assert figure_value(page, "children allocated to Owen Other") == 7
        # Every IRO here is outside the range: Tara above it, the rest below it, the lowest first.
        caseloads = {table["caption"].strip(): [row.split()[:2] for row in table["rows"]]
                     for table in Tables(page).tables if "children per full-time IRO" in table["caption"]}
        assert caseloads == {
            "1 IRO above 70 children per full-time IRO": [["Tara", "Tenth"]],
            "3 IROs below 50 children per full-time IRO, lowest first": [
                ["Ivan", "Inactive"], ["Iris", "Reviewer"], ["Owen", "Other"]],
        }
        assert reverse("reporting:caseloads") in page

    def test_an_iro_sees_their_own_caseload_only(self, client, authority_today):
        sign_in(client, authority_today.iris)
        response = client.get(reverse("reporting:dashboard"), seven_months_to_today())
        assert response.status_code == 200
        page = response.content.decode()
        assert "My dashboard" in page
        assert "Figures for the children allocated to you now." in page
        assert figure_value(page, "Looked-after child review held") == 2  # Ava and Ben, not Owen's three
        assert figure_value(page, "children allocated to Iris Reviewer") == 10
        assert "Owen Other" not in page and "Tara Tenth" not in page


@pytest.mark.django_db
class TestPeriod:
    def get(self, client, manager, query):
        sign_in(client, manager)
        response = client.get(reverse("reporting:dashboard"), query)
        return response, response.content.decode()

    def test_year_to_date_by_default(self, client, manager):
        today = timezone.localdate()
        response, page = self.get(client, manager, {})
        assert response.status_code == 200
        assert year_to_date(today).label in page

    def test_an_earlier_reporting_year(self, client, manager):
        last_year = timescales.reporting_year_start(timezone.localdate()).year - 1
        response, page = self.get(client, manager, {"year": last_year})
        assert response.status_code == 200
        assert f"1 April {last_year} to 31 March {last_year + 1}" in page
        assert response.context["period"] == reporting_year(last_year)

    def test_two_dates(self, client, manager):
        response, page = self.get(client, manager, period_query(D(2025, 5, 1), D(2025, 6, 30)))
        assert response.status_code == 200
        assert "1 May 2025 to 30 June 2025" in page

    def test_a_start_after_the_end_is_refused(self, client, manager):
        response, page = self.get(client, manager, period_query(D(2025, 6, 30), D(2025, 5, 1)))
        assert response.status_code == 400
        assert "There is a problem" in page
        assert re.search(r"<title>Error: ", page)
        assert "The end date must be the same as or after the start date." in page

    @pytest.mark.parametrize("given, message", [
        ("start", "Enter the date the period ends, or leave both dates empty."),
        ("end", "Enter the date the period starts, or leave both dates empty."),
    ])
    def test_one_date_alone_is_refused(self, client, manager, given, message):
        query = {key: value for key, value in period_query(D(2025, 5, 1), D(2025, 6, 30)).items()
                 if key.startswith(given)}
        response, page = self.get(client, manager, query)
        assert response.status_code == 400
        assert "There is a problem" in page
        assert re.search(r"<title>Error: ", page)
        assert message in page
