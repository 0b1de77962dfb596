"""The DfE's published SSDA903 rules (csc-validator-be-903, in .venv-dfe) as a reference check on
the portal's exports: ssda903.dfe_check, its driver ssda903/dfe/run_validator.py, export_903's
check and the check_903_with_dfe command.

They need the DfE validator's environment (scripts/setup-dfe-validator). Without it they skip,
saying so; CI installs it and sets REQUIRE_DFE_VALIDATOR=1, where a missing one is an error."""

import csv
import datetime
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from ssda903 import dfe_check
from ssda903.exporter import ExportResult, export_return
from ssda903.models import StoredReturn
from tests.factories import CareEpisodeFactory, ChildFactory, complete_outcome_records
from tests.test_export_903 import held_review

D = datetime.date


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"


def errors_by_rule(report):
    return Counter(issue.rule for issue in report.errors)


# --- The driver over hand-written files ---------------------------------------------------------


@pytest.mark.usefixtures("dfe_validator")
def test_an_invalid_ethnic_code_breaks_rule_103_at_its_row():
    header = HEADER + "A1,F,01/06/2012,WBRI,UN5,0,\r\nA2,M,01/06/2012,XXXX,UN5,,\r\n"
    episodes = EPISODES + (
        "A1,10/01/2024,S,C2,N1,U1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n"
        "A2,10/01/2024,S,C2,N1,U1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n"
    )
    report = dfe_check.check_with_dfe({"header.csv": header, "episodes.csv": episodes}, 2025)
    [ethnic] = [issue for issue in report.errors if issue.rule == "103"]
    assert (ethnic.child, ethnic.table, ethnic.row) == ("A2", "Header", 2)
    assert "ETHNIC" in ethnic.columns and "ethnic" in ethnic.message.lower()
    assert not [issue for issue in report.errors if issue.child == "A1"]


@pytest.mark.usefixtures("dfe_validator")
def test_an_episode_with_a_placement_code_dropped_by_the_year_breaks_its_rule():
    header = HEADER + "A1,F,01/06/2012,WBRI,UN5,0,\r\n"
    episodes = EPISODES + "A1,10/05/2025,S,C2,N1,Z1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n"  # Z1 ended in 2024/25
    report = dfe_check.check_with_dfe({"header.csv": header, "episodes.csv": episodes}, 2026)
    assert {(issue.rule, issue.child, issue.table) for issue in report.errors} >= {("146", "A1", "Episodes")}


@pytest.mark.usefixtures("dfe_validator")
def test_last_years_files_are_read_for_the_rules_comparing_two_years():
    """Rule 502: the first episode this year cannot start a new period of care (RNE S) when last
    year's return ended with the child still looked after."""
    last_year = {
        "header.csv": HEADER + "A1,F,01/06/2012,WBRI,UN5,0,\r\n",
        "episodes.csv": EPISODES + "A1,10/01/2024,S,C2,N1,U1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n",
    }
    this_year = {
        "header.csv": HEADER + "A1,F,01/06/2012,WBRI,UN5,0,\r\n",
        "episodes.csv": EPISODES + "A1,10/01/2025,S,C2,N1,U1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n",
    }
    alone = dfe_check.check_with_dfe(this_year, 2025)
    compared = dfe_check.check_with_dfe(this_year, 2025, last_year)
    assert "502" not in errors_by_rule(alone)
    assert errors_by_rule(compared)["502"] == 1


@pytest.mark.usefixtures("dfe_validator")
def test_last_years_sex_codes_1_and_2_are_compared_as_m_and_f():
    """The codes changed in 2024/25; a child whose sex really differs is still reported (202)."""
    last_year = {"header.csv": HEADER + "A1,1,01/06/2012,WBRI,UN5,,\r\nA2,2,01/06/2012,WBRI,UN5,0,\r\n"}
    this_year = {"header.csv": HEADER + "A1,M,01/06/2012,WBRI,UN5,,\r\nA2,M,01/06/2012,WBRI,UN5,,\r\n"}
    report = dfe_check.check_with_dfe(this_year, 2025, last_year)
    assert [(issue.rule, issue.child) for issue in report.errors if issue.rule == "202"] == [("202", "A2")]


@pytest.mark.usefixtures("dfe_validator")
def test_files_the_validator_cannot_read_are_an_error_not_an_empty_report():
    with pytest.raises(dfe_check.DfeCheckError, match="could not read the files"):
        dfe_check.check_with_dfe({"header.csv": "NOT,A,903,TABLE\r\n1,2,3,4\r\n"}, 2025)


# --- The portal's export ------------------------------------------------------------------------


@pytest.fixture
def small_authority(db):
    """Three children looked after in 2024/25, recorded as the DfE expects: a school-age child with
    a UPN, a toddler (UN1), a girl who is a mother, their reviews, postcodes and URNs."""
    places = dict(home_postcode="NG1 5FS", placement_postcode="NG7 2RD", provider_urn="SC123456")
    older = ChildFactory(
        local_child_id="H001", date_of_birth=D(2010, 2, 3), sex="M", ethnicity="BAFR", upn="A123456789012"
    )
    CareEpisodeFactory(child=older, start_date=D(2023, 5, 1), placement_type="U1", **places)
    held_review(older, D(2024, 5, 1), "PN1")
    held_review(older, D(2024, 11, 1), "PN1")

    toddler = ChildFactory(local_child_id="H002", date_of_birth=D(2022, 8, 9), sex="F", ethnicity="WBRI", upn="")
    CareEpisodeFactory(child=toddler, start_date=D(2024, 9, 30), placement_type="U1", **places)
    held_review(toddler, D(2024, 10, 20), "PN0")

    mother = ChildFactory(
        local_child_id="H003",
        date_of_birth=D(2008, 1, 1),
        sex="F",
        ethnicity="WIRI",
        upn="B123456789012",
        is_mother=False,
    )
    CareEpisodeFactory(child=mother, start_date=D(2024, 6, 1), placement_type="U1", **places)
    held_review(mother, D(2024, 6, 20), "PN1")
    complete_outcome_records(2025)


