"""The annual report's authority, the figures a manager enters, the report and its published
version, as fixtures."""

import pytest

from reporting import services
from reporting.models import ReportDocument, Variant
from tests.annual_report.authority import COMPARATORS, OTHER_ACTIVITY, YEAR, build_authority


@pytest.fixture
def records(db):
    return build_authority()


@pytest.fixture
def authority(records, manager):
    """The records, and the figures a manager enters by hand for both years."""
    for year, fields in OTHER_ACTIVITY.items():
        services.save_other_activity(year, by=manager, fields=fields)
    services.save_comparators(YEAR, by=manager, figures=COMPARATORS)
    return records


@pytest.fixture
def report(db):
    return services.report_for_year(YEAR)


@pytest.fixture
def published(authority, report, manager):
    version = services.publish(report, by=manager, confirmed=True)
    document = ReportDocument.objects.create(
        report=report, published=version, variant=Variant.BOARD, requested_by=manager
    )
    return version, document
