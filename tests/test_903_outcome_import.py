"""Importing the six outcome tables of an SSDA903 return (OC2, OC3, AD1, PlacedAdoption, PrevPerm,
Missing) with the Header and Episodes: checked first, all or nothing, the same files again
changing nothing, and each file replacing only what it covers."""

import io
from datetime import date as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from children.models import CareEpisode, Child
from outcomes.models import (
    Adoption,
    AdoptionDecision,
    CareLeaverRecord,
    HealthRecord,
    MissingEpisode,
    PreviousPermanence,
)
from reviews.models import Review
from ssda903.importer import import_return
from ssda903.models import ImportRun, ImportStatus, StoredReturn
from tests.conftest import sign_in
from tests.factories import ManagerFactory

HEADER = """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
OC2A,M,01/01/2015,WBRI,UN5,,
OC3A,F,10/06/2006,WBRI,UN5,0,
ADPT1,M,01/02/2020,WBRI,UN1,,
MISS1,F,05/05/2012,WBRI,UN5,0,
NEW01,M,03/03/2014,WBRI,UN5,,
"""

EPISODES = """CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
OC2A,01/06/2022,S,C2,N1,U1,PR1,,,,NG1 5DT,NG8 1BB,SC113332
ADPT1,01/06/2023,S,E1,N1,A3,PR1,15/01/2025,E12,,NG1 5DT,NG5 1PB,SC133330
MISS1,01/02/2023,S,C2,N1,U1,PR1,,,,NG1 5DT,NG7 2UH,SC101111
NEW01,01/09/2024,S,C2,N1,U1,PR1,,,,NG1 5DT,NG3 1AA,SC104444
"""

OC2 = """CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED
OC2A,01/01/2015,17,,0,,1,1,1,1,0,1
"""
OC3 = """CHILD,DOB,IN_TOUCH,ACTIV,ACCOM
OC3A,10/06/2006,YES,F2,D1
"""
AD1 = """CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR
ADPT1,01/02/2020,01/06/2023,01/06/2023,1,2,MF,L11
"""
PLACED = """CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED
ADPT1,01/02/2020,01/06/2023,,
"""
PREV_PERM = """CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM
NEW01,03/03/2014,P2,301,ZZ/05/2019
"""
MISSING = """CHILD,DOB,MISSING,MIS_START,MIS_END
MISS1,05/05/2012,M,01/05/2024,03/05/2024
MISS1,05/05/2012,A,10/02/2025,
"""

FILES = {
    "header.csv": HEADER,
    "episodes.csv": EPISODES,
    "oc2.csv": OC2,
    "oc3.csv": OC3,
    "ad1.csv": AD1,
    "placed_for_adoption.csv": PLACED,
    "previous_permanence.csv": PREV_PERM,
    "missing.csv": MISSING,
}
OUTCOME_MODELS = (HealthRecord, CareLeaverRecord, Adoption, AdoptionDecision, PreviousPermanence, MissingEpisode)


def run(files, by=None, **kwargs):
    return import_return({name: text.encode() for name, text in files.items()}, by=by, **kwargs)


def import_ok(files, by=None, **kwargs):
    result = run(files, by, **kwargs)
    assert result.errors == [], "\n".join(
        f"{e.file} row {e.row} {e.child} {e.column} {e.value!r}: {e.message}" for e in result.errors
    )
    return result


def everything(*but):
    """Every row of every table the import writes (and the audit log), with its version where it
    has one; `but` the models to leave out."""
    models = (*OUTCOME_MODELS, Child, CareEpisode, Review, StoredReturn, AuditEvent)
    return {model.__name__: sorted(map(repr, model.objects.values())) for model in models if model not in but}


def child(local_id):
    return Child.objects.get(local_child_id=local_id)


@pytest.fixture
def manager(db):
    return ManagerFactory()


