"""The consultation figures (reporting.selectors.consultation_figures): links sent and returned
by person, by the child's age band and by kind of review; feedback and how well the review
listened; safety alerts and the time to respond. Counted on a hand-made authority where every
number is known, recounted from the raw rows, on the dashboard with the reviews behind each figure
and last year beside, and in the annual report with last year and the board's suppression.

The reporting year 2025 (April 2025 to March 2026) holds Abel's LAC review (held in May, aged 6),
Bryn's ICPC (held in August, aged 10), Cleo's RCPC (not held, due in February, aged 15) and
Gwen's LAC review (held in October, aged 13 but sent the 8 to 12 form). Dara's LAC review was
held in March 2025, the year before, though it was due in April; Esme's is due in the year after."""

from datetime import UTC, datetime, timedelta
from datetime import date as D
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Child
from consultations import services as consultation_services
from consultations.models import (
    AlertReason,
    ConsultationInvitation,
    ConsultationResponse,
    Purpose,
    SafetyAlert,
)
from reporting import selectors, services
from reporting.annual_report import Figure
from reporting.child_friendly import child_friendly_content
from reporting.dashboard import consultations as dashboard_consultations
from reporting.periods import reporting_year
from reviews.models import Review, ReviewKind, ReviewStatus
from tests.annual_report.formats import assert_nothing_suppressed_can_be_worked_out, csv_by_measure, page_tables
from tests.api_helpers import api_client
from tests.conftest import review_due, sign_in
from tests.factories import ChildFactory

YEAR = 2025
PERIOD = reporting_year(YEAR)
LAST_YEAR = reporting_year(YEAR - 1)
ON = D(2026, 3, 27)
NAMES = ("Abel", "Bryn", "Cleo", "Dara", "Esme", "Gwen")


def at(day, hour=9):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Authority:
    """Builds the reviews, links, replies and alerts through the consultation services, as the
    pages would, and moves the review on as it is held."""

    def __init__(self, iro):
        self.iro = iro

    def review(self, name, kind, *, born, due):
        return review_due(ChildFactory(given_name=name, date_of_birth=born), kind, due=due)

    def link(self, review, person_type, *, answers=None, purpose=Purpose.CONSULTATION, form="", withdrawn=False):
        issued = consultation_services.issue_invitation(
            review, person_type=person_type, by=self.iro, purpose=purpose, form=form
        )
        if withdrawn:
            consultation_services.revoke_invitation(
                issued.invitation, by=self.iro, expected_version=issued.invitation.version
            )
        if answers is not None:
            return consultation_services.submit_response(issued.code, answers)
        return issued.invitation

    def held(self, review, day):
        Review.objects.filter(pk=review.pk).update(status=ReviewStatus.HELD, held_on=day)
        review.refresh_from_db()
        return review

    def alert(self, response, raised, *, responded_after=None, escalated=False):
        """The alert the reply raised (or, where the reply raised none, one raised for it), as
        it then went."""
        responded = {}
        if responded_after is not None:
            responded = {
                "responded_at": raised + responded_after,
                "responded_by": self.iro,
                "action_taken": "Spoke to the child the same day.",
            }
        SafetyAlert.objects.update_or_create(
            response=response,
            defaults={
                "review": response.invitation.review,
                "reason": AlertReason.FEELS_UNSAFE,
                "raised_at": raised,
                "escalated_at": raised + timedelta(hours=2) if escalated else None,
                **responded,
            },
        )


UNSAFE = {"feels_safe": False, "worries": "Someone at home shouts at me."}


