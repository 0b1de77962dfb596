"""The audit log page and its CSV export: who may read them, what each
filter finds, that reading and exporting are themselves audited, and that nothing in the
application, its admin site or its API can change or remove an event."""

import csv
import datetime
import io
import json
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit import selectors
from audit.models import AuditEvent
from audit.services import record_event
from reviews.models import ConferenceRecord, Review
from reviews.record_models import ReviewRecord
from tests.conftest import postgresql_only, sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, IroFactory
from tests.paging import link

LONDON = ZoneInfo("Europe/London")
LIST_URL = "/audit/"
EXPORT_URL = "/audit/export.csv"


def event_at(moment, **fields):
    """An audit event that happened at `moment` (occurred_at is set by the database layer on insert)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return record_event(**fields)


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def csv_of(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def object_ids(events):
    return [event.object_id for event in events]


@pytest.mark.django_db
class TestSearch:
    def test_user_filter_matches_part_of_the_username_in_any_case(self):
        mina = IroFactory(username="mina.manager")
        IroFactory(username="iris.reviewer")
        record_event(action="view", user=mina, object_type="children.child", object_id="1")
        record_event(action="view", username="iris.reviewer", object_type="children.child", object_id="2")
        record_event(action="login-failed", username="MINA.typo", object_type="accounts.user", object_id="3")
        assert sorted(object_ids(selectors.search_events(user="Mina"))) == ["1", "3"]
        assert object_ids(selectors.search_events(user="reviewer")) == ["2"]
        assert object_ids(selectors.search_events(user="nobody")) == []

    def test_child_filter_finds_the_child_by_local_id_or_record_number(self, iro):
        robin = ChildFactory(local_child_id="LA-0042")
        casey = ChildFactory(local_child_id="LA-0043")
        record_event(action="view", user=iro, obj=robin, child_id=robin.pk)
        record_event(action="update", user=iro, object_type="reviews.review", object_id="9", child_id=robin.pk)
        record_event(action="view", user=iro, obj=casey, child_id=casey.pk)
        record_event(action="login", user=iro, obj=iro)
        by_local_id = selectors.search_events(child="la-0042")
        assert {event.child_id for event in by_local_id} == {robin.pk}
        assert by_local_id.count() == 2
        assert {event.child_id for event in selectors.search_events(child=str(casey.pk))} == {casey.pk}
        assert not selectors.search_events(child="LA-9999").exists()

    def test_a_number_too_big_for_a_record_number_finds_nothing_rather_than_failing(self, iro):
        record_event(action="view", user=iro, object_type="children.child", object_id="1", child_id=1)
        assert not selectors.search_events(child="9" * 20).exists()

    def test_action_and_kind_of_record_filters(self, iro):
        record_event(action="view", user=iro, object_type="children.child", object_id="1")
        record_event(action="export", user=iro, object_type="ssda903.return", object_id="2025")
        record_event(action="export", user=iro, object_type="audit.log")
        assert object_ids(selectors.search_events(action="export", object_type="SSDA903.return")) == ["2025"]
        assert [event.action for event in selectors.search_events(object_type="children.child")] == ["view"]

    def test_dates_are_whole_london_days_with_both_ends_included(self, iro):
        # In summer time these two are both on 30 June in UTC, but on different days in London.
        event_at(at(2026, 6, 30, 23, 30), action="view", user=iro, object_type="t", object_id="late on 30 June")
        event_at(at(2026, 7, 1, 0, 30), action="view", user=iro, object_type="t", object_id="early on 1 July")
        event_at(at(2026, 7, 2, 23, 59), action="view", user=iro, object_type="t", object_id="2 July")
        event_at(at(2026, 7, 3, 0, 0), action="view", user=iro, object_type="t", object_id="3 July")
        july_1 = datetime.date(2026, 7, 1)
        july_2 = datetime.date(2026, 7, 2)
        assert object_ids(selectors.search_events(date_from=july_1, date_to=july_1)) == ["early on 1 July"]
        assert object_ids(selectors.search_events(date_from=july_1, date_to=july_2)) == ["2 July", "early on 1 July"]
        assert object_ids(selectors.search_events(date_to=datetime.date(2026, 6, 30))) == ["late on 30 June"]
        assert object_ids(selectors.search_events(date_from=datetime.date(2026, 7, 3))) == ["3 July"]

    def test_newest_first(self, iro):
        for day in (3, 1, 2):
            event_at(at(2026, 1, day), action="view", user=iro, object_type="t", object_id=str(day))
        assert object_ids(selectors.search_events()) == ["3", "2", "1"]


@pytest.mark.django_db
class TestAuditLogPage:
    def test_lists_events_with_who_what_child_and_where(self, client, manager, iro):
        child = ChildFactory(local_child_id="LA-0042", given_name="Omar", family_name="Abdi")
        event_at(
            at(2026, 3, 27, 9, 15),
            action="view",
            user=iro,
            obj=child,
            child_id=child.pk,
            request=RequestFactory().get("/", REMOTE_ADDR="10.1.2.3"),
            detail={"tab": "reviews"},
        )
        sign_in(client, manager)
        response = client.get(LIST_URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<title>Audit log – IRO Portal</title>" in html
        row = next(row for row in html.split("<tr") if "10.1.2.3" in row)
        assert "27 March 2026, 09:15:00" in row
        assert f"Iris Reviewer ({iro.username})" in row
        assert "Child: Omar Abdi (LA-0042)" in row and "children.child" not in row
        assert f'href="/children/{child.pk}/">Omar Abdi (LA-0042)</a>' in row
        assert "tab: &quot;reviews&quot;" in row
        assert '<th scope="col" class="govuk-table__header">IP address</th>' in html

    def test_filters_from_the_form_narrow_the_table_and_the_download_link_keeps_them(self, client, manager, iro):
        event_at(at(2026, 3, 2), action="export", user=iro, object_type="ssda903.return", object_id="2025")
        event_at(at(2026, 3, 9), action="export", user=iro, object_type="ssda903.return", object_id="2026")
        event_at(at(2026, 3, 2), action="view", user=iro, object_type="children.child", object_id="77")
        sign_in(client, manager)
        query = {
            "action": "export",
            "date_from_day": "1",
            "date_from_month": "3",
            "date_from_year": "2026",
            "date_to_day": "5",
            "date_to_month": "3",
            "date_to_year": "2026",
        }
        response = client.get(LIST_URL, query)
        assert [row.event.object_id for row in response.context["rows"]] == ["2025"]
        html = response.content.decode()
        assert "1 event, newest first" in html
        assert "SSDA903 return: 2025" in html
        assert "SSDA903 return: 2026" not in html and "Child 77" not in html
        link = f'href="{EXPORT_URL}?action=export&amp;date_from_day=1&amp;date_from_month=3'
        assert link in html

    def test_date_to_before_date_from_is_an_error_and_shows_no_events(self, client, manager, iro):
        record_event(action="view", user=iro, object_type="children.child", object_id="77")
        sign_in(client, manager)
        response = client.get(
            LIST_URL,
            {
                "date_from_day": "9",
                "date_from_month": "3",
                "date_from_year": "2026",
                "date_to_day": "2",
                "date_to_month": "3",
                "date_to_year": "2026",
            },
        )
        html = response.content.decode()
        assert "<title>Error: Audit log – IRO Portal</title>" in html
        assert "There is a problem" in html
        assert 'href="#id_date_to_day"' in html
        assert "must be the same as or after" in html
        assert "children.child 77" not in html
        assert "Download as CSV" not in html
        assert not AuditEvent.objects.filter(user=manager, action="view").exists()

    def test_an_impossible_date_is_an_error(self, client, manager):
        sign_in(client, manager)
        response = client.get(LIST_URL, {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"})
        html = response.content.decode()
        assert "<title>Error: Audit log – IRO Portal</title>" in html
        assert "Enter a real date" in html
        assert 'value="31"' in html

    def test_each_page_load_is_recorded_as_a_view_of_the_log(self, client, manager):
        sign_in(client, manager)
        client.get(LIST_URL, {"action": "login", "user": "mina"}, REMOTE_ADDR="10.9.8.7")
        view = AuditEvent.objects.get(action="view", user=manager)
        assert view.object_type == "audit.log"
        assert view.ip_address == "10.9.8.7"
        assert view.detail == {
            "list": LIST_URL,
            "filters": {"action": "login", "user": "mina"},
            "page": 1,
            "child_ids": [],
        }
        client.get(LIST_URL)
        assert AuditEvent.objects.filter(action="view", user=manager).count() == 2

    def test_fifty_events_a_page_and_the_next_page_keeps_the_filters(self, client, manager, iro):
        for number in range(60):
            record_event(action="update", user=iro, object_type="reviews.review", object_id=str(number))
        sign_in(client, manager)
        first = client.get(LIST_URL, {"object_type": "reviews.review"})
        assert len(first.context["rows"]) == 50
        assert "60 events, newest first" in first.content.decode()
        assert link(first.content.decode(), "next").startswith("?object_type=reviews.review&cursor=")
        second = client.get(LIST_URL + link(first.content.decode(), "next"))
        assert [row.event.object_id for row in second.context["rows"]] == [str(number) for number in range(9, -1, -1)]

    def test_navigation_offers_the_audit_log_to_managers_and_administrators_only(
        self, client, manager, administrator, iro, board_member
    ):
        for user, offered in ((manager, True), (administrator, True), (iro, False), (board_member, False)):
            client.logout()
            sign_in(client, user)
            html = client.get("/", follow=True).content.decode()
            assert ('href="/manage/"' in html) is offered, user.role
            tools = client.get("/manage/")
            assert tools.status_code == (200 if offered else 403), user.role
            assert (f'href="{LIST_URL}"' in tools.content.decode()) is offered, user.role

    def test_query_count_does_not_grow_with_the_number_of_events(self, client, manager):
        users = [IroFactory() for _ in range(3)]
        children = [ChildFactory() for _ in range(3)]

        def add_events(count):
            for number in range(count):
                child = children[number % 3]
                record_event(
                    action="view", user=users[number % 3], obj=child, child_id=child.pk, detail={"number": number}
                )

        sign_in(client, manager)
        add_events(5)
        with CaptureQueriesContext(connection) as few:
            assert len(client.get(LIST_URL).context["rows"]) >= 5
        add_events(55)
        with CaptureQueriesContext(connection) as many:
            assert len(client.get(LIST_URL).context["rows"]) == 50
        assert len(many) == len(few)
        # Session, user, count, one page of events with their users, their children, the view event
        # and the reminders count in the header; a few spare for what middleware adds.
        assert len(many) <= 15, [query["sql"] for query in many.captured_queries]


def omar_and_summer():
    """Omar Abdi's LAC review 5, and Summer Davies, the IRO who looked at them."""
    summer = IroFactory(username="sdavies", first_name="Summer", last_name="Davies")
    omar = ChildFactory(local_child_id="DEMO000238", given_name="Omar", family_name="Abdi")
    review = Review.objects.create(
        child=omar, kind="LAC", number=5, cycle_start=datetime.date(2025, 1, 6), due_date=datetime.date(2025, 5, 21)
    )
    return summer, omar, review