def test_a_good_file_of_each_table_imports(manager):
    result = import_ok(FILES, manager)

    health = HealthRecord.objects.get()
    assert (health.child, health.year, health.sdq_score, health.sdq_reason) == (child("OC2A"), 2025, 17, "")
    assert (health.convicted, health.health_check, health.immunisations, health.teeth_check) == (
        False,
        None,
        True,
        True,
    )
    assert (health.substance_misuse, health.intervention_received, health.intervention_offered) == (True, False, True)
    leaver = CareLeaverRecord.objects.get()
    assert (leaver.child, leaver.year, leaver.in_touch, leaver.activity, leaver.accommodation) == (
        child("OC3A"),
        2025,
        "YES",
        "F2",
        "D1",
    )
    adoption = Adoption.objects.get()
    assert (adoption.child, adoption.decided_on, adoption.matched_on) == (child("ADPT1"), D(2023, 6, 1), D(2023, 6, 1))
    assert (adoption.by_former_foster_carers, adoption.number_of_adopters) == (True, 2)
    assert (adoption.adopters_sex, adoption.adopters_legal_status) == ("MF", "L11")
    decision = AdoptionDecision.objects.get()
    assert (decision.child, decision.decided_on, decision.ceased_on, decision.reason_ceased) == (
        child("ADPT1"),
        D(2023, 6, 1),
        None,
        "",
    )
    permanence = PreviousPermanence.objects.get()
    assert (permanence.child, permanence.order, permanence.arranged_by, permanence.order_date) == (
        child("NEW01"),
        "P2",
        "301",
        "ZZ/05/2019",
    )
    assert list(MissingEpisode.objects.values_list("child__local_child_id", "kind", "start_date", "end_date")) == [
        ("MISS1", "M", D(2024, 5, 1), D(2024, 5, 3)),
        ("MISS1", "A", D(2025, 2, 10), None),
    ]
    counts = result.outcome_counts
    assert counts == {
        "health_records": 1,
        "care_leaver_records": 1,
        "adoptions": 1,
        "adoption_decisions": 1,
        "previous_permanences": 1,
        "missing_episodes": 2,
        "adoption_decisions_removed": 0,
        "missing_episodes_removed": 0,
    }
    event = AuditEvent.objects.get(object_type="ssda903.import")
    assert event.detail["missing_episodes"] == 2 and event.detail["health_records"] == 1


def test_importing_the_same_files_again_changes_nothing(manager):
    import_ok(FILES, manager)
    before = everything(AuditEvent)

    again = import_ok(FILES, manager)

    assert not again.changed
    assert set(again.outcome_counts.values()) == {0}
    assert everything(AuditEvent) == before  # no row rewritten, no version raised
    assert AuditEvent.objects.filter(object_type="ssda903.import").latest("pk").detail["changed"] is False


def test_a_dry_run_counts_the_outcome_records_and_writes_nothing(manager):
    result = import_ok(FILES, manager, dry_run=True)

    assert result.outcome_counts["missing_episodes"] == 2 and result.outcome_counts["health_records"] == 1
    assert not any(model.objects.exists() for model in OUTCOME_MODELS)


BROKEN = {
    "oc2.csv": (
        "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
        "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
        "OC2A,01/01/2015,41,SDQ9,2,,1,1,1,1,0,1\n"  # score, reason and a flag wrong
        "OC2A,01/01/2015,17,,0,,1,1,1,1,0,1\n"  # a second row for the child
        "NOBODY,01/01/2015,17,,0,,1,1,1,1,0,1\n"  # not in the Header
    ),
    "oc3.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nOC3A,11/06/2006,MAYBE,F2,S1\n",
    "ad1.csv": (
        "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR\n"
        "ADPT1,01/02/2020,2023-06-01,01/06/2023,1,3,MF,L11\n"
        "ADPT1,01/02/2020,01/06/2023,01/05/2023,1,2,M1,L11\n"  # a second row: one per child
    ),
    "placed_for_adoption.csv": (
        "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\n"
        "ADPT1,01/02/2020,01/06/2023,,\n"
        "ADPT1,01/02/2020,01/08/2023,01/07/2023,RD9\n"  # starts while the first stands; reason wrong
    ),
    "previous_permanence.csv": "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\nNEW01,03/03/2014,P7,123,31/02/2019\n",
    "missing.csv": (
        "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
        "MISS1,05/05/2012,M,01/05/2024,10/05/2024\n"
        "MISS1,05/05/2012,A,05/05/2024,\n"  # overlaps the first
        "MISS1,05/05/2012,X,01/06/2024,02/06/2024\n"  # kind wrong
        "MISS1,05/05/2012,M,01/07/2024,01/06/2024\n"  # ends before it starts
    ),
}


