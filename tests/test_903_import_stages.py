"""The SSDA903 import's stages, each on its own (ssda903.importing): reading the files, checking
the rows, planning the changes against the portal's records, and writing the plan."""

from datetime import date as D

import pytest

from children.models import CareEpisode, Child
from reviews.models import Review, ReviewStatus
from ssda903 import rules
from ssda903.files import parse_date, read_date
from ssda903.importing import RowError
from ssda903.importing.apply import apply_plan
from ssda903.importing.check import CheckedReturn, RowChecker, check_across
from ssda903.importing.plan import plan_import
from ssda903.importing.read import read_files
from ssda903.models import StoredReturn
from tests.factories import CareEpisodeFactory, ChildFactory, HeldReviewFactory

TODAY = D(2024, 9, 1)
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\r\n"


def return_files(header_rows, episode_rows, review_rows=()):
    return {
        "header.csv": (HEADER + "".join(f"{row}\r\n" for row in header_rows)).encode(),
        "episodes.csv": (EPISODES + "".join(f"{row}\r\n" for row in episode_rows)).encode(),
        "reviews.csv": (REVIEWS + "".join(f"{row}\r\n" for row in review_rows)).encode(),
    }


def checked(files, today=TODAY):
    """The read and check stages: (CheckedReturn, errors)."""
    checker = RowChecker(today)
    tables, texts = {}, {}
    for returned in read_files(files, checker.errors):
        tables[returned.table] = checker.rows_of(returned)
        texts[returned.table] = returned.data
    return check_across(checker, tables, texts), checker.errors


def problems(errors):
    return [(error.file, error.row, error.child, error.column, error.value) for error in errors]


# --- read ---------------------------------------------------------------------------------------


def test_the_read_stage_tells_the_tables_by_their_columns_and_refuses_what_it_cannot_read():
    errors = []
    files = {
        "a.csv": HEADER.encode(),
        "b.csv": HEADER.encode(),
        "c.csv": b"CHILD,NAME\r\nA1,Sam\r\n",
    }
    read = [(returned.name, returned.table) for returned in read_files(files, errors)]
    assert read == [("a.csv", "header")]
    assert problems(errors) == [("b.csv", None, "", "", ""), ("c.csv", 1, "", "DOB", "")]
    assert "second Header file (the first is a.csv)" in errors[0].message


def test_the_read_stage_names_a_missing_episodes_file():
    errors = []
    assert [returned.table for returned in read_files({"h.csv": HEADER.encode()}, errors)] == ["header"]
    assert [error.message for error in errors] == [
        "No Episodes file was given: the import needs a Header and an Episodes file, and may have Reviews, UASC, "
        "OC2, OC3, AD1, PlacedAdoption, PrevPerm and Missing files."
    ]


# --- check (no database) ------------------------------------------------------------------------


def test_the_check_stage_types_the_rows_and_reads_dates_as_the_dfe_does():
    result, errors = checked(
        return_files(
            ["A1,F,5/3/2012,WBRI,UN1,0,"], ["A1,01/04/2024,S,C2,N1,U4,PR1,,,,,,"], ["A1,05/03/2012,2/5/2024,PN1"]
        )
    )
    assert errors == []
    assert result.header["A1"].dob == D(2012, 3, 5)
    assert result.episodes_by_child["A1"][0].start_date == D(2024, 4, 1)
    assert list(result.reviews_by_child["A1"]) == [D(2024, 5, 2)]
    assert result.year_start == D(2024, 4, 1)


def test_the_check_stage_lists_every_problem_of_the_rows():
    result, errors = checked(
        return_files(
            ["A1,M,01/05/2012,WBRI,UN1,,", "A1,M,01/05/2012,WBRI,UN1,,"],
            [
                "A1,01/04/2024,S,C2,N1,U4,PR1,10/05/2024,X1,CARPL,,,",
                "A1,10/05/2024,P,C2,N2,U6,PR1,,,,,,",  # CIN changes within the period
                "B2,2024-05-01,S,C2,N1,U4,PR1,,,,,,",  # not in the Header, an ISO date
            ],
        )
    )
    assert problems(errors) == [
        ("episodes.csv", 4, "B2", "DECOM", "2024-05-01"),
        ("header.csv", 3, "A1", "CHILD", "A1"),
        ("episodes.csv", 4, "B2", "CHILD", "B2"),
        ("episodes.csv", 3, "A1", "CIN", "N2"),
    ]
    assert "ISO dates such as 2024-05-01 are not accepted" in errors[0].message
    assert errors[3].message == "CIN must stay N1 for the whole period of care (rule 504)."
    assert isinstance(result, CheckedReturn)


