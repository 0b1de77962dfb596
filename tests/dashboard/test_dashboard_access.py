"""Who sees the dashboard, and what: the whole service for managers and administrators, their
own caseload for an IRO, nothing for board members or anonymous people."""

import pytest
from django.urls import reverse

from tests.conftest import sign_in
from tests.dashboard.pages import Tables, figure_value, seven_months_to_today


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_people_are_sent_to_sign_in(self, client):
        response = client.get(reverse("reporting:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_board_members_are_refused(self, client, board_member):
        sign_in(client, board_member)
        assert client.get(reverse("reporting:dashboard")).status_code == 403

    @pytest.mark.parametrize("who", ["manager", "administrator"])
    def test_managers_and_administrators_see_the_whole_service(self, client, authority_today, who, request):
        sign_in(client, request.getfixturevalue(who))
        response = client.get(reverse("reporting:dashboard"), seven_months_to_today())
        assert response.status_code == 200
        page = response.content.decode()
        assert '<h1 class="govuk-heading-l">Dashboard</h1>' in page
        assert figure_value(page, "Looked-after child review held") == 5
        assert figure_value(page, "children allocated to Owen Other") == 7
        # Every IRO here is outside the range: Tara above it, the rest below it, the lowest first.
        caseloads = {
            table["caption"].strip(): [row.split()[:2] for row in table["rows"]]
            for table in Tables(page).tables
            if "children per full-time IRO" in table["caption"]
        }
        assert caseloads == {
            "1 IRO above 70 children per full-time IRO": [["Tara", "Tenth"]],
            "3 IROs below 50 children per full-time IRO, lowest first": [
                ["Ivan", "Inactive"],
                ["Iris", "Reviewer"],
                ["Owen", "Other"],
            ],
        }
        assert reverse("reporting:caseloads") in page

    def test_an_iro_sees_their_own_caseload_only(self, client, authority_today):
        sign_in(client, authority_today.iris)
        response = client.get(reverse("reporting:dashboard"), seven_months_to_today())
        assert response.status_code == 200
        page = response.content.decode()
        assert "My dashboard" in page
        assert "Figures for the children allocated to you now." in page
        assert figure_value(page, "Looked-after child review held") == 2  # Ava and Ben, not Owen's three
        assert figure_value(page, "children allocated to Iris Reviewer") == 10
        assert "Owen Other" not in page and "Tara Tenth" not in page