def test_a_broken_file_of_each_table_lists_every_error_and_writes_nothing(manager):
    import_ok(FILES, manager)
    before = everything()

    result = run({**FILES, **BROKEN}, manager)

    found = {(e.file, e.row, e.child, e.column, e.value) for e in result.errors}
    expected = {
        ("oc2.csv", 2, "OC2A", "SDQ_SCORE", "41"),
        ("oc2.csv", 2, "OC2A", "SDQ_REASON", "SDQ9"),
        ("oc2.csv", 2, "OC2A", "CONVICTED", "2"),
        ("oc2.csv", 3, "OC2A", "CHILD", "OC2A"),
        ("oc2.csv", 4, "NOBODY", "CHILD", "NOBODY"),
        ("oc3.csv", 2, "OC3A", "DOB", "11/06/2006"),
        ("oc3.csv", 2, "OC3A", "IN_TOUCH", "MAYBE"),
        ("oc3.csv", 2, "OC3A", "ACCOM", "S1"),
        ("ad1.csv", 2, "ADPT1", "DATE_INT", "2023-06-01"),
        ("ad1.csv", 2, "ADPT1", "NB_ADOPTR", "3"),
        ("ad1.csv", 3, "ADPT1", "CHILD", "ADPT1"),
        ("placed_for_adoption.csv", 3, "ADPT1", "REASON_PLACED_CEASED", "RD9"),
        ("placed_for_adoption.csv", 3, "ADPT1", "DATE_PLACED", "01/08/2023"),
        ("previous_permanence.csv", 2, "NEW01", "PREV_PERM", "P7"),
        ("previous_permanence.csv", 2, "NEW01", "LA_PERM", "123"),
        ("previous_permanence.csv", 2, "NEW01", "DATE_PERM", "31/02/2019"),
        ("missing.csv", 3, "MISS1", "MIS_START", "05/05/2024"),
        ("missing.csv", 4, "MISS1", "MISSING", "X"),
        ("missing.csv", 4, "MISS1", "MIS_START", "01/06/2024"),
        ("missing.csv", 5, "MISS1", "MIS_END", "01/06/2024"),
    }
    assert found == expected
    assert len(result.errors) == len(expected)
    messages = {(e.file, e.row, e.column): e.message for e in result.errors}
    assert "(rule 180)" in messages["oc2.csv", 2, "SDQ_SCORE"]
    assert "(rule 196)" in messages["oc2.csv", 2, "SDQ_REASON"]
    assert "(rule INT33)" in messages["oc2.csv", 3, "CHILD"]
    assert "(rule INT05)" in messages["oc2.csv", 4, "CHILD"]
    assert "(rule INT15)" in messages["oc3.csv", 2, "DOB"]
    assert "(rule 131)" in messages["oc3.csv", 2, "IN_TOUCH"]
    assert "(rule 633)" in messages["previous_permanence.csv", 2, "LA_PERM"]
    assert "(rule 574)" in messages["missing.csv", 3, "MIS_START"]
    assert "(rule 567)" in messages["missing.csv", 5, "MIS_END"]
    assert "(rule 579)" in messages["placed_for_adoption.csv", 3, "DATE_PLACED"]
    assert everything() == before


def test_the_dfe_rules_on_one_row_name_the_row_and_the_rule(manager):
    files = dict(FILES)
    # An intervention received and one offered as well (158); a couple of the same sex married
    # with adopters of different sexes (524).
    files["oc2.csv"] = OC2.replace("1,1,1,1,0,1", "1,1,1,1,1,1")
    files["ad1.csv"] = AD1.replace("MF,L11", "MF,L12")

    result = run(files, manager)

    assert [(e.file, e.row, e.child, e.column, e.message[-11:]) for e in result.errors] == [
        ("oc2.csv", 2, "OC2A", "INTERVENTION_OFFERED", "(rule 158)."),
        ("ad1.csv", 2, "ADPT1", "SEX_ADOPTR", "(rule 524)."),
    ]
    assert not any(model.objects.exists() for model in OUTCOME_MODELS)


def test_oc2_and_oc3_replace_the_year_only(manager):
    import_ok(FILES, manager)
    oc2a = child("OC2A")
    earlier = HealthRecord.objects.create(child=oc2a, year=2024, sdq_score=20)
    other = HealthRecord.objects.create(child=child("MISS1"), year=2025, sdq_score=5)
    version = HealthRecord.objects.get(child=oc2a, year=2025).version

    result = import_ok({**FILES, "oc2.csv": OC2.replace(",17,", ",18,")}, manager)

    assert result.outcome_counts["health_records"] == 1
    changed = HealthRecord.objects.get(child=oc2a, year=2025)
    assert (changed.sdq_score, changed.version) == (18, version + 1)
    assert HealthRecord.objects.get(pk=earlier.pk).sdq_score == 20  # another year: kept
    assert HealthRecord.objects.get(pk=other.pk).sdq_score == 5  # a child without a row: kept


