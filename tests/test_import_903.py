"""Importing an SSDA903 return (ssda903.importer and `manage.py import_903`), from files written
here with csv: never the demo seed."""

import csv
import io
import time
from datetime import date as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from children.models import CareEpisode, Child
from reviews import services as review_services
from reviews import timescales
from reviews.models import Review
from ssda903 import files as ssda903_files
from ssda903.importer import RowError, errors_csv, import_return
from tests.factories import CareEpisodeFactory, ChildFactory

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
REVIEWS = ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]
UASC = ["CHILD", "SEX", "DOB", "DUC"]


def header(child, sex, dob, ethnic="WBRI", upn="UN1", mother="", mc_dob=""):
    return dict(zip(HEADER, [child, sex, dob, ethnic, upn, mother, mc_dob]))


def episode(child, decom, rne, ls, cin, place, provider="", dec="", rec="", rpc="", home="", pl="", urn=""):
    return dict(zip(EPISODES, [child, decom, rne, ls, cin, place, provider, dec, rec, rpc, home, pl, urn]))


def review(child, dob, when, code):
    return dict(zip(REVIEWS, [child, dob, when, code]))


def valid_return():
    """Every code family and the edge cases: X1 continuity, a return to care, short breaks
    without reviews, an under-4 with PN0, a UASC child, an adoption, temporary placements."""
    return {
        "header": [
            header("A001", "1", "01/05/2012", "WBRI", "A12345678901Z"),
            header("a002", "F", "15/02/2010", "BCRB", "B123456789012", "1", "3/9/2024"),  # lower case is upper-cased
            header("A003", "2", "10/01/2022", "MWBC", "UN3", "0"),
            header("A004", "M", "20/07/2015", "AIND", "UN4"),
            header("A005", "M", "03/03/2008", "AOTH", "UN2"),
            header("A006", "U", "01/09/2014", "CHNE", "UN5"),
        ],
        "episodes": [
            # A001: foster care, a temporary hospital stay (no reason for the moves: rule 226), still in care.
            episode(
                "A001",
                "01/04/2023",
                "S",
                "C1",
                "N1",
                "U4",
                "PR1",
                "10/06/2023",
                "X1",
                "",
                "NG1 5DT",
                "NG7 2UH",
                "SC123456",
            ),
            episode("A001", "10/06/2023", "B", "C2", "N1", "T1", "", "20/06/2023", "X1", ""),
            episode("A001", "20/06/2023", "T", "C2", "N1", "U6", "PR4"),
            # A002: a first period ending at home, then a return to care.
            episode("A002", "01/02/2022", "S", "V2", "N4", "K2", "PR2", "01/08/2022", "E4A", "CARPL"),
            episode("A002", "01/01/2024", "S", "C1", "N4", "U3", "PR1", "15/03/2024", "X1"),
            episode("A002", "15/03/2024", "L", "C2", "N4", "U3", "PR1", "01/06/2024", "X1", "ALLEG"),
            episode("A002", "01/06/2024", "U", "E1", "N4", "A6", "PR1"),
            # A003: under 4.
            episode("A003", "01/03/2023", "S", "L2", "N3", "R3", "PR3", "10/03/2023", "X1", "CARPL"),
            episode("A003", "10/03/2023", "B", "C1", "N3", "U5", "PR5"),
            # A004: short breaks only, no reviews.
            episode("A004", "05/01/2024", "S", "V3", "N2", "U6", "PR1", "07/01/2024", "E13"),
            episode("A004", "02/02/2024", "S", "V3", "N2", "K1", "PR1", "04/02/2024", "E8"),
            episode("A004", "01/03/2024", "S", "V4", "N2", "U6", "PR1"),
            # A005: UASC.
            episode("A005", "01/09/2023", "S", "V2", "N7", "H5", "PR4", "01/12/2023", "X1", "CREQB"),
            episode("A005", "01/12/2023", "P", "V2", "N7", "P2", "PR5", "15/12/2023", "X1", "CHILD"),
            episode("A005", "15/12/2023", "P", "V2", "N7", "Z1", "", "01/05/2024", "E5", ""),
            # A006: placed with parents, then for adoption with consent, then adopted under a placement order.
            episode("A006", "01/06/2021", "S", "C2", "N5", "P1", "PR0", "01/12/2021", "X1", "CARPL"),
            episode("A006", "01/12/2021", "P", "C2", "N5", "A4", "PR1", "01/03/2022", "X1", "PLACE"),
            episode("A006", "01/03/2022", "B", "E1", "N5", "A5", "PR1", "01/06/2022", "E11"),
        ],
        "reviews": [
            review("A001", "01/05/2012", "28/04/2023", "PN1"),
            review("A001", "01/05/2012", "07/08/2023", "PN5"),
            review("A002", "15/02/2010", "01/03/2022", "PN2"),
            review("A002", "15/02/2010", "20/01/2024", "PN3"),
            review("A002", "15/02/2010", "10/04/2024", "PN4"),
            review("A003", "10/01/2022", "20/03/2023", "PN0"),
            review("A003", "10/01/2022", "15/06/2023", "PN0"),
            review("A005", "03/03/2008", "25/09/2023", "PN6"),
            review("A005", "03/03/2008", "20/12/2023", "PN7"),
            review("A006", "01/09/2014", "25/06/2021", "PN1"),
        ],
        "uasc": [dict(zip(UASC, ["A005", "M", "03/03/2008", "01/05/2024"]))],
    }


