"""A local child ID (the SSDA903 CHILD) is letters and digits with a few separators, starting
with a letter or digit: never text a spreadsheet would run as a formula. One rule
(children.validators) for the API, the services, the 903 import and the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from children import services
from children.models import Child
from ssda903.importer import import_return
from tests.api_helpers import api_client, assert_error_shape
from tests.factories import ChildFactory

REFUSED = ["=1+2", "+441234", "-1", "@SUM(A1)", "A 1", "A,1", "A;1", "A\t1", "'A1", "A1=", "é1", "_A1"]
ACCEPTED = ["A001", "LA-0042", "la_42", "12.34", "2024/17", "7"]


def new_child(local_child_id):
    return {
        "local_child_id": local_child_id,
        "given_name": "Nico",
        "family_name": "Newcomer",
        "date_of_birth": "2016-04-02",
        "sex": "M",
        "ethnicity": "BAFR",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("local_child_id", REFUSED)
def test_the_api_refuses_an_identifier_that_is_not_letters_digits_and_separators(manager, local_child_id):
    response = api_client(manager).post("/api/v1/children/", new_child(local_child_id), format="json")
    body = assert_error_shape(response, 400, "local_child_id")
    assert "letters and digits" in body["errors"]["local_child_id"][0]
    assert not Child.objects.exists()
    assert not AuditEvent.objects.filter(object_type="children.child").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("local_child_id", ACCEPTED)
def test_the_api_accepts_letters_digits_and_separators(manager, local_child_id):
    response = api_client(manager).post("/api/v1/children/", new_child(local_child_id), format="json")
    assert response.status_code == 201, response.content
    assert Child.objects.get().local_child_id == local_child_id


@pytest.mark.django_db
def test_the_service_refuses_a_formula(manager):
    fields = new_child("=1+2")
    with pytest.raises(ValidationError) as raised:
        services.create_child(by=manager, **fields)
    assert "letters and digits" in raised.value.message_dict["local_child_id"][0]
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_formula_saved_past_the_checks():
    with pytest.raises(IntegrityError), transaction.atomic():
        Child.objects.bulk_create([ChildFactory.build(local_child_id="=1+2")])
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_the_903_import_refuses_a_formula_as_child(manager):
    files = {
        "header.csv": b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n=1+2,F,01/06/2015,WBRI,UN1,0,\n",
        "episodes.csv": (
            b"CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            b"=1+2,01/03/2025,S,C2,N1,U6,PR1,,,,,,\n"
        ),
    }
    result = import_return(files, by=manager)
    child_errors = [
        (error.file, error.row, error.column, error.value)
        for error in result.errors
        if "letters and digits" in error.message
    ]
    assert child_errors == [("header.csv", 2, "CHILD", "=1+2"), ("episodes.csv", 2, "CHILD", "=1+2")]
    assert not Child.objects.exists()