def test_rule_504_is_one_rule_for_the_import_and_the_export():
    """An episode continuing a period keeps its category of need; a blank one is rule 145's."""
    assert rules.keeps_category_of_need("N1", "N1")
    assert not rules.keeps_category_of_need("N1", "N2")
    assert rules.keeps_category_of_need("N1", "")
    data = rules.ReturnData(
        2025,
        episodes=[
            {"CHILD": "A1", "DECOM": "01/04/2024", "RNE": "S", "CIN": "N1", "DEC": "10/05/2024", "REC": "X1"},
            {"CHILD": "A1", "DECOM": "10/05/2024", "RNE": "P", "CIN": "N2"},
        ],
    )
    assert [(p.child, p.rule) for p in rules.rule_504(data)] == [("A1", "504")]


def test_one_date_rule_for_the_import_and_the_export():
    """The DfE's validator reads "%d/%m/%Y" (one or two digits for day and month) and reads
    nothing else; the import refuses what it cannot read, the export's rules see no date."""
    assert read_date("5/1/2024") == read_date("05/01/2024") == D(2024, 1, 5)
    for bad in ("2024-01-05", "31/02/2024", "05/01/24", "", None):
        assert read_date(bad) is None
    with pytest.raises(ValueError):
        parse_date("31/02/2024")
    data = rules.ReturnData(2025, header=[{"CHILD": "A1", "DOB": "5/1/2012"}, {"CHILD": "A2", "DOB": "2012-01-05"}])
    assert [p.child for p in rules.rule_102(data)] == ["A2"]


def test_the_export_judges_pn0_by_the_one_participation_rule():
    data = rules.ReturnData(
        2025,
        header=[{"CHILD": "T1", "DOB": "01/03/2021"}, {"CHILD": "T2", "DOB": "01/03/2019"}],
        reviews=[
            {"CHILD": "T1", "DOB": "01/03/2021", "REVIEW": "28/02/2025", "REVIEW_CODE": "PN1"},
            {"CHILD": "T2", "DOB": "01/03/2019", "REVIEW": "01/03/2024", "REVIEW_CODE": "PN0"},
        ],
    )
    assert [str(p) for p in [*rules.rule_440(data), *rules.rule_441(data)]] == [
        "T2: rule 440: Review 01/03/2024: PN0 is only for children under 4; the child was 5 on the day of the review.",
        "T1: rule 441: Review 28/02/2025: The child was under 4 on the day of the review, so the code must be PN0.",
    ]


# --- plan and apply -----------------------------------------------------------------------------


@pytest.fixture
def known_child(db):
    """A child the portal has, in care since 1 April 2024 with one held review."""
    child = ChildFactory(local_child_id="A1", sex="M", date_of_birth=D(2012, 5, 1), upn="", is_mother=None)
    CareEpisodeFactory(child=child, start_date=D(2024, 4, 1), category_of_need="N1", placement_type="U4")
    HeldReviewFactory(child=child, held_on=D(2024, 4, 20))
    return child


def files_moving_the_known_child():
    return return_files(
        ["A1,M,01/05/2012,WBRI,UN5,,", "B2,F,01/01/2015,WBRI,UN1,0,"],
        [
            "A1,01/04/2024,S,C2,N1,U4,PR1,10/06/2024,X1,CARPL,,,",
            "A1,10/06/2024,P,C2,N1,U6,PR1,,,,,,",
            "B2,01/07/2024,S,C2,N2,U4,PR1,,,,,,",
        ],
        ["A1,01/05/2012,20/04/2024,PN1", "A1,01/05/2012,20/07/2024,PN2"],
    )


