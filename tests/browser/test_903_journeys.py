"""The SSDA903 return in the browser: a service manager imports a return and downloads one.

Journey: the manager opens the SSDA903 pages, submits the upload form with no file (GOV.UK error
summary), uploads files with errors (the progress page waits for the worker, then polls its way
to the outcome: every error in a table, with the CSV download), uploads the corrected files (the
counts), opens the children to allocate an IRO to, checks files that change an episode (what the
import would replace, by child) and imports them on confirmation, is refused the return because a girl's MOTHER
is not recorded (rule 393), records it from her page, downloads the return as a ZIP, and sees
the records the DfE will query. axe-core runs on every page type, in each state.

Celery: `import_worker` stands in for the worker, as `pdf_worker` does for the annual report: the
portal sends the real task when the request's transaction commits; the stand-in records it and
the test runs the real task when it chooses.
"""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from children.models import Child
from ssda903 import services
from tests.factories import complete_outcome_records
from tests.test_903_pages import broken_files, valid_files

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ImportWorker:
    def __init__(self, task):
        self.task = task
        self.queued = []

    def delay(self, run_id):
        self.queued.append(run_id)

    def work(self):
        done, self.queued = self.queued, []
        for run_id in done:
            self.task(run_id)
        return done


@pytest.fixture
def import_worker(monkeypatch):
    from ssda903 import tasks

    worker = ImportWorker(tasks.run_import)
    # ssda903.services imports the task from ssda903.tasks when an upload is started.
    monkeypatch.setattr(tasks, "run_import", worker)
    return worker


