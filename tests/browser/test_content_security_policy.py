"""The Content-Security-Policy in a real browser: Chromium enforces the header on the pages people
use (sign-in, caseload, children list, dashboard and annual report with their charts, the API
documentation), reports no violation, and the pages' JavaScript still works: GOV.UK Frontend
focuses the error summary and opens the mobile menu, Swagger UI and ReDoc list the operations.

Violations are caught twice: Chromium's console message ("... violates the following Content
Security Policy directive ...") for every page the test visits, and the document's
`securitypolicyviolation` events, recorded by a script Playwright adds before the page's own."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.timescales import reporting_year_start
from tests.factories import AllocationFactory, ChildFactory, record_attendance_and_views

from .helpers import SIGN_IN_HEADING, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it reports gathered in `page.csp_violations`."""
    page.csp_violations = []
    page.on(
        "console",
        lambda message: page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def assert_no_violations(page, where):
    in_document = page.evaluate("() => window.cspViolations")
    assert not page.csp_violations and not in_document, (
        f"CSP violations on {where}: {page.csp_violations + in_document}"
    )
    page.problems.assert_none()


def open_page(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    page.wait_for_load_state("load")
    return response


@pytest.fixture
def reviewed_children(iro, manager):
    """Two children in care since last reporting year, each with a LAC review held, so the
    dashboard and last year's annual report draw their charts."""
    year = reporting_year_start(timezone.localdate()).year - 1
    started = date(year, 5, 1)
    for given_name in ("Avery", "Blake"):
        child = ChildFactory(given_name=given_name, family_name="Policy")
        children_services.record_care_episode(
            child,
            by=manager,
            start_date=started,
            reason_for_new_episode="S",
            legal_status="C2",
            category_of_need="N1",
            placement_type="U6",
            placement_provider="PR1",
        )
        AllocationFactory(child=child, iro=iro, start_date=started)
        review = Review.objects.get(child=child, kind=ReviewKind.LAC, number=1, status=ReviewStatus.DUE)
        review_services.record_review_held(
            record_attendance_and_views(review),
            by=iro,
            fields={"held_on": started + timedelta(days=14), "participation_code": "PN1"},
        )
    return year


def test_sign_in_page_keeps_its_javascript_under_the_policy(watched):
    open_page(watched, "/sign-in/")
    expect(watched.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    assert watched.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")

    watched.get_by_role("button", name="Sign in").click()
    # GOV.UK Frontend's ErrorSummary (loaded from static/js/application.mjs) moves focus to it.
    expect(watched.locator(".govuk-error-summary")).to_be_focused()
    assert_no_violations(watched, "the sign-in page")


def test_iro_caseload_and_mobile_menu_work_under_the_policy(watched, iro, reviewed_children):
    sign_in(watched, iro)
    watched.set_viewport_size({"width": 375, "height": 800})
    open_page(watched, "/children/caseload/")
    expect(watched.get_by_role("link", name="Avery Policy", exact=True)).to_be_visible()

    menu = watched.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()  # GOV.UK's service navigation shows the toggle once it has started
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(watched.locator("#navigation")).to_be_visible()
    assert_no_violations(watched, "the caseload")


def test_manager_pages_with_charts_render_under_the_policy(watched, manager, reviewed_children):
    sign_in(watched, manager)
    for url in ("/children/", "/dashboard/", f"/reports/{reviewed_children}/"):
        open_page(watched, url)
        if url != "/children/":
            # Server-drawn SVG charts: presentation attributes only, no inline style for the policy to refuse.
            charts = watched.locator("main svg[role='img']")
            expect(charts.first).to_be_visible()
            box = charts.first.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50, (url, box)
        assert_no_violations(watched, url)


def test_api_documentation_pages_render_their_operations_under_the_policy(watched, manager):
    sign_in(watched, manager)

    open_page(watched, "/api/v1/docs/")
    expect(watched.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    assert watched.locator(".swagger-ui .opblock").count() > 10
    assert_no_violations(watched, "Swagger UI")

    open_page(watched, "/api/v1/redoc/")
    expect(watched.locator("#redoc-container h1")).to_contain_text("IRO Portal API", timeout=15_000)
    # ReDoc's styles are <style> elements it adds with the page's nonce: unstyled, the menu would be page-wide.
    menu = watched.locator("#redoc-container .menu-content")
    menu_width = menu.evaluate("(element) => element.getBoundingClientRect().width")
    assert 100 < menu_width < 600, menu_width
    # Search runs in a Web Worker from a blob: URL, which the page's policy allows.
    watched.get_by_role("textbox", name="Search").fill("allocation")
    expect(watched.locator("[data-role='search:results'] [role='menuitem']").first).to_be_visible()
    # The one thing refused is what the policy is for: ReDoc's attribution logo from Redocly's CDN.
    refused = watched.csp_violations + watched.evaluate("() => window.cspViolations")
    assert all("https://cdn.redoc.ly/" in violation for violation in refused), refused
    watched.problems.assert_none()
