"""The hand-made authority the dashboard tests count: each figure known in advance, edge cases
included (a review held exactly on its due date, PN0 left out of the participation rate, a child
who left care and came back in the same period, an IRO on 0.5 FTE). It is built relative to a day
`on`, so the same authority serves two purposes:

* on a fixed Wednesday (ON) the figures from reporting.selectors are compared with values worked
  out by hand, written as literals with the reason beside each;
* on today (the list pages count from timezone.localdate(), as the dashboard page does) every
  figure link on the page is followed and the list behind it must show exactly that many rows.

Deadlines (working days, months) are computed with reviews.timescales, never copied by hand.
"""

from datetime import date as D
from datetime import timedelta
from decimal import Decimal

from escalations.codes import Stage
from reviews import timescales
from reviews.models import ReviewStatus
from tests.conftest import escalation_raised, held_review, in_care, oversight_record, protection_plan, review_due
from tests.factories import AllocationFactory, ChildFactory, IroFactory, ReviewFactory, StrategyDiscussionFactory

ON = D(2026, 11, 11)
"""A Wednesday well away from bank holidays (31 August and 25 December 2026 are the nearest);
its reporting year began on 1 April 2026 and its quarter on 1 October 2026."""


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
        self.owen.fte = Decimal("0.50")  # and always has: the history the factory gave him says so too
        self.owen.save(update_fields=["fte"])
        self.owen.staffing_periods.update(fte=self.owen.fte)
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
            AllocationFactory(
                child=child, iro=iro, start_date=allocated_from or self.months(-40), end_date=allocated_to
            )
        self.children[name] = child
        return child

    def outstanding(self, child, kind, *, due, booked=False, number=3, cycle_start=None):
        """An outstanding review, by default the third of a cycle begun long before `on`."""
        return review_due(
            child, kind, due=due, booked=booked, number=number, cycle_start=cycle_start or self.months(-40)
        )


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
    in_care(ava, months(-30), months(-5), reason_episode_ceased="X1")
    in_care(ava, months(-5), reason_for_new_episode="P")
    ava_previous = held_review(ava, "LAC", due=months(-8), held=months(-8), cycle_start=months(-30), number=4)
    ava_due = timescales.lac_review_due(months(-30), [months(-30), ava_previous.held_on])
    ava_review = held_review(
        ava,
        "LAC",
        due=ava_due,
        held=ava_due,
        cycle_start=months(-30),
        number=5,
        participation_code="PN1",
        child_chaired=True,
        parents_participation="attended",
        social_worker_report_received=timescales.add_working_days(ava_due, -3),
        decisions_circulated=timescales.add_working_days(ava_due, 5),
        record_circulated=timescales.add_working_days(ava_due, 20),
    )
    a.outstanding(ava, "LAC", due=later, cycle_start=months(-30))
    oversight_record(ava, iris, "contact_with_child", ava_due - timedelta(days=7))
    # Red after the review, its check four weeks on has passed with nothing recorded since.
    oversight_record(
        ava, iris, "post_review", ava_due, rag="red", next_check_date=ava_due + timedelta(weeks=4), review=ava_review
    )

    # Ben: held a day late (IRO unavailable); report 2 working days before and decisions on the
    # 6th working day: both missed at the boundary; record never circulated and overdue. Not seen.
    ben = a.child("Ben", iro=iris)
    in_care(ben, months(-12))
    ben_due = months(-3)
    held_review(
        ben,
        "LAC",
        due=ben_due,
        held=ben_due + timedelta(days=1),
        cycle_start=months(-12),
        late_reason="iro_unavailable",
        participation_code="PN5",
        advocate_present=True,
        parents_participation="views_given",
        social_worker_report_received=timescales.add_working_days(ben_due + timedelta(days=1), -2),
        decisions_circulated=timescales.add_working_days(ben_due + timedelta(days=1), 6),
    )
    a.outstanding(ben, "LAC", due=later, cycle_start=months(-12))
    # Red with the next check due on `on` itself: not overdue yet.
    oversight_record(ben, iris, "midway_review", wd(-5), rag="red", next_check_date=on)

    # Cara: late with no reason recorded, two working days ago; no report; decisions and record
    # not yet due. Her only contact with the IRO came before the previous review: not seen.
    cara = a.child("Cara", iro=owen)
    in_care(cara, months(-20))
    oversight_record(cara, owen, "contact_with_child", months(-8) - timedelta(days=5))
    held_review(
        cara, "LAC", due=months(-8), held=months(-8), cycle_start=months(-20), number=3, participation_code="PN1"
    )
    held_review(
        cara,
        "LAC",
        due=wd(-10),
        held=wd(-2),
        cycle_start=months(-20),
        number=4,
        participation_code="PN7",
        parents_participation="did_not_participate",
    )
    a.outstanding(cara, "LAC", due=later, cycle_start=months(-20))
    # Red, check passed, but a case-file check recorded since: not overdue.
    oversight_record(
        cara, owen, "midway_review", on - timedelta(days=30), rag="red", next_check_date=on - timedelta(days=10)
    )
    oversight_record(cara, owen, "case_file_check", on - timedelta(days=5))

    # Dan: under 4 (PN0), came into care in the period with Owen allocated the same day; first
    # review 2 working days early; report 10 working days before, decisions the same day,
    # record on the 21st working day (missed). Seen on the day of the review.
    dan_start = months(-5)
    dan = a.child("Dan", iro=owen, allocated_from=dan_start, date_of_birth=months(-30))
    in_care(dan, dan_start)
    dan_due = timescales.lac_review_due(dan_start, [])
    dan_held = timescales.add_working_days(dan_due, -2)
    dan_review = held_review(
        dan,
        "LAC",
        due=dan_due,
        held=dan_held,
        cycle_start=dan_start,
        number=1,
        participation_code="PN0",
        parents_participation="attended",
        social_worker_report_received=timescales.add_working_days(dan_held, -10),
        decisions_circulated=dan_held,
        record_circulated=timescales.add_working_days(dan_held, 21),
    )
    a.outstanding(dan, "LAC", due=later, cycle_start=dan_start, number=2)
    oversight_record(dan, owen, "contact_with_child", dan_held)
    # Amber with an overdue check: not counted among red ones.
    oversight_record(
        dan,
        owen,
        "post_review",
        dan_held,
        rag="amber",
        next_check_date=dan_held + timedelta(weeks=6),
        review=dan_review,
    )

    # Eve: held a week early, participation and parents not recorded, advocate present; report 4
    # working days before (met), decisions never circulated (missed), record in 10 working days.
    # Contact with the child only after the review, a case-file check before: not seen.
    eve = a.child("Eve", iro=owen)
    in_care(eve, months(-14))
    eve_due = months(-4)
    eve_held = working_day_on_or_before(eve_due - timedelta(days=7))
    eve_review = held_review(
        eve,
        "LAC",
        due=eve_due,
        held=eve_held,
        cycle_start=months(-14),
        advocate_present=True,
        social_worker_report_received=timescales.add_working_days(eve_held, -4),
        record_circulated=timescales.add_working_days(eve_held, 10),
    )
    a.outstanding(eve, "LAC", due=later, cycle_start=months(-14))
    oversight_record(eve, owen, "case_file_check", eve_held - timedelta(days=3))
    oversight_record(
        eve,
        owen,
        "post_review",
        eve_held,
        rag="amber",
        next_check_date=eve_held + timedelta(weeks=6),
        review=eve_review,
    )
    oversight_record(eve, owen, "contact_with_child", eve_held + timedelta(days=3))
    oversight_record(eve, owen, "midway_review", wd(-10), rag="amber", next_check_date=wd(15))

    # --- Outstanding LAC reviews ----------------------------------------------------------------
    kit = a.child("Kit", iro=iris)  # overdue; an older review and a cancelled one count nowhere
    in_care(kit, months(-20))
    held_review(kit, "LAC", due=months(-9), held=months(-9), cycle_start=months(-20), participation_code="PN1")
    ReviewFactory(
        child=kit,
        number=3,
        cycle_start=months(-20),
        due_date=months(-1),
        status=ReviewStatus.CANCELLED,
        cancelled_reason="Recorded twice.",
    )
    a.outstanding(kit, "LAC", due=wd(-3))
    oversight_record(kit, iris, "midway_review", wd(-15), rag="green")

    lou = a.child("Lou", iro=iris)  # due today: not overdue, due within 20 working days
    in_care(lou, months(-15))
    a.outstanding(lou, "LAC", due=on)
    oversight_record(lou, iris, "contact_with_child", wd(-1))

    max_ = a.child("Max", iro=iris)  # booked, due on the 20th working day: due within 20
    in_care(max_, months(-16))
    a.outstanding(max_, "LAC", due=wd(20), booked=True)
    oversight_record(
        max_, iris, "midway_review", months(-3), rag="red", next_check_date=months(-3) + timedelta(weeks=2)
    )
    oversight_record(max_, iris, "midway_review", wd(-3), rag="green")

    nia = a.child("Nia", iro=owen)  # due on the 21st working day: counted nowhere
    in_care(nia, months(-13))
    a.outstanding(nia, "LAC", due=wd(21))

    # --- Child protection -------------------------------------------------------------------------
    # Finn: ICPC held in timescale in the period, making a plan; first RCPC due within 20 days.
    finn = a.child("Finn", iro=iris)
    finn_icpc = working_day_on_or_before(timescales.add_months(wd(10), -3))
    finn_strategy = timescales.add_working_days(finn_icpc, -12)
    StrategyDiscussionFactory(child=finn, date=finn_strategy, section_47_enquiry_started=True)
    held_review(
        finn,
        "ICPC",
        due=timescales.icpc_due(finn_strategy),
        held=finn_icpc,
        number=1,
        cycle_start=finn_strategy,
        conference_outcome="plan_made",
    )
    protection_plan(finn, finn_icpc)
    a.outstanding(finn, "RCPC", due=timescales.rcpc_due(finn_icpc, []), number=1, cycle_start=finn_icpc)

    # Gail: plan open 20 months; ICPC before the period; RCPC held 2 working days late (family
    # unavailable) in the period; escalation resolved before the period.
    gail = a.child("Gail", iro=iris)
    gail_plan = months(-20)
    held_review(
        gail, "ICPC", due=gail_plan, held=gail_plan, number=1, cycle_start=gail_plan, conference_outcome="plan_made"
    )
    protection_plan(gail, gail_plan)
    gail_due = months(-5)
    held_review(
        gail,
        "RCPC",
        due=gail_due,
        held=timescales.add_working_days(gail_due, 2),
        number=3,
        cycle_start=gail_plan,
        late_reason="family_unavailable",
        conference_outcome="plan_continues",
    )
    a.outstanding(gail, "RCPC", due=later, number=4, cycle_start=gail_plan)

    # Hana: a second plan open exactly 2 years (an earlier one ended); RCPC overdue.
    hana = a.child("Hana", iro=owen)
    protection_plan(hana, months(-40), months(-30))
    protection_plan(hana, months(-24))
    a.outstanding(hana, "RCPC", due=wd(-1), number=5, cycle_start=months(-24))

    # Ian: plan open exactly 18 months: not "more than 18 months".
    ian = a.child("Ian", iro=owen)
    protection_plan(ian, months(-18))
    a.outstanding(ian, "RCPC", due=later, number=4, cycle_start=months(-18))

    # Olly: section 47 strategy discussion 20 working days ago; ICPC overdue.
    olly = a.child("Olly", iro=owen)
    olly_strategy = wd(-20)
    StrategyDiscussionFactory(child=olly, date=olly_strategy, section_47_enquiry_started=True)
    a.outstanding(olly, "ICPC", due=timescales.icpc_due(olly_strategy), number=1, cycle_start=olly_strategy)

    # --- Starting and ceasing care in the period ---------------------------------------------------
    # Rae: came into care, went home, came back: one start, one end. Iris throughout.
    rae = a.child("Rae", iro=iris, allocated_from=months(-6))
    in_care(rae, months(-6), months(-4))
    in_care(rae, months(-2))
    oversight_record(rae, iris, "midway_review", months(-5), rag="green")

    sid_start = months(-1)  # IRO allocated on the 5th working day: in time
    sid = a.child("Sid", iro=iris, allocated_from=timescales.add_working_days(sid_start, 5))
    in_care(sid, sid_start)

    tia_start = months(-3)  # IRO allocated on the 6th working day: late
    tia = a.child("Tia", iro=iris, allocated_from=timescales.add_working_days(tia_start, 6))
    in_care(tia, tia_start)

    uma = a.child("Uma")  # came into care 2 working days ago, no IRO yet: still within time
    in_care(uma, wd(-2))

    vic_start = months(-5)  # in care for 10 days, never allocated: late, and ceased
    vic = a.child("Vic")
    in_care(vic, vic_start, vic_start + timedelta(days=10))

    # Xena: in care for years, left in the period; her allocation ended; a red rating that no
    # longer counts because she is not looked after now.
    xena = a.child("Xena", iro=iris, allocated_from=months(-30), allocated_to=months(-3))
    in_care(xena, months(-30), months(-3))
    oversight_record(
        xena, iris, "midway_review", months(-4), rag="red", next_check_date=months(-4) + timedelta(weeks=2)
    )

    zoe = a.child("Zoe")  # left care before the period
    in_care(zoe, months(-40), months(-20))

    # --- Caseloads ----------------------------------------------------------------------------------
    for number in range(8):
        a.child(f"Tenth{number}", iro=a.tara, allocated_from=months(-6))
    a.child("Quinn", iro=a.ivan, allocated_from=months(-10))

    # --- Escalations --------------------------------------------------------------------------------
    escalation_raised(ava, iris, wd(-10), ["care_planning", "placement"], [(Stage.INFORMAL, wd(-10), None)])
    escalation_raised(
        ben, iris, wd(-12), ["health"], [(Stage.INFORMAL, wd(-12), wd(-8)), (Stage.TEAM_MANAGER, wd(-3), None)]
    )
    escalation_raised(
        cara,
        owen,
        wd(-25),
        ["care_planning"],
        [
            (Stage.INFORMAL, wd(-25), wd(-21)),
            (Stage.TEAM_MANAGER, wd(-18), wd(-14)),
            (Stage.SERVICE_MANAGER, wd(-8), wd(-2)),
        ],
    )
    dan_raised = months(-4)
    escalation_raised(
        dan,
        owen,
        dan_raised,
        ["education"],
        [
            (Stage.INFORMAL, dan_raised, timescales.add_working_days(dan_raised, 3)),
            (Stage.TEAM_MANAGER, timescales.add_working_days(dan_raised, 5), None),
        ],
        resolved_on=timescales.add_working_days(dan_raised, 8),
        resolved_at_stage=Stage.TEAM_MANAGER,
    )
    escalation_raised(
        kit,
        iris,
        months(-9),
        ["safeguarding"],
        [
            (Stage.INFORMAL, months(-9), months(-9)),
            (Stage.TEAM_MANAGER, months(-8), months(-8)),
            (Stage.SERVICE_MANAGER, months(-7) - timedelta(days=3), None),
        ],
        resolved_on=months(-6),
        resolved_at_stage=Stage.SERVICE_MANAGER,
    )
    escalation_raised(
        gail,
        iris,
        months(-12),
        ["contact"],
        [(Stage.INFORMAL, months(-12), None)],
        resolved_on=months(-10),
        resolved_at_stage=Stage.INFORMAL,
    )
    escalation_raised(
        eve, owen, months(-2), ["review_process"], [(Stage.INFORMAL, months(-2), None)], withdrawn_on=months(-1)
    )
    escalation_raised(
        hana,
        owen,
        months(-9),
        ["care_planning", "legal"],
        [(Stage.INFORMAL, months(-9), months(-9)), (Stage.DIRECTOR, wd(-5), None)],
    )
    return a
