"""The report's narrative: rendered safely, its action plan a table, a stale edit refused."""

import re

import pytest
from django.urls import reverse

from iro_portal.locking import ChangedByAnotherUser
from reporting import services
from reporting.models import AnnualReport
from tests.annual_report.authority import PLAN, YEAR
from tests.annual_report.formats import Tables
from tests.conftest import sign_in

NARRATIVE = """We did well.

- first bullet about reviews
- second bullet about visits

<script>alert("narrative-script-xyz")</script>
<img src="http://evil.example/track.png">
![tracker](http://evil2.example/pixel.png)
"""


def test_the_narrative_is_rendered_safely_and_the_action_plan_is_a_table(records, report, client, manager):
    services.update_narrative(
        report,
        by=manager,
        fields={"achievements": NARRATIVE, "introduction": "Hello."},
        action_plan=PLAN,
        expected_version=report.version,
    )
    html = sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])).content.decode()
    section = html[html.index('id="achievements"') : html.index('id="areas_for_development"')]
    assert "narrative-script-xyz" not in html
    assert "evil.example" not in html and "evil2.example" not in html
    assert "<img" not in section and "<script" not in section
    assert re.search(
        r"<ul[^>]*>\s*<li>first bullet about reviews</li>\s*<li>second bullet about visits</li>\s*</ul>", section
    ), section
    assert "We did well." in section
    tables = Tables(html)
    plan = next(rows for caption, rows in tables.by_caption.items() if caption.startswith("Priorities for"))
    assert plan == [
        ["Priority", "How we will measure it", "Intended impact", "Action"],
        ["Hold reviews on time", "95% in timescale", "Plans do not drift", "Book reviews earlier"],
        ["Hear more children", "Participation rate", "Children shape plans", "Offer advocates"],
    ]


def test_a_stale_narrative_edit_is_refused_and_changes_nothing(records, report, client, manager):
    services.update_narrative(
        report,
        by=manager,
        fields={"introduction": "First words."},
        action_plan=PLAN[:1],
        expected_version=report.version,
    )
    report.refresh_from_db()
    stale = report.version - 1
    with pytest.raises(ChangedByAnotherUser):
        services.update_narrative(
            report, by=manager, fields={"introduction": "Other words."}, action_plan=[], expected_version=stale
        )
    response = sign_in(client, manager).post(
        reverse("reporting:narrative", args=[YEAR]),
        {
            "version": stale,
            "introduction": "Overwritten words.",
            "action-TOTAL_FORMS": "0",
            "action-INITIAL_FORMS": "0",
            "action-MIN_NUM_FORMS": "0",
            "action-MAX_NUM_FORMS": "20",
        },
    )
    assert response.status_code == 409
    assert "Someone else changed this report while you were editing it" in response.content.decode()
    after = AnnualReport.objects.get(pk=report.pk)
    assert (after.introduction, after.version, after.action_plan.count()) == ("First words.", report.version, 1)
