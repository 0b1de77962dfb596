"""Whether a child is a mother, and her first child's date of birth (SSDA903 Header MOTHER and
MC_DOB): the page from the child's record, the service's rules, the API and the database's."""

import datetime
import zipfile
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from children.models import Child
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import postgresql_only, sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, complete_outcome_records

D = datetime.date
BORN = D(2009, 5, 4)


@pytest.fixture
def girl(db, iro):
    """A girl of 15 or 16 in care since January 2024, allocated to `iro`, motherhood not recorded."""
    child = ChildFactory(given_name="Amara", family_name="Okafor", date_of_birth=BORN, is_mother=None)
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    return child


def page(child):
    return reverse("children:motherhood", args=[child.pk])


def answer(client, child, is_mother=None, born=None):
    data = {"is_mother": is_mother} if is_mother else {}
    data["version"] = Child.objects.get(pk=child.pk).version
    if born is not None:
        data.update(
            first_child_date_of_birth_day=born.day,
            first_child_date_of_birth_month=born.month,
            first_child_date_of_birth_year=born.year,
        )
    return client.post(page(child), data)


def motherhood(child):
    child.refresh_from_db()
    return child.is_mother, child.first_child_date_of_birth


def updates(child):
    return AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="children.child", child_id=child.pk)


class TestThePage:
    def test_the_child_s_page_says_it_is_not_recorded_and_links_to_the_question(self, client, iro, girl):
        sign_in(client, iro)
        content = client.get(reverse("children:detail", args=[girl.pk])).content.decode()
        assert "Not recorded" in content
        assert (
            f'href="{page(girl)}">Record<span class="govuk-visually-hidden"> whether Amara Okafor is a mother'
            in content
        )
        form = client.get(page(girl)).content.decode()
        assert '<h1 class="govuk-fieldset__heading">Is Amara Okafor a mother?</h1>' in form
        assert "Date of birth of Amara Okafor&#x27;s first child" in form

    def test_the_iro_records_a_mother_and_her_first_child_s_date_of_birth(self, client, iro, girl):
        sign_in(client, iro)
        response = answer(client, girl, "yes", D(2024, 9, 3))
        assert response.status_code == 302 and response["Location"] == reverse("children:detail", args=[girl.pk])
        assert motherhood(girl) == (True, D(2024, 9, 3))
        content = client.get(response["Location"]).content.decode()
        assert "Amara Okafor is recorded as a mother." in content
        assert "Yes, her first child was born on 3 September 2024" in content
        event = updates(girl).get()
        assert event.user == iro
        assert event.detail == {
            "before": {"is_mother": None, "first_child_date_of_birth": ""},
            "after": {"is_mother": True, "first_child_date_of_birth": "2024-09-03"},
        }

    def test_a_manager_records_that_she_is_not_a_mother(self, client, manager, girl):
        sign_in(client, manager)
        response = answer(client, girl, "no")
        assert response.status_code == 302
        assert motherhood(girl) == (False, None)
        assert "No</dd>" in client.get(response["Location"]).content.decode()
        assert 'value="no" checked' in client.get(page(girl)).content.decode()

    @pytest.mark.parametrize(
        "is_mother, born, message",
        [
            (None, None, "Select yes if Amara Okafor is a mother"),
            ("yes", None, "Enter the date of birth of Amara Okafor&#x27;s first child."),
            ("no", D(2024, 9, 3), "Give the date of birth of a first child only for a child who is a mother."),
            (
                "yes",
                D(2009, 5, 3),
                "The first child&#x27;s date of birth must be on or after Amara Okafor&#x27;s own (4 May 2009).",
            ),
            (
                "yes",
                D.today() + datetime.timedelta(days=1),
                "The first child&#x27;s date of birth must be today or in the past.",
            ),
        ],
    )
    def test_a_wrong_answer_is_explained_and_changes_nothing(self, client, iro, girl, is_mother, born, message):
        sign_in(client, iro)
        response = answer(client, girl, is_mother, born)
        assert response.status_code == 400
        content = response.content.decode()
        assert "<title>Error: Is Amara Okafor a mother?" in content
        assert "govuk-error-summary" in content and message in content
        assert motherhood(girl) == (None, None) and not updates(girl).exists()

    def test_an_impossible_date_is_explained(self, client, iro, girl):
        sign_in(client, iro)
        response = client.post(
            page(girl),
            {
                "is_mother": "yes",
                "first_child_date_of_birth_day": "31",
                "first_child_date_of_birth_month": "2",
                "first_child_date_of_birth_year": "2024",
            },
        )
        assert response.status_code == 400 and "Enter a real date" in response.content.decode()
        assert motherhood(girl) == (None, None)

    def test_a_boy_has_no_such_question(self, client, iro):
        boy = ChildFactory(sex="M")
        AllocationFactory(child=boy, iro=iro)
        sign_in(client, iro)
        assert "Mother</dt>" not in client.get(reverse("children:detail", args=[boy.pk])).content.decode()
        assert client.get(page(boy)).status_code == 404
        assert answer(client, boy, "no").status_code == 404
        assert motherhood(boy) == (None, None)

    def test_another_iro_cannot_record_it_and_a_board_member_is_refused(self, client, other_iro, board_member, girl):
        sign_in(client, other_iro)
        assert answer(client, girl, "no").status_code == 404
        client.logout()
        sign_in(client, board_member)
        assert answer(client, girl, "no").status_code == 403
        assert motherhood(girl) == (None, None) and not updates(girl).exists()


