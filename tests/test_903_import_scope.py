"""What an SSDA903 import may replace: only what its return covers (the collection year's
episodes of the children in it), so importing an older year's return, or the same files again,
leaves the rest of the portal's record as it was."""

import hashlib
from datetime import date as D
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from children.models import CareEpisode, Child
from reviews.models import Review, ReviewKind, ReviewStatus
from ssda903.exporter import export_return
from ssda903.importer import import_return
from ssda903.models import StoredReturn
from tests.conftest import kept_for_the_module
from tests.factories import CareEpisodeFactory, ChildFactory

pytestmark = pytest.mark.django_db

TODAY = D(2025, 11, 25)
EPISODE_COLUMNS = (
    "child__local_child_id",
    "start_date",
    "reason_for_new_episode",
    "legal_status",
    "category_of_need",
    "placement_type",
    "placement_provider",
    "end_date",
    "reason_episode_ceased",
    "reason_for_placement_change",
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """A demo authority with care histories running to November 2025, and its 2023/24 and
    2024/25 returns as the portal writes them."""
    with kept_for_the_module(django_db_blocker):
        call_command("seed_demo", "--children", "200", "--seed", "5", "--today", TODAY.isoformat(), stdout=StringIO())
        returns = {}
        for year in (2024, 2025):
            written = export_return(year)
            assert written.ok, written.problems[:3]
            returns[year] = {name: text.encode() for name, text in written.files.items()}
        yield returns


def portal():
    """Row counts and a hash of every row an import could touch: children's details, episodes,
    and LAC reviews held and outstanding."""
    children = list(
        Child.objects.order_by("local_child_id").values_list(
            "local_child_id",
            "sex",
            "date_of_birth",
            "ethnicity",
            "upn",
            "is_mother",
            "first_child_date_of_birth",
            "is_uasc",
            "uasc_ceased_on",
            "lac_reviews_recorded_from",
        )
    )
    episodes = list(CareEpisode.objects.order_by("child__local_child_id", "start_date").values_list(*EPISODE_COLUMNS))
    reviews = list(
        Review.objects.order_by("child__local_child_id", "kind", "due_date", "held_on", "status").values_list(
            "child__local_child_id", "kind", "status", "held_on", "due_date", "number", "cycle_start", "version"
        )
    )
    return {
        "counts": (len(children), len(episodes), len(reviews)),
        "hashes": tuple(hashlib.sha256(repr(rows).encode()).hexdigest() for rows in (children, episodes, reviews)),
    }


def imported(files, **options):
    """Imported on the day the demo was seeded: a day later, time alone may change what is due
    (a series of short breaks lapses after twelve months without a break)."""
    options.setdefault("today", TODAY)
    result = import_return(files, **options)
    assert result.errors == [], [(e.child, e.column, e.message) for e in result.errors[:5]]
    return result


def test_importing_an_older_years_return_keeps_the_later_care_history(seeded):
    later = CareEpisode.objects.filter(start_date__gt=D(2024, 3, 31))
    assert later.count() > 100
    children_in_file = {line.split(",")[0] for line in seeded[2024]["header.csv"].decode().splitlines()[1:]}
    assert 0 < len(children_in_file) < Child.objects.count()
    before = portal()
    later_before = list(later.order_by("child__local_child_id", "start_date").values_list(*EPISODE_COLUMNS))

    result = imported(seeded[2024])

    assert list(later.order_by("child__local_child_id", "start_date").values_list(*EPISODE_COLUMNS)) == later_before
    assert portal() == before  # children not in the file too, and every review
    assert not result.changed
    assert (result.episodes, result.episodes_added, result.episodes_removed) == (0, 0, 0)


def test_the_first_import_of_the_portals_own_return_changes_nothing_nor_does_a_second(seeded):
    before = portal()
    first = imported(seeded[2025])
    assert not first.changed
    assert (first.children_updated, first.unchanged_children) == (0, first.children_in_file)
    stored = StoredReturn.objects.get(year=2025)
    assert imported(seeded[2025]).changed is False
    assert portal() == before
    assert StoredReturn.objects.get(year=2025).stored_at == stored.stored_at  # nor is the return stored again
    assert [
        event.detail["changed"] for event in AuditEvent.objects.filter(object_type="ssda903.import").order_by("pk")
    ] == [False, False]


def test_last_years_return_imported_again_after_this_years_changes_nothing(seeded):
    Child.objects.all().delete()
    StoredReturn.objects.all().delete()
    imported(seeded[2024])
    imported(seeded[2025])
    after_both = portal()
    assert after_both["counts"][1] > 0

    again = imported(seeded[2024])

    assert portal() == after_both
    assert not again.changed


# --- the rule on hand-made records ----------------------------------------------------------------

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n"


REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\r\n"


def files(header_rows, episode_rows, review_rows):
    """A 2023/24 return (its collection year is that of its latest date: the reviews')."""
    return {
        "header.csv": (HEADER + "".join(row + "\r\n" for row in header_rows)).encode(),
        "episodes.csv": (EPISODES + "".join(row + "\r\n" for row in episode_rows)).encode(),
        "reviews.csv": (REVIEWS + "".join(row + "\r\n" for row in review_rows)).encode(),
    }


def episodes_of(child):
    return list(
        child.episodes.order_by("start_date").values_list(
            "start_date",
            "reason_for_new_episode",
            "legal_status",
            "end_date",
            "reason_episode_ceased",
            "reason_for_placement_change",
        )
    )


def test_an_episode_open_at_the_year_end_keeps_the_portals_later_end_and_the_year_is_corrected():
    """The 2023/24 return has the child's placement open on 31 March 2024: open then, not still
    open. The portal knows it ended in June 2024 with a move; that and the later episodes stay,
    while the file's correction inside its year (legal status C2, not C1) is taken."""
    child = ChildFactory(
        local_child_id="K001",
        date_of_birth=D(2012, 1, 1),
        sex="F",
        upn="",
        is_mother=True,
        first_child_date_of_birth=D(2025, 6, 1),
    )
    CareEpisodeFactory(
        child=child,
        start_date=D(2023, 1, 1),
        reason_for_new_episode="S",
        legal_status="C1",
        placement_type="U4",
        end_date=D(2024, 6, 1),
        reason_episode_ceased="X1",
        reason_for_placement_change="CARPL",
    )
    CareEpisodeFactory(
        child=child,
        start_date=D(2024, 6, 1),
        reason_for_new_episode="P",
        legal_status="C1",
        placement_type="U6",
        end_date=D(2025, 2, 1),
        reason_episode_ceased="E11",
    )
    CareEpisodeFactory(
        child=child, start_date=D(2025, 5, 1), reason_for_new_episode="S", legal_status="C2", placement_type="U4"
    )
    other = ChildFactory(local_child_id="K002")
    CareEpisodeFactory(child=other, start_date=D(2023, 5, 1), legal_status="C2", placement_type="U4")
    other_before = episodes_of(other)
    return_2024 = files(
        ["K001,F,01/01/2012,WBRI,UN5,0,"], ["K001,01/01/2023,S,C2,N1,U4,PR1,,,,,,"], ["K001,01/01/2012,01/12/2023,PN1"]
    )

    result = imported(return_2024)

    assert episodes_of(child) == [
        (D(2023, 1, 1), "S", "C2", D(2024, 6, 1), "X1", "CARPL"),
        (D(2024, 6, 1), "P", "C1", D(2025, 2, 1), "E11", ""),
        (D(2025, 5, 1), "S", "C2", None, "", ""),
    ]
    assert (result.episodes_added, result.episodes_removed) == (1, 1)
    child.refresh_from_db()
    # UN5 is how the return writes a UPN not recorded, MOTHER 0 a first child born after the year.
    assert (child.upn, child.is_mother, child.first_child_date_of_birth) == ("", True, D(2025, 6, 1))
    assert episodes_of(other) == other_before
    assert not imported(return_2024).changed


def test_last_years_return_again_keeps_this_years_correction_of_the_episode_open_across_the_year_end():
    """The 2023/24 return has the placement from June 2023 under C1, open on 31 March 2024; the
    2024/25 return corrects it to C2 and has it ending in June 2024. Last year's return imported
    again leaves the episodes as this year's left them."""
    header = ["K006,M,01/01/2012,WBRI,UN5,,"]
    last_year = files(header, ["K006,01/06/2023,S,C1,N1,U4,PR1,,,,,,"], ["K006,01/01/2012,01/12/2023,PN1"])
    this_year = files(
        header,
        ["K006,01/06/2023,S,C2,N1,U4,PR1,01/06/2024,X1,CARPL,,,", "K006,01/06/2024,P,C2,N1,U6,PR1,,,,,,"],
        ["K006,01/01/2012,01/12/2024,PN1"],
    )
    imported(last_year)
    imported(this_year)
    after_both = portal()
    assert episodes_of(Child.objects.get(local_child_id="K006")) == [
        (D(2023, 6, 1), "S", "C2", D(2024, 6, 1), "X1", "CARPL"),
        (D(2024, 6, 1), "P", "C2", None, "", ""),
    ]

    again = imported(last_year)

    assert portal() == after_both
    assert not again.changed


def test_a_return_that_contradicts_the_care_after_its_year_is_refused():
    """The 2023/24 return says the child was still looked after on 31 March 2024; the portal has
    the care ending in February and a new period from May: nothing is written."""
    child = ChildFactory(local_child_id="K003", date_of_birth=D(2012, 1, 1), sex="M")
    CareEpisodeFactory(
        child=child,
        start_date=D(2023, 1, 1),
        legal_status="C2",
        placement_type="U4",
        end_date=D(2024, 2, 1),
        reason_episode_ceased="E11",
    )
    CareEpisodeFactory(child=child, start_date=D(2024, 5, 1), legal_status="C2", placement_type="U4")
    before = episodes_of(child)

    result = import_return(
        files(
            ["K003,M,01/01/2012,WBRI,UN5,,"],
            ["K003,01/01/2023,S,C2,N1,U4,PR1,,,,,,"],
            ["K003,01/01/2012,01/12/2023,PN1"],
        )
    )

    assert [(e.row, e.child, e.column) for e in result.errors] == [(2, "K003", "DEC")]
    assert "next episode starting on 01/05/2024" in result.errors[0].message
    assert episodes_of(child) == before
    assert not AuditEvent.objects.filter(object_type="ssda903.import").exists()


def test_reviews_after_the_year_stay_and_a_child_who_left_care_after_it_gets_no_next_review():
    """The portal has the child leaving care in October 2024 after a review in September; the
    2023/24 return has the placement open on 31 March 2024. The child is not brought back into
    care: no next review is scheduled, and the later review stays."""
    child = ChildFactory(local_child_id="K004", date_of_birth=D(2012, 1, 1), sex="M")
    CareEpisodeFactory(
        child=child,
        start_date=D(2023, 1, 1),
        legal_status="C2",
        placement_type="U4",
        end_date=D(2024, 10, 1),
        reason_episode_ceased="E11",
    )
    later = Review.objects.create(
        child=child,
        kind=ReviewKind.LAC,
        status=ReviewStatus.HELD,
        held_on=D(2024, 9, 1),
        due_date=D(2024, 9, 1),
        number=4,
        cycle_start=D(2023, 1, 1),
        participation_code="PN1",
    )

    imported(
        files(
            ["K004,M,01/01/2012,WBRI,UN5,,"],
            ["K004,01/01/2023,S,C2,N1,U4,PR1,,,,,,"],
            ["K004,01/01/2012,01/12/2023,PN1"],
        )
    )

    assert episodes_of(child) == [(D(2023, 1, 1), "S", "C2", D(2024, 10, 1), "E11", "")]
    assert list(child.reviews.filter(kind=ReviewKind.LAC).order_by("held_on").values_list("status", "held_on")) == [
        (ReviewStatus.HELD, D(2023, 12, 1)),
        (ReviewStatus.HELD, later.held_on),
    ]


def test_a_dry_run_of_the_command_lists_the_children_whose_episodes_the_file_would_replace(tmp_path):
    child = ChildFactory(local_child_id="K005", date_of_birth=D(2012, 1, 1), sex="M")
    CareEpisodeFactory(child=child, start_date=D(2023, 1, 1), legal_status="C1", placement_type="U4")
    before = episodes_of(child)
    paths = {}
    for name, content in files(
        ["K005,M,01/01/2012,WBRI,UN5,,"], ["K005,01/01/2023,S,C2,N1,U4,PR1,,,,,,"], ["K005,01/01/2012,01/12/2023,PN1"]
    ).items():
        paths[name.split(".")[0]] = tmp_path / name
        paths[name.split(".")[0]].write_bytes(content)
    out = StringIO()

    call_command(
        "import_903",
        "--dry-run",
        header=str(paths["header"]),
        episodes=str(paths["episodes"]),
        reviews=str(paths["reviews"]),
        stdout=out,
    )

    text = out.getvalue()
    assert "1 episodes written (1 new, 1 of the portal's replaced)" in text
    assert "The file replaces the portal's episodes of 1 children" in text
    assert "  K005: 1, 1, 0\n" in text
    assert episodes_of(child) == before
