"""The key highlights on the hand-built authority: sentences drafted from the figures with last
year's and the direction of change, rewritten by a manager, kept safe in the board version,
checked again before publishing when the figures move, and frozen when published."""

import re
from html import unescape

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reporting import services
from reporting.models import AnnualReport
from tests.annual_report.authority import ON, YEAR, add_child_in_care_with_a_review
from tests.conftest import sign_in

REVIEWS = "90% of children's LAC reviews were held in timescale, up from 89% the year before."
ICPC = "100% of initial child protection conferences were held in timescale, with no figure for the year before to compare."
ICPC_WITHHELD = (
    "Initial child protection conferences in timescale: not shown in this version: the numbers are small enough to "
    "identify children."
)
CHILDREN = (
    "11 children were looked after at the end of the year, up from 10 the year before. That is 5.5 for every 10,000 "
    "children living in the authority."
)


def page_text(response):
    assert response.status_code == 200, response.status_code
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def highlights_of(response):
    """The sentences of the key highlights section, in order."""
    html = response.content.decode()
    section = html[html.index('id="highlights"') : html.index('id="highlights-table"')]
    return [" ".join(unescape(item).split()) for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


@pytest.fixture
def signed_in(client, manager):
    return sign_in(client, manager)


def test_each_highlight_is_drafted_from_this_year_and_last_year(authority, report, signed_in):
    response = signed_in.get(reverse("reporting:annual_report", args=[YEAR]))
    sentences = highlights_of(response)
    assert sentences[0] == CHILDREN
    assert REVIEWS in sentences
    assert ICPC in sentences
    assert "Children aged 4 and over took part in 100% of their LAC reviews, up from 89% the year before." in sentences
    # The care leaver figures have no cohort in this authority.
    assert "Care leavers in touch: not available for April 2025 to March 2026." in sentences
    text = page_text(response)
    assert "LAC reviews in timescale 90% 89% Up" in text
    assert "Escalations 1 0 Up" in text


def test_the_board_version_never_compares_or_rewords_a_withheld_figure(authority, report, signed_in, manager):
    services.save_highlights(
        report,
        by=manager,
        sentences={"initial_conferences": "Our one ICPC was on time.", "reviews_in_timescale": "Nine in ten on time."},
        expected_version=report.version,
    )
    internal = highlights_of(signed_in.get(reverse("reporting:annual_report", args=[YEAR])))
    assert "Our one ICPC was on time." in internal and "Nine in ten on time." in internal
    board = signed_in.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board")
    sentences = highlights_of(board)
    assert ICPC_WITHHELD in sentences
    assert "Our one ICPC was on time." not in page_text(board)
    assert "Nine in ten on time." in sentences  # its figures are shown in the board version
    escalations = next(sentence for sentence in sentences if "escalation" in sentence.lower())
    assert escalations == "Escalations: " + ICPC_WITHHELD.split(": ", 1)[1]
    assert "Initial child protection conferences in timescale c" in page_text(board)


def test_a_sentence_left_as_drafted_or_emptied_follows_the_figures(authority, report, signed_in):
    response = signed_in.post(
        reverse("reporting:highlights", args=[YEAR]),
        {"version": report.version, "reviews_in_timescale": REVIEWS, "participation": "", "caseload": "Busy year."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert set(report.highlight_sentences) == {"caseload"}
    assert report.highlight_sentences["caseload"]["text"] == "Busy year."
    event = AuditEvent.objects.filter(object_type="reporting.annualreport").latest("pk")
    assert event.detail["highlights rewritten"] == ["caseload"]


def test_the_edit_page_shows_each_drafted_sentence_and_refuses_a_stale_save(authority, report, signed_in, manager):
    page = signed_in.get(reverse("reporting:highlights", args=[YEAR]))
    assert REVIEWS in page_text(page)
    stale = report.version
    services.save_highlights(
        report, by=manager, sentences={"caseload": "Someone else's words."}, expected_version=stale
    )
    response = signed_in.post(reverse("reporting:highlights", args=[YEAR]), {"version": stale, "caseload": "My words."})
    assert response.status_code == 409
    assert "Someone else changed this report" in response.content.decode()
    assert AnnualReport.objects.get(pk=report.pk).highlight_sentences["caseload"]["text"] == "Someone else's words."


def test_publishing_asks_to_check_a_rewritten_sentence_whose_figures_moved(authority, report, signed_in, manager):
    services.save_highlights(
        report,
        by=manager,
        sentences={"reviews_in_timescale": "Ninety per cent on time."},
        expected_version=report.version,
    )
    report.refresh_from_db()
    assert not [w for w in services.publishing_warnings(report, ON) if w.field == "highlights"]
    add_child_in_care_with_a_review()  # one more review, in timescale: 10 of 11
    warnings = [w for w in services.publishing_warnings(report, ON) if w.field == "highlights"]
    assert [w.title for w in warnings] == ["LAC reviews in timescale"]
    draft_page = page_text(signed_in.get(reverse("reporting:annual_report", args=[YEAR])))
    assert "Check before you publish" in draft_page
    assert "LAC reviews in timescale" in draft_page and "have changed since its sentence was rewritten" in draft_page
    publish = page_text(signed_in.get(reverse("reporting:publish", args=[YEAR])))
    assert "have changed since its sentence was rewritten" in publish


def test_an_unedited_draft_lists_what_is_missing_before_publishing(authority, report, signed_in):
    text = page_text(signed_in.get(reverse("reporting:annual_report", args=[YEAR])))
    for missing in ("Introduction is empty", "Achievements this year is empty", "Areas for development is empty"):
        assert missing in text
    assert "The action plan has no priorities." in text


def test_a_published_version_keeps_the_sentence_it_was_published_with(authority, report, signed_in, manager):
    services.save_highlights(
        report, by=manager, sentences={"caseload": "Caseloads were steady."}, expected_version=report.version
    )
    published = services.publish(report, by=manager, confirmed=True, on=ON)
    report.refresh_from_db()
    services.save_highlights(
        report, by=manager, sentences={"caseload": "Changed later."}, expected_version=report.version
    )
    frozen = highlights_of(signed_in.get(reverse("reporting:published_report", args=[YEAR, published.number])))
    assert "Caseloads were steady." in frozen and "Changed later." not in frozen
