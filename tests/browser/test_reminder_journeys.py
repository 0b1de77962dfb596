"""An IRO finds a reminder in the header, opens it from the inbox and lands on the review."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews.timescales import add_working_days
from tests.factories import AllocationFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_iro_opens_a_reminder_from_the_inbox(page, iro, manager):
    today = timezone.localdate()
    start = add_working_days(add_working_days(today, 5), -20)
    child = ChildFactory(given_name="Quinn", family_name="Remindercase")
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=start,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=start - timedelta(days=1))
    call_command("send_reminders", "--no-email", stdout=open("/dev/null", "w"))

    sign_in(page, iro)
    header_link = page.get_by_role("link", name="Reminders")
    expect(header_link).to_contain_text("unread")
    header_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    row = page.locator("tbody tr", has_text="Review due")
    expect(row).to_contain_text(f"Child: Quinn Remindercase ({child.local_child_id})")
    expect(row).to_contain_text("LAC review 1 is due in 5 working days")
    assert_no_axe_violations(page, "Reminders inbox")

    row.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LAC review 1")
    page.get_by_role("link", name="Reminders").click()
    expect(page.locator("tbody tr", has_text="Review due")).to_contain_text("Read")
    page.problems.assert_none()