@pytest.fixture
def authority(db, iro):
    a = Authority(iro)
    abel = a.review("Abel", ReviewKind.LAC, born=D(2019, 1, 1), due=D(2025, 5, 6))
    a.link(abel, "child", answers={"going_well": "School."})
    a.link(abel, "parent", answers={"wishes": "More contact."})
    a.link(abel, "carer")
    a.link(abel, "social_worker", answers={"going_well": "Settled placement."})
    a.link(abel, "professional", withdrawn=True)
    a.held(abel, D(2025, 5, 6))
    a.link(abel, "child", purpose=Purpose.FEEDBACK, answers={"listened_score": 5})
    a.link(abel, "parent", purpose=Purpose.FEEDBACK, answers={"listened_score": 2, "feedback_text": "Too quick."})
    a.link(abel, "carer", purpose=Purpose.FEEDBACK)

    bryn = a.review("Bryn", ReviewKind.ICPC, born=D(2015, 3, 1), due=D(2025, 8, 5))
    a.alert(a.link(bryn, "child", answers=UNSAFE), at(D(2025, 7, 30), 10), responded_after=timedelta(hours=3))
    a.link(bryn, "parent")
    a.held(bryn, D(2025, 8, 5))
    a.link(bryn, "parent", purpose=Purpose.FEEDBACK, answers={"listened_score": 4})

    cleo = a.review("Cleo", ReviewKind.RCPC, born=D(2010, 6, 1), due=D(2026, 2, 10))
    cleo_reply = a.link(cleo, "child", answers=UNSAFE)
    a.alert(cleo_reply, at(D(2026, 2, 2)), responded_after=timedelta(hours=10), escalated=True)
    a.alert(a.link(cleo, "carer", answers=UNSAFE), at(D(2026, 2, 3)), escalated=True)

    gwen = a.review("Gwen", ReviewKind.LAC, born=D(2012, 3, 1), due=D(2025, 10, 1))
    a.link(gwen, "child", form="child_8_to_12", answers={"wishes": "To stay."})
    a.held(gwen, D(2025, 10, 1))

    dara = a.review("Dara", ReviewKind.LAC, born=D(2016, 2, 1), due=D(2025, 4, 2))
    a.alert(a.link(dara, "child", answers=UNSAFE), at(D(2025, 3, 18)), responded_after=timedelta(hours=1))
    a.held(dara, D(2025, 3, 20))
    a.link(dara, "child", purpose=Purpose.FEEDBACK, answers={"listened_score": 3})

    esme = a.review("Esme", ReviewKind.LAC, born=D(2014, 1, 1), due=D(2026, 4, 20))
    a.link(esme, "child")
    return a


def recount(period):
    """The figures counted in Python from every link, reply and alert row."""

    def counts_in(review):
        day = review.held_on or review.due_date
        return period.start <= day <= period.end

    counted = {"sent": {}, "returned": {}, "scores": {}, "alerts": [], "hours": []}
    for link in ConsultationInvitation.objects.select_related("review"):
        if not counts_in(link.review) or link.revoked_at:
            continue
        for key in (
            (link.purpose, "all"),
            (link.purpose, "person", link.person_type),
            (link.purpose, "kind", link.review.kind),
            (link.purpose, "form", link.form),
        ):
            counted["sent"][key] = counted["sent"].get(key, 0) + 1
            if link.submitted_at:
                counted["returned"][key] = counted["returned"].get(key, 0) + 1
    for response in ConsultationResponse.objects.select_related("invitation__review"):
        if counts_in(response.invitation.review) and response.listened_score:
            counted["scores"][response.listened_score] = counted["scores"].get(response.listened_score, 0) + 1
    for alert in SafetyAlert.objects.select_related("review"):
        if counts_in(alert.review):
            counted["alerts"].append(alert)
            if alert.responded_at:
                counted["hours"].append((alert.responded_at - alert.raised_at).total_seconds() / 3600)
    return counted


def test_every_figure_is_the_recount_from_the_rows(authority):
    figures = selectors.consultation_figures(PERIOD)
    recounted = recount(PERIOD)
    consultation, feedback, alerts = figures["consultation"], figures["feedback"], figures["alerts"]
    sent = {key: n for key, n in recounted["sent"].items() if key[0] == Purpose.CONSULTATION}
    assert consultation["all"]["sent"] == sent[("consultation", "all")] == 9
    assert consultation["all"]["returned"] == recounted["returned"][("consultation", "all")] == 7
    for person, counts in consultation["by_person_type"].items():
        assert counts["sent"] == recounted["sent"].get(("consultation", "person", person), 0)
        assert counts["returned"] == recounted["returned"].get(("consultation", "person", person), 0)
    for band, counts in consultation["by_age_band"].items():
        assert counts["sent"] == recounted["sent"].get(("consultation", "form", band), 0)
    for kind, counts in consultation["by_kind"].items():
        assert counts["returned"] == recounted["returned"].get(("consultation", "kind", kind), 0)
    assert feedback["all"]["sent"] == recounted["sent"][("feedback", "all")] == 4
    assert {score: n for score, n in feedback["scores"].items() if n} == recounted["scores"]
    assert alerts["raised"] == len(recounted["alerts"]) == 3
    assert alerts["longest_hours_to_respond"] == max(recounted["hours"]) == 10.0
    assert alerts["median_hours_to_respond"] == sum(recounted["hours"]) / 2 == 6.5