COLUMNS = {"header": HEADER, "episodes": EPISODES, "reviews": REVIEWS, "uasc": UASC}


def to_files(tables, columns=None, encoding="utf-8"):
    """{file name: bytes}, each written with csv."""
    files = {}
    for table, rows in tables.items():
        names = (columns or {}).get(table, COLUMNS[table])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=names, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        files[f"{table}.csv"] = out.getvalue().encode(encoding)
    return files


def counts():
    return Child.objects.count(), CareEpisode.objects.count(), Review.objects.count(), AuditEvent.objects.count()


def outstanding(child):
    return Review.objects.filter(child=child, kind="LAC", status__in=["due", "booked"]).first()


# --- files ------------------------------------------------------------------------------------


def test_recognise_by_exact_column_set():
    assert ssda903_files.recognise(reversed(HEADER)) == "header"
    assert ssda903_files.recognise(EPISODES) == "episodes"
    assert ssda903_files.recognise(REVIEWS) == "reviews"
    assert ssda903_files.recognise(UASC) == "uasc"
    assert ssda903_files.recognise(REVIEWS + ["EXTRA"]) is None
    assert ssda903_files.recognise(REVIEWS[:-1]) is None


def test_read_csv_handles_bom_and_upper_cases():
    data = "\ufeffCHILD,DOB,REVIEW,REVIEW_CODE\r\n a1 ,01/02/2020,03/04/2021,pn1\r\n,,,\r\n".encode("utf-8")
    table, rows = ssda903_files.read_csv(io.BytesIO(data), "r.csv")
    assert table == "reviews"
    assert rows == [(2, {"CHILD": "A1", "DOB": "01/02/2020", "REVIEW": "03/04/2021", "REVIEW_CODE": "PN1"})]
    with pytest.raises(ssda903_files.FileError, match="not UTF-8 text"):
        ssda903_files.read_csv("CHILD,DOB,REVIEW,REVIEW_CODE\nÉ,1,2,3\n".encode("latin-1"), "r.csv")


def test_dates():
    assert ssda903_files.parse_date("05/01/2024") == D(2024, 1, 5)
    assert ssda903_files.format_date(D(2024, 1, 5)) == "05/01/2024"
    for bad in ("2024-01-05", "31/02/2024", "5 Jan 2024", ""):
        with pytest.raises(ValueError):
            ssda903_files.parse_date(bad)


