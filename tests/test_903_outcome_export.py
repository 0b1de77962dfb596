"""The six outcome tables of the SSDA903 export (ssda903.outcome_rows): who is in each table's
cohort, what their rows say, and the export's query count and bytes."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from ssda903.exporter import export_return
from tests.factories import CareEpisodeFactory, ChildFactory, complete_outcome_records

D = datetime.date


def rows(result, name):
    return list(csv.DictReader(io.StringIO(result.files[name])))


def by_child(result, name):
    return {row["CHILD"]: row for row in rows(result, name)}


def episode(child, start, end=None, rec="", **fields):
    return CareEpisodeFactory(child=child, start_date=start, end_date=end, reason_episode_ceased=rec, **fields)


def care_leaver(child_id, dob, start, end, **fields):
    child = ChildFactory(local_child_id=child_id, date_of_birth=dob, **fields)
    episode(child, start, end, "E4A")
    return child


@pytest.fixture
def authority(db):
    """2024/25 (1 April 2024 to 31 March 2025): a child looked after all year with a health
    record, care leavers in and out of the year, an adoption, decisions, missing episodes."""
    healthy = ChildFactory(local_child_id="OC2A", date_of_birth=D(2012, 6, 1))
    episode(healthy, D(2023, 1, 1))
    HealthRecord.objects.create(
        child=healthy,
        year=2025,
        sdq_score=17,
        convicted=False,
        immunisations=True,
        teeth_check=False,
        health_assessment=True,
        substance_misuse=True,
        intervention_received=False,
        intervention_offered=True,
    )
    left_on_31_march = ChildFactory(local_child_id="OC2B", date_of_birth=D(2012, 6, 1))
    episode(left_on_31_march, D(2023, 1, 1), D(2025, 3, 31), "E4A")
    started = ChildFactory(local_child_id="NEW1", date_of_birth=D(2015, 1, 1))
    episode(started, D(2024, 9, 1))
    PreviousPermanence.objects.create(child=started, order="P2", arranged_by="892", order_date="ZZ/ZZ/2020")

    # Care leavers: 19 in the year, not looked after in it; 17 in it, having left care before.
    out = care_leaver("OC3OUT", D(2005, 6, 1), D(2019, 6, 1), D(2022, 6, 1), is_mother=False)
    CareLeaverRecord.objects.create(child=out, year=2025, in_touch="YES", activity="F4", accommodation="D1")
    care_leaver("OC3IN", D(2007, 9, 1), D(2021, 1, 1), D(2024, 8, 1))
    care_leaver("STILL18", D(2006, 12, 1), D(2020, 1, 1), D(2024, 12, 1))  # left on the 18th birthday
    # Born on 29 February: the DfE's 17th birthday is 28 February 2025.
    care_leaver("LEAP27", D(2008, 2, 29), D(2022, 1, 1), D(2025, 2, 27))
    care_leaver("LEAP28", D(2008, 2, 29), D(2022, 1, 1), D(2025, 2, 28))

    adopted = ChildFactory(local_child_id="AD1A", date_of_birth=D(2020, 1, 1))
    episode(adopted, D(2023, 1, 1), D(2024, 3, 1), "X1", placement_type="U1", reason_for_placement_change="CARPL")
    episode(
        adopted,
        D(2024, 3, 1),
        D(2024, 10, 1),
        "E11",
        reason_for_new_episode="U",
        legal_status="E1",
        placement_type="A5",
    )
    AdoptionDecision.objects.create(child=adopted, decided_on=D(2023, 6, 1))
    Adoption.objects.create(
        child=adopted,
        decided_on=D(2023, 6, 1),
        matched_on=D(2024, 2, 1),
        by_former_foster_carers=True,
        number_of_adopters=2,
        adopters_sex="MF",
        adopters_legal_status="L11",
    )
    adopted_last_year = ChildFactory(local_child_id="AD1OLD", date_of_birth=D(2019, 1, 1))
    episode(adopted_last_year, D(2022, 1, 1), D(2024, 2, 1), "E11", legal_status="E1", placement_type="A5")
    AdoptionDecision.objects.create(child=adopted_last_year, decided_on=D(2022, 6, 1))  # open, as adopted

    reconsidered = ChildFactory(local_child_id="PLACED", date_of_birth=D(2019, 1, 1))
    episode(reconsidered, D(2023, 1, 1))
    AdoptionDecision.objects.create(
        child=reconsidered, decided_on=D(2023, 3, 1), ceased_on=D(2024, 2, 1), reason_ceased="RD1"
    )
    AdoptionDecision.objects.create(
        child=reconsidered, decided_on=D(2024, 5, 1), ceased_on=D(2025, 5, 1), reason_ceased="RD3"
    )

    runaway = ChildFactory(local_child_id="MISS", date_of_birth=D(2010, 1, 1))
    episode(runaway, D(2023, 1, 1))
    for start, end in [
        (D(2024, 3, 1), D(2024, 3, 5)),  # before the year
        (D(2024, 6, 1), D(2024, 6, 3)),
        (D(2025, 3, 30), D(2025, 4, 2)),  # still missing on 31 March
    ]:
        MissingEpisode.objects.create(child=runaway, kind="M", start_date=start, end_date=end)
    still_away = ChildFactory(local_child_id="AWAY", date_of_birth=D(2010, 1, 1))
    episode(still_away, D(2023, 1, 1))
    MissingEpisode.objects.create(child=still_away, kind="A", start_date=D(2025, 1, 10))
    complete_outcome_records(2025)


def test_the_export_passes_the_rules_and_writes_every_table(authority):
    result = export_return(2025)
    assert result.problems == []
    assert sorted(result.files) == [
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
    assert result.counts["oc3"] == len(rows(result, "oc3.csv")) == 3


def test_oc2_holds_every_child_looked_after_for_the_12_months_with_their_health_record(authority):
    oc2 = by_child(export_return(2025), "oc2.csv")
    assert set(oc2) == {"OC2A", "OC2B", "PLACED", "MISS", "AWAY"}  # OC2B ceased on 31 March itself
    assert oc2["OC2A"] == {
        "CHILD": "OC2A",
        "DOB": "01/06/2012",
        "SDQ_SCORE": "17",
        "SDQ_REASON": "",
        "CONVICTED": "0",
        "HEALTH_CHECK": "",
        "IMMUNISATIONS": "1",
        "TEETH_CHECK": "0",
        "HEALTH_ASSESSMENT": "1",
        "SUBSTANCE_MISUSE": "1",
        "INTERVENTION_RECEIVED": "0",
        "INTERVENTION_OFFERED": "1",
    }


def test_oc3_holds_care_leavers_with_a_birthday_in_the_year_who_had_left_care_by_it(authority):
    result = export_return(2025)
    oc3 = by_child(result, "oc3.csv")
    assert set(oc3) == {"OC3OUT", "OC3IN", "LEAP27"}  # not STILL18 nor LEAP28, in care on the birthday
    assert (oc3["OC3OUT"]["IN_TOUCH"], oc3["OC3OUT"]["ACTIV"], oc3["OC3OUT"]["ACCOM"]) == ("YES", "F4", "D1")
    header = by_child(result, "header.csv")
    assert header["OC3OUT"]["MOTHER"] == "" and header["OC3OUT"]["DOB"] == "01/06/2005"  # rule 628
    assert "OC3OUT" not in {row["CHILD"] for row in rows(result, "episodes.csv")}
    assert header["OC3IN"]["MOTHER"] == "0"  # looked after in the year: as recorded


def test_a_care_leaver_looked_after_again_after_the_year_is_in_its_oc3_but_not_one_back_in_it(authority):
    back = care_leaver("BACK", D(2007, 9, 1), D(2021, 1, 1), D(2024, 8, 1))
    episode(back, D(2025, 2, 1))  # back in care in the year, after the birthday (rule 1016)
    later = care_leaver("LATER", D(2007, 10, 1), D(2021, 1, 1), D(2024, 8, 1))
    episode(later, D(2025, 6, 1))  # after the year, as the portal may hold it when the return is made
    complete_outcome_records(2025)
    oc3 = by_child(export_return(2025), "oc3.csv")
    assert "LATER" in oc3 and "BACK" not in oc3


def test_a_care_leaver_turning_18_on_31_march_is_18_for_rule_1016():
    from ssda903.outcome_rules import rule_1016
    from ssda903.rules import ReturnData

    episodes = [{"CHILD": "MARCH31", "DECOM": "10/04/2025", "DEC": "10/07/2025", "RNE": "S", "LS": "V2", "REC": "E4A"}]
    oc3 = [{"CHILD": "MARCH31", "DOB": "31/03/2008", "IN_TOUCH": "YES", "ACTIV": "F2", "ACCOM": "U1"}]
    assert list(rule_1016(ReturnData(2026, episodes=episodes, oc3=oc3))) == []
    oc3[0]["DOB"] = "01/04/2008"  # 17 on 31 March 2026, care ended after the 17th birthday
    assert [problem.rule for problem in rule_1016(ReturnData(2026, episodes=episodes, oc3=oc3))] == ["1016"]


def test_ad1_holds_the_children_adopted_in_the_year(authority):
    ad1 = rows(export_return(2025), "ad1.csv")
    assert ad1 == [
        {
            "CHILD": "AD1A",
            "DOB": "01/01/2020",
            "DATE_INT": "01/06/2023",
            "DATE_MATCH": "01/02/2024",
            "FOSTER_CARE": "1",
            "NB_ADOPTR": "2",
            "SEX_ADOPTR": "MF",
            "LS_ADOPTR": "L11",
        }
    ]


def test_a_decision_reversed_after_the_year_is_written_open_and_one_reversed_before_it_is_left_out(authority):
    """Nor is the decision of a child adopted before the year, open on the record."""
    placed = rows(export_return(2025), "placed_for_adoption.csv")
    assert [(r["CHILD"], r["DATE_PLACED"], r["DATE_PLACED_CEASED"], r["REASON_PLACED_CEASED"]) for r in placed] == [
        ("AD1A", "01/06/2023", "", ""),
        ("PLACED", "01/05/2024", "", ""),
    ]


def test_previous_permanence_for_the_children_who_started_care_in_the_year(authority):
    prev_perm = rows(export_return(2025), "previous_permanence.csv")
    assert prev_perm == [
        {"CHILD": "NEW1", "DOB": "01/01/2015", "PREV_PERM": "P2", "LA_PERM": "892", "DATE_PERM": "ZZ/ZZ/2020"}
    ]


def test_missing_episodes_of_the_year_still_open_on_31_march_have_no_end(authority):
    missing = rows(export_return(2025), "missing.csv")
    assert [(r["CHILD"], r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in missing] == [
        ("AWAY", "A", "10/01/2025", ""),
        ("MISS", "M", "01/06/2024", "03/06/2024"),
        ("MISS", "M", "30/03/2025", ""),
    ]


def test_a_table_with_no_rows_is_its_column_line(db):
    child = ChildFactory(local_child_id="ONLY", date_of_birth=D(2015, 1, 1))
    episode(child, D(2023, 1, 1))
    complete_outcome_records(2025)
    result = export_return(2025)
    assert result.files["missing.csv"] == "CHILD,DOB,MISSING,MIS_START,MIS_END\r\n"
    assert result.counts["missing"] == result.counts["oc3"] == 0 and result.counts["oc2"] == 1


def test_the_same_records_give_the_same_bytes(authority):
    assert export_return(2025).files == export_return(2025).files


def test_a_missing_record_is_refused_naming_where_to_record_it(db):
    in_care = ChildFactory(local_child_id="NOHEALTH", date_of_birth=D(2012, 6, 1))
    episode(in_care, D(2023, 1, 1))
    started = ChildFactory(local_child_id="NOPERM", date_of_birth=D(2012, 6, 1))
    episode(started, D(2024, 6, 1))
    result = export_return(2025)
    assert result.files == {}
    found = {(p.child, p.rule): p.message for p in result.problems}
    assert "the child's health record for the year (OC2)" in found[("NOHEALTH", "191")]
    assert "the child's previous permanence (PrevPerm)" in found[("NOPERM", "630")]


def _more_children(prefix, count):
    for number in range(count):
        child = ChildFactory(local_child_id=f"{prefix}{number:03d}", date_of_birth=D(2010, 1, 1))
        episode(child, D(2023, 1, 1))
        MissingEpisode.objects.create(child=child, kind="M", start_date=D(2024, 7, 1), end_date=D(2024, 7, 2))
        leaver = ChildFactory(local_child_id=f"{prefix}L{number:03d}", date_of_birth=D(2005, 6, 1))
        episode(leaver, D(2019, 6, 1), D(2022, 6, 1), "E4A")
    complete_outcome_records(2025)


def test_the_export_reads_the_same_number_of_queries_whatever_the_number_of_children(authority):
    _more_children("S", 3)
    with CaptureQueriesContext(connection) as small:
        assert export_return(2025).ok
    _more_children("L", 12)
    with CaptureQueriesContext(connection) as large:
        result = export_return(2025)
    assert result.ok and result.counts["oc3"] == 3 + 15
    assert len(small.captured_queries) == len(large.captured_queries) == 11


@pytest.mark.usefixtures("dfe_validator")
def test_the_dfe_validator_reads_the_ten_tables_and_reports_only_the_missing_episodes_open_on_31_march(authority):
    """The DfE's published validator, given OC3, lets its rule 165 fill every blank DEC with 31
    March before 575 and 577 run (one shared copy of the tables), so a child missing on 31 March
    from a placement still open is reported as missing after care ended: the only errors here."""
    from ssda903 import dfe_check

    result = export_return(2025)
    report = dfe_check.check_with_dfe(result.files, 2025)
    assert sorted((issue.rule, issue.child) for issue in report.errors) == [
        ("575", "AWAY"),
        ("575", "MISS"),
        ("577", "AWAY"),
        ("577", "MISS"),
    ]


@pytest.mark.usefixtures("dfe_validator")
def test_the_dfe_validator_s_slip_on_missing_episodes_open_on_31_march_does_not_refuse_the_export(authority):
    from ssda903 import dfe_check

    result = export_return(2025)
    report = dfe_check.add_dfe_findings(result)
    assert {issue.rule for issue in report.errors} == {"575", "577"}
    assert result.problems == [] and result.files


def test_only_the_dfe_validator_s_known_slips_are_set_aside():
    from ssda903.dfe_check import DfeIssue, DfeReport, validator_slips

    files = {
        "episodes.csv": "CHILD,DECOM,DEC,PLACE,LS\r\n"
        "OPEN,01/01/2024,,U1,C2\r\n"
        "ENDED,01/01/2024,01/02/2025,U1,C2\r\n"
        "AGAIN,01/01/2024,01/02/2024,U1,C2\r\n"
        "AGAIN,01/06/2024,,U1,V3\r\n"
    }
    issues = [
        DfeIssue("575", "", "Missing", 1, "OPEN"),
        DfeIssue("577", "", "Missing", 2, "AGAIN"),
        DfeIssue("575", "", "Missing", 3, "ENDED"),
        DfeIssue("624", "", "Header", 4, "LEAVER"),
        DfeIssue("624", "", "Header", 5, "OPEN"),
        DfeIssue("146", "", "Episodes", 1, "OPEN"),
        DfeIssue("218", "", "Episodes", 4, "AGAIN"),
        DfeIssue("218", "", "Episodes", 1, "OPEN"),
    ]
    slips = validator_slips(DfeReport(2025, issues), files)
    assert [(issue.rule, issue.child) for issue in slips] == [
        ("575", "OPEN"),
        ("577", "AGAIN"),
        ("624", "LEAVER"),
        ("146", "OPEN"),
        ("218", "AGAIN"),
    ]