def test_the_figures_as_every_number_is_known(authority):
    figures = selectors.consultation_figures(PERIOD)

    def both(sent, returned, pct):
        return {"sent": sent, "returned": returned, "percent_returned": pct}

    assert figures == {
        "consultation": {
            "all": both(9, 7, 78),
            "by_person_type": {
                "child": both(4, 4, 100),
                "parent": both(2, 1, 50),
                "carer": both(2, 1, 50),
                "social_worker": both(1, 1, 100),
                "professional": both(0, 0, None),  # Abel's professional's link was withdrawn
            },
            # Gwen is 13 but was sent the 8 to 12 form: the band is the form.
            "by_age_band": {
                "child_under_8": both(1, 1, 100),
                "child_8_to_12": both(2, 2, 100),
                "child_13_plus": both(1, 1, 100),
            },
            "by_kind": {"LAC": both(5, 4, 80), "ICPC": both(2, 1, 50), "RCPC": both(2, 2, 100)},
        },
        "feedback": {
            "all": both(4, 3, 75),
            "by_person_type": {
                "child": both(1, 1, 100),
                "parent": both(2, 2, 100),
                "carer": both(1, 0, 0),
                "social_worker": both(0, 0, None),
                "professional": both(0, 0, None),
            },
            "scores": {1: 0, 2: 1, 3: 0, 4: 1, 5: 1},
            "scored": 3,
            "mean_score": 3.7,
        },
        "alerts": {
            "raised": 3,
            "by_reason": {"feels_unsafe": 3, "watched_words": 0},
            "responded": 2,
            "not_responded": 1,
            "escalated": 2,
            "median_hours_to_respond": 6.5,
            "longest_hours_to_respond": 10.0,
        },
    }


def test_last_year_counts_the_review_held_then_though_it_was_due_this_year(authority):
    last_year = selectors.consultation_figures(LAST_YEAR)
    assert last_year["consultation"]["all"] == {"sent": 1, "returned": 1, "percent_returned": 100}
    assert last_year["consultation"]["by_age_band"]["child_8_to_12"]["returned"] == 1
    assert (last_year["feedback"]["scored"], last_year["feedback"]["mean_score"]) == (1, 3.0)
    assert last_year["alerts"]["raised"] == last_year["alerts"]["responded"] == 1
    assert last_year["alerts"]["median_hours_to_respond"] == last_year["alerts"]["longest_hours_to_respond"] == 1.0


def test_nothing_to_count_gives_zeros_and_no_rates(db):
    figures = selectors.consultation_figures(PERIOD)
    assert figures["consultation"]["all"] == {"sent": 0, "returned": 0, "percent_returned": None}
    assert (figures["feedback"]["scored"], figures["feedback"]["mean_score"]) == (0, None)
    assert figures["alerts"]["median_hours_to_respond"] is None


def test_an_iros_scope_counts_only_their_children(authority):
    cleo = selectors.consultation_figures(PERIOD, children=Child.objects.filter(given_name="Cleo"))
    assert cleo["consultation"]["all"] == {"sent": 2, "returned": 2, "percent_returned": 100}
    assert cleo["consultation"]["by_kind"]["LAC"]["sent"] == 0
    assert (cleo["alerts"]["raised"], cleo["alerts"]["escalated"], cleo["alerts"]["responded"]) == (2, 2, 1)


def test_the_figures_are_counted_in_two_queries_however_many_links(authority, django_assert_num_queries):
    with django_assert_num_queries(2):
        selectors.consultation_figures(PERIOD)
    extra = authority.review("Hana", ReviewKind.LAC, born=D(2011, 1, 1), due=D(2025, 11, 11))
    for person in ("child", "parent", "carer", "social_worker"):
        authority.alert(authority.link(extra, person, answers=UNSAFE), at(D(2025, 11, 1)))
    with django_assert_num_queries(2):
        assert selectors.consultation_figures(PERIOD)["alerts"]["raised"] == 7


