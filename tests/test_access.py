"""Who may see which page: DESIGN.md section 1."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in

CHILD_PAGES = ["children:detail", "children:allocate"]


@pytest.mark.django_db
class TestSignInRequired:
    @pytest.mark.parametrize(
        "url", ["/", "/children/", "/children/caseload/", "/children/1/", "/children/1/allocate/", "/admin/"]
    )
    def test_anonymous_users_are_sent_to_sign_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/") or response["Location"].startswith("/admin/login/")

    def test_sign_in_page_is_open(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert b"Sign in to IRO Portal" in response.content

    def test_wrong_password_shows_a_clear_error(self, client, iro):
        response = client.post(reverse("login"), {"username": iro.username, "password": "wrong"})
        assert response.status_code == 200
        assert b"There is a problem" in response.content
        assert b"Enter a correct username and password" in response.content
        assert "_auth_user_id" not in client.session

    def test_sign_out_ends_the_session(self, client, iro):
        sign_in(client, iro)
        client.post(reverse("logout"))
        assert client.get("/children/caseload/").status_code == 302


@pytest.mark.django_db
class TestIroAccess:
    def test_iro_sees_their_own_child(self, client, iro, looked_after_child):
        sign_in(client, iro)
        response = client.get(reverse("children:detail", args=[looked_after_child.pk]))
        assert response.status_code == 200
        assert b"Robin Looked-After" in response.content

    def test_iro_gets_404_for_another_iros_child(self, client, iro, other_child):
        sign_in(client, iro)
        assert client.get(reverse("children:detail", args=[other_child.pk])).status_code == 404

    def test_iro_loses_access_once_the_child_is_reallocated(self, client, iro, other_iro, manager, looked_after_child):
        import datetime

        from children.services import allocate_iro

        allocate_iro(looked_after_child, iro=other_iro, start_date=datetime.date(2025, 1, 6), by=manager)
        sign_in(client, iro)
        assert client.get(reverse("children:detail", args=[looked_after_child.pk])).status_code == 404

    def test_iro_caseload_lists_only_their_children(self, client, iro, looked_after_child, other_child):
        sign_in(client, iro)
        response = client.get(reverse("children:caseload"))
        assert b"Robin Looked-After" in response.content
        assert b"Casey Elsewhere" not in response.content

    def test_iro_children_list_holds_only_their_children_and_no_iro_filter(
        self, client, iro, looked_after_child, other_child
    ):
        sign_in(client, iro)
        response = client.get(reverse("children:list"), {"care_status": "looked_after"})
        assert response.status_code == 200
        assert b"Robin Looked-After" in response.content
        assert b"Casey Elsewhere" not in response.content
        assert b'name="iro"' not in response.content

    def test_iro_cannot_allocate(self, client, iro, other_iro, looked_after_child):
        sign_in(client, iro)
        url = reverse("children:allocate", args=[looked_after_child.pk])
        assert client.get(url).status_code == 403
        response = client.post(
            url, {"iro": other_iro.pk, "start_date_day": "1", "start_date_month": "2", "start_date_year": "2025"}
        )
        assert response.status_code == 403
        assert looked_after_child.allocations.get().iro == iro

    def test_iro_home_is_the_caseload(self, client, iro):
        sign_in(client, iro)
        assert client.get("/")["Location"] == reverse("children:caseload")


@pytest.mark.django_db
class TestBoardMemberAccess:
    @pytest.mark.parametrize("name", CHILD_PAGES)
    def test_board_member_gets_403_on_every_child_page(self, client, board_member, looked_after_child, name):
        sign_in(client, board_member)
        assert client.get(reverse(name, args=[looked_after_child.pk])).status_code == 403

    @pytest.mark.parametrize("name", ["children:list", "children:caseload"])
    def test_board_member_gets_403_on_lists(self, client, board_member, name):
        sign_in(client, board_member)
        assert client.get(reverse(name)).status_code == 403

    def test_board_member_home_shows_no_child(self, client, board_member, looked_after_child):
        sign_in(client, board_member)
        response = client.get("/", follow=True)
        assert response.status_code == 200
        assert b"Robin" not in response.content
        assert b"My caseload" not in response.content

    def test_board_member_cannot_use_the_admin(self, client, board_member):
        sign_in(client, board_member)
        assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
class TestManagerAccess:
    def test_manager_sees_every_child(self, client, manager, looked_after_child, other_child):
        sign_in(client, manager)
        response = client.get(reverse("children:list"))
        assert b"Robin Looked-After" in response.content and b"Casey Elsewhere" in response.content
        assert client.get(reverse("children:detail", args=[other_child.pk])).status_code == 200

    def test_administrator_sees_every_child(self, client, administrator, other_child):
        sign_in(client, administrator)
        assert client.get(reverse("children:detail", args=[other_child.pk])).status_code == 200
        assert client.get("/admin/").status_code == 200

    def test_manager_home_is_the_dashboard(self, client, manager):
        sign_in(client, manager)
        assert client.get("/")["Location"] == reverse("reporting:dashboard")


@pytest.mark.django_db
def test_refusals_use_the_service_layout(client, board_member, looked_after_child):
    sign_in(client, board_member)
    response = client.get(reverse("children:detail", args=[looked_after_child.pk]))
    assert b"You do not have permission to see this page" in response.content
    assert b"govuk-service-navigation" in response.content