def test_prev_perm_and_ad1_update_the_childs_records(manager):
    import_ok(FILES, manager)
    other_adoption = Adoption.objects.create(child=child("ADPT1"), matched_on=D(2019, 1, 1))

    import_ok(
        {
            **FILES,
            "previous_permanence.csv": PREV_PERM.replace("P2,301,ZZ/05/2019", "Z1,,"),
            "ad1.csv": AD1.replace(",1,2,MF,L11", ",0,2,MF,L11"),
        },
        manager,
    )

    assert PreviousPermanence.objects.values_list("order", "arranged_by", "order_date", "version").get() == (
        "Z1",
        "",
        "",
        2,
    )
    adoption = Adoption.objects.get(matched_on=D(2023, 6, 1))
    assert (adoption.by_former_foster_carers, adoption.version) == (False, 2)
    assert Adoption.objects.filter(pk=other_adoption.pk).exists()  # another match: another adoption, kept


def test_missing_episodes_of_the_year_are_replaced_and_the_rest_kept(manager):
    import_ok(FILES, manager)
    miss1 = child("MISS1")
    earlier = MissingEpisode.objects.create(child=miss1, kind="M", start_date=D(2023, 5, 1), end_date=D(2023, 5, 2))
    in_year = MissingEpisode.objects.create(child=miss1, kind="M", start_date=D(2024, 9, 1), end_date=D(2024, 9, 2))
    later = MissingEpisode.objects.create(child=miss1, kind="A", start_date=D(2025, 5, 1), end_date=None)
    # The portal knows the child came back after 31 March: the return leaves the end blank.
    MissingEpisode.objects.filter(child=miss1, start_date=D(2025, 2, 10)).update(end_date=D(2025, 4, 2))
    versions = dict(MissingEpisode.objects.values_list("start_date", "version"))

    result = import_ok(FILES, manager)

    assert result.outcome_counts["missing_episodes_removed"] == 1
    assert result.outcome_counts["missing_episodes"] == 0
    assert list(MissingEpisode.objects.filter(child=miss1).values_list("start_date", "end_date")) == [
        (D(2023, 5, 1), D(2023, 5, 2)),
        (D(2024, 5, 1), D(2024, 5, 3)),
        (D(2025, 2, 10), D(2025, 4, 2)),
        (D(2025, 5, 1), None),
    ]
    assert not MissingEpisode.objects.filter(pk=in_year.pk).exists()
    assert MissingEpisode.objects.filter(pk__in=[earlier.pk, later.pk]).count() == 2
    assert MissingEpisode.objects.get(start_date=D(2025, 2, 10)).version == versions[D(2025, 2, 10)]


def test_decisions_to_place_for_adoption_of_the_year_are_replaced_and_the_rest_kept(manager):
    import_ok(FILES, manager)
    adpt1 = child("ADPT1")
    AdoptionDecision.objects.filter(child=adpt1).update(ceased_on=D(2025, 6, 1), reason_ceased="RD4")
    later = AdoptionDecision.objects.create(child=adpt1, decided_on=D(2025, 7, 1))
    gone = AdoptionDecision.objects.create(child=child("OC2A"), decided_on=D(2024, 5, 1))

    result = import_ok(FILES, manager)

    assert list(
        AdoptionDecision.objects.filter(child=adpt1).values_list("decided_on", "ceased_on", "reason_ceased")
    ) == [
        (D(2023, 6, 1), D(2025, 6, 1), "RD4"),  # open on 31 March in the file: the later reversal kept
        (D(2025, 7, 1), None, ""),
    ]
    assert AdoptionDecision.objects.filter(pk=later.pk).exists()
    assert AdoptionDecision.objects.filter(pk=gone.pk).exists()  # a child with no rows keeps its decisions
    assert result.outcome_counts["adoption_decisions"] == 0

    # The file has the decision reversed in the year: the portal's end is replaced.
    reversed_files = {**FILES, "placed_for_adoption.csv": PLACED.replace("01/06/2023,,", "01/06/2023,01/03/2025,RD1")}
    import_ok(reversed_files, manager)
    assert AdoptionDecision.objects.filter(child=adpt1).values_list("ceased_on", "reason_ceased").first() == (
        D(2025, 3, 1),
        "RD1",
    )


