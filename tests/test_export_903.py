"""The SSDA903 export (ssda903.exporter, ssda903.rules, the export_903 command)."""

import copy
import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from children.models import CareEpisode
from outcomes.years import last_completed_year
from reviews.models import Review
from ssda903 import rules
from ssda903.exporter import export_return
from ssda903.models import StoredReturn
from ssda903.rules import ReturnData, check_return
from tests.factories import CareEpisodeFactory, ChildFactory, complete_outcome_records

D = datetime.date
COLUMNS = {
    "header.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB",
    "episodes.csv": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN",
    "reviews.csv": "CHILD,DOB,REVIEW,REVIEW_CODE",
    "uasc.csv": "CHILD,SEX,DOB,DUC",
    "oc2.csv": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
    "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
    "oc3.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM",
    "ad1.csv": "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR",
    "placed_for_adoption.csv": "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED",
    "previous_permanence.csv": "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM",
    "missing.csv": "CHILD,DOB,MISSING,MIS_START,MIS_END",
}
WITHOUT_UASC = [
    "ad1.csv",
    "episodes.csv",
    "header.csv",
    "missing.csv",
    "oc2.csv",
    "oc3.csv",
    "placed_for_adoption.csv",
    "previous_permanence.csv",
    "reviews.csv",
]


def exported(year):
    """The year's export of an authority made here, once the children of the outcome tables'
    cohorts have their records (tests.factories.complete_outcome_records)."""
    complete_outcome_records(year)
    return export_return(year)


def rows(result, name):
    return list(csv.DictReader(io.StringIO(result.files[name])))


def held_review(child, day, code="PN1", kind="LAC", status="held"):
    return Review.objects.create(
        child=child,
        kind=kind,
        number=1,
        cycle_start=day,
        due_date=day,
        status=status,
        held_on=day if status == "held" else None,
        participation_code=code if kind == "LAC" else "",
        booked_for=datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)
        if status == "booked"
        else None,
    )


def episode(child, start, end=None, rec="", **fields):
    return CareEpisodeFactory(child=child, start_date=start, end_date=end, reason_episode_ceased=rec, **fields)


BORN_2012 = D(2012, 6, 1)
IN_CARE_SINCE = D(2024, 1, 10)


def child_in_care(child_id, *, dob=BORN_2012, sex="F", start=IN_CARE_SINCE, **fields):
    child = ChildFactory(local_child_id=child_id, date_of_birth=dob, sex=sex, **fields)
    episode(child, start)
    return child


@pytest.fixture
def authority(db):
    """Children in and out of the 2024/25 year (1 April 2024 to 31 March 2025)."""
    moved = ChildFactory(
        local_child_id="C002", date_of_birth=D(2010, 2, 3), sex="M", ethnicity="BAFR", upn="A123456789012"
    )
    episode(moved, D(2022, 5, 1), D(2023, 1, 1), "E4A")  # an earlier period of care, ended before the year
    episode(moved, D(2024, 2, 1), D(2024, 6, 1), "X1", reason_for_placement_change="CARPL")
    episode(moved, D(2024, 6, 1), D(2025, 6, 1), "E4A", reason_for_new_episode="P", placement_type="U4")
    held_review(moved, D(2024, 3, 1))  # before the year
    held_review(moved, D(2024, 4, 1), "PN2")
    held_review(moved, D(2025, 3, 31), "PN5")
    held_review(moved, D(2025, 4, 1))  # after the year
    held_review(moved, D(2025, 5, 1), kind="ICPC")
    held_review(moved, D(2025, 3, 20), status="booked")

    toddler = child_in_care("C001", dob=D(2022, 8, 9), start=D(2024, 9, 30))
    held_review(toddler, D(2024, 10, 20), "PN0")

    left_before = ChildFactory(local_child_id="C003")
    episode(left_before, D(2023, 1, 1), D(2024, 3, 31), "E8")
    held_review(left_before, D(2023, 6, 1))

    starts_after = ChildFactory(local_child_id="C004")
    episode(starts_after, D(2025, 4, 1))

    last_day = ChildFactory(local_child_id="C005", date_of_birth=D(2008, 1, 1))
    episode(last_day, D(2025, 3, 31))

    first_day = ChildFactory(local_child_id="C006", date_of_birth=D(2008, 1, 1))
    episode(first_day, D(2023, 11, 1), D(2024, 4, 1), "E13")


def test_files_have_the_dfe_columns_in_order_and_dd_mm_yyyy_dates(authority):
    result = exported(2025)
    assert result.problems == []
    assert sorted(result.files) == WITHOUT_UASC
    for name, text in result.files.items():
        assert text.split("\r\n")[0] == COLUMNS[name]
    header = {row["CHILD"]: row for row in rows(result, "header.csv")}
    assert header["C002"] == {
        "CHILD": "C002",
        "SEX": "M",
        "DOB": "03/02/2010",
        "ETHNIC": "BAFR",
        "UPN": "A123456789012",
        "MOTHER": "",
        "MC_DOB": "",
    }
    assert rows(result, "reviews.csv")[0]["REVIEW"] == "20/10/2024"


