"""IRO caseloads at scale: the dashboard lists only the IROs outside the IRO Handbook range of
50 to 70 children per full-time IRO (the furthest out first, ten on each side), and a page of its
own lists every IRO's caseload, paged, filtered and sorted, read from the dashboard's stored
figures without counting them again.

Caseloads per FTE are made with small numbers of children and small FTEs: 8 children on 0.1 FTE
is 80 (above the range), 6 on 0.1 is 60 (inside it), 1 on 1.0 is 1 (below it)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from children.models import Allocation, Child
from reporting import dashboard, selectors
from reporting.caseloads import CaseloadsForm
from reporting.charts import BAR_PLOT_LEFT
from tests.conftest import sign_in
from tests.dashboard.pages import Tables, body_rows
from tests.factories import IroFactory

CASELOADS = reverse("reporting:caseloads")
DASHBOARD = reverse("reporting:dashboard")
MAX_QUERIES = 5
"""The session, the user, the unread reminders in the header, the data version, the stored figures."""


def iro_with(name, children, fte="1.00"):
    """An IRO with `children` children allocated now."""
    first_name, last_name = name.split()
    iro = IroFactory(first_name=first_name, last_name=last_name, fte=Decimal(fte))
    created = Child.objects.bulk_create(
        Child(
            local_child_id=f"{last_name[:6].upper()}{number:03d}",
            given_name=f"Child{number}",
            family_name=last_name,
            date_of_birth="2014-01-01",
            sex="M",
            ethnicity="WBRI",
        )
        for number in range(children)
    )
    Allocation.objects.bulk_create(Allocation(child=child, iro=iro, start_date="2024-01-10") for child in created)
    return iro


def numbered_iros(count, start=0):
    """IROs "Ida Number000", "Ida Number001", ... in name order, each with no children (0 per
    FTE, below the range)."""
    return [IroFactory(first_name="Ida", last_name=f"Number{number:03d}") for number in range(start, start + count)]


def table(page, caption):
    """The body rows' text of the table with this caption (a regular expression)."""
    tables = [found for found in Tables(page).tables if re.fullmatch(caption, found["caption"].strip())]
    assert len(tables) == 1, [found["caption"] for found in Tables(page).tables]
    return body_rows(tables[0])


def names_in(rows):
    return [re.match(r"\s*(\S+ \S+)", row).group(1) for row in rows]


def get(client, url, query=None, status=200):
    response = client.get(url, query or {})
    assert response.status_code == status
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# The dashboard: only the caseloads outside the range
# ---------------------------------------------------------------------------------------------


def caseload(number, per_fte):
    """A caseload of `per_fte` children on 1 FTE, for an IRO who need not be saved."""
    return selectors.Caseload(
        iro=User(pk=number, first_name="Iro", last_name=f"{number:02d}"), children=per_fte, fte=Decimal("1.00")
    )


class TestOutsideTheBand:
    """reporting.dashboard.caseloads_outside_the_band, on caseloads made up in memory."""

    def test_the_furthest_out_first_ten_each_side_and_nobody_in_the_range(self):
        above = [caseload(number, 71 + number) for number in range(12)]  # 71 to 82
        inside = [caseload(20 + number, per_fte) for number, per_fte in enumerate((50, 60, 70))]
        below = [caseload(30 + number, 49 - number) for number in range(11)]  # 49 down to 39
        content = dashboard.caseloads_outside_the_band({"caseloads": {"rows": [*inside, *below, *above]}})
        over, under = content["groups"]
        assert over["caption"] == "10 of 12 IROs above 70 children per full-time IRO, highest first"
        assert [row["caseload"].per_fte for row in over["rows"]] == list(range(82, 72, -1))
        assert under["caption"] == "10 of 11 IROs below 50 children per full-time IRO, lowest first"
        assert [row["caseload"].per_fte for row in under["rows"]] == list(range(39, 49))
        assert [row["children"].url for row in under["rows"]][0] == f"{reverse('children:list')}?iro=40"
        chart = str(content["chart"])
        assert chart.count(f'<rect x="{BAR_PLOT_LEFT}"') == 20  # one bar per row of the two tables
        assert "82 (above 70)" in chart and "39 (below 50)" in chart and "Iro 20" not in chart

    def test_captions_when_few_or_none(self):
        content = dashboard.caseloads_outside_the_band({"caseloads": {"rows": [caseload(1, 75), caseload(2, 60)]}})
        assert [group["caption"] for group in content["groups"]] == [
            "1 IRO above 70 children per full-time IRO",
            "No IROs below 50 children per full-time IRO",
        ]
        assert dashboard.caseloads_outside_the_band({"caseloads": {"rows": [caseload(1, 60)]}})["chart"] is None

    def test_equal_caseloads_keep_the_order_by_name(self):
        rows = [caseload(1, 80), caseload(2, 90), caseload(3, 80)]
        over, _ = dashboard.caseloads_outside_the_band({"caseloads": {"rows": rows}})["groups"]
        assert [row["caseload"].iro.pk for row in over["rows"]] == [2, 1, 3]


