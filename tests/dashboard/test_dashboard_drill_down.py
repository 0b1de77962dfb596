"""Each dashboard figure opens a list of exactly that many rows: sign in, open the dashboard,
follow every figure link."""

from datetime import date as D
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting import selectors
from reporting.periods import Period
from reviews import timescales
from tests.conftest import held_review, sign_in
from tests.dashboard.pages import check_every_figure, figure_links, list_size, period_query, seven_months_to_today


@pytest.mark.django_db
class TestDrillDown:
    """Sign in, open the dashboard for the seven months to today, follow every figure."""

    def dashboard_page(self, client, user, **query):
        sign_in(client, user)
        response = client.get(reverse("reporting:dashboard"), query)
        assert response.status_code == 200
        return response.content.decode()

    def test_every_manager_figure_opens_a_list_of_that_many_rows(self, client, manager, authority_today):
        page = self.dashboard_page(client, manager, **seven_months_to_today())
        links, mismatches = check_every_figure(client, page)
        assert len(links) >= 140  # every cell of every table, and the headlines
        assert sum(1 for link in links if link.value) >= 70, "the authority gives most figures something to count"
        assert mismatches == []

    def test_every_iro_figure_opens_a_list_of_that_many_rows(self, client, authority_today):
        page = self.dashboard_page(client, authority_today.iris, **seven_months_to_today())
        assert "My dashboard" in page
        links, mismatches = check_every_figure(client, page)
        assert sum(1 for link in links if link.value) >= 45
        assert mismatches == []

    def test_the_default_period_too(self, client, manager, authority_today):
        """The reporting year to date: whatever it holds, each figure opens its own list."""
        page = self.dashboard_page(client, manager)
        _, mismatches = check_every_figure(client, page)
        assert mismatches == []

    def test_month_rows_of_a_period_starting_and_ending_mid_month_open_only_the_period(
        self, client, manager, looked_after_child
    ):
        """A month only partly inside the period counts the reviews held inside it; its link
        must list those and not the rest of the month."""
        today = timezone.localdate()
        first_month = timescales.add_months(today.replace(day=1), -3)
        start, end = first_month + timedelta(days=14), first_month + timedelta(days=45)
        before_start = first_month + timedelta(days=2)
        inside = first_month + timedelta(days=20)
        after_end = end + timedelta(days=3)
        assert before_start.month == start.month and after_end.month == end.month
        for number, day in enumerate((before_start, inside, after_end), start=2):
            held_review(looked_after_child, "LAC", due=day, held=day, number=number, cycle_start=D(2024, 1, 10))
        figures = selectors.lac_timeliness_by_month(Period(start, end))
        assert [month.held for month in figures] == [1, 0]  # only `inside` is in the period
        page = self.dashboard_page(client, manager, **period_query(start, end))
        month_links = [
            link
            for link in figure_links(page)
            if link.label.startswith("LAC reviews held in ") and "timescale" not in link.label
        ]
        assert [link.value for link in month_links] == [1, 0]
        assert [list_size(client, link.url) for link in month_links] == [(1, 1, []), (0, 0, [])]