def test_an_export_refused_for_rule_393_is_put_right_from_the_child_s_page(client, manager, girl):
    """The export names the girl and rule 393 with a link to her page; once it is recorded
    there, the return is made, with MOTHER 1 and MC_DOB."""
    complete_outcome_records(2025)
    sign_in(client, manager)
    refused = client.get(reverse("ssda903:export"), {"year": 2025}).content.decode()
    rows = refused.split('id="problems"', 1)[1]
    assert ">393<" in rows and "record whether she is a mother on her page" in rows
    assert f'href="{reverse("children:detail", args=[girl.pk])}">{girl.local_child_id}</a>' in rows
    assert answer(client, girl, "yes", D(2024, 9, 3)).status_code == 302
    download = client.get(reverse("ssda903:export"), {"year": 2025})
    assert download["Content-Type"] == "application/zip"
    header = zipfile.ZipFile(BytesIO(download.content)).read("header.csv").decode()
    assert f"{girl.local_child_id},F,04/05/2009,WBRI,UN5,1,03/09/2024" in header


class TestTheApi:
    def new_child(self, **changes):
        return {
            "local_child_id": "NEW001",
            "given_name": "Nia",
            "family_name": "Newcomer",
            "date_of_birth": "2009-04-02",
            "sex": "F",
            "ethnicity": "BAFR",
            **changes,
        }

    def test_a_child_is_added_with_her_motherhood_and_shows_it(self, manager):
        client = api_client(manager)
        response = client.post(
            "/api/v1/children/", self.new_child(is_mother=True, first_child_date_of_birth="2024-12-01"), format="json"
        )
        assert response.status_code == 201, response.content
        assert (response.json()["is_mother"], response.json()["first_child_date_of_birth"]) == (True, "2024-12-01")
        child = Child.objects.get(local_child_id="NEW001")
        assert (child.is_mother, child.first_child_date_of_birth) == (True, D(2024, 12, 1))
        shown = client.get(f"/api/v1/children/{child.pk}/").json()
        assert (shown["is_mother"], shown["first_child_date_of_birth"]) == (True, "2024-12-01")

    def test_not_recorded_by_default(self, manager):
        response = api_client(manager).post("/api/v1/children/", self.new_child(), format="json")
        assert response.status_code == 201
        assert (response.json()["is_mother"], response.json()["first_child_date_of_birth"]) == (None, None)

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"is_mother": True}, "first_child_date_of_birth"),
            ({"is_mother": False, "first_child_date_of_birth": "2024-12-01"}, "first_child_date_of_birth"),
            ({"first_child_date_of_birth": "2024-12-01"}, "first_child_date_of_birth"),
            ({"is_mother": True, "first_child_date_of_birth": "2009-04-01"}, "first_child_date_of_birth"),
            ({"sex": "M", "is_mother": False}, "is_mother"),
        ],
    )
    def test_the_same_rules_as_the_page(self, manager, changes, field):
        response = api_client(manager).post("/api/v1/children/", self.new_child(**changes), format="json")
        assert_error_shape(response, 400, field)
        assert not Child.objects.exists()


@postgresql_only
@pytest.mark.parametrize(
    "changes",
    [
        {"is_mother": True},
        {"is_mother": False, "first_child_date_of_birth": D(2024, 1, 1)},
        {"is_mother": None, "first_child_date_of_birth": D(2024, 1, 1)},
        {"is_mother": True, "first_child_date_of_birth": D(2009, 5, 3)},
        {"sex": "M", "is_mother": False},
    ],
)
def test_the_database_refuses_what_the_rules_refuse(girl, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Child.objects.filter(pk=girl.pk).update(**changes)
