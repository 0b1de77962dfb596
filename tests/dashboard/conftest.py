"""The dashboard's hand-made authority (tests/dashboard/authority.py), on a fixed day and on today."""

import pytest
from django.utils import timezone

from tests.dashboard.authority import ON, build_authority


@pytest.fixture
def authority(db, iro, other_iro):
    """The authority on the fixed Wednesday ON."""
    return build_authority(ON, iro, other_iro)


@pytest.fixture
def authority_today(db, iro, other_iro):
    """The same authority built around today, for the pages (which count from today)."""
    return build_authority(timezone.localdate(), iro, other_iro)
