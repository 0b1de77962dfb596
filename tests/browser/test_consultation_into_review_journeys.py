"""The IRO records a LAC review with the online replies in place: sees who has replied on the task
list, reads the replies (what is not to be shared marked apart), uses them in the record with one
click, adds the people the child asked for, takes the suggested code and completes the review."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from consultations import services
from reviews.models import Review
from reviews.record_models import ReviewParticipant, ReviewViews
from tests.factories import AllocationFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in
from .test_review_record_journeys import both_widths, fill_date, open_task, status_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consulted_review(iro, manager):
    start = timezone.localdate() - timedelta(days=20)
    child = ChildFactory(given_name="Kai", family_name="Consulted")
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
    AllocationFactory(child=child, iro=iro, start_date=start)
    review = Review.objects.get(child=child, kind="LAC", status="due")
    child_link = services.issue_invitation(review, person_type="child", by=iro)
    services.submit_response(
        child_link.code,
        {
            "going_well": "Football on Saturdays",
            "wishes": "To stay with my carer",
            "feels_safe": True,
            "wants_to_attend": "no",
            "wants_at_review": ["carer", "social_worker"],
            "not_to_share": "I miss my old school",
        },
    )
    parent_link = services.issue_invitation(review, person_type="parent", by=iro, name="Alex Mother")
    services.submit_response(parent_link.code, {"worries": "Kai's schooling"})
    services.issue_invitation(review, person_type="carer", by=iro, name="Casey Carer")
    return review


def test_the_iro_uses_the_online_replies_and_completes_the_review(page, iro, consulted_review, screenshot):
    today = timezone.localdate()
    sign_in(page, iro)
    page.goto(f"/reviews/{consulted_review.pk}/record/lac/")
    replies = page.locator("#online-replies")
    expect(replies).to_contain_text("Online replies: 2 of 3, 1 not replied.")
    expect(replies).to_contain_text("Not replied: Casey Carer (carer)")
    both_widths(page, screenshot, "record-online-replies-task-list")

    open_task(page, "Views")
    child_reply = page.locator(".app-online-reply", has_text="Online reply: The child")
    expect(child_reply).to_contain_text("Football on Saturdays")
    expect(child_reply.locator(".govuk-warning-text")).to_contain_text("Asked not to be shared")
    expect(child_reply.locator(".app-not-to-share")).to_have_text("I miss my old school")
    both_widths(page, screenshot, "record-online-replies-views")
    page.get_by_role("button", name="Use in the record for the child's wishes and feelings").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The online replies were added to the child's wishes and feelings."
    )
    wishes = page.get_by_label("The child's wishes and feelings", exact=True)
    expect(wishes).to_have_value(
        "What is going well: Football on Saturdays\nWhat I want to happen: To stay with my carer"
    )
    given = page.get_by_role("group", name="How were the child's wishes and feelings given?")
    expect(given.get_by_label("Online consultation")).to_be_checked()
    page.get_by_role("button", name="Use in the record for the parents' views").click()
    expect(page.get_by_label("The parents' views", exact=True)).to_have_value(
        f"Alex Mother (parent), online on {today.day} {today:%B %Y}:\nWhat worries me: Kai's schooling"
    )
    assert_no_axe_violations(page, "views with the replies used")
    page.get_by_role("button", name="Save and continue").last.click()
    expect(status_of(page, "Views")).to_have_text("Completed")

    open_task(page, "Who was invited and who came")
    asked = page.locator("#child-asked-for")
    expect(asked).to_contain_text("Kai asked for:")
    expect(asked).to_contain_text("at the review: Carer, Social worker")
    expect(asked).to_contain_text("coming to the review: no")
    page.get_by_role("button", name="Add the people Kai asked for").click()
    page.wait_for_load_state("load")
    carer = page.get_by_role("group", name="Person 2")
    expect(carer.get_by_label("Role")).to_have_value("carer")
    expect(carer.get_by_label("Name")).to_be_focused()
    expect(carer.get_by_label("Invited")).to_be_checked()
    assert_no_axe_violations(page, "attendance with the people the child asked for")
    page.keyboard.type("Casey Carer")
    carer.get_by_label("Attended").check()
    worker = page.get_by_role("group", name="Person 3")
    expect(worker.get_by_label("Role")).to_have_value("social_worker")
    worker.get_by_label("Name").fill("Sol Worker")
    worker.get_by_label("Attended").check()
    page.get_by_role("group", name="Person 1").get_by_label("Gave apologies").check()
    page.get_by_role("button", name="Save and continue").last.click()
    expect(status_of(page, "Who was invited and who came")).to_have_text("Completed")
    assert sorted(ReviewParticipant.objects.filter(review=consulted_review).values_list("role", "attendance")) == [
        ("carer", "attended"),
        ("child", "apologies"),
        ("social_worker", "attended"),
    ]

    open_task(page, "The meeting")
    fill_date(page, "Date the review was held", today)
    page.get_by_role("button", name="Save and continue").last.click()

    open_task(page, "Participation")
    expect(page.locator("main")).to_contain_text("the suggested code is PN6")
    expect(page.get_by_label("A consultation was received from the child")).to_be_checked()
    page.get_by_label("PN6: does not attend; conveys feelings through a facilitative medium").check()
    page.get_by_role("button", name="Save and continue").last.click()

    page.get_by_role("link", name="Check your answers and complete the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Online consultation")
    expect(page.locator("main")).not_to_contain_text("I miss my old school")
    assert_no_axe_violations(page, "check your answers")
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")
    held = Review.objects.get(pk=consulted_review.pk)
    assert (held.status, held.participation_code, held.child_consulted) == ("held", "PN6", True)
    assert ReviewViews.objects.get(review=held, of="child").given == "online"
    page.problems.assert_none()