def h1(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.locator(".govuk-error-summary")


def write(folder, files):
    paths = {}
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    return paths


def choose_files(page, paths):
    for label, name in (("Header", "header.csv"), ("Episodes", "episodes.csv"), ("Reviews", "reviews.csv")):
        page.get_by_label(label, exact=True).set_input_files(paths[name])


def test_manager_imports_and_exports_the_return(page, manager, import_worker, tmp_path, screenshot):
    titles = {}

    def check(where, expected_title):
        expect(page).to_have_title(f"{expected_title} – IRO Portal")
        titles[where] = expected_title
        assert_no_axe_violations(page, where)
        screenshot(page, "axe-903-" + re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-"))

    sign_in(page, manager)
    page.goto("/returns/903/")
    expect(h1(page)).to_have_text("SSDA903 return")
    expect(page.locator("main")).to_contain_text("No return has been imported yet.")
    check("overview, no imports", "SSDA903 return")

    page.get_by_role("link", name="Import a return").click()
    expect(h1(page)).to_have_text("Import an SSDA903 return")
    check("upload form", "Import an SSDA903 return")

    # No file: refused, the error summary focused, its link leading to the first box.
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Upload the files").click()
    assert navigation.value.status == 400
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page).get_by_role("link", name="Choose the CSV files of the return.")).to_have_attribute(
        "href", "#id_header"
    )
    check("upload form with errors", "Error: Import an SSDA903 return")

    # Files with errors: the progress page waits for the worker, then shows every error.
    (tmp_path / "broken").mkdir()
    choose_files(page, write(tmp_path / "broken", broken_files()))
    page.get_by_role("button", name="Upload the files").click()
    expect(h1(page)).to_have_text("Import of the SSDA903 return")
    expect(page.get_by_role("status")).to_have_text("Waiting to start: 0% done.")
    expect(page.get_by_role("link", name="Refresh this page")).to_be_visible()
    assert len(import_worker.queued) == 1
    run = services.ImportRun.objects.get()
    check("import waiting", f"Import of an SSDA903 return {run.pk}")
    import_worker.work()
    # The page polls the status and, once the import has finished, shows the outcome.
    errors = page.get_by_role("table", name=re.compile(r"^Errors"))
    expect(errors).to_be_visible(timeout=10_000)
    expect(error_summary(page)).to_contain_text("Nothing was imported: the files have")
    run.refresh_from_db()
    expect(errors.locator("tbody tr")).to_have_count(run.error_count)
    expect(errors.locator("tbody tr", has_text="903A01").first).to_contain_text("DOB")
    expect(errors).to_contain_text("REVIEW_CODE")
    check("import with errors", f"Import of an SSDA903 return {run.pk}")
    assert not Child.objects.exists()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the errors as a CSV file").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert len(text.strip().splitlines()) == run.error_count + 1

    # The corrected files, from a system that never recorded MOTHER: imported, with the counts.
    page.get_by_role("link", name="upload them again").click()
    (tmp_path / "fixed").mkdir()
    fixed = valid_files()
    fixed["header.csv"] = re.sub(r"^(903A01,.*),0,$", r"\1,,", fixed["header.csv"], flags=re.MULTILINE)
    choose_files(page, write(tmp_path / "fixed", fixed))
    page.get_by_role("button", name="Upload the files").click()
    expect(page.get_by_role("status")).to_have_text("Waiting to start: 0% done.")
    import_worker.work()
    expect(page.locator(".govuk-panel")).to_contain_text("Return imported", timeout=10_000)
    expect(page.locator('[data-count="children_created"]')).to_have_text("2")
    expect(page.locator('[data-count="episodes"]')).to_have_text("3")
    expect(page.locator('[data-count="reviews_added"]')).to_have_text("3")
    check("import succeeded", f"Import of an SSDA903 return {services.ImportRun.objects.latest('pk').pk}")

    # The children imported without an IRO, each with a link to allocate one.
    page.get_by_role("link", name="See the children who need an IRO").click()
    expect(h1(page)).to_have_text("Children to allocate an IRO to")
    expect(page.get_by_role("link", name=re.compile(r"^Allocate an IRO"))).to_have_count(2)
    check("children to allocate", "Children to allocate an IRO to")

    page.goto("/returns/903/")
    expect(page.get_by_role("table", name="Recent imports").locator("tbody tr")).to_have_count(2)
    check("overview with imports", "SSDA903 return")

    # A check of files that change an episode says what the import would replace, then imports
    # the same files when the manager confirms.
    page.get_by_role("link", name="Import a return").click()
    (tmp_path / "changed").mkdir()
    fixed["episodes.csv"] = fixed["episodes.csv"].replace(
        "903A02,01/05/2024,P,V2,N4,K2,PR4", "903A02,01/05/2024,P,V2,N4,K2,PR5"
    )
    choose_files(page, write(tmp_path / "changed", fixed))
    page.get_by_label("Check the files only").check()
    page.get_by_role("button", name="Upload the files").click()
    import_worker.work()
    expect(page.locator(".govuk-panel")).to_contain_text("No errors found", timeout=10_000)
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Importing these files replaces 1 of the portal's episodes for 1 child."
    )
    page.get_by_text("Episodes by child").click()
    expect(page.get_by_role("table", name=re.compile("by child")).locator("tbody tr")).to_have_text(
        [re.compile(r"903A02\s*1\s*1\s*1")]
    )
    check("check with episodes to replace", f"Check of an SSDA903 return {services.ImportRun.objects.latest('pk').pk}")
    page.get_by_role("button", name="Import these files").click()
    import_worker.work()
    expect(page.locator(".govuk-panel")).to_contain_text("Return imported", timeout=10_000)
    expect(page.locator('[data-count="episodes_removed"]')).to_have_text("1")
    page.goto("/returns/903/")

    # 2024/25 is refused: 903A01, a girl in care, has no MOTHER (rule 393). No file, each child
    # and rule, the child's ID a link to her page, where the manager records it. (Their health
    # and previous permanence records, which the return also needs, are there.)
    complete_outcome_records(2025)
    page.get_by_role("link", name="Download a return").click()
    expect(h1(page)).to_have_text("Download an SSDA903 return")
    check("export form", "Download an SSDA903 return")
    page.get_by_label("Collection year").select_option("2025")
    page.get_by_role("button", name="Download the return").click()
    expect(h1(page)).to_have_text("SSDA903 return, 2024/25 (April 2024 to March 2025)")
    table = page.get_by_role("table", name="Records that break a rule")
    expect(table.locator("tbody tr")).to_have_text([re.compile(r"903A01\s*393\s*MOTHER is blank for a girl")])
    check("export refused", "Error: SSDA903 return 2024/25 (April 2024 to March 2025) not made")
    table.get_by_role("link", name="903A01").click()
    expect(h1(page)).to_have_text("Child 903A01")
    page.get_by_role("link", name="Record whether Child 903A01 is a mother").click()
    check("motherhood question", "Is Child 903A01 a mother?")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Child 903A01 is recorded as not a mother."
    )

    # Now the return: 2024/25 as a ZIP, with her MOTHER 0.
    page.goto("/returns/903/export/")
    page.get_by_label("Collection year").select_option("2025")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the return").click()
    assert download.value.suggested_filename == "ssda903-2025.zip"
    with open(download.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert {"header.csv", "episodes.csv", "reviews.csv"} <= set(archive.namelist())
    assert re.search(r"^903A01,F,01/06/2015,WBRI,\w+,0,\r$", archive.read("header.csv").decode(), re.MULTILINE)

    # A record the DfE will query (SEX U, rule 232): listed first, then the files on request.
    Child.objects.filter(local_child_id="903A01").update(sex="U")
    page.goto("/returns/903/export/")
    page.get_by_label("Collection year").select_option("2025")
    page.get_by_role("button", name="Download the return").click()
    expect(page.get_by_role("table", name="Records the DfE will query").locator("tbody tr")).to_have_text(
        [re.compile(r"903A01\s*232\s*SEX is recorded as U")]
    )
    check("export with queries", "SSDA903 return 2024/25 (April 2024 to March 2025): records the DfE will query")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"^Download the return")).click()
    assert download.value.suggested_filename == "ssda903-2025.zip"
    page.problems.assert_none()
