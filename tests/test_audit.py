import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record_event
from tests.conftest import postgresql_only, sign_in


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
        client.post(reverse("children:allocate", args=[looked_after_child.pk]), {
            "iro": other_iro.pk, "start_date_day": "3", "start_date_month": "2", "start_date_year": "2025", "version": 1})
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
        for statement in ("UPDATE audit_auditevent SET action = 'export' WHERE id = %s",
                          "DELETE FROM audit_auditevent WHERE id = %s"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk, action="view").exists()

    def test_admin_offers_no_edit_or_delete_of_audit_events(self, client, administrator, iro):
        event = record_event(action="view", user=iro, object_type="children.child", object_id="1")
        sign_in(client, administrator)
        change_page = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
        assert change_page.status_code == 200
        assert b'name="_save"' not in change_page.content
        assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
        assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