# --- a valid import ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_valid_return_imports_children_episodes_reviews_and_next_due_dates(manager):
    existing = ChildFactory(
        local_child_id="A002",
        given_name="Sam",
        family_name="Known",
        sex="M",
        date_of_birth=D(2010, 2, 15),
        ethnicity="WBRI",
    )
    CareEpisodeFactory(child=existing, start_date=D(2023, 5, 1))
    stages = []
    result = import_return(to_files(valid_return()), by=manager, progress=lambda d, t, s: stages.append(s))
    assert result.errors == []
    assert (result.children_created, result.children_updated, result.unchanged_children) == (5, 1, 0)
    assert result.episodes == 18
    assert result.reviews_added == 10
    assert {"reading", "writing"} <= set(stages)

    assert Child.objects.count() == 6
    new = Child.objects.get(local_child_id="A001")
    assert (new.given_name, new.family_name, new.sex, new.date_of_birth, new.upn) == (
        "Child",
        "A001",
        "M",
        D(2012, 5, 1),
        "A12345678901Z",
    )
    existing.refresh_from_db()
    assert (existing.given_name, existing.family_name) == ("Sam", "Known")  # names never overwritten
    assert (existing.sex, existing.ethnicity) == ("F", "BCRB")
    assert (existing.is_mother, existing.first_child_date_of_birth) == (True, D(2024, 9, 3))
    a003 = Child.objects.get(local_child_id="A003")
    assert (a003.sex, a003.is_mother, a003.first_child_date_of_birth) == ("F", False, None)  # 2 = female before 2024/25
    assert (new.is_mother, new.first_child_date_of_birth) == (None, None)  # MOTHER blank: not recorded
    uasc = Child.objects.get(local_child_id="A005")
    assert uasc.is_uasc and uasc.uasc_ceased_on == D(2024, 5, 1)
    assert not Child.objects.filter(is_uasc=True).exclude(pk=uasc.pk).exists()

    assert CareEpisode.objects.count() == 18
    a002 = list(
        existing.episodes.order_by("start_date").values_list(
            "start_date",
            "reason_for_new_episode",
            "legal_status",
            "placement_type",
            "end_date",
            "reason_episode_ceased",
        )
    )
    assert a002 == [
        (D(2022, 2, 1), "S", "V2", "K2", D(2022, 8, 1), "E4A"),
        (D(2024, 1, 1), "S", "C1", "U3", D(2024, 3, 15), "X1"),
        (D(2024, 3, 15), "L", "C2", "U3", D(2024, 6, 1), "X1"),
        (D(2024, 6, 1), "U", "E1", "A6", None, ""),
    ]
    temporary = CareEpisode.objects.get(child__local_child_id="A001", placement_type="T1")
    assert temporary.placement_provider == "" and temporary.reason_for_placement_change == ""

    held = {
        (r.child.local_child_id, r.held_on): r for r in Review.objects.filter(status="held").select_related("child")
    }
    assert len(held) == 10
    first_period = held[("A002", D(2022, 3, 1))]
    assert (first_period.number, first_period.cycle_start, first_period.participation_code) == (1, D(2022, 2, 1), "PN2")
    assert first_period.due_date == timescales.add_working_days(D(2022, 2, 1), 20)
    returned = held[("A002", D(2024, 1, 20))]
    assert (returned.number, returned.cycle_start) == (1, D(2024, 1, 1))  # the cycle restarts on return to care
    second = held[("A002", D(2024, 4, 10))]
    assert (second.number, second.due_date) == (2, timescales.add_months(D(2024, 1, 20), 3))
    a001_second = held[("A001", D(2023, 8, 7))]
    assert a001_second.due_date == timescales.add_months(D(2023, 4, 28), 3)
    assert a001_second.in_timescale is False
    # The unplanned move (ALLEG) on 01/06/2024 brings A002's next review forward to 20 working days.
    assert outstanding(existing).due_date == timescales.add_working_days(D(2024, 6, 1), 20)
    assert held[("A003", D(2023, 3, 20))].participation_code == "PN0"

    # Next reviews: as the scheduler would have them.
    # Short breaks: the return holds no reviews (rule 399), so those due by the end of its year
    # (31 March 2025) are assumed held on time: 3 months after the first break, then 6-monthly.
    short_breaks = outstanding(Child.objects.get(local_child_id="A004"))
    assert (short_breaks.number, short_breaks.cycle_start, short_breaks.due_date) == (3, D(2024, 1, 5), D(2025, 4, 5))
    assert result.next_reviews_estimated == ["A004"]
    assert outstanding(Child.objects.get(local_child_id="A006")) is None  # adopted: no review due
    assert outstanding(uasc) is None  # moved to independent living
    a002_next = outstanding(existing)
    assert (a002_next.number, a002_next.cycle_start) == (3, D(2024, 1, 1))
    assert a002_next.due_date == timescales.add_working_days(D(2024, 6, 1), 20)  # unplanned move (OTHER)
    assert a002_next.brought_forward_by_move == D(2024, 6, 1)
    for child in Child.objects.all():
        before = outstanding(child)
        before_values = before and (
            before.pk,
            before.due_date,
            before.number,
            before.cycle_start,
            before.brought_forward_by_move,
            before.version,
        )
        review_services.reschedule(child)
        after = outstanding(child)
        assert before_values == (
            after
            and (
                after.pk,
                after.due_date,
                after.number,
                after.cycle_start,
                after.brought_forward_by_move,
                after.version,
            )
        ), child

    events = AuditEvent.objects.filter(object_type="ssda903.import")
    assert events.count() == 1
    assert events.get().user == manager and events.get().detail["children_created"] == 5


@pytest.mark.django_db
def test_reimporting_the_same_files_changes_nothing():
    files = to_files(valid_return())
    import_return(files)
    before = counts()
    children = list(Child.objects.order_by("pk").values())
    episodes = list(CareEpisode.objects.order_by("pk").values())
    reviews = list(Review.objects.order_by("pk").values())
    result = import_return(files)
    assert result.errors == []
    assert not result.changed
    assert (
        result.children_created,
        result.children_updated,
        result.episodes,
        result.reviews_added,
        result.next_reviews_scheduled,
        result.unchanged_children,
    ) == (0, 0, 0, 0, 0, 6)
    assert list(Child.objects.order_by("pk").values()) == children
    assert list(CareEpisode.objects.order_by("pk").values()) == episodes
    assert list(Review.objects.order_by("pk").values()) == reviews  # updated_at and versions included
    assert counts() == before[:3] + (before[3] + 1,)  # only the one summary audit event
    assert AuditEvent.objects.filter(object_type="ssda903.import").first().detail["changed"] is False


