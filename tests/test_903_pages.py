"""The SSDA903 pages (ssda903.views): who may use them, an upload imported by the Celery task
(run in the test process when the request commits) with its progress page and counts, an upload
with errors (every error on the page and in the CSV, nothing written), the export's ZIP, or the
children and rules it refuses for, the "to allocate" list, and the audit trail.

The files are a tiny return: two children looked after, three episodes and three reviews."""

import csv
import io
import re
import zipfile
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from audit.selectors import search_events
from children.models import CareEpisode, Child
from reviews.models import Review
from ssda903 import services
from ssda903.exporter import ExportResult
from ssda903.models import ImportRun, ImportStatus
from tests.conftest import ON_POSTGRESQL, sign_in
from tests.factories import CareEpisodeFactory, ChildFactory, complete_outcome_records

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(serial):
    """A UPN with a correct check letter: LA 999, establishment 0001, year 15, the serial."""
    body = f"999000115{serial:03d}"
    total = sum(int(char) * weight for char, weight in zip(body, range(2, 14)))
    return UPN_LETTERS[total % 23] + body


def valid_files():
    return {
        "header.csv": (
            "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
            f"903A01,F,01/06/2015,WBRI,{upn(1)},0,\n"
            f"903A02,M,10/10/2012,BAFR,{upn(2)},,\n"
        ),
        "episodes.csv": (
            "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            "903A01,01/03/2025,S,C2,N1,U6,PR1,,,,NG1 5DT,NG7 2UH,SC123456\n"
            "903A02,01/01/2024,S,V2,N4,U6,PR1,01/05/2024,X1,CARPL,NG1 5DT,NG7 2UH,SC123456\n"
            "903A02,01/05/2024,P,V2,N4,K2,PR4,,,,NG1 5DT,NG5 1PB,SC654321\n"
        ),
        "reviews.csv": (
            "CHILD,DOB,REVIEW,REVIEW_CODE\n"
            "903A01,01/06/2015,20/03/2025,PN1\n"
            "903A01,01/06/2015,01/09/2025,PN1\n"
            "903A02,10/10/2012,25/01/2024,PN1\n"
        ),
    }


def broken_files():
    files = valid_files()
    files["header.csv"] = files["header.csv"].replace("01/06/2015,WBRI", "2015-06-01,WBRI")
    files["episodes.csv"] = files["episodes.csv"].replace("01/05/2024,P,V2", "01/05/2024,P,XX")
    files["reviews.csv"] = files["reviews.csv"].replace("25/01/2024,PN1", "25/01/2024,PN9")
    return files


