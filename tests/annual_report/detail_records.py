"""Records added to the hand-made authority (authority.build_authority) for the report's detail,
and every figure they make, worked out by hand. The years are those of authority.py: "this year"
April 2025 to March 2026, "last year" April 2024 to March 2025.

* IROs allocated: Ulla (in care 1 May 2025) from 2 May, in time; Wren (15 January 2026) from
  2 February, late (due by 22 January); Lark (1 June 2024) from 3 June 2024, in time.
* Skye: short breaks only (V3): 1 to 4 February 2025, 1 to 3 April 2025, 1 to 5 September 2025
  and from 1 March 2026, still on one on 31 March 2026; allocated from 1 April 2025 (so her
  February 2025 break had no IRO in time, and her later ones did); an In-Contact plan agreed on
  1 March 2026.
* Rory: short breaks (V3) from 1 June 2025, then looked after (C2) from 1 July 2025, the day the
  break ended: the DfE counts him as starting on 1 July; allocated from 2 June 2025. His review
  due Friday 1 August 2025 was held on Saturday 2 August, booked twice: late by no working day.
* More late LAC reviews: Bulkina1's due 1 December 2025 held 5 January 2026 (22 working days
  late: Christmas, Boxing Day and New Year's Day left out), booked three times; Bulkina2's due
  2 March 2026 held 4 March (2 working days), booked once; last year Bulkina3's due 3 February
  2025 held the next day, booked twice. Ulla's (13 working days) and Cato's (8, 26 August 2024
  a bank holiday) were never booked.
* Escalations, besides Bulkina0's informal one of 1 May 2025 (its step never answered):
  Bulkina1's raised 2 June 2025, informal step answered 4 June (2 working days), team manager
  sent 9 June and answered 13 June (4), resolved that day: formal process 4 working days.
  Bulkina2's raised 1 September 2025 straight to the team manager (answered 8 September, 5), then
  the service manager (sent 8 September, answered 6 October, 20), resolved 6 October: 25 working
  days of formal process, over the 20. Bulkina4's raised 2 March 2026, open at informal.
  Last year: Bulkina3's raised 1 October 2024, informal answered 3 October (2), team manager
  sent 7 October and answered 10 October (3), resolved then: within the standard.
* Child protection plans: Opal's started 1 August 2025 under physical abuse, now emotional abuse;
  Piers's started 1 January 2025 under sexual abuse, still open. Nell's (neglect, 1 July 2025)
  is authority.py's.
* In-Contact plans: Bulkina0's agreed 1 June 2025, open; Bulkina1's agreed 1 February 2025,
  ended 1 October 2025; Skye's (above).
"""

from datetime import date as D

from escalations.codes import Stage
from oversight.models import ContactMethod, InContactPlan
from reviews.models import ReviewKind
from tests.annual_report.authority import child, episode, lac_review
from tests.conftest import escalation_raised, held_review, protection_plan
from tests.factories import AllocationFactory


def add_detail_records(records):
    iro, bulk = records["iro"], records["bulk"]
    AllocationFactory(child=records["ulla"], iro=iro, start_date=D(2025, 5, 2))
    AllocationFactory(child=records["wren"], iro=iro, start_date=D(2026, 2, 2))
    AllocationFactory(child=records["lark"], iro=iro, start_date=D(2024, 6, 3))

    skye = child("Skyelina", "QZ9201", date_of_birth=D(2015, 5, 5), sex="F", ethnicity="WBRI")
    for start, end in (
        (D(2025, 2, 1), D(2025, 2, 4)),
        (D(2025, 4, 1), D(2025, 4, 3)),
        (D(2025, 9, 1), D(2025, 9, 5)),
        (D(2026, 3, 1), None),
    ):
        episode(skye, start, end, legal_status="V3", placement_type="K2", placement_provider="PR1")
    AllocationFactory(child=skye, iro=iro, start_date=D(2025, 4, 1))
    InContactPlan.objects.create(
        child=skye, method=ContactMethod.PHONE, every_weeks=4, agreed_on=D(2026, 3, 1), agreed_by=iro
    )

    rory = child("Rorimund", "QZ9202", date_of_birth=D(2012, 7, 7), sex="M", ethnicity="WBRI")
    episode(rory, D(2025, 6, 1), D(2025, 7, 1), legal_status="V3", placement_type="K2", placement_provider="PR1")
    episode(rory, D(2025, 7, 1), legal_status="C2", reason_for_new_episode="L")
    AllocationFactory(child=rory, iro=iro, start_date=D(2025, 6, 2))
    lac_review(rory, D(2025, 8, 2), D(2025, 8, 1), "PN1", cycle_start=D(2025, 7, 1), times_booked=2)

    lac_review(bulk[1], D(2026, 1, 5), D(2025, 12, 1), "PN1", times_booked=3)
    lac_review(bulk[2], D(2026, 3, 4), D(2026, 3, 2), "PN1", times_booked=1)
    lac_review(bulk[3], D(2025, 2, 4), D(2025, 2, 3), "PN1", times_booked=2)

    escalation_raised(
        bulk[1],
        iro,
        D(2025, 6, 2),
        steps=[(Stage.INFORMAL, D(2025, 6, 2), D(2025, 6, 4)), (Stage.TEAM_MANAGER, D(2025, 6, 9), D(2025, 6, 13))],
        resolved_on=D(2025, 6, 13),
        resolved_at_stage=Stage.TEAM_MANAGER,
    )
    escalation_raised(
        bulk[2],
        iro,
        D(2025, 9, 1),
        steps=[
            (Stage.TEAM_MANAGER, D(2025, 9, 1), D(2025, 9, 8)),
            (Stage.SERVICE_MANAGER, D(2025, 9, 8), D(2025, 10, 6)),
        ],
        resolved_on=D(2025, 10, 6),
        resolved_at_stage=Stage.SERVICE_MANAGER,
    )
    escalation_raised(bulk[4], iro, D(2026, 3, 2))
    escalation_raised(
        bulk[3],
        iro,
        D(2024, 10, 1),
        steps=[(Stage.INFORMAL, D(2024, 10, 1), D(2024, 10, 3)), (Stage.TEAM_MANAGER, D(2024, 10, 7), D(2024, 10, 10))],
        resolved_on=D(2024, 10, 10),
        resolved_at_stage=Stage.TEAM_MANAGER,
    )

    opal = child("Opaline", "QZ9203", date_of_birth=D(2016, 1, 1), sex="F", ethnicity="WBRI")
    held_review(opal, ReviewKind.ICPC, due=D(2025, 8, 1), held=D(2025, 8, 1), number=1, cycle_start=D(2025, 7, 14))
    protection_plan(opal, D(2025, 8, 1), initial_category_of_abuse="PHY", latest_category_of_abuse="EMO")
    piers = child("Piersant", "QZ9204", date_of_birth=D(2014, 1, 1), sex="M", ethnicity="WBRI")
    protection_plan(piers, D(2025, 1, 1), initial_category_of_abuse="SAB")

    InContactPlan.objects.create(
        child=bulk[0], method=ContactMethod.VISIT, every_weeks=6, agreed_on=D(2025, 6, 1), agreed_by=iro
    )
    InContactPlan.objects.create(
        child=bulk[1],
        method=ContactMethod.TEXT,
        every_weeks=2,
        agreed_on=D(2025, 2, 1),
        ended_on=D(2025, 10, 1),
        agreed_by=iro,
    )
    return {**records, "skye": skye, "rory": rory, "opal": opal, "piers": piers}


