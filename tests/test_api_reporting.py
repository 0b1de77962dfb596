"""The reporting endpoints of the API: the dashboard's figures and the annual reports' figures,
for each role; the board's small numbers suppressed and never a draft; a bounded number of
queries whatever the size of the authority."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from escalations.codes import AreaOfConcern
from oversight.models import OversightKind, Rag
from reporting import selectors, services
from reporting.periods import year_to_date
from reviews.models import ReviewKind
from tests.api_helpers import api_client, assert_error_shape, queries_for
from tests.conftest import escalation_raised, held_review, oversight_record, review_due
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/dashboard/"
REPORTS = "/api/v1/annual-reports/"
MAX_DASHBOARD_QUERIES = 22
"""The dashboard's queries counted live, as a test's own transaction has written on PostgreSQL
(four of them the consultation figures, this period and a year before; the IROs' hours read
apart from their allocations, which are counted by shard; the look-up of the maintained figures
that finds the transaction's own changes), the token's look-up (and its last-used note) and a
margin. On SQLite the manager's figures are maintained and read in fewer."""


def figures_url(year, version=None):
    return f"{REPORTS}{year}/figures/" + (f"?version={version}" if version else "")


def this_year():
    return year_to_date(timezone.localdate()).start.year


def by_key(body):
    return {figure["key"]: figure for figure in body["figures"]}


def add_children(count, iro, *, start=0):
    """`count` children looked after since January 2024 and allocated to `iro`, each with a LAC
    review held last month, one due next month and an oversight record; every third child has an
    open escalation. Returns the children."""
    today = timezone.localdate()
    children = []
    for n in range(start, start + count):
        child = ChildFactory(given_name=f"Child{n}", family_name="Counted", local_child_id=f"QZ7{n:03d}")
        CareEpisodeFactory(child=child)
        AllocationFactory(child=child, iro=iro)
        review = held_review(
            child,
            ReviewKind.LAC,
            due=today - timedelta(days=30),
            held=today - timedelta(days=32),
            participation_code="PN1",
        )
        review_due(child, ReviewKind.LAC, due=today + timedelta(days=30), number=3)
        oversight_record(child, iro, OversightKind.POST_REVIEW, review.held_on, rag=Rag.AMBER, review=review)
        if n % 3 == 0:
            escalation_raised(child, iro, today - timedelta(days=10), [AreaOfConcern.CARE_PLANNING])
        children.append(child)
    return children


# ---------------------------------------------------------------------------------------------
# The dashboard
# ---------------------------------------------------------------------------------------------


def test_a_manager_gets_the_whole_authoritys_dashboard(manager, looked_after_child, other_child):
    response = api_client(manager).get(DASHBOARD)
    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate()
    period = year_to_date(today)
    assert body["scope"] == "authority"
    assert body["on"] == today.isoformat()
    assert body["period"]["start"] == period.start.isoformat() and body["period"]["end"] == today.isoformat()
    assert body["children"]["looked_after_now"] == 2
    assert body["oversight"]["looked_after_now"] == 2
    rows = {row["iro"]["name"]: row for row in body["caseloads"]["rows"]}
    assert rows["Iris Reviewer"]["children"] == 1 and rows["Owen Other"]["children"] == 1
    assert set(rows["Iris Reviewer"]) == {
        "iro",
        "children",
        "lac_children",
        "fte",
        "agency",
        "per_fte",
        "lac_per_fte",
        "above_band",
        "below_band",
    }
    assert isinstance(rows["Iris Reviewer"]["fte"], float) and isinstance(rows["Iris Reviewer"]["iro"]["id"], int)
    assert body["caseloads"]["band"] == list(selectors.CASELOAD_BAND)
    # The same figures as the dashboard page's selector, as JSON.
    expected = selectors.dashboard(period, today)
    assert body["reviews"]["LAC"]["held"] == expected["reviews"]["LAC"]["held"]
    assert "not_recorded" in body["reviews"]["LAC"]["late_reasons"] and "" not in body["reviews"]["LAC"]["late_reasons"]
    assert len(body["months"]) == len(expected["months"])
    assert set(body["months"][0]) == {"first_day", "start", "end", "held", "in_timescale", "percent_in_timescale"}
    assert body["escalations"]["open"] == expected["escalations"]["open"]


def test_an_administrator_gets_the_whole_authority_too(administrator, looked_after_child, other_child):
    response = api_client(administrator).get(DASHBOARD)
    assert response.status_code == 200
    assert response.json()["scope"] == "authority" and response.json()["children"]["looked_after_now"] == 2


def test_an_iro_gets_only_their_own_children(iro, looked_after_child, other_child):
    response = api_client(iro).get(DASHBOARD)
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "own_children"
    assert body["children"]["looked_after_now"] == 1
    assert [row["iro"]["id"] for row in body["caseloads"]["rows"]] == [iro.pk]


def test_board_members_have_no_dashboard(board_member):
    assert_error_shape(api_client(board_member).get(DASHBOARD), 403)


def test_the_dashboard_needs_authentication():
    assert_error_shape(api_client().get(DASHBOARD), 401)


def test_a_reporting_year_or_two_dates_choose_the_period(manager):
    client = api_client(manager)
    last = this_year() - 1
    body = client.get(f"{DASHBOARD}?year={last}").json()
    assert body["period"] == {
        "start": f"{last}-04-01",
        "end": f"{last + 1}-03-31",
        "label": f"1 April {last} to 31 March {last + 1}",
        "reporting_year": last,
    }
    assert len(body["months"]) == 12
    body = client.get(f"{DASHBOARD}?start=2025-05-10&end=2025-07-02&year={last}").json()
    assert (body["period"]["start"], body["period"]["end"], body["period"]["reporting_year"]) == (
        "2025-05-10",
        "2025-07-02",
        None,
    )
    assert [month["first_day"] for month in body["months"]] == ["2025-05-01", "2025-06-01", "2025-07-01"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2025-05-10", "end"),
        ("end=2025-05-10", "start"),
        ("start=2025-05-10&end=2025-05-01", "end"),
        ("start=10/05/2025&end=2025-06-01", "start"),
        ("start=1900-01-01&end=2025-06-01", "start"),
        ("start=2000-01-01&end=2025-06-01", "end"),
        ("year=abc", "year"),
        ("year=1999", "year"),
        (f"year={timezone.localdate().year + 2}", "year"),
    ],
)
def test_an_invalid_period_is_a_400_in_the_error_shape(manager, query, field):
    assert_error_shape(api_client(manager).get(f"{DASHBOARD}?{query}"), 400, field)


