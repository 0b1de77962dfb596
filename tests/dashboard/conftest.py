"""The dashboard's hand-made authority (tests/dashboard/authority.py), on a fixed day and on today."""

import pytest
from django.utils import timezone

from tests.conftest import kept_for_the_module
from tests.dashboard.authority import ON, build_authority
from tests.factories import IroFactory


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker):
    """The authority on the fixed Wednesday ON, built once for the module that asks for it: its
    tests only count it (what a test writes is undone), and building it for each took longer
    than counting. Iris and Owen are its own IROs, not the `iro` and `other_iro` fixtures."""
    with kept_for_the_module(django_db_blocker):
        yield build_authority(
            ON, IroFactory(first_name="Iris", last_name="Reviewer"), IroFactory(first_name="Owen", last_name="Other")
        )


@pytest.fixture
def authority_today(db, iro, other_iro):
    """The same authority built around today, for the pages (which count from today)."""
    return build_authority(timezone.localdate(), iro, other_iro)