def events_of_every_kind(user, records, count):
    """`count` events, taking turns over the records."""
    child = records[0]
    for number in range(count):
        record = records[number % len(records)]
        record_event(action="view", user=user, obj=record, child_id=None if record is user else child.pk)


@pytest.mark.django_db
class TestWordsPeopleUse:
    def test_the_table_names_the_child_the_record_and_the_person(self, client, manager):
        summer, omar, review = omar_and_summer()
        record_event(action="view", user=summer, obj=omar, child_id=omar.pk)
        record_event(action="update", user=summer, obj=review, child_id=omar.pk, detail={"booked_for": "2025-05-21"})
        record_event(action="login", user=summer, obj=summer)
        sign_in(client, manager)
        response = client.get(LIST_URL, {"user": "Summer"})
        what = [(row.who, row.what, row.child) for row in response.context["rows"]]
        assert what == [
            ("Summer Davies (sdavies)", "User: Summer Davies", ""),
            ("Summer Davies (sdavies)", "Review: LAC review 5", "Omar Abdi (DEMO000238)"),
            ("Summer Davies (sdavies)", "Child: Omar Abdi (DEMO000238)", "Omar Abdi (DEMO000238)"),
        ]
        html = response.content.decode()
        table = html[html.index("<table") :]
        assert "children.child" not in table and "reviews.review" not in table and "accounts.user" not in table
        assert "booked_for: &quot;21 May 2025&quot;" in html
        assert '<option value="reviews.review">Review</option>' in html

    def test_a_conference_record_is_named_by_its_conference(self, client, manager):
        summer, omar, _ = omar_and_summer()
        conference = Review.objects.create(
            child=omar,
            kind="ICPC",
            number=1,
            cycle_start=datetime.date(2025, 1, 6),
            due_date=datetime.date(2025, 1, 20),
        )
        record = ConferenceRecord.objects.create(review=conference, kind=conference.kind)
        record_event(action="update", user=summer, obj=record, child_id=omar.pk)
        sign_in(client, manager)
        (row,) = list(client.get(LIST_URL, {"action": "update"}).context["rows"])
        assert row.what == "Conference record: Record of the initial child protection conference"

    def test_a_lac_review_record_is_named_by_its_review(self, client, manager):
        summer, omar, review = omar_and_summer()
        record_event(action="update", user=summer, obj=ReviewRecord.objects.create(review=review), child_id=omar.pk)
        sign_in(client, manager)
        (row,) = list(client.get(LIST_URL, {"action": "update"}).context["rows"])
        assert row.what == "Review record: Record of LAC review 5"

    def test_a_record_no_longer_held_says_so(self, client, manager, iro):
        record_event(action="update", user=iro, object_type="reviews.review", object_id="987654", child_id=987654)
        sign_in(client, manager)
        (row,) = list(client.get(LIST_URL, {"action": "update"}).context["rows"])
        assert (row.what, row.child) == ("Review 987654 (no longer held)", "Record 987654 (no longer held)")

    def test_a_list_page_is_named_by_what_it_lists(self, client, manager, iro):
        sign_in(client, iro)
        client.get(reverse("reviews:due"))
        sign_in(client, manager)
        rows = client.get(LIST_URL, {"user": iro.username, "action": "view"}).context["rows"]
        assert [row.what for row in rows] == ["List of reviews"]

    def test_filters_find_a_person_and_a_child_by_name(self, iro):
        summer, omar, review = omar_and_summer()
        other = ChildFactory(given_name="Casey", family_name="Other")
        record_event(action="view", user=summer, obj=omar, child_id=omar.pk)
        record_event(action="view", user=iro, obj=other, child_id=other.pk)
        record_event(action="login-failed", username="summer.typo", object_type="accounts.user")
        assert {event.username for event in selectors.search_events(user="summer davies")} == {"sdavies"}
        assert {event.username for event in selectors.search_events(user="Davies")} == {"sdavies"}
        assert {event.username for event in selectors.search_events(user="summer")} == {"sdavies", "summer.typo"}
        assert [event.child_id for event in selectors.search_events(child="omar abdi")] == [omar.pk]
        assert [event.child_id for event in selectors.search_events(child="ABDI")] == [omar.pk]
        assert [event.child_id for event in selectors.search_events(child="DEMO000238")] == [omar.pk]

    def test_the_page_filters_by_names(self, client, manager):
        summer, omar, review = omar_and_summer()
        record_event(action="view", user=summer, obj=omar, child_id=omar.pk)
        sign_in(client, manager)
        response = client.get(LIST_URL, {"user": "Summer Davies", "child": "Omar"})
        assert [row.what for row in response.context["rows"]] == ["Child: Omar Abdi (DEMO000238)"]

    def test_names_are_looked_up_for_the_whole_page_at_once(self, client, manager):
        summer, omar, review = omar_and_summer()
        records = [omar, review, summer, CareEpisodeFactory(child=omar), AllocationFactory(child=omar, iro=summer)]
        sign_in(client, manager)
        events_of_every_kind(summer, records, 5)
        with CaptureQueriesContext(connection) as few:
            assert len(client.get(LIST_URL, {"user": "sdavies"}).context["rows"]) == 5
        events_of_every_kind(summer, records, 60)
        with CaptureQueriesContext(connection) as many:
            rows = client.get(LIST_URL, {"user": "sdavies"}).context["rows"]
        assert len(rows) == 50
        assert "no longer held" not in " ".join(row.what for row in rows)
        assert len(many) == len(few), [query["sql"] for query in many.captured_queries]

    def test_the_csv_has_the_same_words_and_the_ids(self, client, manager):
        summer, omar, review = omar_and_summer()
        record_event(action="update", user=summer, obj=review, child_id=omar.pk)
        sign_in(client, manager)
        rows = csv_of(client.get(EXPORT_URL, {"user": "sdavies"}))
        (row,) = rows[1:]
        named = dict(zip(rows[0], row))
        assert (named["Who"], named["Action"], named["Record"], named["Child"]) == (
            "Summer Davies (sdavies)",
            "Update",
            "Review: LAC review 5",
            "Omar Abdi (DEMO000238)",
        )
        assert (named["user_id"], named["object_type"], named["object_id"], named["child_id"]) == (
            str(summer.pk),
            "reviews.review",
            str(review.pk),
            str(omar.pk),
        )