def upload(client, files, capture, *, dry_run=False):
    """Post the files as the form's boxes; the import task runs when the request commits."""
    boxes = dict(zip(("header", "episodes", "reviews", "uasc"), files.items()))
    data = {
        box: SimpleUploadedFile(name, text.encode(), content_type="text/csv") for box, (name, text) in boxes.items()
    }
    if dry_run:
        data["dry_run"] = "on"
    with capture(execute=True) as callbacks:
        response = client.post(reverse("ssda903:import"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1
    run = ImportRun.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    assert response.url == reverse("ssda903:import_run", args=[run.pk])
    return run


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


PAGES = ["ssda903:overview", "ssda903:import", "ssda903:export", "ssda903:to_allocate"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("name", PAGES)
def test_iros_and_board_members_are_refused(client, iro, board_member, name):
    for user in (iro, board_member):
        sign_in(client, user)
        assert client.get(reverse(name)).status_code == 403
        client.logout()


@pytest.mark.parametrize("name", PAGES)
def test_managers_and_administrators_see_the_pages(client, manager, administrator, name):
    for user in (manager, administrator):
        sign_in(client, user)
        assert client.get(reverse(name)).status_code == 200
        client.logout()


def test_an_iro_cannot_see_an_import_or_its_errors(client, iro, manager):
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager)
    sign_in(client, iro)
    for name in ("ssda903:import_run", "ssda903:import_status", "ssda903:import_errors_csv"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 403


def test_an_upload_is_queued_then_imported_and_the_page_shows_the_counts(
    client, manager, eager, django_capture_on_commit_callbacks
):
    sign_in(client, manager)
    run = upload(client, valid_files(), django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == ImportStatus.SUCCEEDED, (run.failure, run.errors[:5])
    assert (run.progress, run.error_count, run.dry_run) == (100, 0, False)
    assert (run.children_created, run.episodes, run.reviews_added) == (2, 3, 3)
    assert Child.objects.count() == 2 and CareEpisode.objects.count() == 3
    assert set(run.files.values_list("name", flat=True)) == {"header.csv", "episodes.csv", "reviews.csv"}

    status = client.get(reverse("ssda903:import_status", args=[run.pk])).json()
    assert status["status"] == "succeeded" and status["finished"] and status["progress"] == 100
    page = client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()
    assert "Return imported" in page
    assert 'data-count="children_created">2<' in page
    assert 'data-count="episodes">3<' in page
    assert 'data-count="reviews_added">3<' in page

    # Imported without an IRO: both are waiting for one, with a link to allocate.
    to_allocate = client.get(reverse("ssda903:to_allocate")).content.decode()
    assert "2 children need an IRO" in to_allocate
    for child in Child.objects.all():
        assert reverse("children:allocate", args=[child.pk]) in to_allocate

    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="ssda903.importrun")
    assert (event.user, event.object_id, event.detail["dry_run"]) == (manager, str(run.pk), False)
    assert set(event.detail["files"]) == {"header.csv", "episodes.csv", "reviews.csv"}


def test_a_check_only_upload_writes_nothing(client, manager, eager, django_capture_on_commit_callbacks):
    sign_in(client, manager)
    run = upload(client, valid_files(), django_capture_on_commit_callbacks, dry_run=True)
    run.refresh_from_db()
    assert (run.status, run.dry_run, run.children_created) == (ImportStatus.SUCCEEDED, True, 2)
    assert not Child.objects.exists()
    assert "No errors found" in client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()


def test_a_check_shows_the_episodes_the_file_replaces_and_imports_the_same_files_once_confirmed(
    client, manager, eager, django_capture_on_commit_callbacks
):
    child = ChildFactory(
        local_child_id="903A02", sex="M", date_of_birth=date(2012, 10, 10), ethnicity="BAFR", upn=upn(2)
    )
    CareEpisodeFactory(child=child, start_date=date(2022, 1, 1), end_date=date(2022, 6, 1), reason_episode_ceased="E4A")
    CareEpisodeFactory(
        child=child,
        start_date=date(2024, 1, 1),
        legal_status="V2",
        end_date=date(2024, 3, 1),
        reason_episode_ceased="X1",
        reason_for_placement_change="CARPL",
    )
    CareEpisodeFactory(child=child, start_date=date(2024, 3, 1), reason_for_new_episode="P", legal_status="V2")
    before = list(child.episodes.values_list("start_date", "end_date"))
    sign_in(client, manager)

    check = upload(client, valid_files(), django_capture_on_commit_callbacks, dry_run=True)
    check.refresh_from_db()
    assert (check.episodes_added, check.episodes_removed, check.children_with_episodes_replaced) == (3, 2, 1)
    page = client.get(reverse("ssda903:import_run", args=[check.pk])).content.decode()
    assert "Importing these files replaces 2 of the portal's episodes for 1 child." in page
    row = page.split('id="replaced-caption"', 1)[1].split("</tbody>", 1)[0]
    assert re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', row) == ["903A02", "2", "2", "1"]
    assert list(child.episodes.values_list("start_date", "end_date")) == before

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ssda903:import_checked", args=[check.pk]))
    imported = ImportRun.objects.exclude(pk=check.pk).get()
    assert response.url == reverse("ssda903:import_run", args=[imported.pk])
    assert (imported.status, imported.dry_run, imported.episodes_removed) == (ImportStatus.SUCCEEDED, False, 2)
    assert list(child.episodes.order_by("start_date").values_list("start_date", "end_date")) == [
        (date(2022, 1, 1), date(2022, 6, 1)),
        (date(2024, 1, 1), date(2024, 5, 1)),
        (date(2024, 5, 1), None),
    ]
    assert "The portal's episodes replaced" in client.get(response.url).content.decode()
    response = client.post(reverse("ssda903:import_checked", args=[imported.pk]), follow=True)  # not a check
    assert response.redirect_chain[-1][0] == reverse("ssda903:import_run", args=[imported.pk])
    assert "Only a check that found no errors can be imported from here" in response.content.decode()
    assert ImportRun.objects.count() == 2


def _table_rows(html):
    body = html.split('id="errors"', 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


def test_an_upload_with_errors_writes_nothing_and_shows_every_error(
    client, manager, eager, django_capture_on_commit_callbacks
):
    sign_in(client, manager)
    run = upload(client, broken_files(), django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED, run.failure
    assert run.error_count == len(run.errors) >= 3
    assert not Child.objects.exists() and not CareEpisode.objects.exists() and not Review.objects.exists()

    errors = {(error["file"], error["row"], error["child"], error["column"]) for error in run.errors}
    assert ("header.csv", 2, "903A01", "DOB") in errors
    assert ("episodes.csv", 4, "903A02", "LS") in errors
    assert ("reviews.csv", 4, "903A02", "REVIEW_CODE") in errors

    page = client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()
    assert f"Nothing was imported: the files have {run.error_count} error" in page
    assert _table_rows(page) == run.error_count
    for error in run.errors:
        assert error["message"].replace("'", "&#x27;").replace('"', "&quot;") in page

    download = client.get(reverse("ssda903:import_errors_csv", args=[run.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert f"ssda903-import-{run.pk}-errors.csv" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == run.error_count + 1
    text = download.content.decode("utf-8-sig")
    for error in run.errors:
        assert error["message"] in text
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.EXPORT, object_type="ssda903.importrun", object_id=str(run.pk)
        ).count()
        == 1
    )


def test_the_upload_form_needs_a_file(client, manager):
    sign_in(client, manager)
    response = client.post(reverse("ssda903:import"), {})
    assert response.status_code == 400
    assert "Choose the CSV files of the return." in response.content.decode()
    assert not ImportRun.objects.exists()


def _fake_result():
    return SimpleNamespace(
        errors=[],
        children_created=0,
        children_updated=0,
        unchanged_children=0,
        episodes=0,
        reviews_added=0,
        dry_run=False,
        next_reviews_estimated=[],
    )


def test_progress_only_moves_forward_and_is_saved_at_most_every_two_per_cent(manager, monkeypatch):
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager)
    saved = []
    monkeypatch.setattr(services._ProgressWriter, "_save", lambda self, percent, stage: saved.append((percent, stage)))

    def fake_import(files, *, by=None, dry_run=False, progress=None):
        for stage, total in (
            ("reading", 3),
            ("checking episodes", 1000),
            ("comparing with the portal", 1),
            ("writing", 5000),
            ("done", 1),
        ):
            for done in range(total + 1):
                progress(done, total, stage)
        return _fake_result()

    monkeypatch.setattr("ssda903.importer.import_return", fake_import)
    services.run_import(run.pk)
    percents = [percent for percent, _ in saved]
    assert percents == sorted(percents) and percents[0] == 0 and percents[-1] == 99
    for (earlier, stage), (later, next_stage) in zip(saved, saved[1:]):
        assert later - earlier >= 2 or stage != next_stage
    assert len(saved) <= 60, "progress is throttled, not saved for every row"
    assert [stage for _, stage in saved][-1] == "Finishing"
    assert ImportRun.objects.get(pk=run.pk).progress == 100


@pytest.mark.skipif(not ON_POSTGRESQL, reason="SQLite has one writer at a time: progress is shown at the end")
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_open(manager, monkeypatch):
    """The importer writes in one transaction; the page (another connection) still sees the bar move."""
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager)
    seen = []

    def read_from_another_connection():
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT progress, stage, status FROM ssda903_importrun WHERE id = %s", [run.pk])
                return cursor.fetchone()
        finally:
            other.close()

    def fake_import(files, *, by=None, dry_run=False, progress=None):
        with transaction.atomic():
            progress(50, 100, "writing")
            seen.append(read_from_another_connection())
        return _fake_result()

    monkeypatch.setattr("ssda903.importer.import_return", fake_import)
    services.run_import(run.pk)
    assert seen == [(77, "Writing the records", "running")]


def test_an_import_that_crashes_is_recorded(manager, monkeypatch):
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("ssda903.importer.import_return", broken)
    with pytest.raises(RuntimeError):
        services.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.ERROR and "disk on fire" in run.failure and run.finished_at


# --- Export -------------------------------------------------------------------------------------


def test_the_export_downloads_a_zip_of_the_return(client, manager, eager, django_capture_on_commit_callbacks):
    sign_in(client, manager)
    run = upload(client, valid_files(), django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == ImportStatus.SUCCEEDED, run.errors[:5]
    year = 2025  # April 2024 to March 2025 (2024/25): both children in care, reviews held
    complete_outcome_records(year)  # the import brings episodes and reviews only
    form = client.get(reverse("ssda903:export")).content.decode()
    assert f'value="{services.last_completed_collection_year()}" selected' in form

    response = client.get(reverse("ssda903:export"), {"year": year})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert response["Content-Type"] == "application/zip", " ".join(
        re.sub(r"<[^>]+>", " ", response.content.decode().split("<main", 1)[1]).split()
    )[:1500]
    assert f'filename="ssda903-{year}.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    tables = {name.lower() for name in names}
    assert sorted(tables) == [
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
    header = next(name for name in names if "header" in name.lower())
    assert "903A01" in archive.read(header).decode("utf-8-sig")

    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="ssda903.return")
    assert (event.user, event.object_id, event.detail["outcome"]) == (manager, str(year), "written")
    assert sorted(event.detail["files"]) == sorted(names)
    in_the_file = set(Child.objects.filter(local_child_id__in=["903A01", "903A02"]).values_list("pk", flat=True))
    assert len(in_the_file) == 2 and set(event.detail["child_ids"]) == in_the_file
    assert set(event.children_shown.values_list("child_id", flat=True)) == in_the_file


def test_an_export_that_would_break_a_rule_lists_the_children_and_rules(client, manager, monkeypatch):
    problems = [
        SimpleNamespace(child="903A01", rule="103", message="The ethnicity code is not valid."),
        SimpleNamespace(child="903A02", rule="1015", message="Placement provider must be blank for T0."),
    ]
    monkeypatch.setattr(
        "ssda903.exporter.export_return",
        lambda year: ExportResult(year=year, files={"header.csv": "CHILD\n"}, problems=problems),
    )
    sign_in(client, manager)
    response = client.get(reverse("ssda903:export"), {"year": 2025})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The return was not made: 2 records would break" in page
    for problem in problems:
        assert problem.child in page and problem.rule in page
    assert "Placement provider must be blank for T0." in page
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="ssda903.return")
    assert (event.detail["outcome"], event.detail["problems"], event.detail["files"]) == ("refused", 2, [])


def test_the_real_rules_refuse_an_export_and_name_the_child(client, manager):
    """Data entered in the portal that breaks rule 226 (a reason for a placement change on an
    episode whose placement does not change when it ceases): no ZIP, the child and rule listed."""
    child = ChildFactory(local_child_id="RULE01", date_of_birth=date(2015, 6, 1))
    CareEpisodeFactory(
        child=child,
        start_date=date(2024, 5, 1),
        end_date=date(2024, 9, 1),
        reason_episode_ceased="X1",
        reason_for_placement_change="CARPL",
    )
    CareEpisodeFactory(child=child, start_date=date(2024, 9, 1), reason_for_new_episode="L", legal_status="C2")
    sign_in(client, manager)
    response = client.get(reverse("ssda903:export"), {"year": 2025})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    rows = response.content.decode().split('id="problems"', 1)[1]
    assert "RULE01" in rows and ">226<" in rows
    assert f'href="{reverse("children:detail", args=[child.pk])}">RULE01</a>' in rows  # to correct the record
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="ssda903.return")
    assert event.detail["child_ids"] == [child.pk]
    assert list(event.children_shown.values_list("child_id", flat=True)) == [child.pk]


def test_records_the_dfe_will_query_are_shown_before_the_download(client, manager):
    """SEX U is valid from 2024/25 but raises query 232: the page names the child, and its link
    downloads the files; both steps are audited."""
    child = ChildFactory(local_child_id="QUERY1", sex="U", date_of_birth=date(2015, 6, 1))
    CareEpisodeFactory(child=child, start_date=date(2024, 5, 1))
    complete_outcome_records(2025)
    sign_in(client, manager)
    response = client.get(reverse("ssda903:export"), {"year": 2025})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The Department for Education will query 1 record." in page
    rows = page.split('id="queries-caption"', 1)[1]
    assert "QUERY1" in rows and ">232<" in rows
    link = re.search(r'href="([^"]*queries_seen=1)"', page).group(1).replace("&amp;", "&")
    download = client.get(link)
    assert download["Content-Type"] == "application/zip"
    header = zipfile.ZipFile(io.BytesIO(download.content)).read("header.csv").decode("utf-8-sig")
    assert "QUERY1" in header
    outcomes = list(
        AuditEvent.objects.filter(object_type="ssda903.return")
        .order_by("id")
        .values_list("detail__outcome", "detail__queries", "detail__child_ids")
    )
    assert outcomes == [("queries shown", 1, [child.pk]), ("written", 1, [child.pk])]
    assert list(search_events(child="QUERY1").values_list("detail__outcome", flat=True)) == ["written", "queries shown"]


def test_next_year_s_export_is_checked_against_the_return_the_portal_last_wrote(client, manager):
    """A corrected date of birth after 2023/24's return was downloaded: 2024/25's export names
    the child and rule 203, as the DfE would, and the form says which return it checks against."""
    child = ChildFactory(local_child_id="PREV01", sex="F", date_of_birth=date(2015, 6, 1))
    CareEpisodeFactory(child=child, start_date=date(2023, 5, 1))
    complete_outcome_records(2024)
    complete_outcome_records(2025)
    sign_in(client, manager)
    assert "It holds none yet" in client.get(reverse("ssda903:export")).content.decode()
    assert client.get(reverse("ssda903:export"), {"year": 2024})["Content-Type"] == "application/zip"
    form = client.get(reverse("ssda903:export")).content.decode()
    assert "2023/24 (April 2023 to March 2024): downloaded from the portal on" in form
    assert client.get(reverse("ssda903:export"), {"year": 2025})["Content-Type"] == "application/zip"

    child.date_of_birth = date(2015, 6, 2)
    child.save()
    page = client.get(reverse("ssda903:export"), {"year": 2025}).content.decode()
    rows = page.split('id="problems"', 1)[1]
    assert "PREV01" in rows and ">203<" in rows and "01/06/2015 in last year&#x27;s return" in rows


def test_the_export_refuses_a_year_not_offered(client, manager):
    sign_in(client, manager)
    assert client.get(reverse("ssda903:export"), {"year": 1999}).status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_overview_lists_recent_imports(client, manager):
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager, dry_run=True)
    sign_in(client, manager)
    page = client.get(reverse("ssda903:overview")).content.decode()
    assert reverse("ssda903:import_run", args=[run.pk]) in page and "Check only" in page


def test_the_checks_page_takes_as_many_queries_for_forty_children_as_for_one(client, manager):
    """The children whose episodes a check would replace, and those whose next review is an
    estimate, are listed without a query per child."""
    sign_in(client, manager)

    def queries_for(count):
        local_ids = [f"Q{count}X{number:03d}" for number in range(count)]
        for local_id in local_ids:
            ChildFactory(local_child_id=local_id)
        run = ImportRun.objects.create(
            uploaded_by=manager,
            status=ImportStatus.SUCCEEDED,
            dry_run=True,
            finished_at=timezone.now(),
            episodes_removed=count,
            children_with_episodes_replaced=count,
            children_episodes_replaced=[[local_id, 1, 1, 0] for local_id in local_ids],
            next_reviews_estimated=local_ids,
        )
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
            page = client.get(reverse("ssda903:import_run", args=[run.pk])).content.decode()
        assert f"replaces {count} of the portal's episodes" in page
        assert page.count('<td class="govuk-table__cell">Q') == count
        assert page.count(f'">Q{count}X') == 2 * count  # each child in both lists
        return len(queries)

    assert queries_for(40) == queries_for(1)
