"""What an episode's placement may go with (rules 374, 408, 516, 529; ssda903/episode_rules.py and
children/placement_rules.py), no reason for placement change around a temporary move (225, 226) and
the UASC table against last year's (205A-D): near misses that must not break them (the breaking
cases are in tests/test_export_903.py's rule table), the episode pages and the import refusing the
same episodes, and a crafted return on which the portal and the DfE's published validator agree."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from children import services
from ssda903 import dfe_check
from ssda903.exporter import FILE_NAMES, ExportResult, write_csv
from ssda903.importer import import_return
from ssda903.rules import ReturnData, check_return
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in
from tests.factories import ChildFactory
from tests.test_data_entry import episode_answers
from tests.test_export_903 import PLACED, TEMPORARY, X1, b_episodes, check, set_cell, uasc_years

D = datetime.date


def broken(year, change):
    return {problem.rule for problem in check(year, change)[0]}


born_2010 = set_cell("header", 1, DOB="01/05/2010")
b_in_p3 = set_cell("episodes", 2, PLACE="P3", DECOM="01/05/2024")

NEAR_MISSES = [
    ("374", 2025, lambda data: (born_2010(data), b_in_p3(data))),  # 14 the day the placement starts
    ("374", 2025, b_episodes({"DECOM": "01/05/2024", "PLACE": "P3"})),  # open: the DfE checks ceased ones only
    ("408", 2025, set_cell("episodes", 1, PLACE="A5", LS="E1")),
    ("516", 2025, set_cell("episodes", 2, REC="E46", PLACE="U3")),
    ("529", 2025, set_cell("episodes", 1, PLACE="R1", PLACE_PROVIDER="PR3")),
    (
        "225",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1},
            {"DECOM": "01/06/2024", "RNE": "P", "PLACE": "T1", **TEMPORARY},
        ),
    ),
    ("205B", 2025, uasc_years(this_year=[("A", "01/06/2033")], last_year=[("A", "01/06/2033")])),
    ("205B", 2025, uasc_years(this_year=[("A", "01/02/2025")], last_year=[("A", "01/06/2033")])),  # ceased early
    ("205D", 2025, uasc_years(this_year=[("A", "01/06/2033")], last_year=[("Q", "01/06/2033")], last_header=("Q",))),
]


@pytest.mark.parametrize("code, year, change", NEAR_MISSES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(NEAR_MISSES)])
def test_near_misses_do_not_break_the_rule(code, year, change):
    assert code not in broken(year, change)


def test_a_29_february_child_may_start_residential_employment_on_28_february_at_14():
    """As the DfE counts birthdays (pandas' DateOffset)."""
    born = set_cell("header", 1, DOB="29/02/2012")
    on_28th = set_cell("episodes", 2, PLACE="P3", DECOM="28/02/2026", DEC="01/03/2026")
    day_before = set_cell("episodes", 2, PLACE="P3", DECOM="27/02/2026", DEC="01/03/2026")
    assert "374" not in broken(2026, lambda data: (born(data), on_28th(data)))
    assert "374" in broken(2026, lambda data: (born(data), day_before(data)))


def test_the_export_says_what_to_correct():
    problems, _ = check(2025, set_cell("episodes", 1, PLACE="A5"))
    assert [str(p) for p in problems if p.rule == "408"] == [
        "A: rule 408: In the episode starting 01/06/2024: A child placed for adoption under a placement order (A5) "
        "has legal status E1 (placement order granted)."
    ]


# --- The episode pages (children.services) --------------------------------------------------------


def fields(**overrides):
    return {
        "start_date": D(2024, 1, 10),
        "reason_for_new_episode": "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "U6",
        "placement_provider": "PR1",
        **overrides,
    }


REFUSED = [
    ("374", "placement_type", D(2010, 1, 11), fields(placement_type="P3", placement_provider="PR4")),
    ("408", "legal_status", D(2015, 1, 1), fields(placement_type="A6")),
    ("529", "placement_provider", D(2015, 1, 1), fields(placement_provider="PR3")),
    (
        "516",
        "reason_episode_ceased",
        D(2015, 1, 1),
        fields(placement_type="K2", end_date=D(2024, 3, 1), reason_episode_ceased="E45"),
    ),
    (
        "226",
        "reason_for_placement_change",
        D(2015, 1, 1),
        fields(placement_type="T2", placement_provider="", end_date=D(2024, 3, 1), reason_episode_ceased="E8")
        | {"reason_for_placement_change": "OTHER"},
    ),
]
ACCEPTED = [
    ("374", D(2010, 1, 10), fields(placement_type="P3", placement_provider="PR4")),  # 14 that day
    ("408", D(2015, 1, 1), fields(placement_type="A6", legal_status="E1")),
    ("529", D(2015, 1, 1), fields(placement_type="R1", placement_provider="PR3")),
    ("516", D(2015, 1, 1), fields(placement_type="U1", end_date=D(2024, 3, 1), reason_episode_ceased="E45")),
    (
        "226",
        D(2015, 1, 1),
        fields(placement_type="T2", placement_provider="", end_date=D(2024, 3, 1), reason_episode_ceased="E8"),
    ),
]


@pytest.mark.parametrize("rule, field, born, entered", REFUSED, ids=[case[0] for case in REFUSED])
def test_the_episode_pages_refuse_what_the_rule_forbids(manager, rule, field, born, entered):
    child = ChildFactory(date_of_birth=born)
    with pytest.raises(ValidationError) as error:
        services.record_care_episode(child, by=manager, **entered)
    assert field in error.value.message_dict, error.value.message_dict
    assert not child.episodes.exists()


@pytest.mark.parametrize("rule, born, entered", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_the_episode_pages_accept_the_near_miss(manager, rule, born, entered):
    child = ChildFactory(date_of_birth=born)
    services.record_care_episode(child, by=manager, **entered)
    assert child.episodes.count() == 1


def test_changing_an_episode_to_break_a_rule_is_refused(manager):
    child = ChildFactory(date_of_birth=D(2015, 1, 1))
    episode = services.record_care_episode(child, by=manager, **fields(placement_type="U4"))
    with pytest.raises(ValidationError) as error:
        services.update_care_episode(episode, by=manager, placement_type="A5")
    assert error.value.message_dict["legal_status"] == [
        "A child placed for adoption under a placement order (A5) has legal status E1 (placement order granted)."
    ]
    episode.refresh_from_db()
    assert episode.placement_type == "U4"


def test_the_add_episode_page_and_the_api_refuse_it_with_the_same_message(client, manager, business_support):
    child = ChildFactory(date_of_birth=D(2015, 1, 1))
    message = "A child placed for adoption under a placement order (A5) has legal status E1 (placement order granted)."
    sign_in(client, manager)
    response = client.post(
        reverse("children:add_episode", args=[child.pk]), episode_answers(D(2024, 1, 10), placement_type="A5")
    )
    assert response.status_code == 400 and message in response.content.decode()
    body = assert_error_shape(
        api_client(business_support).post(
            "/api/v1/care-episodes/",
            {"child": child.pk, **fields(placement_type="A5", start_date="2024-01-10")},
            format="json",
        ),
        400,
        "legal_status",
    )
    assert body["errors"]["legal_status"] == [message]
    assert not child.episodes.exists()


# --- The import ------------------------------------------------------------------------------------

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"
UASC = "CHILD,SEX,DOB,DUC\r\n"


def import_files(header, episodes, uasc=None):
    files = {"header.csv": (HEADER + header).encode(), "episodes.csv": (EPISODES + episodes).encode()}
    if uasc is not None:
        files["uasc.csv"] = (UASC + uasc).encode()
    return import_return(files, dry_run=True)


def test_the_import_refuses_the_rows_the_rules_forbid(db):
    result = import_files(
        "R1,M,01/01/2015,WBRI,UN5,,\r\nR2,M,01/01/2015,WBRI,UN5,,\r\nR3,M,01/01/2015,WBRI,UN5,,\r\n"
        "R4,M,01/06/2011,WBRI,UN5,,\r\n",
        "R1,01/05/2024,S,C2,N1,A5,PR1,,,,NG1 5DT,NG7 2UH,SC123456\r\n"
        "R2,01/05/2024,S,C2,N1,U4,PR3,,,,NG1 5DT,NG7 2UH,SC123456\r\n"
        "R3,01/05/2024,S,C2,N1,K2,PR1,01/09/2024,E46,,NG1 5DT,NG7 2UH,SC123456\r\n"
        "R4,01/05/2024,S,V2,N1,P3,PR4,01/09/2024,E8,,NG1 5DT,NG7 2UH,\r\n",
    )
    assert sorted((e.child, e.column, e.message[-10:]) for e in result.errors) == [
        ("R1", "LS", "(rule 408)"),
        ("R2", "PLACE_PROVIDER", "(rule 529)"),
        ("R3", "REC", "(rule 516)"),
        ("R4", "PLACE", "(rule 374)"),
    ]


def test_the_import_wants_no_reason_for_a_move_to_a_temporary_placement(db):
    episodes = (
        "T1,01/05/2024,S,C2,N1,U4,PR1,01/06/2024,X1,{reason},NG1 5DT,NG7 2UH,SC123456\r\n"
        "T1,01/06/2024,P,C2,N1,T1,,05/06/2024,X1,,NG1 5DT,NG5 1PB,\r\n"
        "T1,05/06/2024,P,C2,N1,U4,PR1,,,,NG1 5DT,NG7 2UH,SC123456\r\n"
    )
    header = "T1,M,01/01/2015,WBRI,UN5,,\r\n"
    assert import_files(header, episodes.format(reason="")).errors == []
    [error] = import_files(header, episodes.format(reason="ALLEG")).errors
    assert (error.row, error.column, error.value) == (2, "REASON_PLACE_CHANGE", "ALLEG")
    assert "(rule 226)" in error.message and "temporary placement" in error.message


def test_the_import_takes_a_duc_on_a_future_18th_birthday_but_no_other_future_date(db):
    header = "U1,M,01/06/2015,WBRI,UN5,,\r\n"
    episodes = "U1,01/05/2024,S,V2,N1,U4,PR1,,,,NG1 5DT,NG7 2UH,SC123456\r\n"
    assert import_files(header, episodes, "U1,M,01/06/2015,01/06/2033\r\n").errors == []
    [error] = import_files(header, episodes, "U1,M,01/06/2015,02/06/2033\r\n").errors
    assert (error.column, error.message) == ("DUC", "DUC is in the future.")


# --- Against the DfE's published validator ---------------------------------------------------------


def person(child, dob):
    return {"CHILD": child, "SEX": "M", "DOB": dob, "ETHNIC": "WBRI", "UPN": "UN5", "MOTHER": "", "MC_DOB": ""}


def stay(child, decom, place="U4", provider="PR1", **cells):
    return {
        "CHILD": child,
        "DECOM": decom,
        "RNE": "S",
        "LS": "C2",
        "CIN": "N1",
        "PLACE": place,
        "PLACE_PROVIDER": provider,
        "DEC": "",
        "REC": "",
        "REASON_PLACE_CHANGE": "",
        **PLACED,
        **cells,
    }


ENDED = {"DEC": "01/09/2024", "REC": "E8"}
CRAFTED_RULES = {"374", "408", "516", "529", "225", "226", "205A", "205B", "205C", "205D"}


def crafted_return():
    """2024/25 and last year's: each child breaks, or nearly breaks, one of CRAFTED_RULES."""
    children = {
        "P3YOUNG": ("01/06/2011", [stay("P3YOUNG", "01/05/2024", "P3", "PR4", **ENDED)]),
        "P3AT14": ("01/05/2010", [stay("P3AT14", "01/05/2024", "P3", "PR4", **ENDED)]),
        "P3OPEN": ("01/06/2011", [stay("P3OPEN", "01/05/2024", "P3", "PR4")]),
        "A5C2": ("01/01/2015", [stay("A5C2", "01/05/2024", "A5", URN="XXXXXXX")]),
        "A5E1": ("01/01/2015", [stay("A5E1", "01/05/2024", "A5", LS="E1", URN="XXXXXXX")]),
        "E45K2": ("01/01/2015", [stay("E45K2", "01/05/2024", "K2", DEC="01/09/2024", REC="E45")]),
        "E45U3": ("01/01/2015", [stay("E45U3", "01/05/2024", "U3", DEC="01/09/2024", REC="E45")]),
        "PR3U4": ("01/01/2015", [stay("PR3U4", "01/05/2024", provider="PR3")]),
        "PR3R1": ("01/01/2015", [stay("PR3R1", "01/05/2024", "R1", "PR3")]),
        "TEMPOK": ("01/01/2015", temporary_move("TEMPOK", "", "")),
        "TEMPIN": ("01/01/2015", temporary_move("TEMPIN", "ALLEG", "")),
        "TEMPON": ("01/01/2015", temporary_move("TEMPON", "", "OTHER")),
        "UASCOK": ("01/06/2008", [stay("UASCOK", "01/05/2024", HOME_POST="")]),
        "UASCB": ("01/06/2008", [stay("UASCB", "01/05/2024", HOME_POST="")]),
        "UASCD": ("01/06/2008", [stay("UASCD", "01/05/2024", HOME_POST="")]),
    }
    this_year = {
        "header": [person(child, dob) for child, (dob, _) in children.items()],
        "episodes": [row for _, rows in children.values() for row in rows],
        "uasc": [
            {"CHILD": "UASCOK", "SEX": "M", "DOB": "01/06/2008", "DUC": "01/06/2026"},
            {"CHILD": "UASCB", "SEX": "M", "DOB": "01/06/2008", "DUC": "01/06/2026"},
            {"CHILD": "UASCD", "SEX": "M", "DOB": "01/06/2008", "DUC": "01/06/2026"},
            {"CHILD": "GONE", "SEX": "M", "DOB": "01/06/2008", "DUC": ""},  # UASC last year, not in the Header
            {"CHILD": "NEVER", "SEX": "M", "DOB": "01/06/2008", "DUC": "01/06/2026"},  # in no Header
        ],
    }
    last_year = {
        "header": [person(child, "01/06/2008") for child in ("UASCOK", "UASCB", "UASCD", "GONE")],
        "episodes": [],
        "uasc": [
            {"CHILD": "UASCOK", "SEX": "1", "DOB": "01/06/2008", "DUC": "01/06/2026"},
            {"CHILD": "UASCB", "SEX": "1", "DOB": "01/06/2008", "DUC": ""},
            {"CHILD": "GONE", "SEX": "1", "DOB": "01/06/2008", "DUC": ""},
        ],
    }
    return this_year, last_year


def temporary_move(child, reason_before, reason_on):
    return [
        stay(child, "01/05/2024", DEC="01/06/2024", REC="X1", REASON_PLACE_CHANGE=reason_before),
        stay(child, "01/06/2024", "T1", "", RNE="P", DEC="05/06/2024", REC="X1", REASON_PLACE_CHANGE=reason_on, URN=""),
        stay(child, "05/06/2024", RNE="P"),
    ]


def as_files(tables):
    return {FILE_NAMES[table]: write_csv(table, rows) for table, rows in tables.items() if rows}


def years_later(tables, years):
    """The tables with every date moved `years` on (none of them is a 29 February)."""

    def moved(value):
        return re.sub(r"^(\d\d/\d\d/)(\d{4})$", lambda date: f"{date[1]}{int(date[2]) + years}", value)

    return {
        table: [{column: moved(value) for column, value in row.items()} for row in rows]
        for table, rows in tables.items()
    }


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_the_portal_and_the_dfe_agree_on_a_crafted_return(dfe_validator, year):
    """In each year's rule set, lac2023_24 to lac2026_27."""
    this_year, last_year = (years_later(tables, year - 2025) for tables in crafted_return())
    errors, _ = check_return(ReturnData(year, **this_year, previous=ReturnData(year - 1, **last_year)))
    portal = {(p.child, p.rule) for p in errors if p.rule in CRAFTED_RULES}
    report = dfe_check.check_with_dfe(as_files(this_year), year, as_files(last_year))
    dfe = {(issue.child, issue.rule) for issue in report.errors if issue.rule in CRAFTED_RULES}
    assert portal == dfe
    assert portal == {
        ("P3YOUNG", "374"),
        ("A5C2", "408"),
        ("E45K2", "516"),
        ("PR3U4", "529"),
        ("TEMPIN", "226"),
        ("TEMPON", "226"),
        ("UASCB", "205B"),
        ("UASCD", "205D"),
        ("GONE", "205A"),
        ("NEVER", "205C"),
    }


@pytest.mark.usefixtures("dfe_validator")
def test_the_dfe_validators_146_on_k3_in_2024_25_does_not_refuse_the_export(db):
    """Its 2024/25 code list has "k3" for K3 (ssda903/rules.py, PLACE_2025); a code not in the
    year's list (Z11, from 2025/26) is still refused."""
    result = ExportResult(
        year=2025,
        files={
            "header.csv": HEADER + "K3KID,M,01/01/2007,WBRI,UN5,,\r\nZ11KID,M,01/01/2007,WBRI,UN5,,\r\n",
            "episodes.csv": EPISODES
            + "K3KID,01/05/2024,S,V2,N1,K3,PR4,,,,NG1 5DT,NG7 2UH,SC123456\r\n"
            + "Z11KID,01/05/2024,S,V2,N1,Z11,,,,,NG1 5DT,NG7 2UH,\r\n",
        },
    )
    report = dfe_check.add_dfe_findings(result)
    assert sorted(issue.child for issue in report.errors if issue.rule == "146") == ["K3KID", "Z11KID"]
    assert [problem.child for problem in result.problems if problem.rule == "146"] == ["Z11KID"]
