"""The closing lines of a test run: what was skipped, counted by reason, and on SQLite what the
skipped tests need. pytest's own `-ra` lines name every place a test was skipped; these say in a
few lines whether anything that matters went unchecked."""

from collections import Counter

ON_SQLITE = [
    "On SQLite the suite skips what only PostgreSQL can show: its triggers and rules, row locks raced",
    "between two connections, the Celery worker with Redis. To run them as well:",
    "  DATABASE_URL=postgres://USER@HOST:5432/DB CELERY_BROKER_URL=redis://HOST:6379/0 ./scripts/test",
    '(README "Using PostgreSQL and Redis"); .ci/run runs both passes.',
]


def reason_of(report):
    """The reason a skip report gives, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def summary(reports, *, on_postgresql):
    """The lines to print for these skip reports: a count per reason, most first."""
    if not reports:
        return []
    counts = Counter(reason_of(report) for report in reports)
    lines = [f"{len(reports)} skipped:"]
    lines += [
        f"  {count:4}  {reason}" for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    if not on_postgresql:
        lines += ON_SQLITE
    return lines