@pytest.mark.usefixtures("dfe_validator")
def test_a_small_hand_made_authority_exported_by_the_portal_raises_no_dfe_error(small_authority):
    result = export_return(2025)
    assert result.problems == [] and result.files
    report = dfe_check.check_with_dfe(result.files, 2025)
    assert [str(dfe_check.as_problem(issue)) for issue in report.errors] == []


@pytest.mark.usefixtures("dfe_validator")
def test_export_903_checks_with_the_dfe_validator_when_it_is_installed(small_authority, tmp_path):
    output, errors = io.StringIO(), io.StringIO()
    call_command("export_903", "--year", "2025", "--out", str(tmp_path / "out"), stdout=output, stderr=errors)
    assert "checked with the DfE's validator" in output.getvalue()
    assert StoredReturn.objects.filter(year=2025).exists()


@pytest.mark.usefixtures("dfe_validator")
def test_dfe_errors_refuse_the_export_and_join_the_portals_problems(db):
    result = ExportResult(
        year=2025,
        files={
            "header.csv": HEADER + "A2,M,01/06/2012,XXXX,UN5,,\r\n",
            "episodes.csv": EPISODES + "A2,10/01/2024,S,C2,N1,U1,PR1,,,,NG1 5FS,NG7 2RD,SC123456\r\n",
        },
        children=["A2"],
    )
    dfe_check.add_dfe_findings(result)
    assert result.files == {} and result.children == [] and not result.ok
    assert result.dfe_report is not None
    ethnic = [problem for problem in result.problems if problem.rule == "103"]
    assert [(problem.child, problem.message.split(":")[0]) for problem in ethnic] == [
        ("A2", "DfE validator, Header row 1 (ETHNIC)")
    ]


def test_no_files_are_written_when_the_dfe_validator_fails(small_authority, tmp_path, settings):
    settings.DFE_VALIDATOR_PYTHON = "/bin/false"
    with pytest.raises(CommandError, match="return was not written: The DfE validator failed"):
        call_command("export_903", "--year", "2025", "--out", str(tmp_path / "out"), "--dfe-check")
    assert not (tmp_path / "out").exists() and not StoredReturn.objects.exists()


def test_asking_for_the_dfe_check_without_the_validator_is_refused(small_authority, tmp_path, settings):
    settings.DFE_VALIDATOR_PYTHON = str(tmp_path / "no-such-python")
    with pytest.raises(CommandError, match="scripts/setup-dfe-validator"):
        call_command("export_903", "--year", "2025", "--out", str(tmp_path / "out"), "--dfe-check")
    call_command("export_903", "--year", "2025", "--out", str(tmp_path / "out"), stdout=io.StringIO())
    assert (tmp_path / "out" / "header.csv").exists()


@pytest.mark.usefixtures("dfe_validator")
def test_check_903_with_dfe_counts_the_issues_by_rule(tmp_path):
    (tmp_path / "header.csv").write_text(HEADER + "A1,F,01/06/2012,XXXX,UN5,0,\r\nA2,M,01/06/2012,YYYY,UN5,,\r\n")
    output = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_903_with_dfe", str(tmp_path), "--year", "2025", stdout=output)
    counts = {line.split()[0]: line.split()[1] for line in output.getvalue().splitlines()[1:] if line[:1].isdigit()}
    assert counts["103"] == "2"


def this_year_episode_is_a_short_break(result, issue):
    rows = list(csv.DictReader(io.StringIO(result.files["episodes.csv"])))
    return issue.table == "Episodes" and rows[issue.row - 1]["LS"] in {"V3", "V4"}


# --- The demo, measured -------------------------------------------------------------------------


@pytest.mark.usefixtures("dfe_validator")
def test_the_demo_measured_against_the_dfe_rules(db, capsys):
    """Seeds a small demo, exports 2024/25 and 2025/26 and counts what the DfE's rules report, by
    rule (printed: run with -s to see it)."""
    call_command("seed_demo", "--children", "150", "--seed", "1", "--today", "2026-05-01", stdout=io.StringIO())
    last_year = export_return(2025)
    this_year = export_return(2026)
    assert last_year.problems == [] and this_year.problems == []
    report = dfe_check.check_with_dfe(this_year.files, 2026, last_year.files)
    with capsys.disabled():
        print(f"\nThe DfE's 2025/26 rules on the 150-child demo: {len(report.errors)} error(s)")
        for rule, message, count in report.counts_by_rule():
            print(f"  {rule:<6}{count:>6}  {message[:90]}")
    # The DfE's published 218 (2025/26) asks a URN of every placement in England, and its 214
    # forbids one on a short break (V3, V4): the portal follows 214, so the DfE's tool reports 218
    # on the demo's short breaks, and on nothing else. That and its other known slips are all.
    slips = dfe_check.validator_slips(report, this_year.files)
    assert [issue for issue in report.errors if issue not in slips] == []
    assert "218" in {issue.rule for issue in slips}
    assert all(
        this_year_episode_is_a_short_break(this_year, issue) for issue in report.errors if issue.rule == "218"
    ), "the DfE's 218 on anything but a short break"