def listed(client, url):
    """The children named in the list of reviews a dashboard figure links to."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return {name for name in NAMES if name in html}


def test_each_dashboard_figure_opens_the_reviews_it_counts(authority, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    figures = {
        "consultations": selectors.consultation_figures(PERIOD),
        "consultations_last_year": selectors.consultation_figures(LAST_YEAR),
    }
    content = dashboard_consultations(figures, PERIOD)
    rows = {row["label"]: row["cells"] for row in content["by_person"]}
    sent, returned, sent_before, returned_before = rows["Everyone"]
    assert (sent.value, returned.value, returned.percent, sent_before.value) == (9, 7, 78, 1)
    assert listed(client, sent.url) == {"Abel", "Bryn", "Cleo", "Gwen"}
    assert listed(client, sent_before.url) == {"Dara"}
    parent_sent, parent_returned, _, _ = rows["Parent"]
    assert listed(client, parent_sent.url) == {"Abel", "Bryn"}
    assert listed(client, parent_returned.url) == {"Abel"}
    assert listed(client, rows["Other professional"][0].url) == set()  # the one link was withdrawn
    bands = {row["label"]: row["cells"] for row in content["by_age_band"]}
    assert listed(client, bands["Child aged 8 to 12"][1].url) == {"Bryn", "Gwen"}
    kinds = {row["label"]: row["cells"] for row in content["by_kind"]}
    assert listed(client, kinds["Initial child protection conference"][0].url) == {"Bryn"}
    scores = {row["label"]: row["cells"] for row in content["scores"]}
    assert listed(client, scores["2"][0].url) == {"Abel"}
    assert listed(client, scores["3"][1].url) == {"Dara"}
    assert scores["Mean score"][0].value == 3.7
    alerts = {row["label"]: row["cells"] for row in content["alerts"]}
    assert listed(client, alerts["Raised"][0].url) == {"Bryn", "Cleo"}
    assert listed(client, alerts["Escalated to the managers"][0].url) == {"Cleo"}
    assert listed(client, alerts["Not yet responded to"][0].url) == {"Cleo"}
    assert (alerts["Median hours to respond"][0].value, alerts["Longest hours to respond"][1].value) == (6.5, 1.0)


def test_the_list_has_a_row_for_each_link_counted(authority, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    url = reverse("consultations:links")
    tables = page_tables(client.get(url, {"purpose": "consultation", "person_type": "carer"}))
    rows = tables.by_caption["2 links"][1:]
    assert [row[0].split()[0] for row in rows] == ["Cleo", "Abel"]
    assert [row[4:6] for row in rows] == [["Yes", "Not responded to, escalated"], ["No", "None"]]


def test_an_iro_lists_only_their_own_childrens_reviews(authority, client, iro, clock):
    clock(ON)
    response = sign_in(client, iro).get(reverse("consultations:links"))
    assert response.status_code == 200
    assert "0 links" in response.content.decode()


def test_the_dashboard_shows_them_with_the_year_before(authority, client, manager, clock):
    clock(ON)
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:dashboard")))

    def rows(caption):
        return {row[0]: [cell.split(":")[0] for cell in row[1:]] for row in tables.by_caption[caption][1:]}

    by_person = rows("Consultation links sent and returned, by who they were for")
    assert by_person["Everyone"] == ["9", "7", "1", "1"]
    assert by_person["Other professional"] == ["0", "0", "0", "0"]
    everyone = tables.by_caption["Consultation links sent and returned, by who they were for"][-1]
    assert everyone[2].endswith("(78%)")
    alerts = rows("Safety alerts")
    assert alerts["Raised"] == ["3", "1"]
    assert alerts["Median hours to respond"] == ["6.5", "1.0"]
    assert rows("How well the review listened, from 1 (not at all) to 5 (very well)")["Mean score"] == ["3.7", "3.0"]


def test_the_dashboard_api_gives_them(authority, manager, clock):
    clock(ON)
    response = api_client(manager).get(reverse("api-dashboard"))
    assert response.status_code == 200
    body = response.json()
    assert body["consultations"]["feedback"]["scores"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert body["consultations_last_year"]["alerts"]["raised"] == 1


def test_the_annual_report_has_them_with_last_year_beside(authority, client, manager, clock):
    clock(ON)
    figures = services.draft(services.report_for_year(YEAR), ON).figures
    got = {
        key: (figures[key].this_year, figures[key].last_year)
        for key in (
            "views.consultation.all.sent",
            "views.consultation.all.percent_returned",
            "views.consultation.parent.returned",
            "views.child_age.child_8_to_12.sent",
            "views.kind.LAC.returned",
            "views.feedback.all.percent_returned",
            "views.listened.5",
            "views.listened.total",
            "views.mean_score",
            "views.alerts.raised",
            "views.alerts.escalated",
            "views.alerts.median_hours",
            "views.alerts.longest_hours",
        )
    }
    assert got == {
        "views.consultation.all.sent": (9, 1),
        "views.consultation.all.percent_returned": (78, 100),
        "views.consultation.parent.returned": (1, 0),
        "views.child_age.child_8_to_12.sent": (2, 1),
        "views.kind.LAC.returned": (4, 1),
        "views.feedback.all.percent_returned": (75, 100),
        "views.listened.5": (1, 0),
        "views.listened.total": (3, 1),
        "views.mean_score": (3.7, 3.0),
        "views.alerts.raised": (3, 1),
        "views.alerts.escalated": (2, 0),
        "views.alerts.median_hours": (6.5, 1.0),
        "views.alerts.longest_hours": (10.0, 1.0),
    }
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("views-consultation", "Everyone") == ["9", "7", "78%", "1", "1", "100%"]
    assert tables.row("views-alerts", "Median time to respond (hours)") == ["6.5", "1"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows["Feedback, everyone: returned"][3:5] == ["3", "1"]
    assert rows["Safety alerts raised"][3:5] == ["3", "1"]


def test_the_board_version_suppresses_the_small_numbers(authority, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    board = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]), {"variant": "board"}))
    assert board.row("views-consultation", "Parent") == ["c", "c", "c", "0", "0", "not available"]
    assert board.row("views-consultation", "Everyone") == ["9", "7", "78%", "c", "c", "c"]
    assert board.row("views-alerts", "Median time to respond (hours)") == ["c", "c"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]), {"variant": "board"}))
    assert rows["How well the review listened: mean score (1 to 5)"][3:5] == ["c", "c"]
    assert rows["Consultation, the child's form, Child aged 8 to 12: links sent"][3] == "c"
    assert_nothing_suppressed_can_be_worked_out(rows)


def test_the_version_for_children_says_how_often_children_gave_their_views_and_were_listened_to():
    def count(key, value):
        return key, Figure(key=key, label=key, kind="count", this_year=value)

    figures = dict(
        [
            count("views.consultation.child.returned", 123),
            count("views.listened.4", 30),
            count("views.listened.5", 40),
            count("views.listened.total", 100),
        ]
    )
    content = child_friendly_content(SimpleNamespace(figures=figures, narrative={}, progress_on_last_year=[]))
    assert content["views_given"] == "about 120"
    assert (content["listened"].out_of_ten, content["listened"].sentence) == (
        7,
        "said their review listened to them well",
    )
    figures.update(dict([count("views.consultation.child.returned", 4)]))
    small = child_friendly_content(SimpleNamespace(figures=figures, narrative={}, progress_on_last_year=[]))
    assert small["views_given"] is None  # too few to mention


def test_the_list_runs_the_same_queries_however_many_links(authority, client, manager, clock):
    clock(ON)
    sign_in(client, manager)
    url = reverse("consultations:links")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"alert": "raised"}).status_code == 200
        return len(captured)

    before = queries()
    for name in ("Ivor", "Jude", "Kit"):
        review = authority.review(name, ReviewKind.ICPC, born=D(2012, 1, 1), due=D(2025, 12, 1))
        for person in ("child", "parent", "carer"):
            authority.alert(authority.link(review, person, answers=UNSAFE), at(D(2025, 11, 20)))
    assert queries() == before


def test_the_annual_report_api_gives_them(authority, manager, clock):
    clock(ON)
    response = api_client(manager).get(f"/api/v1/annual-reports/{YEAR}/figures/")
    figures = {figure["key"]: figure for figure in response.json()["figures"]}
    sent = figures["views.consultation.all.sent"]
    assert (sent["section"], sent["this_year"], sent["last_year"]) == ("views", 9, 1)
    assert figures["views.alerts.median_hours"]["this_year"] == 6.5