def test_only_children_looked_after_during_the_year(authority):
    result = exported(2025)
    assert [row["CHILD"] for row in rows(result, "header.csv")] == ["C001", "C002", "C005", "C006"]


def test_only_episodes_open_during_the_year_and_open_at_year_end_written_open(authority):
    result = exported(2025)
    episodes = [
        (r["CHILD"], r["DECOM"], r["RNE"], r["PLACE"], r["DEC"], r["REC"], r["REASON_PLACE_CHANGE"])
        for r in rows(result, "episodes.csv")
    ]
    assert episodes == [
        ("C001", "30/09/2024", "S", "U6", "", "", ""),
        ("C002", "01/02/2024", "S", "U6", "01/06/2024", "X1", "CARPL"),
        ("C002", "01/06/2024", "P", "U4", "", "", ""),  # ceased 01/06/2025: still open on 31 March
        ("C005", "31/03/2025", "S", "U6", "", "", ""),
        ("C006", "01/11/2023", "S", "U6", "01/04/2024", "E13", ""),
    ]
    for row in rows(result, "episodes.csv"):
        assert (row["HOME_POST"], row["PL_POST"], row["URN"]) == ("NG1 5DT", "NG7 2UH", "SC123456")


def test_only_lac_reviews_held_during_the_year(authority):
    result = exported(2025)
    assert [tuple(r.values()) for r in rows(result, "reviews.csv")] == [
        ("C001", "09/08/2022", "20/10/2024", "PN0"),
        ("C002", "03/02/2010", "01/04/2024", "PN2"),
        ("C002", "03/02/2010", "31/03/2025", "PN5"),
    ]


def test_sex_is_1_2_before_2024_25_and_m_f_u_from_2024_25(db):
    child_in_care("B1", sex="M", start=D(2023, 1, 10))
    child_in_care("G1", sex="F", start=D(2023, 1, 10))
    before = exported(2024)
    assert [(r["CHILD"], r["SEX"]) for r in rows(before, "header.csv")] == [("B1", "1"), ("G1", "2")]
    after = exported(2025)
    assert [(r["CHILD"], r["SEX"]) for r in rows(after, "header.csv")] == [("B1", "M"), ("G1", "F")]


def test_sex_unknown_cannot_be_coded_before_2024_25_and_is_a_query_after(db):
    child_in_care("U1", sex="U", start=D(2023, 1, 10))
    before = exported(2024)
    assert before.files == {}
    assert [(p.child, p.rule) for p in before.problems] == [("U1", "101")]
    after = exported(2025)
    assert after.problems == [] and "header.csv" in after.files
    assert [(p.child, p.rule) for p in after.queries] == [("U1", "232")]
    assert rows(after, "header.csv")[0]["SEX"] == "U"


def test_blank_upn_gets_an_unknown_code(db):
    child_in_care("Y1", dob=D(2020, 1, 1))  # under 6 on 31/03/2025
    child_in_care("Y2", dob=D(2015, 1, 1))
    child_in_care("Y3", dob=D(2015, 1, 1), upn="b123456789012")
    header = rows(exported(2025), "header.csv")
    assert [r["UPN"] for r in header] == ["UN1", "UN5", "B123456789012"]


def test_placement_codes_not_in_the_years_list_are_reported(db):
    h5 = ChildFactory(local_child_id="H5KID", date_of_birth=D(2008, 1, 1))
    episode(h5, D(2024, 1, 10), placement_type="H5")
    assert exported(2025).problems == []
    result = exported(2026)
    assert result.files == {}
    assert [(p.child, p.rule) for p in result.problems] == [("H5KID", "146")]

    CareEpisode.objects.all().delete()
    episode(h5, D(2024, 1, 10), placement_type="Z11", placement_provider="")
    assert exported(2026).problems == []
    # Not a 2024/25 code; as a placement Ofsted never registers it needs no URN (no 218 as well).
    assert [(p.rule) for p in exported(2025).problems] == ["146"]

    CareEpisode.objects.all().delete()
    episode(h5, D(2023, 1, 10), placement_type="K3")
    assert [(p.rule) for p in exported(2024).problems] == ["146"]
    assert exported(2025).problems == []