def test_the_dashboard_runs_the_same_few_queries_for_3_or_20_children(manager, iro, other_iro):
    client = api_client(manager)
    add_children(3, iro)
    client.get(DASHBOARD)  # the token's first use notes it: not a query of the dashboard's
    small = queries_for(client, DASHBOARD)
    add_children(10, iro, start=3)
    add_children(7, other_iro, start=13)
    body = client.get(DASHBOARD).json()
    assert body["children"]["looked_after_now"] == 20 and body["escalations"]["open"] == 7
    assert queries_for(client, DASHBOARD) == small <= MAX_DASHBOARD_QUERIES


def test_an_iros_dashboard_runs_the_same_few_queries_for_3_or_20_children(iro):
    client = api_client(iro)
    add_children(3, iro)
    client.get(DASHBOARD)
    small = queries_for(client, DASHBOARD)
    add_children(17, iro, start=3)
    assert client.get(DASHBOARD).json()["children"]["looked_after_now"] == 20
    assert queries_for(client, DASHBOARD) == small <= MAX_DASHBOARD_QUERIES


# ---------------------------------------------------------------------------------------------
# Annual reports
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_authority(iro):
    """Three children looked after (a small number, so suppressed for the board)."""
    add_children(3, iro)


@pytest.fixture
def published(small_authority, manager):
    """This year's report published once, and last year's only drafted."""
    report = services.report_for_year(this_year())
    services.report_for_year(this_year() - 1)
    return services.publish(report, by=manager, confirmed=True)


