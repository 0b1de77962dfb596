"""A run on SQLite (the README's default) says at its end what it skipped, counted by reason, and
what those tests need, so a green run is not mistaken for everything checked."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_run_on_sqlite_ends_by_saying_what_it_skipped_and_what_they_need(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "MIGRATION_DATABASE_URL", "CELERY_BROKER_URL", "PYTEST_ADDOPTS"}
    }
    env.update({"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-q", "tests/test_concurrency.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if "what was skipped, by reason" in line)
    summary = lines[start + 1 :]
    assert summary[0] == "8 skipped:"
    assert summary[1].split(None, 1) == [
        "8",
        "needs PostgreSQL: these tests race two real connections on row locks "
        "(SELECT ... FOR UPDATE), which SQLite does not have",
    ]
    assert "On SQLite the suite skips what only PostgreSQL can show" in summary[2]
    assert any("DATABASE_URL=postgres://" in line and "./scripts/test" in line for line in summary)
    assert summary[-1].startswith("8 skipped in "), "the counts are no longer the last line"
