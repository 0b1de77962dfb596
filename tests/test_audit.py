import pytest
from axes.models import AccessAttempt
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record_event
from tests.conftest import postgresql_only, sign_in
from tests.factories import TEST_PASSWORD


@pytest.mark.django_db
class TestAuditLog:
    def test_viewing_a_child_writes_an_audit_event(self, client, iro, looked_after_child):
        sign_in(client, iro)
        client.get(reverse("children:detail", args=[looked_after_child.pk]), REMOTE_ADDR="10.1.2.3")
        event = AuditEvent.objects.get(action="view")
        assert event.user == iro
        assert event.child_id == looked_after_child.pk
        assert event.object_type == "children.child"
        assert event.ip_address == "10.1.2.3"

    def test_a_refused_view_writes_no_view_event(self, client, iro, other_child):
        sign_in(client, iro)
        client.get(reverse("children:detail", args=[other_child.pk]))
        assert not AuditEvent.objects.filter(action="view").exists()

    def test_sign_in_and_failed_sign_in_are_audited(self, client, iro):
        client.post(reverse("login"), {"username": iro.username, "password": "not it"})
        sign_in(client, iro)
        actions = list(AuditEvent.objects.order_by("id").values_list("action", "username"))
        assert actions == [("login-failed", iro.username), ("login", iro.username)]

    def test_allocation_through_the_page_is_audited(self, client, manager, other_iro, looked_after_child):
        sign_in(client, manager)
        client.post(
            reverse("children:allocate", args=[looked_after_child.pk]),
            {
                "iro": other_iro.pk,
                "start_date_day": "3",
                "start_date_month": "2",
                "start_date_year": "2025",
                "version": 1,
            },
        )
        changes = AuditEvent.objects.filter(object_type="children.allocation", user=manager)
        assert sorted(changes.values_list("action", flat=True)) == ["create", "update"]

    def test_events_cannot_be_changed_or_deleted_through_the_application(self, iro):
        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        event.action = "delete"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=event.pk).update(action="export")
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.all().delete()
        event.refresh_from_db()
        assert event.action == "view"

    @postgresql_only
    def test_postgresql_refuses_raw_updates_and_deletes(self, iro):
        from django.db import connection

        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        for statement in (
            "UPDATE audit_auditevent SET action = 'export' WHERE id = %s",
            "DELETE FROM audit_auditevent WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk, action="view").exists()

    @postgresql_only
    def test_postgresql_refuses_to_truncate_the_log_even_for_its_owner(self, iro):
        """The suite connects as a superuser that owns the table: only the trigger can stop it."""
        from django.db import connection

        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
            # CASCADE empties the children each list showed too, past the foreign key's refusal.
            cursor.execute("TRUNCATE audit_auditevent CASCADE")
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_admin_offers_no_edit_or_delete_of_audit_events(self, client, administrator, iro):
        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        sign_in(client, administrator)
        change_page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
        assert change_page.status_code == 200
        assert b'name="_save"' not in change_page.content
        assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
        assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403


@pytest.mark.django_db
class TestBehindTheHttpsProxy:
    """With BEHIND_HTTPS_PROXY=1 the connecting address is the proxy's: the audit log and the
    lock-out both take the client's address from the last X-Forwarded-For entry."""

    PROXY = "172.16.0.1"

    def test_the_audit_log_records_the_clients_address_not_the_proxys(self, settings, client, iro, looked_after_child):
        settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
        client.post(
            reverse("login"),
            {"username": iro.username, "password": TEST_PASSWORD},
            REMOTE_ADDR=self.PROXY,
            HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.5",
        )
        client.get(
            reverse("children:detail", args=[looked_after_child.pk]),
            REMOTE_ADDR=self.PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        addresses = set(AuditEvent.objects.filter(user=iro).values_list("action", "ip_address"))
        assert addresses == {("login", "203.0.113.5"), ("view", "203.0.113.5")}

    def test_the_lock_out_and_its_audit_event_name_the_same_address(self, settings, iro):
        settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
        for _ in range(5):
            Client().post(
                reverse("login"),
                {"username": iro.username, "password": "not the password"},
                REMOTE_ADDR=self.PROXY,
                HTTP_X_FORWARDED_FOR="203.0.113.5",
            )
        assert AccessAttempt.objects.get(username=iro.username).ip_address == "203.0.113.5"
        failures = AuditEvent.objects.filter(action="login-failed", username=iro.username)
        assert set(failures.values_list("ip_address", flat=True)) == {"203.0.113.5"}
        locked = failures.get(detail__locked_out=True)
        assert locked.detail["address"] == locked.ip_address

    def test_without_the_setting_the_connecting_address_is_recorded(self, client, iro):
        client.post(
            reverse("login"),
            {"username": iro.username, "password": TEST_PASSWORD},
            REMOTE_ADDR=self.PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        assert AuditEvent.objects.get(action="login", user=iro).ip_address == self.PROXY