@pytest.mark.django_db
class TestDashboard:
    @pytest.fixture
    def iros(self):
        return {
            "above": iro_with("Alice Above", 8, fte="0.10"),  # 80
            "inside": iro_with("Ian Inside", 6, fte="0.10"),  # 60
            "below": iro_with("Bob Below", 1),  # 1
        }

    def test_a_manager_sees_the_iros_outside_the_range_and_a_link_to_every_iro(self, client, manager, iros):
        sign_in(client, manager)
        page = get(client, DASHBOARD)
        assert names_in(table(page, r"1 IRO above 70 children per full-time IRO")) == ["Alice Above"]
        assert names_in(table(page, r"1 IRO below 50 children per full-time IRO")) == ["Bob Below"]
        assert "Ian Inside" not in page
        assert "Caseload of each IRO" not in page
        assert f'<a class="govuk-link" href="{CASELOADS}">See the caseload of every IRO</a>' in page
        assert 'aria-labelledby="caseload-chart-title caseload-chart-desc"' in page
        assert '<title id="caseload-chart-title">IROs outside the IRO Handbook range</title>' in page

    def test_every_caseload_inside_the_range_says_so(self, client, manager):
        iro_with("Ian Inside", 6, fte="0.10")
        sign_in(client, manager)
        page = get(client, DASHBOARD)
        assert "No IRO's caseload is outside the range of 50 to 70 children per full-time IRO." in page
        assert "caseload-chart" not in page
        assert "See the caseload of every IRO" in page

    def test_an_iro_sees_their_own_caseload_even_inside_the_range(self, client, iros):
        sign_in(client, iros["inside"])
        page = get(client, DASHBOARD)
        assert names_in(table(page, r"Caseload of each IRO")) == ["Ian Inside"]
        assert '<title id="caseload-chart-title">Children per full-time IRO</title>' in page
        assert "Alice Above" not in page and "Bob Below" not in page
        assert "See the caseload of every IRO" not in page


# ---------------------------------------------------------------------------------------------
# The page of every IRO's caseload
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def page_of_five(settings):
    settings.CHILDREN_LIST_PAGE_SIZE = 5


@pytest.mark.django_db
class TestEveryCaseload:
    def test_pages_of_iros_in_name_order(self, client, manager, page_of_five):
        iros = numbered_iros(12)
        sign_in(client, manager)
        pages = [names_in(table(get(client, CASELOADS, {"page": number}), r"12 IROs")) for number in (1, 2, 3)]
        assert pages == [[str(iro) for iro in iros[start : start + 5]] for start in (0, 5, 10)]
        second = get(client, CASELOADS, {"page": 2})
        assert "Showing 6 to 10 of 12" in second
        assert 'href="?page=3" rel="next"' in second and 'href="?page=1" rel="prev"' in second

    @pytest.mark.parametrize("asked, shown", [("abc", 1), ("0", 3), ("999", 3), ("-1", 3)])
    def test_a_page_number_that_is_not_a_page_gives_the_first_or_last_like_other_lists(
        self, client, manager, page_of_five, asked, shown
    ):
        numbered_iros(12)
        sign_in(client, manager)
        response = client.get(CASELOADS, {"page": asked})
        children_list = client.get(reverse("children:list"), {"page": asked})
        assert response.status_code == children_list.status_code == 200
        assert response.context["page"].number == shown

    def test_filters_sort_and_keep_the_filter_across_pages(self, client, manager, page_of_five):
        numbered_iros(7)  # 0 per FTE: below the range
        iro_with("Alice Above", 8, fte="0.10")  # 80
        iro_with("Abe Higher", 9, fte="0.10")  # 90
        iro_with("Ian Inside", 6, fte="0.10")  # 60
        sign_in(client, manager)
        above = get(client, CASELOADS, {"show": "above"})
        assert names_in(table(above, r"2 IROs above 70 children per full-time IRO")) == ["Abe Higher", "Alice Above"]
        highest = get(client, CASELOADS, {"show": "above", "order": "highest"})
        assert names_in(table(highest, r"2 IROs above 70 .*")) == ["Abe Higher", "Alice Above"]
        lowest = get(client, CASELOADS, {"show": "above", "order": "lowest"})
        assert names_in(table(lowest, r"2 IROs above 70 .*")) == ["Alice Above", "Abe Higher"]
        inside = get(client, CASELOADS, {"show": "within"})
        assert names_in(table(inside, r"1 IRO within the range of 50 to 70")) == ["Ian Inside"]
        below = get(client, CASELOADS, {"show": "below"})
        assert names_in(table(below, r"7 IROs below 50 children per full-time IRO")) == [
            f"Ida Number{number:03d}" for number in range(5)
        ]
        assert 'href="?show=below&amp;page=2"' in below
        assert names_in(table(get(client, CASELOADS, {"show": "below", "page": 2}), r"7 IROs below .*")) == [
            "Ida Number005",
            "Ida Number006",
        ]
        everyone = get(client, CASELOADS, {"order": "highest"})
        assert names_in(table(everyone, r"10 IROs"))[:3] == ["Abe Higher", "Alice Above", "Ian Inside"]

    def test_each_row_opens_the_iros_children_and_the_chart_draws_the_same_rows(self, client, manager, page_of_five):
        iro = iro_with("Alice Above", 8, fte="0.10")
        numbered_iros(6)
        sign_in(client, manager)
        page = get(client, CASELOADS)
        assert (
            f'href="{reverse("children:list")}?iro={iro.pk}">8<span class="govuk-visually-hidden">: '
            "children allocated to Alice Above, open the list</span>" in page
        )
        chart = re.search(r"<svg .*?</svg>", page, re.S).group(0)
        assert re.findall(r"<g><title>([^<]*)</title>", chart) == names_in(table(page, r"7 IROs"))
        assert "80 (above 70)" in chart and "0 (below 50)" in chart

    def test_a_filter_that_matches_nobody_says_so_without_a_chart(self, client, manager):
        numbered_iros(2)
        sign_in(client, manager)
        page = get(client, CASELOADS, {"show": "above"})
        assert "No IROs match." in page
        assert "<svg" not in page.split('id="filter-heading"')[1]

    def test_a_choice_not_in_the_list_is_refused_and_everyone_listed(self, client, manager):
        numbered_iros(2)
        sign_in(client, manager)
        page = get(client, CASELOADS, {"show": "everybody", "order": "age"}, status=400)
        assert re.search(r"<title>Error: Caseload of every IRO", page)
        assert "Select which IROs to show from the list" in page
        assert "Select how to sort the IROs from the list" in page
        assert names_in(table(page, r"2 IROs")) == ["Ida Number000", "Ida Number001"]

    def test_the_form_keeps_its_choices(self):
        form = CaseloadsForm({"show": "below", "order": "lowest"})
        assert form.is_valid()
        assert form.caption(1) == "1 IRO below 50 children per full-time IRO"
        assert CaseloadsForm().caption(3) == "3 IROs"