def test_managers_list_every_year_with_a_report_and_its_versions(manager, published):
    response = api_client(manager).get(REPORTS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {row["year"]: row for row in body["results"]}
    year = this_year()
    assert rows[year]["label"] == f"April {year} to March {year + 1}"
    assert [version["version"] for version in rows[year]["versions"]] == [1]
    assert rows[year]["latest_version"] == 1
    assert rows[year - 1]["versions"] == [] and rows[year - 1]["latest_version"] is None


def test_board_members_list_only_published_years(board_member, published):
    body = api_client(board_member).get(REPORTS).json()
    assert [row["year"] for row in body["results"]] == [this_year()]


@pytest.mark.parametrize("user", ["iro", "other_iro"])
def test_iros_cannot_read_annual_reports(request, user, published):
    client = api_client(request.getfixturevalue(user))
    assert_error_shape(client.get(REPORTS), 403)
    assert_error_shape(client.get(figures_url(this_year())), 403)


def test_annual_reports_need_authentication(published):
    assert_error_shape(api_client().get(REPORTS), 401)
    assert_error_shape(api_client().get(figures_url(this_year())), 401)


def test_the_list_of_reports_runs_a_bounded_number_of_queries(manager):
    client = api_client(manager)
    services.publish(services.report_for_year(this_year()), by=manager, confirmed=True)
    client.get(REPORTS)
    small = queries_for(client, REPORTS)
    for year in range(this_year() - 6, this_year()):
        report = services.report_for_year(year)
        services.publish(report, by=manager, confirmed=True)
        services.publish(report, by=manager, reason="Corrected", confirmed=True)
    assert queries_for(client, REPORTS) == small


def test_a_manager_reads_the_draft_unsuppressed(manager, published):
    response = api_client(manager).get(figures_url(this_year()))
    assert response.status_code == 200, response.content
    body = response.json()
    year = this_year()
    assert (body["year"], body["version"], body["variant"]) == (year, None, "internal")
    assert body["label"] == f"April {year} to March {year + 1}"
    assert body["previous_label"] == f"April {year - 1} to March {year}"
    assert body["generated_on"] == timezone.localdate().isoformat()
    figures = by_key(body)
    at_end = figures["children.at_end"]
    assert set(at_end) == {
        "key",
        "label",
        "kind",
        "section",
        "this_year",
        "last_year",
        "statistical_neighbours",
        "england",
        "target",
        "target_direction",
        "target_met",
    }
    assert (at_end["kind"], at_end["section"], at_end["this_year"]) == ("count", "children", 3)
    assert not any(figure["this_year"] == "c" or figure["last_year"] == "c" for figure in figures.values())
    # Its reading is audited, as a download of the page is.
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT, user=manager).latest("id")
    assert event.detail["format"] == "json" and event.detail["version"] == "draft"


def test_a_manager_reads_a_published_version_as_frozen(manager, published, iro):
    add_children(2, iro, start=3)
    client = api_client(manager)
    assert by_key(client.get(figures_url(this_year())).json())["children.at_end"]["this_year"] == 5
    body = client.get(figures_url(this_year(), 1)).json()
    assert body["version"] == 1 and body["variant"] == "internal"
    assert by_key(body)["children.at_end"]["this_year"] == 3
    assert_error_shape(client.get(figures_url(this_year(), 2)), 404)
    assert_error_shape(client.get(f"{figures_url(this_year())}?version=first"), 400, "version")


def test_comparators_are_numbers(manager, published):
    from decimal import Decimal

    services.save_comparators(
        this_year(), by=manager, figures={"lac.percent_in_timescale": {"england": Decimal("88.5")}}
    )
    figure = by_key(api_client(manager).get(figures_url(this_year())).json())["lac.percent_in_timescale"]
    assert figure["england"] == 88.5 and figure["statistical_neighbours"] is None and figure["kind"] == "percent"


def test_the_board_sees_small_numbers_as_c_and_never_a_draft(board_member, manager, published, iro):
    client = api_client(board_member)
    year = this_year()
    add_children(4, iro, start=3)  # the draft now has 7, which the board must never see
    for url in (figures_url(year), figures_url(year, 1)):
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["version"], body["variant"]) == (1, "board")
        figures = by_key(body)
        assert figures["children.at_end"]["this_year"] == "c"  # 3: a count of 1 to 5
        assert figures["children.at_end"]["last_year"] == "c"
        assert figures["children.ceased"]["this_year"] == 0  # zero is never suppressed
        assert all(figure["this_year"] != 7 for key, figure in figures.items() if key.startswith("children.at_end"))
        # The key highlight about those children says they are withheld, and never whether up or down.
        highlight = next(item for item in body["highlights"] if item["figure"] == "children.at_end")
        assert highlight["direction"] == "" and "not shown in this version" in highlight["sentence"]
        assert body["authority"] == settings.AUTHORITY_NAME
    # A newer version is the default; the older one stays readable.
    services.publish(services.report_for_year(year), by=manager, reason="Four more children", confirmed=True)
    assert by_key(client.get(figures_url(year)).json())["children.at_end"]["this_year"] == 7
    assert client.get(figures_url(year)).json()["version"] == 2
    assert by_key(client.get(figures_url(year, 1)).json())["children.at_end"]["this_year"] == "c"
    # The manager reading the same version sees the numbers.
    assert by_key(api_client(manager).get(figures_url(year, 1)).json())["children.at_end"]["this_year"] == 3


def test_the_board_gets_404_for_a_year_with_nothing_published(board_member, published):
    client = api_client(board_member)
    assert_error_shape(client.get(figures_url(this_year() - 1)), 404)  # a draft only
    assert_error_shape(client.get(figures_url(this_year() - 3)), 404)  # no report at all
    assert_error_shape(client.get(figures_url(this_year(), 2)), 404)


@pytest.mark.parametrize("year", ["1999", "3000", "20x5"])
def test_years_out_of_range_are_404(manager, year):
    assert_error_shape(api_client(manager).get(figures_url(year)), 404)