@pytest.mark.django_db
class TestCsvExport:
    def test_streams_every_matching_event_with_the_documented_columns(self, client, manager, iro):
        child = ChildFactory()
        event_at(
            at(2025, 7, 1, 0, 30),
            action="view",
            user=iro,
            obj=child,
            child_id=child.pk,
            request=RequestFactory().get("/", REMOTE_ADDR="10.1.2.3"),
            detail={"b": 1, "a": "é"},
        )
        for number in range(60):
            record_event(action="update", user=iro, object_type="reviews.review", object_id=str(number))
        sign_in(client, manager)
        response = client.get(EXPORT_URL)
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
        rows = csv_of(response)
        assert rows[0] == [
            "When",
            "Who",
            "Action",
            "Record",
            "Child",
            "IP address",
            "Detail",
            "occurred_at",
            "username",
            "user_id",
            "action",
            "object_type",
            "object_id",
            "child_id",
        ]
        assert rows[-1] == [
            "1 July 2025, 00:30:00",
            f"Iris Reviewer ({iro.username})",
            "View",
            f"Child: {child}",
            str(child),
            "10.1.2.3",
            '{"a": "é", "b": 1}',
            "2025-07-01T00:30:00+01:00",
            iro.username,
            str(iro.pk),
            "view",
            "children.child",
            str(child.pk),
            str(child.pk),
        ]
        # 60 updates, the view above and the manager's sign-in: nothing is left out.
        assert len(rows) - 1 == 62

    def test_applies_the_same_filters_as_the_page(self, client, manager, iro):
        record_event(action="export", user=iro, object_type="ssda903.return", object_id="2025")
        record_event(action="view", user=iro, object_type="children.child", object_id="77")
        sign_in(client, manager)
        rows = csv_of(client.get(EXPORT_URL, {"action": "export", "user": iro.username.upper()}))
        assert [row[12] for row in rows[1:]] == ["2025"]

    def test_the_export_is_audited_with_its_filters_and_row_count(self, client, manager, iro):
        for number in range(3):
            record_event(action="view", user=iro, object_type="children.child", object_id=str(number))
        sign_in(client, manager)
        rows = csv_of(client.get(EXPORT_URL, {"object_type": "children.child"}, REMOTE_ADDR="10.4.4.4"))
        export = AuditEvent.objects.get(action="export")
        assert (export.user, export.object_type, export.ip_address) == (manager, "audit.log", "10.4.4.4")
        assert export.detail["filters"] == {"object_type": "children.child"}
        assert export.detail["row_count"] == len(rows) - 1 == 3

    def test_an_export_does_not_contain_its_own_event(self, client, manager):
        sign_in(client, manager)
        first = csv_of(client.get(EXPORT_URL, {"action": "export"}))
        assert first == [first[0]]
        assert AuditEvent.objects.get(action="export").detail["row_count"] == 0
        second = csv_of(client.get(EXPORT_URL, {"action": "export"}))
        assert len(second) == 2 and json.loads(second[1][6])["row_count"] == 0

    def test_a_value_a_spreadsheet_would_run_starts_with_an_apostrophe(self, client, manager):
        client.post(reverse("login"), {"username": '=HYPERLINK("http://evil.test")', "password": "x"})
        sign_in(client, manager)
        rows = csv_of(client.get(EXPORT_URL, {"action": "login-failed"}))
        assert rows[1][1] == '\'=HYPERLINK("http://evil.test")'

    def test_invalid_filters_go_back_to_the_page_and_export_nothing(self, client, manager):
        sign_in(client, manager)
        query = {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"}
        response = client.get(EXPORT_URL, query)
        assert response.status_code == 302
        assert response["Location"] == f"{LIST_URL}?date_from_day=31&date_from_month=2&date_from_year=2026"
        assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
    def test_managers_and_administrators_may_read_the_log(self, client, manager, administrator, url):
        for user in (manager, administrator):
            sign_in(client, user)
            assert client.get(url).status_code == 200

    @pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
    def test_iros_and_board_members_are_refused(self, client, iro, board_member, url):
        for user in (iro, board_member):
            sign_in(client, user)
            response = client.get(url)
            assert response.status_code == 403
            assert b"You do not have permission to see this page" in response.content
        assert not AuditEvent.objects.filter(object_type="audit.log").exists()

    @pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL])
    def test_anonymous_users_are_sent_to_sign_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('login')}?next=")