def test_the_plan_stage_says_what_would_change_and_writes_nothing(known_child):
    checked_return, errors = checked(files_moving_the_known_child())
    assert errors == []
    before = (Child.objects.count(), CareEpisode.objects.count(), Review.objects.count())

    plan = plan_import(checked_return, today=TODAY)

    assert plan.errors == []
    assert [row[0] for row in plan.new_children] == ["B2"]
    assert plan.changed_children == []  # UN5 is what the return says for a UPN not recorded
    assert plan.replaced == ["A1", "B2"]
    assert [(e.start_date, e.placement_type) for e in plan.final_episodes["A1"]] == [
        (D(2024, 4, 1), "U4"),
        (D(2024, 6, 10), "U6"),
    ]
    assert (plan.episodes_added, plan.episodes_removed) == (3, 1)
    assert plan.children_episodes_replaced == [("A1", 2, 1, 0)]
    assert [(review[0], review[1]) for review in plan.new_reviews] == [("A1", D(2024, 7, 20))]
    assert sorted(local_id for local_id, _ in plan.schedule_creates) == ["A1", "B2"]
    assert plan.unchanged_children == 0
    assert (Child.objects.count(), CareEpisode.objects.count(), Review.objects.count()) == before


def test_the_plan_stage_refuses_a_return_the_portal_s_later_care_cannot_follow(known_child):
    """The file has the child still looked after on 31 March 2025; the portal has the care ending
    in December and a new period from May."""
    CareEpisode.objects.filter(child=known_child).update(end_date=D(2024, 12, 1), reason_episode_ceased="E4A")
    CareEpisodeFactory(child=known_child, start_date=D(2025, 5, 1))
    checked_return, errors = checked(
        return_files(["A1,M,01/05/2012,WBRI,UN5,,"], ["A1,01/04/2024,S,C2,N1,U4,PR1,,,,,,"]), today=D(2025, 6, 1)
    )
    assert errors == []

    plan = plan_import(checked_return, today=D(2025, 6, 1))

    assert [(error.file, error.row, error.column) for error in plan.errors] == [("episodes.csv", 2, "DEC")]
    assert all(isinstance(error, RowError) for error in plan.errors)


def test_the_apply_stage_writes_the_plan(known_child):
    checked_return, _ = checked(files_moving_the_known_child())
    plan = plan_import(checked_return, today=TODAY)

    apply_plan(plan)

    newcomer = Child.objects.get(local_child_id="B2")
    assert (newcomer.given_name, newcomer.family_name) == ("Child", "B2")
    assert list(known_child.episodes.order_by("start_date").values_list("start_date", "placement_type")) == [
        (D(2024, 4, 1), "U4"),
        (D(2024, 6, 10), "U6"),
    ]
    held = known_child.reviews.filter(status=ReviewStatus.HELD).order_by("held_on")
    assert list(held.values_list("held_on", "participation_code")) == [(D(2024, 4, 20), ""), (D(2024, 7, 20), "PN2")]
    assert Review.objects.filter(child=newcomer, status=ReviewStatus.DUE).count() == 1
    assert StoredReturn.objects.get(year=2025).tables["header"].startswith("CHILD,SEX")

    # The same plan made again from what is now in the portal changes nothing.
    again = plan_import(checked(files_moving_the_known_child())[0], today=TODAY)
    assert (again.new_children, again.changed_children, again.replaced, again.new_reviews) == ([], [], [], [])
    assert again.next_reviews_scheduled == 0
    assert again.unchanged_children == 2


def test_the_import_refuses_a_upn_the_export_would_refuse():
    """Rule 168 is rules.is_valid_upn for both: a UPN's first letter is never I, O or S."""
    _, errors = checked(
        return_files(
            ["A1,M,01/05/2012,WBRI,I12345678901Z,,", "A2,M,01/05/2012,WBRI,A12345678901Z,,"],
            ["A1,01/04/2024,S,C2,N1,U4,PR1,,,,,,", "A2,01/04/2024,S,C2,N1,U4,PR1,,,,,,"],
        )
    )
    assert problems(errors) == [("header.csv", 2, "A1", "UPN", "I12345678901Z")]
    data = rules.ReturnData(2025, header=[{"CHILD": "A1", "UPN": "I12345678901Z"}, {"CHILD": "A2", "UPN": "UN3"}])
    assert [p.child for p in rules.rule_168(data)] == ["A1"]