# Every new figure: key -> (this year, last year), as the internal version shows them.
DETAIL_KNOWN = {
    # Children as the DfE counts them: Rory joins, Skye is a line of her own.
    "children.at_start": (10, 10),
    "children.at_end": (12, 10),  # authority.py's 11 and Rory
    "children.during": (13, 11),
    "children.started": (3, 1),  # Ulla, Wren, Rory (on 1 July) | Lark
    "children.ceased": (1, 1),
    "children.short_breaks_at_end": (1, 0),  # Skye
    "children.short_breaks_during": (1, 1),  # Skye (Rory was not only on short breaks)
    "children.legal_status.C2": (9, 9),  # Bulkina0-7 and Rory | Bulkina0-7 and Cato; no V3 row
    "children.iro_allocation.in_time": (3, 1),  # Ulla, Skye (April and September), Rory | Lark
    "children.iro_allocation.late": (1, 1),  # Wren | Skye's February 2025 break
    "children.iro_allocation.pending": (0, 0),
    "children.iro_allocation.decided": (4, 2),
    "children.iro_allocation.percent_in_time": (75, 50),
    # Late reviews
    "lac.held": (13, 10),
    "lac.late": (4, 2),
    "lac.lateness.up_to_5.late": (2, 1),  # Rory, Bulkina2 | Bulkina3
    "lac.lateness.up_to_5.rebooked": (1, 1),  # Rory | Bulkina3
    "lac.lateness.6_to_20.late": (1, 1),  # Ulla | Cato
    "lac.lateness.6_to_20.rebooked": (0, 0),
    "lac.lateness.over_20.late": (1, 0),  # Bulkina1
    "lac.lateness.over_20.rebooked": (1, 0),
    "lac.lateness.total.late": (4, 2),
    "lac.lateness.total.rebooked": (2, 1),
    # Escalations
    "escalations.raised": (4, 1),
    "escalations.raised_formal": (2, 1),  # Bulkina1, Bulkina2 | Bulkina3
    "escalations.raised_informal": (2, 0),  # Bulkina0, Bulkina4
    "escalations.resolved_stage.total": (3, 1),
    "escalations.resolved_informally": (1, 0),  # Bulkina0
    "escalations.resolved_formally": (2, 1),
    "escalations.resolved_in_time": (1, 1),  # Bulkina1 | Bulkina3; not Bulkina2 (25 working days)
    "escalations.percent_resolved_in_time": (50, 100),
    "escalations.stage_time.1.answered": (1, 1),
    "escalations.stage_time.1.median": (2.0, 2.0),
    "escalations.stage_time.2.answered": (2, 1),
    "escalations.stage_time.2.median": (4.5, 3.0),  # 4 and 5 | 3
    "escalations.stage_time.3.answered": (1, 0),
    "escalations.stage_time.3.median": (20.0, None),
    "escalations.stage_time.4.median": (None, None),
    # Child protection plans by initial category, beside the latest at the end of the year
    "cp.plans_started": (2, 1),
    "cp.initial_category.NEG": (1, 0),  # Nell
    "cp.initial_category.PHY": (1, 0),  # Opal
    "cp.initial_category.SAB": (0, 1),  # Piers
    "cp.initial_category.EMO": (0, 0),
    "cp.initial_category.total": (2, 1),
    "cp.category.NEG": (1, 0),
    "cp.category.EMO": (1, 0),  # Opal, now
    "cp.category.SAB": (1, 1),  # Piers
    # In-Contact plans
    "oversight.in_contact.with_plan_at_end": (1, 1),  # Bulkina0 | Bulkina1 (Skye is on short breaks)
    "oversight.in_contact.percent_with_plan_at_end": (8, 10),  # 1 of 12 | 1 of 10
    "oversight.in_contact.agreed": (2, 1),  # Bulkina0, Skye | Bulkina1
}