def api_routes(resolver=None, prefix=""):
    """Every URL pattern under the API, as (route, view callback)."""
    resolver = resolver or get_resolver("iro_portal.api_urls")
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


@pytest.mark.django_db
class TestAppendOnly:
    def test_the_admin_grants_no_add_change_or_delete_even_to_a_superuser(self, administrator):
        assert administrator.is_superuser
        request = RequestFactory().get("/admin/audit/auditevent/")
        request.user = administrator
        model_admin = admin_site._registry[AuditEvent]
        event = record_event(action="view", user=administrator, object_type="children.child", object_id="1")
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_change_permission(request, event)
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_delete_permission(request, event)
        assert "delete_selected" not in model_admin.get_actions(request)

    def test_posting_to_the_admin_changes_and_deletes_nothing(self, client, administrator, iro):
        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        sign_in(client, administrator)
        change = client.post(
            reverse("admin:audit_auditevent_change", args=[event.pk]),
            {"action": "delete", "object_id": "2", "username": "someone"},
        )
        assert change.status_code == 403
        client.post(
            reverse("admin:audit_auditevent_changelist"),
            {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
        )
        event.refresh_from_db()
        assert (event.action, event.object_id, event.username) == ("view", "1", iro.username)

    def test_the_api_has_no_audit_route(self, client, administrator):
        routes = list(api_routes())
        assert routes, "the API's URL patterns were not found"
        for route, callback in routes:
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
            assert "audit" not in route, route
            assert not view.__module__.startswith("audit"), route
        sign_in(client, administrator)
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)("/api/v1/audit/", content_type="application/json").status_code == 404
            assert getattr(client, method)("/api/v1/audit-events/1/").status_code == 404

    @postgresql_only
    def test_postgresql_refuses_updating_or_emptying_the_whole_table(self, iro):
        """Statements touching every row (no WHERE), as someone with a database prompt might try."""
        record_event(action="view", user=iro, object_type="children.child", object_id="1")
        record_event(action="view", user=iro, object_type="children.child", object_id="2")
        for statement in (
            "UPDATE audit_auditevent SET detail = '{}'::jsonb, username = 'x'",
            "DELETE FROM audit_auditevent",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        assert AuditEvent.objects.filter(username=iro.username).count() == 2