@pytest.mark.django_db
def test_changed_episodes_are_replaced_and_reviews_matched_by_date():
    import_return(to_files(valid_return()))
    tables = valid_return()
    tables["episodes"][2] = episode("A001", "20/06/2023", "T", "C2", "N1", "U6", "PR4", "01/02/2024", "E4B")
    tables["reviews"].append(review("A001", "01/05/2012", "10/01/2024", "PN1"))
    a003 = Child.objects.get(local_child_id="A003")
    a003_episodes = list(a003.episodes.values_list("pk", flat=True))
    result = import_return(to_files(tables))
    assert result.errors == []
    assert (result.children_updated, result.reviews_added, result.episodes) == (0, 1, 3)
    a001 = Child.objects.get(local_child_id="A001")
    assert a001.episodes.get(start_date=D(2023, 6, 20)).reason_episode_ceased == "E4B"
    assert outstanding(a001) is None
    assert Review.objects.get(child=a001, status="cancelled").cancelled_reason == "The child ceased to be looked after."
    assert Review.objects.get(child=a001, held_on=D(2024, 1, 10)).number == 3
    assert list(a003.episodes.values_list("pk", flat=True)) == a003_episodes  # untouched children keep their rows


@pytest.mark.django_db
def test_mother_and_the_first_child_s_date_of_birth_follow_the_file():
    """MOTHER and MC_DOB are Header columns like SEX: the file speaks for them, a blank MOTHER
    meaning not recorded."""
    import_return(to_files(valid_return()))
    tables = valid_return()
    tables["header"][1].update(MOTHER="0", MC_DOB="")
    tables["header"][2].update(MOTHER="")
    result = import_return(to_files(tables))
    assert result.errors == [] and result.children_updated == 2
    assert list(
        Child.objects.filter(local_child_id__in=["A002", "A003"])
        .order_by("local_child_id")
        .values_list("is_mother", "first_child_date_of_birth")
    ) == [(False, None), (None, None)]


@pytest.mark.django_db
def test_an_import_raises_the_version_of_the_children_it_changes():
    """So a page or API client holding the child as it was before the import cannot save over it."""
    import_return(to_files(valid_return()))
    tables = valid_return()
    tables["header"][1].update(MOTHER="0", MC_DOB="")
    import_return(to_files(tables))
    versions = dict(Child.objects.values_list("local_child_id", "version"))
    assert versions["A002"] == 2 and versions["A001"] == 1


# --- malformed files: every error reported, nothing written -------------------------------------


def _set(table, index, **values):
    def change(tables):
        tables[table][index].update(values)

    return change


def _drop_column(table, column):
    def change(columns):
        columns[table] = [c for c in COLUMNS[table] if c != column]

    return change


def _add_column(table, column):
    def change(columns):
        columns[table] = COLUMNS[table] + [column]

    return change


def _append(table, row):
    def change(tables):
        tables[table].append(row)

    return change


