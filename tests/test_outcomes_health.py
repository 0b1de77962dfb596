"""A child's health and offending at 31 March (OC2) and a care leaver's status (OC3): the DfE's
rules for one record refused with a message and nothing saved, changes from a stale version
refused, every write audited; the pages (business support and managers enter, IROs read on the
child's page) and the API refuse the same things."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from iro_portal.locking import RECORD_CHANGED_MESSAGE, ChangedByAnotherUser
from outcomes import health_services as services
from outcomes.models import CareLeaverRecord, HealthRecord
from outcomes.years import last_completed_year, year_label
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = last_completed_year(TODAY)
LABEL = year_label(YEAR)

HEALTHY = {"immunisations": True, "teeth_check": True, "health_assessment": True, "substance_misuse": False}


def aged(age_at_31_march, **fields):
    """A child who is `age_at_31_march` on 31 March of YEAR (born on 1 June), looked after since
    10 January three years before (so for the whole of YEAR)."""
    child = ChildFactory(date_of_birth=datetime.date(YEAR - age_at_31_march - 1, 6, 1), **fields)
    CareEpisodeFactory(child=child, start_date=datetime.date(YEAR - 3, 1, 10))
    return child


def refusal(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict if hasattr(caught.value, "error_dict") else {"": caught.value.messages}


# Services ----------------------------------------------------------------------------------------


class TestHealthRules:
    def test_a_record_is_saved_at_version_1_and_audited(self, manager):
        child = aged(12)
        record = services.record_health(child, year=YEAR, by=manager, sdq_score=14, **HEALTHY)
        assert record.version == 1 and record.sdq_score == 14
        event = AuditEvent.objects.get(object_type="outcomes.healthrecord", object_id=str(record.pk))
        assert event.action == "create" and event.child_id == child.pk

    @pytest.mark.parametrize(
        "age, fields, field, words",
        [
            (12, {"sdq_score": 10, "sdq_reason": "SDQ2"}, "sdq_reason", "not both"),
            (12, {"sdq_score": 41}, "sdq_score", "0 to 40"),
            (3, {"sdq_score": 10}, "sdq_score", "aged 4 or over"),
            (18, {"sdq_reason": "SDQ4"}, "sdq_score", "17 or over"),
            (12, {"sdq_reason": "SDQ1"}, "sdq_reason", "cannot be their age"),
            (12, {"health_check": True}, "health_check", "under 5"),
            (9, {"convicted": False}, "convicted", "10 or over"),
            (12, {"intervention_received": True}, "intervention_received", "substance misuse problem"),
            (12, {"substance_misuse": True}, "intervention_received", "received an intervention"),
            (
                12,
                {"substance_misuse": True, "intervention_received": False},
                "intervention_offered",
                "offered and refused",
            ),
            (
                12,
                {"substance_misuse": True, "intervention_received": True, "intervention_offered": False},
                "intervention_offered",
                "not recorded",
            ),
        ],
    )
    def test_the_dfe_rules_for_one_child(self, manager, age, fields, field, words):
        child = aged(age)
        errors = refusal(lambda: services.record_health(child, year=YEAR, by=manager, **{**HEALTHY, **fields}))
        assert words in " ".join(errors[field])
        assert not HealthRecord.objects.exists()

    def test_health_surveillance_for_an_under_5_and_an_intervention_offered(self, manager):
        toddler = aged(3)
        assert services.record_health(toddler, year=YEAR, by=manager, health_check=True, **HEALTHY).health_check
        teenager = aged(15)
        record = services.record_health(
            teenager,
            year=YEAR,
            by=manager,
            **{**HEALTHY, "substance_misuse": True},
            intervention_received=False,
            intervention_offered=True,
            convicted=False,
        )
        assert record.intervention_offered is True

    def test_the_four_core_answers_come_with_any_other(self, manager):
        errors = refusal(lambda: services.record_health(aged(12), year=YEAR, by=manager, health_assessment=True))
        assert set(errors) == {"immunisations", "teeth_check", "substance_misuse"}

    def test_only_for_a_child_looked_after_for_the_whole_year(self, manager):
        child = aged(12)
        child.episodes.update(start_date=datetime.date(YEAR - 1, 6, 1))
        assert (
            "looked after continuously"
            in refusal(lambda: services.record_health(child, year=YEAR, by=manager, **HEALTHY))[""][0]
        )
        never = ChildFactory()
        assert (
            "looked after continuously" in refusal(lambda: services.record_health(never, year=YEAR, by=manager))[""][0]
        )
        child.episodes.update(start_date=datetime.date(YEAR - 2, 6, 1), legal_status="V3")
        assert refusal(lambda: services.record_health(child, year=YEAR, by=manager))

    def test_a_record_with_nothing_recorded_is_allowed(self, manager):
        assert services.record_health(aged(12), year=YEAR, by=manager).health_assessment is None

    def test_a_year_not_yet_ended_and_a_second_record_for_a_year_are_refused(self, manager):
        child = aged(12)
        assert (
            "once the year has ended"
            in refusal(lambda: services.record_health(child, year=YEAR + 1, by=manager, **HEALTHY))[""][0]
        )
        services.record_health(child, year=YEAR, by=manager, **HEALTHY)
        assert "already recorded" in refusal(lambda: services.record_health(child, year=YEAR, by=manager))[""][0]

    def test_a_change_from_a_stale_version_is_refused_and_nothing_changes(self, manager):
        record = services.record_health(aged(12), year=YEAR, by=manager, **HEALTHY)
        services.change_health_record(record, by=manager, expected_version=1, teeth_check=False)
        with pytest.raises(ChangedByAnotherUser):
            services.change_health_record(record, by=manager, expected_version=1, immunisations=False)
        record.refresh_from_db()
        assert (record.version, record.teeth_check, record.immunisations) == (2, False, True)
        event = AuditEvent.objects.get(action="update", object_type="outcomes.healthrecord")
        assert event.detail == {"before": {"teeth_check": "True"}, "after": {"teeth_check": "False"}}

    def test_a_delete_is_audited_and_refused_from_a_stale_version(self, manager):
        record = services.record_health(aged(12), year=YEAR, by=manager, **HEALTHY)
        with pytest.raises(ChangedByAnotherUser):
            services.delete_outcome_record(record, by=manager, expected_version=3)
        services.delete_outcome_record(record, by=manager, expected_version=1)
        assert not HealthRecord.objects.exists()
        assert AuditEvent.objects.filter(action="delete", object_type="outcomes.healthrecord").exists()


class TestCareLeaverRules:
    def test_died_or_returned_home_leaves_activity_and_accommodation_not_applicable(self, manager):
        record = services.record_care_leaver_status(aged(19), year=YEAR, by=manager, in_touch="DIED")
        assert (record.activity, record.accommodation) == ("0", "0")
        errors = refusal(
            lambda: services.record_care_leaver_status(
                aged(19), year=YEAR, by=manager, in_touch="RHOM", activity="F2", accommodation="0"
            )
        )
        assert "asks for no activity" in errors["activity"][0]

    def test_in_touch_needs_an_activity_and_accommodation(self, manager):
        errors = refusal(
            lambda: services.record_care_leaver_status(
                aged(19), year=YEAR, by=manager, in_touch="YES", activity="0", accommodation=""
            )
        )
        assert set(errors) == {"activity", "accommodation"}

    def test_not_with_former_foster_carers_around_the_17th_birthday(self, manager):
        errors = refusal(
            lambda: services.record_care_leaver_status(
                aged(17), year=YEAR, by=manager, in_touch="YES", activity="F2", accommodation="Z1"
            )
        )
        assert "former foster carers" in errors["accommodation"][0]
        record = services.record_care_leaver_status(
            aged(19), year=YEAR, by=manager, in_touch="YES", activity="F2", accommodation="Z1"
        )
        assert record.accommodation_suitable is True

    def test_not_in_a_foyer_under_18(self, manager):
        errors = refusal(
            lambda: services.record_care_leaver_status(
                aged(17), year=YEAR, by=manager, in_touch="YES", activity="F2", accommodation="T1"
            )
        )
        assert "foyer" in errors["accommodation"][0]

    def test_only_for_the_years_of_the_17th_to_21st_birthdays(self, manager):
        errors = refusal(lambda: services.record_care_leaver_status(aged(12), year=YEAR, by=manager, in_touch="NO"))
        assert "17th to 21st birthdays" in errors[""][0]


# Pages -------------------------------------------------------------------------------------------


def health_answers(**changes):
    answers = {
        "health_assessment": "yes",
        "immunisations": "yes",
        "teeth_check": "no",
        "health_check": "not_recorded",
        "sdq_score": "17",
        "sdq_reason": "",
        "substance_misuse": "no",
        "intervention_received": "not_recorded",
        "intervention_offered": "not_recorded",
        "convicted": "no",
    }
    return {**answers, **changes}


@pytest.fixture
def teenager(iro):
    child = aged(14, given_name="Robin", family_name="Healthy")
    AllocationFactory(child=child, iro=iro, start_date=datetime.date(YEAR - 3, 1, 10))
    return child


class TestHealthPages:
    def test_business_support_checks_the_answers_then_saves_and_sees_them_on_the_childs_page(
        self, client, business_support, teenager
    ):
        sign_in(client, business_support)
        page = client.get(reverse("children:detail", args=[teenager.pk])).content.decode()
        assert f"Record health for {LABEL}" in page
        url = reverse("health:record_health", args=[teenager.pk, YEAR])
        form = client.get(url).content.decode()
        assert f"Record health for {LABEL}" in form and "Not recorded" in form
        check = client.post(url, health_answers())
        assert check.status_code == 200 and f"Check the health record for {LABEL}" in check.content.decode()
        assert "Score 17" in check.content.decode() and not HealthRecord.objects.exists()
        saved = client.post(url, {**health_answers(), "confirmed": "yes"})
        assert saved.status_code == 302 and saved["Location"] == reverse("children:detail", args=[teenager.pk])
        record = HealthRecord.objects.get(child=teenager, year=YEAR)
        assert (record.health_assessment, record.teeth_check, record.sdq_score, record.convicted) == (
            True,
            False,
            17,
            False,
        )
        page = client.get(saved["Location"]).content.decode()
        assert f"Health for {LABEL} is recorded." in page
        assert "Up to date" in page and "Score 17" in page
        assert f"Record health for {LABEL}" not in page

    def test_a_broken_rule_shows_the_error_summary_and_saves_nothing(self, client, manager, teenager):
        sign_in(client, manager)
        url = reverse("health:record_health", args=[teenager.pk, YEAR])
        response = client.post(url, health_answers(sdq_reason="SDQ2"))
        content = response.content.decode()
        assert response.status_code == 400
        assert "<title>Error:" in content and "govuk-error-summary" in content and "not both" in content
        assert not HealthRecord.objects.exists()

    def test_a_stale_change_is_refused_with_a_clear_message(self, client, manager, teenager):
        record = services.record_health(teenager, year=YEAR, by=manager, **HEALTHY)
        sign_in(client, manager)
        url = reverse("health:change_health", args=[record.pk])
        assert 'value="1"' in client.get(url).content.decode()
        services.change_health_record(record, by=manager, expected_version=1, teeth_check=False)
        response = client.post(url, {**health_answers(), "version": "1", "confirmed": "yes"})
        assert response.status_code == 409 and RECORD_CHANGED_MESSAGE in response.content.decode()
        record.refresh_from_db()
        assert record.sdq_score is None and record.version == 2

    def test_delete_after_a_warning(self, client, manager, teenager):
        record = services.record_health(teenager, year=YEAR, by=manager, **HEALTHY)
        sign_in(client, manager)
        url = reverse("health:delete_health", args=[record.pk])
        assert "Delete health for" in client.get(url).content.decode()
        response = client.post(url, {"version": "1"})
        assert response.status_code == 302 and not HealthRecord.objects.exists()

    def test_an_iro_reads_the_health_section_without_change_links_and_cannot_enter(
        self, client, iro, manager, teenager
    ):
        record = services.record_health(teenager, year=YEAR, by=manager, **HEALTHY)
        sign_in(client, iro)
        page = client.get(reverse("children:detail", args=[teenager.pk])).content.decode()
        assert "Up to date" in page and reverse("health:change_health", args=[record.pk]) not in page
        assert "Record health for" not in page
        assert client.get(reverse("health:record_health", args=[teenager.pk, YEAR])).status_code == 403
        assert client.get(reverse("health:change_health", args=[record.pk])).status_code == 403

    def test_health_is_offered_only_for_a_child_looked_after_all_year(self, client, manager, teenager):
        sign_in(client, manager)
        teenager.episodes.update(start_date=datetime.date(YEAR - 1, 6, 1))
        page = client.get(reverse("children:detail", args=[teenager.pk])).content.decode()
        assert "Record health for" not in page and "No health records (OC2) yet." in page

    def test_a_year_out_of_range_is_not_found(self, client, manager, teenager):
        sign_in(client, manager)
        assert client.get(reverse("health:record_health", args=[teenager.pk, YEAR + 2])).status_code == 404


class TestCareLeaverPages:
    def test_accommodation_and_whether_it_is_suitable_make_the_dfe_code(self, client, business_support):
        child = aged(19, given_name="Jo", family_name="Leaver")
        sign_in(client, business_support)
        page = client.get(reverse("children:detail", args=[child.pk])).content.decode()
        assert f"Record a care leaver's status for {LABEL}" in page
        url = reverse("health:record_care_leaver", args=[child.pk, YEAR])
        answers = {"in_touch": "YES", "activity": "F4", "accommodation_type": "U"}
        missing = client.post(url, answers)
        assert missing.status_code == 400 and "Say whether the accommodation is suitable" in missing.content.decode()
        check = client.post(url, {**answers, "suitable": "no"}).content.decode()
        assert "Independent living" in check and "Not known" not in check
        client.post(url, {**answers, "suitable": "no", "confirmed": "yes"})
        record = CareLeaverRecord.objects.get(child=child)
        assert (record.in_touch, record.activity, record.accommodation) == ("YES", "F4", "U2")
        page = client.get(reverse("children:detail", args=[child.pk])).content.decode()
        assert "Full-time training or employment" in page and "Independent living" in page

    def test_the_service_error_shows_on_the_accommodation_question(self, client, manager):
        child = aged(17)
        sign_in(client, manager)
        url = reverse("health:record_care_leaver", args=[child.pk, YEAR])
        response = client.post(
            url, {"in_touch": "YES", "activity": "F2", "accommodation_type": "Z", "suitable": "yes", "confirmed": "yes"}
        )
        assert response.status_code == 400 and 'href="#id_accommodation_type"' in response.content.decode()
        assert not CareLeaverRecord.objects.exists()

    def test_a_change_to_died_leaves_nothing_else_to_answer_and_a_delete_removes_it(self, client, manager):
        child = aged(19)
        record = services.record_care_leaver_status(
            child, year=YEAR, by=manager, in_touch="YES", activity="F2", accommodation="U1"
        )
        sign_in(client, manager)
        url = reverse("health:change_care_leaver", args=[record.pk])
        form = client.get(url).content.decode()
        assert 'value="U" selected' in form and 'value="yes" checked' in form
        answers = {"in_touch": "DIED", "activity": "", "accommodation_type": "", "version": "1"}
        assert client.post(url, {**answers, "confirmed": "yes"}).status_code == 302
        record.refresh_from_db()
        assert (record.in_touch, record.activity, record.accommodation, record.version) == ("DIED", "0", "0", 2)
        delete = reverse("health:delete_care_leaver", args=[record.pk])
        assert client.post(delete, {"version": "1"}).status_code == 409
        assert client.post(delete, {"version": "2"}).status_code == 302
        assert not CareLeaverRecord.objects.exists()


# API ---------------------------------------------------------------------------------------------


class TestApi:
    def test_create_filter_change_and_delete_a_health_record(self, manager, teenager):
        client = api_client(manager)
        created = client.post(
            "/api/v1/health-records/", {"child": teenager.pk, "year": YEAR, **HEALTHY, "sdq_score": 9}, format="json"
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["version"] == 1 and body["sdq_score"] == 9
        url = f"/api/v1/health-records/{body['id']}/"
        assert [
            row["id"] for row in client.get("/api/v1/health-records/", {"health_assessment": True}).json()["results"]
        ] == [body["id"]]
        assert client.get("/api/v1/health-records/", {"year": YEAR - 1}).json()["results"] == []
        changed = client.patch(url, {"teeth_check": False, "version": 1}, format="json")
        assert changed.status_code == 200 and changed.json()["version"] == 2
        stale = client.patch(url, {"teeth_check": True, "version": 1}, format="json")
        assert_error_shape(stale, 409)
        refused = client.patch(url, {"sdq_reason": "SDQ2", "version": 2}, format="json")
        assert_error_shape(refused, 400, "sdq_reason")
        assert_error_shape(client.delete(url), 400, "If-Match")
        assert_error_shape(client.delete(url, HTTP_IF_MATCH='"1"'), 409)
        assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
        assert not HealthRecord.objects.exists()

    def test_care_leaver_records_with_filters(self, manager):
        child = aged(20)
        client = api_client(manager)
        created = client.post(
            "/api/v1/care-leaver-records/",
            {"child": child.pk, "year": YEAR, "in_touch": "YES", "activity": "G5", "accommodation": "S2"},
            format="json",
        )
        assert created.status_code == 201, created.content
        assert created.json()["accommodation_suitable"] is False
        assert (
            len(client.get("/api/v1/care-leaver-records/", {"in_touch": "YES", "activity": "G5"}).json()["results"])
            == 1
        )
        assert client.get("/api/v1/care-leaver-records/", {"in_touch": "NO"}).json()["results"] == []
        duplicate = client.post(
            "/api/v1/care-leaver-records/", {"child": child.pk, "year": YEAR, "in_touch": "NO"}, format="json"
        )
        assert (
            "already recorded"
            in assert_error_shape(duplicate, 400, "non_field_errors")["errors"]["non_field_errors"][0]
        )

    def test_an_iro_reads_their_childs_records_and_writes_none(self, iro, manager, board_member, teenager):
        record = services.record_health(teenager, year=YEAR, by=manager, **HEALTHY)
        client = api_client(iro)
        assert client.get(f"/api/v1/health-records/{record.pk}/").status_code == 200
        assert (
            client.patch(
                f"/api/v1/health-records/{record.pk}/", {"version": 1, "teeth_check": False}, format="json"
            ).status_code
            == 403
        )
        assert (
            client.post("/api/v1/health-records/", {"child": teenager.pk, "year": YEAR - 1}, format="json").status_code
            == 403
        )
        assert api_client(board_member).get("/api/v1/health-records/").status_code == 403
