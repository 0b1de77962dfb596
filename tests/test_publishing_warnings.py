"""Publishing the annual report: what to check first (empty narrative sections, a reporting year
not finished) is listed on the confirmation page and must be confirmed; the version for children
never publishes placeholder text, and a published report leaves out what was never written."""

from datetime import date as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from iro_portal.locking import ChangedByAnotherUser
from reporting import services
from reporting.models import PublishedReport
from reviews.timescales import reporting_year_start
from tests.conftest import sign_in

FINISHED_YEAR = 2024
WRITTEN = {
    "introduction": "This is our report.",
    "achievements": "Every child had a named IRO.",
    "areas_for_development": "Reviews on time.",
    "changes_from_childrens_views": "You asked for reviews after school, so we moved them.",
    "how_to_contact_an_iro": "Phone 01234 567890.",
}
PLAN = [
    {
        "priority": "Hold reviews on time",
        "measure": "95% in timescale",
        "intended_impact": "Plans do not drift",
        "action": "Book reviews earlier",
    }
]
PLACEHOLDER = "Your IROs will write about this soon"
CHANGES_HEADING = "What changed because of what you said"


def current_year():
    return reporting_year_start(timezone.localdate()).year


def written(report, manager, **fields):
    report.refresh_from_db()
    return services.update_narrative(
        report, by=manager, fields={**WRITTEN, **fields}, action_plan=PLAN, expected_version=report.version
    )


def messages(report, on=None):
    return [warning.message for warning in services.publishing_warnings(report, on)]


@pytest.mark.django_db
class TestWhatToCheck:
    def test_an_empty_report_for_the_year_under_way_lists_every_empty_section_and_the_unfinished_year(self):
        year = current_year()
        report = services.report_for_year(year)
        today = timezone.localdate()
        assert messages(report) == [
            "Introduction is empty.",
            "Achievements this year is empty.",
            "Areas for development is empty.",
            "What changed because of what children said is empty: the version for children will leave that part out.",
            "How children can contact an IRO is empty: the version for children will tell them to ask their "
            "social worker or carer.",
            "The action plan has no priorities.",
            f"The reporting year April {year} to March {year + 1} has not finished: its figures count only up to "
            f"{today:%-d %B %Y}, and they will not change once published.",
        ]

    def test_a_written_report_for_a_finished_year_has_nothing_to_check(self, manager):
        report = written(services.report_for_year(FINISHED_YEAR), manager, achievements="   \n  ")
        assert messages(report) == ["Achievements this year is empty."]
        report = written(report, manager)
        assert messages(report) == []
        assert messages(report, on=D(FINISHED_YEAR + 1, 3, 31))[-1].startswith("The reporting year")
        assert messages(report, on=D(FINISHED_YEAR + 1, 4, 1)) == []

    def test_publishing_with_something_to_check_needs_confirming_and_the_version_read(self, manager):
        report = services.report_for_year(FINISHED_YEAR)
        with pytest.raises(ValidationError) as error:
            services.publish(report, by=manager)
        assert error.value.message_dict == {"confirmed": [services.CONFIRM_WARNINGS_MESSAGE]}
        read = report.version
        written(report, manager, introduction="")
        with pytest.raises(ChangedByAnotherUser):
            services.publish(report, by=manager, confirmed=True, expected_version=read)
        assert not PublishedReport.objects.exists()
        report.refresh_from_db()
        assert services.publish(report, by=manager, confirmed=True, expected_version=report.version).number == 1
        assert services.publish(written(report, manager), by=manager, reason="Introduction written").number == 2


@pytest.mark.django_db
class TestTheConfirmationPage:
    def test_it_lists_what_to_check_and_publishes_only_once_confirmed(self, client, manager):
        year = current_year()
        report = services.report_for_year(year)
        sign_in(client, manager)
        url = reverse("reporting:publish", args=[year])
        page = client.get(url).content.decode()
        assert "Check before you publish" in page
        assert "Introduction is empty." in page
        assert f'href="{reverse("reporting:narrative", args=[year])}#id_introduction"' in page
        assert f"The reporting year April {year} to March {year + 1} has not finished" in page
        assert "I have checked these and want to publish the report as it is" in page

        refused = client.post(url, {"version": report.version})
        assert refused.status_code == 400
        assert f'href="#id_confirmed">{services.CONFIRM_WARNINGS_MESSAGE}' in refused.content.decode()
        assert not PublishedReport.objects.exists()

        published = client.post(url, {"version": report.version, "confirmed": "on"})
        assert published.status_code == 302
        assert PublishedReport.objects.get().number == 1

    def test_a_complete_report_for_a_finished_year_asks_nothing_more(self, client, manager):
        report = written(services.report_for_year(FINISHED_YEAR), manager)
        sign_in(client, manager)
        url = reverse("reporting:publish", args=[FINISHED_YEAR])
        page = client.get(url).content.decode()
        assert "Check before you publish" not in page and 'name="confirmed"' not in page
        assert client.post(url, {"version": report.version}).status_code == 302


@pytest.mark.django_db
class TestNoPlaceholderIsPublished:
    def test_the_version_for_children_leaves_out_an_unwritten_part(self, client, manager):
        report = written(services.report_for_year(FINISHED_YEAR), manager, changes_from_childrens_views="")
        sign_in(client, manager)
        draft = client.get(reverse("reporting:child_friendly_report", args=[FINISHED_YEAR])).content.decode()
        assert PLACEHOLDER not in draft and CHANGES_HEADING not in draft
        assert "For managers, not shown to children" in draft
        services.publish(report, by=manager, confirmed=True)
        version = client.get(reverse("reporting:published_child_friendly_report", args=[FINISHED_YEAR, 1]))
        content = version.content.decode()
        assert PLACEHOLDER not in content and CHANGES_HEADING not in content
        assert "For managers" not in content
        assert "Phone 01234 567890." in content

        services.publish(written(report, manager), by=manager, reason="The children's part written")
        version_2 = client.get(reverse("reporting:published_child_friendly_report", args=[FINISHED_YEAR, 2]))
        assert CHANGES_HEADING in version_2.content.decode()
        assert "so we moved them" in version_2.content.decode()

    def test_a_published_report_leaves_out_unwritten_sections_which_the_draft_shows_missing(self, client, manager):
        report = services.report_for_year(FINISHED_YEAR)
        report = services.update_narrative(
            report,
            by=manager,
            fields={"introduction": "This is our report."},
            action_plan=[],
            expected_version=report.version,
        )
        sign_in(client, manager)
        draft = client.get(reverse("reporting:annual_report", args=[FINISHED_YEAR])).content.decode()
        assert draft.count("Not written yet.") == 2 and "No priorities entered yet." in draft
        services.publish(report, by=manager, confirmed=True)
        version = client.get(reverse("reporting:published_report", args=[FINISHED_YEAR, 1])).content.decode()
        assert "This is our report." in version
        for missing in (
            "Not written yet.",
            "No priorities entered yet.",
            'href="#achievements"',
            'href="#action-plan"',
        ):
            assert missing not in version, missing