def test_uasc_file_only_when_a_child_was_uasc_in_the_year(db):
    child_in_care("N1")
    assert "uasc.csv" not in exported(2025).files
    child_in_care("U1", sex="M", dob=D(2008, 7, 1), is_uasc=True)
    child_in_care("U2", sex="M", dob=D(2007, 1, 2), uasc_ceased_on=D(2025, 1, 2))
    long_ago = child_in_care("U3", sex="M")
    long_ago.uasc_ceased_on = D(2023, 1, 2)
    long_ago.save()
    result = exported(2025)
    # Still UASC: DUC is the 18th birthday, after the year, as the DfE wants it (rule 205B).
    assert (
        result.files["uasc.csv"] == "CHILD,SEX,DOB,DUC\r\nU1,M,01/07/2008,01/07/2026\r\nU2,M,02/01/2007,02/01/2025\r\n"
    )
    last_year = rows(exported(2024), "uasc.csv")
    assert [(r["SEX"], r["DUC"]) for r in last_year] == [("1", "01/07/2026"), ("1", "02/01/2025")]


def test_uasc_status_that_ceased_before_the_18th_birthday_shows_from_its_year(db):
    child_in_care("U1", sex="M", dob=D(2008, 7, 1), uasc_ceased_on=D(2024, 6, 1), start=D(2023, 1, 10))
    assert rows(exported(2024), "uasc.csv")[0]["DUC"] == "01/07/2026"
    assert rows(exported(2025), "uasc.csv")[0]["DUC"] == "01/06/2024"
    assert "uasc.csv" not in exported(2026).files


def test_short_break_children_have_no_reviews_in_the_return(db):
    respite = ChildFactory(local_child_id="V1")
    episode(respite, D(2024, 5, 1), D(2024, 5, 3), "E8", legal_status="V3")
    episode(respite, D(2024, 7, 1), D(2024, 7, 4), "E8", legal_status="V3")
    held_review(respite, D(2024, 8, 1))
    result = exported(2025)
    assert result.problems == []
    assert rows(result, "reviews.csv") == []
    assert len(rows(result, "episodes.csv")) == 2


BORN_2008 = D(2008, 6, 1)


def test_mother_and_the_first_child_s_date_of_birth_are_written_for_girls(db):
    child_in_care("G1", dob=BORN_2008, is_mother=True, first_child_date_of_birth=D(2024, 5, 1))
    child_in_care("G2", is_mother=False)
    child_in_care("B1", sex="M")
    child_in_care("U1", sex="U", is_mother=False)
    result = exported(2025)
    assert result.problems == []
    assert [(r["CHILD"], r["MOTHER"], r["MC_DOB"]) for r in rows(result, "header.csv")] == [
        ("B1", "", ""),
        ("G1", "1", "01/05/2024"),
        ("G2", "0", ""),
        ("U1", "0", ""),
    ]


def test_a_first_child_born_after_the_return_s_last_day_is_not_in_it(db):
    """Rule 625: MC_DOB cannot be after the year end, nor after the day the child ceased care.
    A mother since then was not one yet: MOTHER 0."""
    child_in_care("G1", dob=BORN_2008, start=D(2023, 1, 10), is_mother=True, first_child_date_of_birth=D(2025, 2, 1))
    left = ChildFactory(
        local_child_id="G2", date_of_birth=BORN_2008, is_mother=True, first_child_date_of_birth=D(2024, 12, 1)
    )
    episode(left, D(2024, 1, 10), D(2024, 10, 1), "E4A")
    mothers = {
        year: [(r["CHILD"], r["MOTHER"], r["MC_DOB"]) for r in rows(exported(year), "header.csv")]
        for year in (2024, 2025)
    }
    assert mothers == {2024: [("G1", "0", ""), ("G2", "0", "")], 2025: [("G1", "1", "01/02/2025"), ("G2", "0", "")]}


def test_a_girl_on_short_breaks_only_has_mother_blank(db):
    """Rule 399: MOTHER and MC_DOB stay blank while all the year's episodes are short breaks."""
    respite = ChildFactory(
        local_child_id="V1", date_of_birth=BORN_2008, is_mother=True, first_child_date_of_birth=D(2024, 2, 1)
    )
    episode(respite, D(2024, 5, 1), D(2024, 5, 3), "E8", legal_status="V3")
    episode(respite, D(2025, 3, 1), legal_status="V4")
    result = exported(2025)
    assert result.problems == []
    assert [(r["MOTHER"], r["MC_DOB"]) for r in rows(result, "header.csv")] == [("", "")]


def test_a_girl_whose_motherhood_is_not_recorded_is_named_with_the_rule_and_where_to_record_it(db):
    child_in_care("G1", is_mother=None)
    left = ChildFactory(local_child_id="G2", date_of_birth=BORN_2012, is_mother=None)
    episode(left, D(2024, 1, 10), D(2024, 10, 1), "E4A")
    result = exported(2025)
    assert result.files == {}
    assert [(p.child, p.rule) for p in result.problems] == [("G1", "393"), ("G2", "393"), ("G2", "607")]
    assert all("record whether she is a mother on her page" in p.message for p in result.problems)
    assert "ceased to be looked after on 01/10/2024" in result.problems[2].message


