"""The dashboard's period: the reporting year to date by default, an earlier reporting year,
or two dates; a period the form cannot take is refused with the reason."""

import re
from datetime import date as D

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.periods import reporting_year, year_to_date
from reviews import timescales
from tests.conftest import sign_in
from tests.dashboard.pages import period_query


@pytest.mark.django_db
class TestPeriod:
    def get(self, client, manager, query):
        sign_in(client, manager)
        response = client.get(reverse("reporting:dashboard"), query)
        return response, response.content.decode()

    def test_year_to_date_by_default(self, client, manager):
        today = timezone.localdate()
        response, page = self.get(client, manager, {})
        assert response.status_code == 200
        assert year_to_date(today).label in page

    def test_an_earlier_reporting_year(self, client, manager):
        last_year = timescales.reporting_year_start(timezone.localdate()).year - 1
        response, page = self.get(client, manager, {"year": last_year})
        assert response.status_code == 200
        assert f"1 April {last_year} to 31 March {last_year + 1}" in page
        assert response.context["period"] == reporting_year(last_year)

    def test_two_dates(self, client, manager):
        response, page = self.get(client, manager, period_query(D(2025, 5, 1), D(2025, 6, 30)))
        assert response.status_code == 200
        assert "1 May 2025 to 30 June 2025" in page

    def test_a_start_after_the_end_is_refused(self, client, manager):
        response, page = self.get(client, manager, period_query(D(2025, 6, 30), D(2025, 5, 1)))
        assert response.status_code == 400
        assert "There is a problem" in page
        assert re.search(r"<title>Error: ", page)
        assert "The end date must be the same as or after the start date." in page

    @pytest.mark.parametrize(
        "given, message",
        [
            ("start", "Enter the date the period ends, or leave both dates empty."),
            ("end", "Enter the date the period starts, or leave both dates empty."),
        ],
    )
    def test_one_date_alone_is_refused(self, client, manager, given, message):
        query = {
            key: value for key, value in period_query(D(2025, 5, 1), D(2025, 6, 30)).items() if key.startswith(given)
        }
        response, page = self.get(client, manager, query)
        assert response.status_code == 400
        assert "There is a problem" in page
        assert re.search(r"<title>Error: ", page)
        assert message in page

    @pytest.mark.parametrize(
        "start, end, message",
        [
            (D(2010, 4, 1), D(2025, 3, 31), "The period can be at most ten years long."),
            (D(1999, 4, 1), D(2000, 3, 31), "Enter a date from 1 January 2000 to 31 December 2100."),
        ],
    )
    def test_a_period_the_api_refuses_is_refused_on_the_page_too(self, client, manager, start, end, message):
        response, page = self.get(client, manager, period_query(start, end))
        assert response.status_code == 400
        assert "There is a problem" in page
        assert message in page