@pytest.mark.django_db(transaction=True)
class TestReadFromTheMaintainedFigures:
    """Committed changes, so that the figures are maintained (on PostgreSQL a transaction's own
    changes are counted live, reporting.maintained)."""

    def test_the_dashboards_figures_are_read_back_not_counted_again(self, client, manager):
        """Only the IROs' hours are read afresh (reporting.maintained): no allocation is counted."""
        iro_with("Alice Above", 8, fte="0.10")
        sign_in(client, manager)
        get(client, DASHBOARD)
        with CaptureQueriesContext(connection) as queries:
            page = get(client, CASELOADS)
        assert names_in(table(page, r"1 IRO")) == ["Alice Above"]
        assert not [query for query in queries.captured_queries if "children_allocation" in query["sql"]]

    def count_queries(self, client):
        client.get(CASELOADS)  # counts the figures, if the records changed, and stores them
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CASELOADS, {"show": "below", "page": 2})
        assert response.status_code == 200
        return len(queries)

    def test_the_same_few_queries_whatever_the_number_of_iros(
        self, client, manager, page_of_five, django_assert_num_queries
    ):
        numbered_iros(12)
        sign_in(client, manager)
        few = self.count_queries(client)
        numbered_iros(60, start=12)
        iro_with("Alice Above", 8, fte="0.10")
        many = self.count_queries(client)
        assert many == few <= MAX_QUERIES
        with django_assert_num_queries(few):
            assert client.get(CASELOADS, {"order": "highest", "page": 9}).status_code == 200


@pytest.mark.django_db
class TestAccess:
    def test_anonymous_people_are_sent_to_sign_in(self, client):
        response = client.get(CASELOADS)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("who", ["iro", "board_member"])
    def test_iros_and_board_members_are_refused(self, client, who, request):
        iro_with("Alice Above", 8, fte="0.10")
        sign_in(client, request.getfixturevalue(who))
        response = client.get(CASELOADS)
        assert response.status_code == 403
        assert "Alice Above" not in response.content.decode()

    @pytest.mark.parametrize("who", ["manager", "administrator"])
    def test_managers_and_administrators_see_every_iro(self, client, who, request):
        iro_with("Alice Above", 8, fte="0.10")
        iro_with("Ian Inside", 6, fte="0.10")
        sign_in(client, request.getfixturevalue(who))
        page = get(client, CASELOADS)
        assert names_in(table(page, r"2 IROs")) == ["Alice Above", "Ian Inside"]