def test_a_rule_breach_is_reported_and_no_files_are_written(db, tmp_path):
    toddler = child_in_care("T1", dob=D(2022, 1, 1))
    held_review(toddler, D(2024, 6, 1), "PN1")  # under 4: must be PN0 (rule 441)
    held_review(child_in_care("T2"), D(2024, 6, 1), "")  # no participation code (rule 167)
    result = exported(2025)
    assert result.files == {}
    assert [(p.child, p.rule) for p in result.problems] == [("T1", "441"), ("T2", "167")]
    out = tmp_path / "out"
    errors = io.StringIO()
    with pytest.raises(CommandError, match="not written: 2 problem"):
        call_command("export_903", "--year", "2025", "--out", str(out), stderr=errors)
    assert "Child T1: rule 441:" in errors.getvalue() and "Child T2: rule 167:" in errors.getvalue()
    assert not out.exists() and not StoredReturn.objects.exists()


def test_command_writes_the_files(authority, tmp_path):
    """The portal's own rules only: this authority holds no postcodes, which the DfE's validator
    would report (its check of the command: tests/test_903_dfe_reference.py)."""
    output = io.StringIO()
    complete_outcome_records(2025)
    call_command("export_903", "--year", "2025", "--out", str(tmp_path), "--no-dfe-check", stdout=output)
    assert sorted(p.name for p in tmp_path.iterdir()) == WITHOUT_UASC
    assert (tmp_path / "header.csv").read_bytes() == exported(2025).files["header.csv"].encode()
    assert "2024/25" in output.getvalue()
    stored = StoredReturn.objects.get(year=2025)
    assert stored.source == "exported" and stored.tables["header"] == (tmp_path / "header.csv").read_bytes().decode()


def test_default_year_is_the_last_completed_one():
    assert last_completed_year(D(2025, 3, 31)) == 2024
    assert last_completed_year(D(2025, 4, 1)) == 2025
    assert last_completed_year(D(2025, 11, 26)) == 2025


def test_output_is_deterministic_whatever_the_order_records_were_made(db):
    for child_id in ["Z9", "A1", "M5"]:
        child = ChildFactory(local_child_id=child_id)
        episode(child, D(2024, 9, 1), D(2024, 10, 1), "X1", reason_for_placement_change="ALLEG")
        episode(child, D(2024, 5, 1), D(2024, 9, 1), "X1", reason_for_new_episode="L", legal_status="C1")
        episode(child, D(2024, 10, 1), reason_for_new_episode="P", placement_type="U4")
        CareEpisode.objects.filter(child=child, start_date=D(2024, 5, 1)).update(
            reason_for_new_episode="S", legal_status="C1"
        )
        CareEpisode.objects.filter(child=child, start_date=D(2024, 9, 1)).update(reason_for_new_episode="L")
        held_review(child, D(2025, 1, 1))
        held_review(child, D(2024, 6, 1))
    first = exported(2025)
    assert first.problems == []
    assert first.files == exported(2025).files
    assert [r["CHILD"] + r["DECOM"] for r in rows(first, "episodes.csv")][:3] == [
        "A101/05/2024",
        "A101/09/2024",
        "A101/10/2024",
    ]
    assert [r["REVIEW"] for r in rows(first, "reviews.csv")][:2] == ["01/06/2024", "01/01/2025"]


def _authority_of(size, prefix):
    for number in range(size):
        child = ChildFactory(local_child_id=f"{prefix}{number:03d}", is_uasc=number % 3 == 0)
        episode(child, D(2024, 2, 1), D(2024, 8, 1), "X1", reason_for_placement_change="CARPL")
        episode(child, D(2024, 8, 1), reason_for_new_episode="P", placement_type="U4")
        held_review(child, D(2024, 5, 1))
        held_review(child, D(2024, 11, 1))


def test_query_count_does_not_grow_with_the_number_of_children(db):
    _authority_of(10, "S")
    complete_outcome_records(2025)
    with CaptureQueriesContext(connection) as small:
        assert export_return(2025).problems == []
    _authority_of(30, "L")
    complete_outcome_records(2025)
    with CaptureQueriesContext(connection) as large:
        result = export_return(2025)
    assert result.problems == [] and len(rows(result, "header.csv")) == 40
    assert len(small.captured_queries) == len(large.captured_queries) <= 11


# ---------------------------------------------------------------------------------------------
# Each rule, on rows made directly (most of these cannot be stored through the models).

# Home and placement inside the authority (settings.AUTHORITY_CODE), with an Ofsted URN.
PLACED = {"HOME_POST": "NG1 5DT", "PL_POST": "NG7 2UH", "URN": "SC123456"}
TEMPORARY = {"PLACE_PROVIDER": "", "URN": ""}  # T0-T4: no provider, no URN (rules 178, 222)