def _many(count, prefix):
    header, episodes, missing, oc2 = [HEADER.splitlines()[0]], [EPISODES.splitlines()[0]], [], []
    for n in range(count):
        local_id = f"{prefix}{n:04d}"
        header.append(f"{local_id},F,05/05/2012,WBRI,UN5,0,")
        episodes.append(f"{local_id},01/02/2023,S,C2,N1,U1,PR1,,,,NG1 5DT,NG7 2UH,SC101111")
        missing += [f"{local_id},05/05/2012,M,01/05/2024,03/05/2024", f"{local_id},05/05/2012,A,10/02/2025,"]
        oc2.append(f"{local_id},05/05/2012,17,,0,,1,1,1,1,0,1")
    return {
        "header.csv": "\n".join(header) + "\n",
        "episodes.csv": "\n".join(episodes) + "\n",
        "missing.csv": MISSING.splitlines()[0] + "\n" + "\n".join(missing) + "\n",
        "oc2.csv": OC2.splitlines()[0] + "\n" + "\n".join(oc2) + "\n",
    }


def test_the_number_of_queries_does_not_grow_with_the_rows(manager):
    with CaptureQueriesContext(connection) as few:
        import_ok(_many(5, "F"), manager)
    with CaptureQueriesContext(connection) as many:
        import_ok(_many(40, "M"), manager)
    assert MissingEpisode.objects.count() == 90 and HealthRecord.objects.count() == 45
    assert len(many) == len(few)


BOXES = {
    "header": "header.csv",
    "episodes": "episodes.csv",
    "oc2": "oc2.csv",
    "oc3": "oc3.csv",
    "ad1": "ad1.csv",
    "placed_adoption": "placed_for_adoption.csv",
    "prev_perm": "previous_permanence.csv",
    "missing": "missing.csv",
}


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


def test_the_upload_page_takes_the_other_tables_and_the_check_shows_their_counts(
    client, manager, eager, django_capture_on_commit_callbacks
):
    sign_in(client, manager)
    page = client.get(reverse("ssda903:import")).content.decode()
    assert "More tables of the return" in page
    for label in ("OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing"):
        assert f">{label}</label>" in page

    data = {box: SimpleUploadedFile(name, FILES[name].encode(), content_type="text/csv") for box, name in BOXES.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ssda903:import"), {**data, "dry_run": "on"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.SUCCEEDED, run.errors[:5]
    assert (run.health_records, run.missing_episodes, run.previous_permanences) == (1, 2, 1)
    shown = client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()
    assert "More tables of the return" in shown
    assert 'data-count="missing_episodes">2<' in shown
    assert not MissingEpisode.objects.exists()


def test_the_command_takes_the_other_tables(manager, tmp_path):
    paths = {}
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
        paths[name] = str(tmp_path / name)
    out = io.StringIO()
    call_command(
        "import_903",
        header=paths["header.csv"],
        episodes=paths["episodes.csv"],
        oc2=paths["oc2.csv"],
        oc3=paths["oc3.csv"],
        ad1=paths["ad1.csv"],
        placed_adoption=paths["placed_for_adoption.csv"],
        prev_perm=paths["previous_permanence.csv"],
        missing=paths["missing.csv"],
        stdout=out,
    )
    assert "missing episodes 2" in out.getvalue()
    assert MissingEpisode.objects.count() == 2 and HealthRecord.objects.count() == 1


def test_a_row_with_every_item_blank_records_nothing(manager):
    import_ok(FILES, manager)
    blank = {
        **FILES,
        "ad1.csv": AD1.splitlines()[0] + "\nADPT1,01/02/2020,,,,,,\n",
        "previous_permanence.csv": PREV_PERM.splitlines()[0] + "\nNEW01,03/03/2014,,,\n",
    }
    before = everything(AuditEvent, StoredReturn)

    result = import_ok(blank, manager)

    assert (result.adoptions, result.previous_permanences) == (0, 0)
    assert everything(AuditEvent, StoredReturn) == before


def test_outcome_rows_need_the_childs_episodes(manager):
    files = {
        **FILES,
        "missing.csv": MISSING + "MISS1,05/05/2012,M,01/01/2023,05/04/2024\nOC3A,10/06/2006,M,01/05/2024,02/05/2024\n",
    }

    result = run(files, manager)

    assert [(e.file, e.row, e.child, e.column, e.message[-11:]) for e in result.errors] == [
        ("missing.csv", 4, "MISS1", "MIS_START", "(rule 581)."),
        ("missing.csv", 5, "OC3A", "CHILD", "rule 1012)."),
    ]
