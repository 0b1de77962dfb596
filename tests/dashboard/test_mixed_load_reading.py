"""The mixed-load benchmark (bench/mixed_load.py) tells a stale read from a fresh one by the LAC
reviews held this reporting year and the open escalations the manager's dashboard shows: it must
read them where the page shows them, and they must move by one with an escalation raised."""

from django.urls import reverse

from bench.mixed_load import dashboard_counts
from reporting import stored_figures
from reporting.periods import year_to_date
from tests.conftest import escalation_raised, sign_in


def test_the_benchmark_reads_the_reviews_held_and_the_open_escalations_the_dashboard_shows(
    client, authority_today, manager
):
    on = authority_today.on
    sign_in(client, manager)
    shown = dashboard_counts(client.get(reverse("reporting:dashboard")).content.decode())
    figures = stored_figures.dashboard_for(manager, year_to_date(on), on).figures
    assert shown == {"held": figures["reviews"]["LAC"]["held"], "open escalations": figures["escalations"]["open"]}
    assert shown["held"] > 0 and shown["open escalations"] > 0

    escalation_raised(next(iter(authority_today.children.values())), authority_today.iris, on)
    again = dashboard_counts(client.get(reverse("reporting:dashboard")).content.decode())
    assert again == {"held": shown["held"], "open escalations": shown["open escalations"] + 1}