BASE = {
    "header": [
        {"CHILD": "A", "SEX": "F", "DOB": "01/06/2015", "ETHNIC": "WBRI", "UPN": "UN5", "MOTHER": "0", "MC_DOB": ""},
        {
            "CHILD": "B",
            "SEX": "M",
            "DOB": "01/06/2022",
            "ETHNIC": "BAFR",
            "UPN": "A123456789012",
            "MOTHER": "",
            "MC_DOB": "",
        },
    ],
    "episodes": [
        {
            "CHILD": "A",
            "DECOM": "10/01/2024",
            "RNE": "S",
            "LS": "C2",
            "CIN": "N1",
            "PLACE": "U6",
            "PLACE_PROVIDER": "PR1",
            "DEC": "01/06/2024",
            "REC": "X1",
            "REASON_PLACE_CHANGE": "CARPL",
            **PLACED,
        },
        {
            "CHILD": "A",
            "DECOM": "01/06/2024",
            "RNE": "P",
            "LS": "C2",
            "CIN": "N1",
            "PLACE": "U4",
            "PLACE_PROVIDER": "PR1",
            "DEC": "",
            "REC": "",
            "REASON_PLACE_CHANGE": "",
            **PLACED,
        },
        {
            "CHILD": "B",
            "DECOM": "01/05/2024",
            "RNE": "S",
            "LS": "V2",
            "CIN": "N4",
            "PLACE": "U6",
            "PLACE_PROVIDER": "PR4",
            "DEC": "01/09/2024",
            "REC": "E4A",
            "REASON_PLACE_CHANGE": "",
            **PLACED,
        },
    ],
    "reviews": [
        {"CHILD": "A", "DOB": "01/06/2015", "REVIEW": "01/07/2024", "REVIEW_CODE": "PN1"},
        {"CHILD": "B", "DOB": "01/06/2022", "REVIEW": "01/06/2024", "REVIEW_CODE": "PN0"},
    ],
}


def a_episode(**cells):
    return {
        "CHILD": "A",
        "RNE": "S",
        "LS": "C2",
        "CIN": "N1",
        "PLACE": "U6",
        "PLACE_PROVIDER": "PR1",
        "DEC": "",
        "REC": "",
        "REASON_PLACE_CHANGE": "",
        **PLACED,
        **cells,
    }


def last_year(header=None, episode=None, episodes=None):
    """Give the return last year's (2023/24), as the portal holds it: child A, born as this
    year says, SEX 2 (F before 2024/25), in care since 10/01/2024 in the episode still open."""

    def change(data):
        data["previous"] = ReturnData(
            2024,
            header=[{"CHILD": "A", "SEX": "2", "DOB": "01/06/2015", "ETHNIC": "WBRI", "UPN": "UN5", **(header or {})}],
            episodes=[a_episode(**{"DECOM": "10/01/2024", **(episode or {})})] if episodes is None else episodes,
        )

    return change


def set_cell(table, index, **cells):
    def change(data):
        data[table][index].update(cells)

    return change


def add(table, row):
    def change(data):
        data[table].append(row)

    return change


def b_episodes(*episodes):
    """Replace child B's episodes."""

    def change(data):
        data["episodes"] = [e for e in data["episodes"] if e["CHILD"] != "B"]
        data["episodes"] += [
            {
                "CHILD": "B",
                "RNE": "S",
                "LS": "V2",
                "CIN": "N4",
                "PLACE": "U6",
                "PLACE_PROVIDER": "PR4",
                "DEC": "",
                "REC": "",
                "REASON_PLACE_CHANGE": "",
                **PLACED,
                **e,
            }
            for e in episodes
        ]
        data["reviews"] = [r for r in data["reviews"] if r["CHILD"] != "B"]

    return change


def uasc_years(*, this_year, last_year, last_header=("A",)):
    """UASC tables for this year and last ((CHILD, DUC) rows, born 01/06/2015, 18 on 01/06/2033),
    and last year's Header (child A in care since 10/01/2024 as this year's return has it)."""

    def uasc(rows):
        return [{"CHILD": child, "SEX": "F", "DOB": "01/06/2015", "DUC": duc} for child, duc in rows]

    def change(data):
        data["uasc"] = uasc(this_year)
        data["previous"] = ReturnData(
            2024,
            header=[
                {"CHILD": child, "SEX": "2", "DOB": "01/06/2015", "ETHNIC": "WBRI", "UPN": "UN5"}
                for child in last_header
            ],
            episodes=[a_episode(DECOM="10/01/2024")],
            uasc=uasc(last_year),
        )

    return change


