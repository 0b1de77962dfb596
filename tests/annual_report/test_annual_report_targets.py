"""Local targets: set on their page (carried forward from last year, refused when stale, audited),
shown as "met" or "not met" in words beside this year's figure in the report's page, CSV and API
and on the dashboard, and never giving away a figure the board version suppresses."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from iro_portal.locking import ChangedByAnotherUser
from reporting import services
from reporting.annual_report import Report
from reporting.models import AnnualReport, Target
from reporting.targets import target_met
from tests.annual_report.authority import YEAR
from tests.annual_report.formats import csv_by_measure, labels, page_tables
from tests.api_helpers import api_client
from tests.conftest import sign_in

TARGETS = {
    "lac.percent_in_timescale": {"value": Decimal("98"), "direction": "at_least"},  # 90%: not met
    "lac.participation_rate": {"value": Decimal("95"), "direction": "at_least"},  # 100%: met
    "lac.late": {"value": Decimal("0"), "direction": "at_most"},  # 1 late review: not met
    "cp.icpc.percent_in_timescale": {"value": Decimal("90"), "direction": "at_least"},  # 1 of 1: met
}


@pytest.mark.parametrize(
    ("value", "target", "direction", "met"),
    [
        (98, 98, "at_least", True),
        (97.9, 98, "at_least", False),
        (70, 70, "at_most", True),
        (70.1, 70, "at_most", False),
        (Decimal("65.5"), 70.0, "at_most", True),
        (None, 98, "at_least", None),
        (90, None, "at_least", None),
        (90, 98, None, None),
    ],
)
def test_target_met_in_both_directions_and_unknown_without_a_value_or_a_target(value, target, direction, met):
    assert target_met(value, target, direction) is met


def targets_form(rows, version):
    data = {
        "version": str(version),
        "target-TOTAL_FORMS": str(len(rows)),
        "target-INITIAL_FORMS": "0",
        "target-MIN_NUM_FORMS": "0",
        "target-MAX_NUM_FORMS": "80",
    }
    for n, (measure, value, direction) in enumerate(rows):
        data.update({f"target-{n}-measure": measure, f"target-{n}-value": value, f"target-{n}-direction": direction})
    return data


@pytest.fixture
def targets(authority, manager):
    services.save_targets(YEAR, by=manager, targets=TARGETS)


def test_the_report_shows_each_target_and_whether_it_was_met_in_words(targets, report, client, manager):
    names = labels()
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.by_id["lac-timeliness"][0] == [
        "Measure",
        "April 2025 to March 2026",
        "April 2024 to March 2025",
        "Statistical neighbours",
        "England",
        "Target",
        "Target met this year",
    ]
    assert tables.row("lac-timeliness", "Held in timescale (%)") == [
        "90%",
        "89%",
        "85.5%",
        "88.5%",
        "at least 98%",
        "Not met",
    ]
    assert tables.row("lac-timeliness", names["lac.late"])[-2:] == ["at most 0", "Not met"]
    assert tables.row("lac-timeliness", names["lac.held"])[-2:] == ["", ""]
    assert tables.row("lac-participation-rate", names["lac.participation_rate"]) == [
        "100%",
        "89%",
        "at least 95%",
        "Met",
    ]
    assert tables.row("cp-conferences", names["cp.icpc.percent_in_timescale"]) == [
        "100%",
        "not available",
        "at least 90%",
        "Met",
    ]
    # Tables without a target keep their columns.
    assert tables.by_id["children-numbers"][0][-1] == "England"

    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert rows[names["lac.percent_in_timescale"]][3:-1] == ["90", "89", "85.5", "88.5", "at least 98%", "not met"]
    assert rows[names["lac.participation_rate"]][7:-1] == ["at least 95%", "met"]
    assert rows[names["lac.late"]][7:-1] == ["at most 0", "not met"]
    assert rows[names["lac.held"]][7:-1] == ["", ""]

    figures = {
        figure["key"]: figure
        for figure in api_client(manager).get(f"/api/v1/annual-reports/{YEAR}/figures/").json()["figures"]
    }
    assert {
        field: figures["lac.percent_in_timescale"][field] for field in ("target", "target_direction", "target_met")
    } == {
        "target": 98.0,
        "target_direction": "at_least",
        "target_met": "not met",
    }
    assert figures["lac.participation_rate"]["target_met"] == "met"
    assert (figures["lac.held"]["target"], figures["lac.held"]["target_met"]) == (None, None)


def test_the_board_version_suppresses_met_with_the_figure(targets, report, client, manager, board_member):
    names = labels()
    sign_in(client, manager)
    board = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"))
    # 1 ICPC, held in timescale: "met" would say the hidden 100% is at least 90%.
    assert board.row("cp-conferences", names["cp.icpc.percent_in_timescale"]) == [
        "c",
        "not available",
        "at least 90%",
        "c",
    ]
    assert board.row("lac-timeliness", names["lac.late"]) == ["c", "c", "", "", "at most 0", "c"]
    assert board.row("lac-timeliness", "Held in timescale (%)")[-2:] == ["at least 98%", "Not met"]
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert rows[names["cp.icpc.percent_in_timescale"]][3:-1] == ["c", "", "", "", "at least 90%", "c"]
    assert rows[names["lac.late"]][7:-1] == ["at most 0", "c"]

    version = services.publish(report, by=manager, confirmed=True)
    body = api_client(board_member).get(f"/api/v1/annual-reports/{YEAR}/figures/?version={version.number}").json()
    figures = {figure["key"]: figure for figure in body["figures"]}
    assert (
        figures["cp.icpc.percent_in_timescale"]["this_year"],
        figures["cp.icpc.percent_in_timescale"]["target_met"],
    ) == ("c", "c")
    assert figures["lac.late"]["target_met"] == "c"
    assert figures["lac.percent_in_timescale"]["target_met"] == "not met"


def test_a_published_version_keeps_its_targets_and_older_snapshots_still_load(targets, report, manager):
    version = services.publish(report, by=manager, confirmed=True)
    services.save_targets(
        YEAR, by=manager, targets={}, expected_version=AnnualReport.objects.get(year=YEAR).targets_version
    )
    frozen = Report.from_json(version.snapshot).figures["lac.percent_in_timescale"]
    assert (frozen.target, frozen.target_direction) == (98.0, "at_least")
    assert services.draft(report).figures["lac.percent_in_timescale"].target is None
    older = dict(version.snapshot)
    older["figures"] = {
        key: {name: value for name, value in figure.items() if name not in ("target", "target_direction")}
        for key, figure in version.snapshot["figures"].items()
    }
    assert Report.from_json(older).figures["lac.percent_in_timescale"].target is None


def test_a_new_year_opens_with_last_year_s_targets_carried_forward(authority, client, manager):
    services.save_targets(
        YEAR - 1, by=manager, targets={"lac.percent_in_timescale": {"value": Decimal("95"), "direction": "at_least"}}
    )
    sign_in(client, manager)
    url = reverse("reporting:targets", args=[YEAR])
    page = client.get(url).content.decode()
    assert "No targets have been saved for April 2025 to March 2026 yet" in page
    assert "These are the targets for April 2024 to March 2025, carried forward" in page
    assert 'value="lac.percent_in_timescale" selected' in page and 'value="95.0"' in page
    assert not Target.objects.filter(year=YEAR).exists()

    version = AnnualReport.objects.get(year=YEAR).targets_version
    response = client.post(url, targets_form([("lac.percent_in_timescale", "95", "at_least")], version))
    assert response.status_code == 302
    assert list(Target.objects.filter(year=YEAR).values_list("measure", "value", "direction")) == [
        ("lac.percent_in_timescale", Decimal("95.0"), "at_least")
    ]
    page = client.get(url).content.decode()
    assert "carried forward" not in page


def test_saving_targets_is_audited_and_a_stale_save_is_refused(authority, client, manager):
    sign_in(client, manager)
    url = reverse("reporting:targets", args=[YEAR])
    version = AnnualReport.objects.get(year=YEAR).targets_version
    response = client.post(url, targets_form([("service.children_per_fte", "70", "at_most")], version))
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="reporting.target")
    assert (event.action, event.user, event.object_id) == (AuditAction.UPDATE, manager, str(YEAR))
    assert event.detail["targets"] == {"service.children_per_fte": "at most 70"}

    # Someone else's page, opened before that save, saves now: refused, nothing changed.
    response = client.post(url, targets_form([("service.children_per_fte", "50", "at_most")], version))
    assert response.status_code == 409
    assert "Someone else changed this report while you were editing it" in response.content.decode()
    assert list(Target.objects.filter(year=YEAR).values_list("value", flat=True)) == [Decimal("70.0")]
    with pytest.raises(ChangedByAnotherUser):
        services.save_targets(YEAR, by=manager, targets={}, expected_version=version)
    assert AuditEvent.objects.filter(object_type="reporting.target").count() == 1


def test_a_target_without_its_value_or_direction_is_refused_with_an_error_summary(authority, client, manager):
    sign_in(client, manager)
    version = AnnualReport.objects.get(year=YEAR).targets_version
    response = client.post(
        reverse("reporting:targets", args=[YEAR]),
        targets_form(
            [
                ("lac.percent_in_timescale", "", ""),
                ("", "50", "at_least"),
                ("lac.participation_rate", "90", "at_least"),
                ("lac.participation_rate", "80", "at_least"),
            ],
            version,
        ),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Local targets" in page
    assert "Enter the target, for example 98." in page
    assert "Choose whether the figure should be at least or at most the target." in page
    assert "Choose the measure this target is for." in page
    assert not Target.objects.exists()
    response = client.post(
        reverse("reporting:targets", args=[YEAR]),
        targets_form(
            [("lac.participation_rate", "90", "at_least"), ("lac.participation_rate", "80", "at_most")], version
        ),
    )
    assert response.status_code == 400 and "Each measure can have only one target." in response.content.decode()


def test_the_dashboard_says_which_of_its_figures_meet_their_targets(targets, client, manager):
    services.save_targets(
        YEAR,
        by=manager,
        targets={**TARGETS, "cp.rcpc.percent_in_timescale": {"value": Decimal("90"), "direction": "at_least"}},
    )
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:dashboard"), {"year": YEAR}))
    rows = tables.by_caption[
        "The service's targets for this reporting year, and whether the figures for the period meet them"
    ]
    assert rows == [
        ["Figure", "This period", "Target", "Target met"],
        ["LAC reviews held in timescale", "90%", "at least 98%", "Not met"],
        ["Participation rate (PN1 to PN6 of PN1 to PN7)", "100%", "at least 95%", "Met"],
        ["Initial child protection conferences in timescale", "100%", "at least 90%", "Met"],
        ["Review child protection conferences in timescale", "not available", "at least 90%", "Not known"],
    ]
    # Last year has no targets: no table.
    page = client.get(reverse("reporting:dashboard"), {"year": YEAR - 1}).content.decode()
    assert "Against local targets" not in page