CASES = {
    "bad date": (
        _set("episodes", 0, DECOM="31/02/2023"),
        None,
        ("episodes.csv", 2, "A001", "DECOM", "31/02/2023", "real date written DD/MM/YYYY"),
    ),
    "ISO date": (
        _set("reviews", 0, REVIEW="2023-04-28"),
        None,
        ("reviews.csv", 2, "A001", "REVIEW", "2023-04-28", "ISO dates"),
    ),
    "unknown code": (
        _set("episodes", 2, PLACE="R4"),
        None,
        ("episodes.csv", 4, "A001", "PLACE", "R4", "not a valid PLACE code"),
    ),
    "unknown ethnicity": (
        _set("header", 1, ETHNIC="WXYZ"),
        None,
        ("header.csv", 3, "A002", "ETHNIC", "WXYZ", "not a valid ETHNIC code"),
    ),
    "bad sex": (_set("header", 0, SEX="3"), None, ("header.csv", 2, "A001", "SEX", "3", "SEX must be M, F or U")),
    "overlapping episodes": (
        _set("episodes", 1, DECOM="01/06/2023"),
        None,
        ("episodes.csv", 3, "A001", "DECOM", "01/06/2023", "episodes cannot overlap"),
    ),
    "end before start": (
        _set("episodes", 3, DEC="01/01/2022"),
        None,
        ("episodes.csv", 5, "A002", "DEC", "01/01/2022", "DEC is before DECOM"),
    ),
    "DEC without REC": (
        _set("episodes", 3, REC=""),
        None,
        ("episodes.csv", 5, "A002", "REC", "", "both be filled in or both be blank"),
    ),
    "X1 but next does not start that day": (
        _set("episodes", 2, DECOM="21/06/2023"),
        None,
        ("episodes.csv", 3, "A001", "REC", "X1", "REC is X1 but the next episode starts on 21/06/2023"),
    ),
    "next starts same day but REC not X1": (
        _set("episodes", 0, REC="E4A"),
        None,
        ("episodes.csv", 2, "A001", "REC", "E4A", "so REC must be X1"),
    ),
    "continuation RNE after a gap": (
        _set("episodes", 4, RNE="L"),
        None,
        ("episodes.csv", 6, "A002", "RNE", "L", "RNE must be S"),
    ),
    "RNE S continuing a period": (
        _set("episodes", 5, RNE="S"),
        None,
        ("episodes.csv", 7, "A002", "RNE", "S", "RNE cannot be S"),
    ),
    "last episode ends X1": (
        _set("episodes", 17, REC="X1"),
        None,
        ("episodes.csv", 19, "A006", "REC", "X1", "no episode starts on 01/06/2022"),
    ),
    "first episode in the collection year not S": (
        lambda t: (
            t["header"].append(header("A007", "M", "01/01/2015")),
            t["episodes"].append(episode("A007", "01/05/2024", "P", "C2", "N1", "U6", "PR1")),
        ),
        None,
        ("episodes.csv", 20, "A007", "RNE", "P", "first episode must have RNE S"),
    ),
    "episode starting in the future": (
        _set("episodes", 11, DECOM="01/03/2099"),
        None,
        ("episodes.csv", 13, "A004", "DECOM", "01/03/2099", "DECOM is in the future"),
    ),
    "category of need changes in a period": (
        _set("episodes", 8, CIN="N1"),
        None,
        ("episodes.csv", 10, "A003", "CIN", "N1", "CIN must stay N3"),
    ),
    "provider for a temporary placement": (
        _set("episodes", 1, PLACE_PROVIDER="PR1"),
        None,
        ("episodes.csv", 3, "A001", "PLACE_PROVIDER", "PR1", "must be blank for placement type T1"),
    ),
    "placement change without a reason": (
        _set("episodes", 5, REASON_PLACE_CHANGE=""),
        None,
        ("episodes.csv", 7, "A002", "REASON_PLACE_CHANGE", "", "REASON_PLACE_CHANGE is required (rule 225)"),
    ),
    "reason without a placement change": (
        _set("episodes", 2, REASON_PLACE_CHANGE="CARPL"),
        None,
        ("episodes.csv", 4, "A001", "REASON_PLACE_CHANGE", "CARPL", "(rule 226)"),
    ),
    "review for a child with no episodes": (
        lambda t: (
            t["header"].append(header("A099", "M", "01/01/2015")),
            t["reviews"].append(review("A099", "01/01/2015", "01/02/2023", "PN1")),
        ),
        None,
        ("reviews.csv", 12, "A099", "CHILD", "A099", "no episodes"),
    ),
    "review while not looked after": (
        _append("reviews", review("A002", "15/02/2010", "01/10/2023", "PN1")),
        None,
        ("reviews.csv", 12, "A002", "REVIEW", "01/10/2023", "not looked after"),
    ),
    "PN0 for a 6-year-old": (
        _set("reviews", 0, REVIEW_CODE="PN0", CHILD="A004", DOB="20/07/2015", REVIEW="01/04/2024"),
        None,
        ("reviews.csv", 2, "A004", "REVIEW_CODE", "PN0", "the child was 8"),
    ),
    "PN1 for an under-4": (
        _set("reviews", 5, REVIEW_CODE="PN1"),
        None,
        ("reviews.csv", 7, "A003", "REVIEW_CODE", "PN1", "must be PN0"),
    ),
    "review DOB differs from header": (
        _set("reviews", 1, DOB="02/05/2012"),
        None,
        ("reviews.csv", 3, "A001", "DOB", "02/05/2012", "differs from the Header"),
    ),
    "episode for a child not in header": (
        _append("episodes", episode("Z999", "01/01/2024", "S", "C2", "N1", "U6", "PR1")),
        None,
        ("episodes.csv", 20, "Z999", "CHILD", "Z999", "not in the Header"),
    ),
    "duplicate child in header": (
        _append("header", header("A001", "M", "01/05/2012")),
        None,
        ("header.csv", 8, "A001", "CHILD", "A001", "one row per child"),
    ),
    "MOTHER not 1, 0 or blank": (
        _set("header", 2, MOTHER="2"),
        None,
        ("header.csv", 4, "A003", "MOTHER", "2", "MOTHER must be 1, 0 or blank"),
    ),
    "MOTHER for a boy": (
        _set("header", 0, MOTHER="0"),
        None,
        ("header.csv", 2, "A001", "MOTHER", "0", "MOTHER must be blank for a boy (rule 165)"),
    ),
    "a mother without MC_DOB": (
        _set("header", 1, MC_DOB=""),
        None,
        ("header.csv", 3, "A002", "MC_DOB", "", "MOTHER is 1, so MC_DOB is needed"),
    ),
    "MC_DOB when MOTHER is 0": (
        _set("header", 2, MC_DOB="01/01/2024"),
        None,
        ("header.csv", 4, "A003", "MC_DOB", "01/01/2024", "but MOTHER is 0"),
    ),
    "MC_DOB when MOTHER is blank": (
        _set("header", 5, MC_DOB="01/01/2024"),
        None,
        ("header.csv", 7, "A006", "MC_DOB", "01/01/2024", "but MOTHER is blank"),
    ),
    "MC_DOB before DOB": (
        _set("header", 1, MC_DOB="14/02/2010"),
        None,
        (
            "header.csv",
            3,
            "A002",
            "MC_DOB",
            "14/02/2010",
            "MC_DOB is before the child's own date of birth (15/02/2010)",
        ),
    ),
    "missing column": (None, _drop_column("episodes", "URN"), ("episodes.csv", 1, "", "URN", "", "missing column URN")),
    "extra column": (None, _add_column("header", "NAME"), ("header.csv", 1, "", "NAME", "", "unexpected column NAME")),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed_return_is_rejected_and_nothing_written(case):
    change_rows, change_columns, expected = CASES[case]
    ChildFactory(local_child_id="A002", given_name="Sam", family_name="Known")
    before = counts()
    tables = valid_return()
    columns = dict(COLUMNS)
    if change_rows:
        change_rows(tables)
    if change_columns:
        change_columns(columns)
    result = import_return(to_files(tables, columns))
    found = [(e.file, e.row, e.child, e.column, e.value) for e in result.errors]
    assert expected[:5] in found, result.errors
    error = result.errors[found.index(expected[:5])]
    assert expected[5] in error.message
    assert counts() == before
    assert Child.objects.get(local_child_id="A002").family_name == "Known"


@pytest.mark.django_db
def test_wrong_encoding_is_rejected():
    files = to_files(valid_return())
    files["header.csv"] = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nAé01,M,01/01/2015,WBRI,UN1,,\r\n".encode("latin-1")
    result = import_return(files)
    assert [(e.file, e.row) for e in result.errors if "not UTF-8 text" in e.message] == [("header.csv", None)]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_every_error_is_reported_not_just_the_first():
    tables = valid_return()
    tables["episodes"][0]["DECOM"] = "2023-04-01"
    tables["episodes"][7]["LS"] = "X9"
    tables["reviews"][2]["REVIEW_CODE"] = "PN9"
    tables["header"][3]["DOB"] = "32/01/2015"
    result = import_return(to_files(tables))
    assert {(e.file, e.row, e.column) for e in result.errors} >= {
        ("episodes.csv", 2, "DECOM"),
        ("episodes.csv", 9, "LS"),
        ("reviews.csv", 4, "REVIEW_CODE"),
        ("header.csv", 5, "DOB"),
    }
    assert counts() == (0, 0, 0, 0)
    text = errors_csv(result.errors)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["file", "row", "CHILD", "column", "value", "problem"]
    assert ["episodes.csv", "9", "A003", "LS", "X9"] in [row[:5] for row in rows]


def test_errors_csv_blank_row_for_file_errors():
    text = errors_csv([RowError("h.csv", None, "", "", "", "The file is not UTF-8 text.")])
    assert text.splitlines()[1] == '"h.csv","","","","","The file is not UTF-8 text."'


@pytest.mark.django_db
def test_missing_header_file():
    files = to_files(valid_return())
    del files["header.csv"]
    result = import_return(files)
    assert any("No Header file" in e.message for e in result.errors)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    result = import_return(to_files(valid_return()), dry_run=True)
    assert result.errors == [] and result.dry_run
    assert (result.children_created, result.episodes, result.reviews_added) == (6, 18, 10)
    assert counts() == (0, 0, 0, 0)


# --- the command ------------------------------------------------------------------------------


def _write(tmp_path, tables, columns=None):
    paths = {}
    for name, data in to_files(tables, columns).items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name.split(".")[0]] = str(path)
    return paths