X1 = {"REC": "X1"}
BREACHES = [
    ("101", 2025, set_cell("header", 0, SEX="2")),
    ("202", 2025, last_year(header={"SEX": "1"})),
    ("203", 2025, last_year(header={"DOB": "02/06/2015"})),
    ("204", 2025, last_year(header={"ETHNIC": "WIRI"})),
    ("502", 2025, last_year(episode={"DECOM": "01/01/2024"})),
    ("503", 2025, last_year(episode={"LS": "C1"})),
    ("503", 2025, last_year(episode={"PLACE_PROVIDER": "PR2"})),
    ("562", 2025, last_year(episodes=[])),
    ("101", 2024, set_cell("header", 0, SEX="F")),
    ("393", 2025, set_cell("header", 0, MOTHER="")),
    ("393", 2024, set_cell("header", 0, SEX="2", MOTHER="")),
    ("607", 2025, set_cell("header", 1, SEX="F")),
    ("102", 2025, set_cell("header", 0, DOB="2015-06-01")),
    ("103", 2025, set_cell("header", 0, ETHNIC="WBR")),
    ("168", 2025, set_cell("header", 0, UPN="UN6")),
    ("168", 2025, set_cell("header", 1, UPN="I123456789012")),
    ("301", 2025, set_cell("header", 0, DOB="01/04/2025")),
    ("351", 2025, set_cell("header", 0, DOB="01/03/1999")),
    ("444", 2026, set_cell("header", 0, UPN="A123456789012")),
    ("INT03", 2025, add("episodes", a_episode(CHILD="Q", DECOM="01/05/2024"))),
    ("141", 2025, set_cell("episodes", 2, DECOM="2024-05-01")),
    ("147", 2025, set_cell("episodes", 2, DEC="31/02/2025")),
    ("143", 2025, set_cell("episodes", 1, RNE="X")),
    ("144", 2025, set_cell("episodes", 1, LS="C3")),
    ("145", 2025, set_cell("episodes", 1, CIN="N9")),
    ("146", 2025, set_cell("episodes", 1, PLACE="R4")),
    ("146", 2026, set_cell("episodes", 1, PLACE="P2")),
    ("149", 2025, set_cell("episodes", 2, REC="E4")),
    ("1009", 2025, set_cell("episodes", 0, REASON_PLACE_CHANGE="WHIM")),
    ("178", 2025, set_cell("episodes", 1, PLACE_PROVIDER="PR9")),
    ("178", 2025, set_cell("episodes", 1, PLACE="Z1")),
    ("178", 2026, set_cell("episodes", 1, PLACE="Z12")),
    ("148", 2025, set_cell("episodes", 2, REC="")),
    ("550", 2025, set_cell("episodes", 1, PLACE_PROVIDER="PR0")),
    ("356", 2025, set_cell("episodes", 2, DEC="01/04/2024")),
    ("355", 2025, set_cell("episodes", 2, DEC="01/05/2024")),
    ("354", 2025, set_cell("episodes", 2, DEC="01/04/2025")),
    ("353", 2025, b_episodes({"DECOM": "13/10/1991", "DEC": "01/01/1992", "REC": "E8"}, {"DECOM": "01/05/2024"})),
    ("302", 2025, set_cell("episodes", 2, DECOM="01/05/2022")),
    ("352", 2025, set_cell("header", 1, DOB="01/05/2006")),
    ("142", 2025, set_cell("episodes", 0, DEC="", REC="", REASON_PLACE_CHANGE="")),
    ("501", 2025, b_episodes({"DECOM": "01/05/2024", "DEC": "01/09/2024", "REC": "E8"}, {"DECOM": "01/08/2024"})),
    ("357", 2025, b_episodes({"DECOM": "01/05/2024", "RNE": "P"})),
    ("388", 2025, b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1}, {"DECOM": "05/06/2024", "RNE": "S"})),
    (
        "388",
        2025,
        b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", "REC": "E8"}, {"DECOM": "01/06/2024", "RNE": "S"}),
    ),
    ("431", 2025, b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1}, {"DECOM": "01/06/2024", "RNE": "S"})),
    (
        "432",
        2025,
        b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", "REC": "E4A"}, {"DECOM": "01/08/2024", "RNE": "P"}),
    ),
    (
        "433",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "02/06/2024", "RNE": "P"},
        ),
    ),
    ("434", 2025, b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1}, {"DECOM": "01/06/2024", "RNE": "L"})),
    (
        "434",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1},
            {"DECOM": "01/06/2024", "RNE": "L", "LS": "C1", "PLACE": "K2"},
        ),
    ),
    (
        "435",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "01/06/2024", "RNE": "P", "LS": "C1", "PLACE": "K2"},
        ),
    ),
    (
        "436",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "01/06/2024", "RNE": "B", "PLACE": "K2"},
        ),
    ),
    ("437", 2025, b_episodes({"DECOM": "01/05/2024", "DEC": "01/06/2024", "REC": "E2"}, {"DECOM": "01/08/2024"})),
    ("380", 2025, b_episodes({"DECOM": "01/05/2024", "PLACE": "T1", **TEMPORARY})),
    (
        "381",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "01/06/2024", "RNE": "P", "PLACE": "T2", **TEMPORARY, "DEC": "05/06/2024", "REC": "E4A"},
        ),
    ),
    (
        "383",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {
                "DECOM": "01/06/2024",
                "RNE": "P",
                "PLACE": "T3",
                **TEMPORARY,
                "DEC": "08/06/2024",
                **X1,
                "REASON_PLACE_CHANGE": "CARPL",
            },
            {"DECOM": "08/06/2024", "RNE": "P", "PLACE": "U4"},
        ),
    ),
    ("361", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "L1", "DEC": "05/05/2024", "REC": "E4A"})),
    ("362", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "L2", "DEC": "01/06/2024", "REC": "E4A"})),
    ("363", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "L3"})),
    ("504", 2025, set_cell("episodes", 1, CIN="N2")),
    ("225", 2025, set_cell("episodes", 0, REASON_PLACE_CHANGE="")),
    ("226", 2025, set_cell("episodes", 2, REASON_PLACE_CHANGE="CHILD")),
    ("INT08", 2025, add("reviews", {"CHILD": "Q", "DOB": "01/06/2015", "REVIEW": "01/07/2024", "REVIEW_CODE": "PN1"})),
    ("INT17", 2025, set_cell("reviews", 0, DOB="02/06/2015")),
    ("1012", 2025, lambda data: data.update(episodes=[e for e in data["episodes"] if e["CHILD"] != "B"])),
    ("166", 2025, set_cell("reviews", 0, REVIEW="2024-07-01")),
    ("167", 2025, set_cell("reviews", 0, REVIEW_CODE="")),
    ("399", 2025, lambda data: [e.update(LS="V3") for e in data["episodes"] if e["CHILD"] == "B"]),
    ("440", 2025, set_cell("reviews", 0, REVIEW_CODE="PN0")),
    ("441", 2025, set_cell("reviews", 1, REVIEW_CODE="PN1")),
    ("209", 2025, set_cell("header", 0, UPN="UN1")),
    (
        "435",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "01/06/2024", "RNE": "P"},
        ),
    ),
    (
        "436",
        2025,
        b_episodes(
            {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1, "REASON_PLACE_CHANGE": "CARPL"},
            {"DECOM": "01/06/2024", "RNE": "B", "LS": "C1"},
        ),
    ),
    # What an episode's placement may go with, and the UASC table against last year's (ssda903.episode_rules).
    ("374", 2025, set_cell("episodes", 2, PLACE="P3")),
    ("374", 2026, set_cell("episodes", 2, PLACE="P3")),
    ("408", 2025, set_cell("episodes", 1, PLACE="A5")),
    ("516", 2025, set_cell("episodes", 2, REC="E45", PLACE="K2")),
    ("529", 2025, set_cell("episodes", 1, PLACE_PROVIDER="PR3")),
    ("226", 2025, set_cell("episodes", 1, PLACE="T1", PLACE_PROVIDER="", URN="")),
    ("205A", 2025, uasc_years(this_year=[("Q", "")], last_year=[("Q", "01/06/2033")], last_header=("A", "Q"))),
    ("205B", 2025, uasc_years(this_year=[("A", "01/06/2033")], last_year=[("A", "")])),
    ("205C", 2025, uasc_years(this_year=[("Q", "01/06/2033")], last_year=[("A", "01/06/2033")])),
    (
        "205D",
        2025,
        uasc_years(this_year=[("A", "01/06/2033")], last_year=[("Q", "01/06/2033")], last_header=("A", "Q")),
    ),
    # Postcodes, URN and the placement's location (ssda903.location_rules).
    ("392a", 2025, set_cell("episodes", 1, HOME_POST="")),
    ("392b", 2025, set_cell("episodes", 1, PL_POST="")),
    ("392c", 2025, set_cell("episodes", 1, PL_POST="ZZ9 9ZZ")),
    ("392d", 2025, set_cell("episodes", 1, PL_POST="NG1 5DT")),
    ("169", 2025, set_cell("episodes", 1, PL_POST="")),
    ("179", 2025, set_cell("episodes", 1, PL_POST="")),
    ("398", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "V3", "PL_POST": "", "URN": ""})),
    ("214", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "V4", "HOME_POST": ""})),
    ("420", 2025, b_episodes({"DECOM": "01/05/2024", "LS": "V3", "HOME_POST": "", "URN": ""})),
    ("406", 2025, lambda data: data.update(uasc=[{"CHILD": "A", "SEX": "F", "DOB": "01/06/2015", "DUC": ""}])),
    ("1015", 2025, set_cell("episodes", 1, PLACE="K2", PL_POST="DE1 1AA")),
    ("1015", 2026, set_cell("episodes", 1, PLACE="K2", PL_POST="DE1 1AA")),
    ("454", 2026, set_cell("episodes", 1, PL_POST="ZE1 0AA", URN="")),
    ("1008", 2025, set_cell("episodes", 1, URN="SC12")),
    ("218", 2025, set_cell("episodes", 1, URN="")),
    ("218", 2026, set_cell("episodes", 1, URN="")),
    ("222", 2025, set_cell("episodes", 1, PLACE="R1")),
    ("222", 2026, set_cell("episodes", 1, PLACE="Z11", PLACE_PROVIDER="")),
    ("230", 2024, set_cell("episodes", 1, PLACE="H5", URN="XXXXXXX")),
    ("242", 2026, set_cell("episodes", 1, PLACE="K2", URN="XXXXXXX")),
    ("243", 2026, set_cell("episodes", 1, PL_POST="CF10 1EP")),
]


