"""The demo's cover between IROs: the first demo IRO covers for the second, so that signing in as
`iro1` shows a caseload with a "Covering for" section."""

import datetime

from accounts.models import CoverArrangement, CoverLevel, Role, User

DEMO_COVER_REASON = "Annual leave (demo)"


def save_cover(iros, today):
    """Replace any cover between the demo IROs with one in force from two days ago for two weeks;
    returns how many arrangements were saved."""
    CoverArrangement.objects.filter(covering_iro__in=iros, covered_iro__in=iros).delete()
    manager = User.objects.filter(role=Role.SERVICE_MANAGER, username="manager").first()
    if len(iros) < 2 or manager is None:
        return {"cover_arrangements": 0}
    CoverArrangement.objects.create(
        covering_iro=iros[0],
        covered_iro=iros[1],
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=12),
        level=CoverLevel.READ_AND_RECORD,
        reason=DEMO_COVER_REASON,
        granted_by=manager,
    )
    return {"cover_arrangements": 1}
