"""CSV files people open in a spreadsheet never carry a formula it would run (OWASP's CSV
injection advice: an apostrophe in front of text starting with = + - @ TAB or CR, the cell
quoted), while figures such as -3 stay numbers."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from iro_portal.spreadsheets import SpreadsheetWriter, spreadsheet_safe
from ssda903.importer import import_return
from ssda903.models import ImportRun, ImportStatus
from ssda903.services import error_as_dict
from tests.conftest import sign_in

FORMULAS = ["=1+2", "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+2", "\r=1+2", '=HYPERLINK("http://evil.test")']


@pytest.mark.parametrize("formula", FORMULAS)
def test_text_a_spreadsheet_would_run_starts_with_an_apostrophe(formula):
    assert spreadsheet_safe(formula) == f"'{formula}"


@pytest.mark.parametrize("value", [-3, -2.5, 0, 7, None, "-3", "-12.5", "A001", "", "2026-01-01T00:00:00+00:00", "a=b"])
def test_numbers_and_ordinary_text_are_left_as_they_are(value):
    assert spreadsheet_safe(value) == value


def test_the_writer_quotes_text_neutralises_formulas_and_writes_numbers_as_numbers():
    out = io.StringIO()
    SpreadsheetWriter(out, lineterminator="\n").writerow(["Change", -3, "-3", "=-3", "-3+1", "cmd|' /C calc'!A0"])
    assert out.getvalue() == '"Change",-3,"-3","\'=-3","\'-3+1","cmd|\' /C calc\'!A0"\n'
    assert list(csv.reader(io.StringIO(out.getvalue())))[0][:5] == ["Change", "-3", "-3", "'=-3", "'-3+1"]


def _import_with_formulas():
    """A return whose cells a spreadsheet would run: its CHILD and an episode's code."""
    return {
        "header.csv": b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n=1+2,F,01/06/2015,WBRI,UN1,0,\n",
        "episodes.csv": (
            b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            b"=1+2,01/03/2025,S,@SUM(A1),N1,U6,PR1,,,,,,\n"
        ),
    }


@pytest.mark.django_db
def test_the_import_errors_csv_neutralises_what_the_files_held(client, manager):
    result = import_return(_import_with_formulas(), by=manager)
    assert result.errors
    run = ImportRun.objects.create(
        uploaded_by=manager,
        status=ImportStatus.FAILED,
        finished_at=timezone.now(),
        error_count=len(result.errors),
        errors=[error_as_dict(e) for e in result.errors],
    )
    sign_in(client, manager)
    download = client.get(reverse("ssda903:import_errors_csv", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    ls_error = next(row for row in rows if row[3] == "LS")
    assert (ls_error[2], ls_error[4]) == ("'=1+2", "'@SUM(A1)")


@pytest.mark.django_db
def test_the_annual_report_csv_quotes_its_text_cells(client, manager):
    sign_in(client, manager)
    response = client.get(reverse("reporting:annual_report_csv", args=[2025]))
    assert response.status_code == 200
    assert response.content.decode().startswith('"Section","Measure","Unit",')