def check(year, change=None):
    data = copy.deepcopy(BASE)
    if change:
        change(data)
    return check_return(ReturnData(year, **data))


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_base_return_breaks_no_rule(year):
    assert check(year) == ([], [])


def test_the_base_return_agrees_with_last_year_s():
    assert check(2025, last_year()) == ([], [])


@pytest.mark.parametrize("code, year, change", BREACHES, ids=[f"{c}-{y}-{i}" for i, (c, y, _) in enumerate(BREACHES)])
def test_each_rule_reports_a_row_that_breaks_it(code, year, change):
    problems, _ = check(year, change)
    assert code in {p.rule for p in problems}, problems
    assert all(p.child for p in problems if p.rule == code)


def test_every_rule_has_a_breaking_case():
    """Those in rules.py and location_rules.py; the outcome tables' rules have theirs in
    test_903_outcome_rules.py."""
    assert {code for code, check in rules.RULES if check.__module__ != "ssda903.outcome_rules"} == {
        code for code, _, _ in BREACHES
    }


def test_zip_and_problem_downloads_are_stable(authority):
    import zipfile

    from ssda903.exporter import as_zip, problems_csv

    result = exported(2025)
    data = as_zip(result)
    assert data == as_zip(exported(2025))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == WITHOUT_UASC
        assert archive.read("header.csv").decode() == result.files["header.csv"]
    problem = rules.Problem("C9", "441", "Review 01/06/2024: under 4, so PN0.")
    assert problems_csv([problem]) == 'CHILD,rule,problem\r\nC9,441,"Review 01/06/2024: under 4, so PN0."\r\n'


