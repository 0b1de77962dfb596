"""A service manager reads the children's and families' views on the dashboard and follows a
figure to the links it counts, on a desktop and at 390 px wide; axe-core passes on both pages.

One LAC review due today, with links sent to the child (answered) and to a parent (not yet)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations import services as consultation_services
from reviews.models import ReviewKind
from tests.factories import ChildFactory, ReviewFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, about, value):
    return page.get_by_role("link", name=re.compile(rf"^{value}\s*:\s*{re.escape(about)}, open the list$"))


@pytest.fixture
def consulted(iro):
    child = ChildFactory(given_name="Rowan", family_name="Replied")
    review = ReviewFactory(child=child, kind=ReviewKind.LAC, due_date=timezone.localdate())
    issued = consultation_services.issue_invitation(review, person_type="child", by=iro)
    consultation_services.submit_response(issued.code, {"going_well": "Football on Saturdays."})
    consultation_services.issue_invitation(review, person_type="parent", by=iro)
    return child


@pytest.mark.parametrize("width", [1280, 390])
def test_manager_follows_a_views_figure_to_the_reviews_counted(page, manager, consulted, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, manager)
    expect(page.get_by_role("heading", level=2, name="Children's and families' views")).to_be_visible()
    assert_no_axe_violations(page, f"dashboard with the views section at {width}px")
    screenshot(page, f"dashboard-views-{width}")
    figure(page, "consultation links to: The child: returned", 1).click()
    expect(page).to_have_title("Consultation and feedback links – IRO Portal")
    expect(page.locator("main table caption").first).to_have_text("1 link")
    expect(page.locator("main tbody tr")).to_contain_text(consulted.full_name)
    expect(page.get_by_label("Links sent")).to_have_value("consultation")
    assert_no_axe_violations(page, f"reviews behind a consultation figure at {width}px")
    screenshot(page, f"consultation-reviews-{width}")
    page.go_back()
    figure(page, "consultation links to: Parent: returned", 0).click()
    expect(page.locator("main table caption").first).to_have_text("0 links")
    page.problems.assert_none()
