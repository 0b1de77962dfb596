"""Every dashboard figure worked out by hand for the authority on ON (tests/dashboard/authority.py):
for the whole service and for one IRO."""

from datetime import date as D
from decimal import Decimal

import pytest

from accounts.models import User
from children.models import Child
from children.permissions import children_visible_to
from reporting import selectors
from reporting.periods import Period, year_to_date
from tests.dashboard.authority import ON


def iro_scope(iro, on):
    """What the dashboard view narrows an IRO's figures to."""
    return {"children": children_visible_to(iro, Child.objects.all(), on=on), "iros": User.objects.filter(pk=iro.pk)}


def no_late_reasons(**counts):
    return {
        "iro_unavailable": 0,
        "awaiting_assessment": 0,
        "child_unavailable": 0,
        "family_unavailable": 0,
        "other": 0,
        "": 0,
        **counts,
    }


def areas(**counts):
    """Open and raised-in-the-period counts by area of concern, zero unless given."""
    every = [
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
    ]
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
                "held": 1,
                "in_timescale": 1,
                "late": 0,  # Finn's; Gail's was 20 months ago
                "late_reasons": no_late_reasons(),
                "percent_in_timescale": 100,
                "overdue": 1,
                "due_soon": 0,  # Olly's, due 15 working days after the strategy discussion
            },
            "RCPC": {
                "held": 1,
                "in_timescale": 0,
                "late": 1,  # Gail's, 2 working days late
                "late_reasons": no_late_reasons(family_unavailable=1),
                "percent_in_timescale": 0,
                "overdue": 1,  # Hana's, due yesterday
                "due_soon": 1,  # Finn's first, 3 months after his ICPC
            },
        }

    def test_lac_participation_and_quality(self, figures):
        lac = figures["lac"]
        assert lac["held"] == 5
        assert lac["participation"] == {
            "PN0": 1,
            "PN1": 1,
            "PN2": 0,
            "PN3": 0,
            "PN4": 0,
            "PN5": 1,
            "PN6": 0,
            "PN7": 1,
            "": 1,
        }  # Dan, Ava, Ben, Cara, Eve (not recorded)
        assert lac["participated"] == 2  # Ava PN1, Ben PN5
        assert lac["participation_counted"] == 3  # PN1, PN5, PN7: Dan's PN0 and Eve's blank left out
        assert lac["participation_rate"] == 67  # 2 of 3, rounded
        assert lac["child_chaired"] == 1  # Ava
        assert lac["advocate_present"] == 2  # Ben, Eve
        assert lac["parents"] == {
            "attended": 2,
            "views_given": 1,
            "did_not_participate": 1,
            "not_appropriate": 0,
            "": 1,
        }  # Ava and Dan; Ben; Cara; Eve not recorded
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
        months = [
            (month.first_day, month.held, month.in_timescale, month.percent_in_timescale) for month in figures["months"]
        ]
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
        rows = [
            (row.iro, row.children, row.fte, row.per_fte, row.above_band, row.below_band) for row in caseloads["rows"]
        ]
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
            (authority.iris, 10, 10.0)
        ]
        assert figures["caseloads"]["total_children"] == 10
        children = figures["children"]
        assert children["looked_after_now"] == 8  # Ava Ben Kit Lou Max Rae Sid Tia
        assert (children["started"], children["ceased"]) == (3, 1)  # Rae Sid Tia; Rae (Xena is no longer hers)
        assert (
            children["iro_allocation_in_time"],
            children["iro_allocation_late"],
            children["iro_allocation_pending"],
        ) == (2, 1, 0)  # Rae Sid; Tia
        assert (children["on_protection_plan"], children["plan_over_18_months"], children["plan_2_years_or_more"]) == (
            2,
            1,
            0,
        )  # Finn Gail; Gail
        oversight = figures["oversight"]
        # red: Ava, Ben; green: Kit, Max, Rae; none: Lou, Sid, Tia
        assert oversight["ratings"] == {"red": 2, "amber": 0, "green": 3, "none": 3}
        assert (oversight["red_check_overdue"], oversight["no_record_this_quarter"]) == (1, 4)  # Ava; Ava Rae Sid Tia
        escalations = figures["escalations"]
        assert escalations["open_by_stage"] == by_stage(informal=1, team_manager=1)  # Ava, Ben
        assert (escalations["overdue"], escalations["resolved"]) == (1, 1)  # Ava; Kit's
        assert escalations["by_area"]["care_planning"] == {"open": 1, "raised": 1}  # Ava; Cara and Hana are Owen's