@pytest.mark.parametrize(
    "review, code, breaks",
    [
        ("28/02/2024", "PN0", None),
        ("28/02/2024", "PN1", "441"),
        ("01/03/2024", "PN1", None),
        ("01/03/2024", "PN0", "440"),
    ],
)
def test_a_child_born_on_29_february_turns_4_on_1_march(review, code, breaks):
    data = ReturnData(
        2024,
        header=[{"CHILD": "L", "SEX": "1", "DOB": "29/02/2020", "ETHNIC": "WBRI", "UPN": "UN1"}],
        episodes=[
            {
                "CHILD": "L",
                "DECOM": "01/03/2020",
                "RNE": "S",
                "LS": "C2",
                "CIN": "N1",
                "PLACE": "U6",
                "PLACE_PROVIDER": "PR1",
                **PLACED,
            }
        ],
        reviews=[{"CHILD": "L", "DOB": "29/02/2020", "REVIEW": review, "REVIEW_CODE": code}],
    )
    problems, _ = check_return(data)
    assert [p.rule for p in problems] == ([breaks] if breaks else [])


def test_mother_is_not_needed_for_boys_nor_girls_on_short_breaks_only():
    data = copy.deepcopy(BASE)
    data["header"][0]["SEX"] = "M"
    data["header"][0]["MOTHER"] = ""
    data["header"][1]["SEX"] = "F"  # B ceased care in the year (rule 607), but from short breaks only
    data["episodes"][2].update(LS="V3", HOME_POST="", PL_POST="", URN="")  # none for short breaks (398, 214)
    data["reviews"] = [review for review in data["reviews"] if review["CHILD"] != "B"]
    assert check_return(ReturnData(2025, **data)) == ([], [])


def test_consecutive_temporary_placements_then_back_are_fine():
    """With no reason for placement change around them: the DfE wants none for a temporary move (226)."""
    data = copy.deepcopy(BASE)
    b_episodes(
        {"DECOM": "01/05/2024", "DEC": "01/06/2024", **X1},
        {
            "DECOM": "01/06/2024",
            "RNE": "P",
            "PLACE": "T1",
            **TEMPORARY,
            "DEC": "05/06/2024",
            **X1,
        },
        {
            "DECOM": "05/06/2024",
            "RNE": "P",
            "PLACE": "T4",
            **TEMPORARY,
            "DEC": "08/06/2024",
            **X1,
        },
        {"DECOM": "08/06/2024", "RNE": "P"},
    )(data)
    assert check_return(ReturnData(2025, **data)) == ([], [])