@pytest.mark.django_db
def test_command_imports_and_prints_progress(tmp_path):
    paths = _write(tmp_path, valid_return())
    out = io.StringIO()
    call_command(
        "import_903",
        header=paths["header"],
        episodes=paths["episodes"],
        reviews=paths["reviews"],
        uasc=paths["uasc"],
        stdout=out,
    )
    text = out.getvalue()
    assert "reading:" in text and "writing:" in text
    assert "Imported 6 children" in text
    assert Child.objects.count() == 6


@pytest.mark.django_db
def test_command_dry_run(tmp_path):
    paths = _write(tmp_path, valid_return())
    out = io.StringIO()
    call_command("import_903", "--dry-run", header=paths["header"], episodes=paths["episodes"], stdout=out)
    assert "Would import 6 children" in out.getvalue()
    assert counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_prints_errors_writes_csv_and_fails(tmp_path):
    tables = valid_return()
    tables["episodes"][2]["PLACE"] = "R4"
    tables["reviews"][0]["REVIEW"] = "2023-04-28"
    paths = _write(tmp_path, tables)
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 errors found; nothing was imported"):
        call_command(
            "import_903",
            header=paths["header"],
            episodes=paths["episodes"],
            reviews=paths["reviews"],
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "episodes.csv row 4: CHILD A001, PLACE, value 'R4': R4 is not a valid PLACE code" in err.getvalue()
    written = (tmp_path / "import_903_errors.csv").read_text()
    assert '"reviews.csv",2,"A001","REVIEW","2023-04-28",' in written
    other = tmp_path / "out" / "errors.csv"
    other.parent.mkdir()
    with pytest.raises(CommandError):
        call_command(
            "import_903",
            header=paths["header"],
            episodes=paths["episodes"],
            reviews=paths["reviews"],
            errors_out=str(other),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert other.exists()
    assert counts() == (0, 0, 0, 0)


# --- bulk: the number of queries does not grow with the number of children ---------------------


def synthetic(prefix, n):
    tables = {"header": [], "episodes": [], "reviews": []}
    for i in range(n):
        child = f"{prefix}{i:05d}"
        tables["header"].append(header(child, "F", "01/01/2012"))
        tables["episodes"].append(
            episode(child, "01/01/2023", "S", "C2", "N1", "U6", "PR1", "01/03/2023", "X1", "ALLEG")
        )
        tables["episodes"].append(episode(child, "01/03/2023", "P", "C2", "N1", "U4", "PR1"))
        tables["reviews"].append(review(child, "01/01/2012", "20/01/2023", "PN1"))
        tables["reviews"].append(review(child, "01/01/2012", "10/04/2023", "PN7"))
    return to_files(tables)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_children():
    with CaptureQueriesContext(connection) as ten:
        assert import_return(synthetic("B", 10)).errors == []
    with CaptureQueriesContext(connection) as fifty:
        assert import_return(synthetic("C", 50)).errors == []
    assert Child.objects.count() == 60 and Review.objects.count() == 60 * 3
    assert len(fifty) == len(ten), [q["sql"][:80] for q in fifty.captured_queries]
    with CaptureQueriesContext(connection) as ten_again:
        assert not import_return(synthetic("B", 10)).changed
    with CaptureQueriesContext(connection) as fifty_again:
        assert not import_return(synthetic("C", 50)).changed
    assert len(fifty_again) == len(ten_again)
    assert any(
        ("COPY" in q["sql"] or "INSERT" in q["sql"]) and "children_careepisode" in q["sql"]
        for q in fifty.captured_queries
    )


@pytest.mark.django_db
def test_a_return_for_one_year_keeps_earlier_history_and_accepts_a_continuing_first_episode():
    """A 903 lists the episodes open during the collection year (here 2024/25, from the latest
    date): a child looked after since before it can start with a continuation (rule 357 applies
    only from 1 April 2024), and the portal keeps the episodes that ended before the file's first."""
    child = ChildFactory(local_child_id="H001", date_of_birth=D(2012, 1, 1), sex="F", ethnicity="WBRI", upn="UN1")
    CareEpisodeFactory(
        child=child,
        start_date=D(2024, 1, 1),
        end_date=D(2024, 3, 1),
        reason_episode_ceased="X1",
        reason_for_placement_change="CARPL",
        category_of_need="N5",
    )
    tables = {
        "header": [header("H001", "F", "01/01/2012"), header("H002", "M", "01/01/2013")],
        "episodes": [
            episode("H001", "01/03/2024", "P", "C2", "N5", "U4", "PR1"),
            episode("H002", "01/02/2024", "L", "C2", "N1", "U4", "PR1", "01/06/2024", "X1", "CARPL"),
            episode("H002", "01/06/2024", "P", "C2", "N1", "U6", "PR1"),
        ],
        "reviews": [review("H001", "01/01/2012", "01/09/2024", "PN1")],
    }
    result = import_return(to_files(tables))
    assert result.errors == []
    assert list(child.episodes.order_by("start_date").values_list("start_date", "reason_for_new_episode")) == [
        (D(2024, 1, 1), "S"),
        (D(2024, 3, 1), "P"),
    ]
    assert Review.objects.get(child=child, status="held").cycle_start == D(2024, 1, 1)
    assert not import_return(to_files(tables)).changed
    tables["episodes"][1]["DECOM"] = "01/05/2024"  # in the collection year: must be S
    tables["episodes"][1]["RNE"] = "L"
    errors = import_return(to_files(tables)).errors
    assert [(e.row, e.column) for e in errors if "rule 357" in e.message] == [(3, "RNE")]


@pytest.mark.django_db
def test_reviews_before_the_return_are_assumed_on_time_and_the_estimates_are_listed(manager):
    """A return has only its year's reviews: a child in care since 2020 whose one review in
    2024/25 is not their first is due 6 months after it (not the 3 months after a first), a child
    with no review in the year is due on the statutory cadence, and both are listed as estimates.
    The scheduler gives the same dates; the next year's return carries the numbering on."""
    tables = {
        "header": [
            header("P001", "F", "01/01/2012"),
            header("P002", "M", "01/01/2011"),
            header("P003", "M", "01/01/2013"),
        ],
        "episodes": [
            episode("P001", "01/02/2020", "S", "C2", "N1", "U4", "PR1"),
            episode("P002", "01/02/2020", "S", "C2", "N1", "U4", "PR1"),
            episode("P003", "01/06/2024", "S", "C2", "N1", "U4", "PR1"),  # began in the year: complete
        ],
        "reviews": [
            review("P001", "01/01/2012", "10/10/2024", "PN1"),
            review("P003", "01/01/2013", "20/06/2024", "PN1"),
            review("P003", "01/01/2013", "10/03/2025", "PN1"),
        ],
    }
    result = import_return(to_files(tables), by=manager)
    assert result.errors == []
    p001, p002, p003 = (Child.objects.get(local_child_id=c) for c in ("P001", "P002", "P003"))
    assumed = timescales.lac_reviews_assumed(D(2020, 2, 1), D(2024, 4, 1), [])
    assert assumed[:3] == [
        timescales.add_working_days(D(2020, 2, 1), 20),
        timescales.add_months(assumed[0], 3),
        timescales.add_months(assumed[1], 6),
    ]
    assert assumed[-1] < D(2024, 4, 1) <= timescales.add_months(assumed[-1], 6)
    held = Review.objects.get(child=p001, status="held")
    assert held.number == len(assumed) + 1
    assert outstanding(p001).due_date == timescales.add_months(D(2024, 10, 10), 6)
    assert outstanding(p002).due_date == timescales.add_months(assumed[-1], 6)
    assert outstanding(p002).number == len(assumed) + 1
    assert outstanding(p003).due_date == timescales.add_months(D(2025, 3, 10), 6)
    assert Review.objects.get(child=p003, held_on=D(2025, 3, 10)).number == 2
    assert result.next_reviews_estimated == ["P001", "P002"]  # each rests on reviews assumed
    assert [c.lac_reviews_recorded_from for c in (p001, p002, p003)] == [D(2024, 4, 1)] * 3

    before = [(r.pk, r.due_date, r.number, r.version) for r in map(outstanding, (p001, p002, p003))]
    for child in (p001, p002, p003):
        with transaction.atomic():
            review_services.reschedule(child)
    assert [(r.pk, r.due_date, r.number, r.version) for r in map(outstanding, (p001, p002, p003))] == before
    assert not import_return(to_files(tables), by=manager).changed

    tables["reviews"] = [
        review("P001", "01/01/2012", "01/04/2025", "PN1"),
        review("P002", "01/01/2011", "15/05/2025", "PN2"),
    ]
    assert import_return(to_files(tables), by=manager).errors == []
    assert Review.objects.get(child=p001, held_on=D(2025, 4, 1)).number == len(assumed) + 2
    assert Review.objects.get(child=p002, held_on=D(2025, 5, 15)).number == len(assumed) + 1
    assert outstanding(p002).due_date == timescales.add_months(D(2025, 5, 15), 6)
    p001.refresh_from_db()
    assert p001.lac_reviews_recorded_from == D(2024, 4, 1)  # the earliest return's year


@pytest.mark.django_db
def test_the_import_page_lists_the_children_whose_next_review_is_an_estimate(client, manager):
    from ssda903 import services as import_services
    from tests.conftest import sign_in

    tables = {
        "header": [header("S001", "F", "01/01/2012")],
        "episodes": [episode("S001", "01/05/2022", "S", "V4", "N1", "U6", "PR1")],
    }
    run = import_services.start_import(to_files(tables), by=manager)
    import_services.run_import(run.pk)
    sign_in(client, manager)
    page = client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()
    assert "The next review date of 1 child is an estimate." in page
    child = Child.objects.get(local_child_id="S001")
    assert f'href="{reverse("children:detail", args=[child.pk])}">S001</a>' in page


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_run_one_after_the_other(manager):
    """The second waits for the first (a PostgreSQL advisory lock), then finds nothing to change."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's")
    files = to_files(valid_return())
    first_comparing = threading.Event()
    results = {}

    def run(name, progress):
        try:
            results[name] = import_return(files, by=manager, progress=progress)
        finally:
            connections.close_all()

    def slow(done, total, stage):
        if stage == "comparing with the portal":
            first_comparing.set()
            time.sleep(1)

    first = threading.Thread(target=run, args=("first", slow))
    first.start()
    assert first_comparing.wait(30)
    second = threading.Thread(target=run, args=("second", None))
    second.start()
    first.join(60)
    second.join(60)
    assert results["first"].errors == [] and results["first"].children_created == 6
    assert results["second"].errors == [] and not results["second"].changed
    assert Child.objects.count() == 6 and Review.objects.filter(status="held").count() == 10
