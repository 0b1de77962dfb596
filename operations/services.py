"""Backing up the database. A backup holds every child's record, so it is written readable by its
owner only, never left half-written under its final name, and audited like any other export."""

import getpass
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.client import DatabaseClient
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    vendor: str


def default_backup_folder() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def _file_label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "database"


def _create_private_file(path: Path) -> None:
    """Create `path` for the owner only, refusing to overwrite anything already there."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} already exists; not overwriting it.") from None


def _pg_dump(settings_dict: dict[str, Any], target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump was not found on PATH. Install the PostgreSQL client tools of the server's version or newer "
            "(Debian: apt-get install postgresql-client)."
        )
    # Django's psql arguments (-U, -h, -p, database name) with the password and TLS settings in the
    # environment, so the password never appears in the process list.
    args, env = DatabaseClient.settings_to_cmd_args_env(
        settings_dict, ["--format=custom", f"--file={target}", "--no-password"]
    )
    result = subprocess.run(
        [pg_dump, *args[1:]], env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed (exit status {result.returncode}): {result.stderr.strip()}")


def _sqlite_copy(target: Path) -> None:
    """SQLite's online backup API copies a consistent snapshot while the app keeps running."""
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        with destination:
            connection.connection.backup(destination)
    finally:
        destination.close()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        return ""


def backup_database(out_dir: str | Path | None = None) -> Backup:
    """Write a backup of the database to a new timestamped file in `out_dir` (default var/backups/)
    and audit it. PostgreSQL: a pg_dump custom-format archive, restored with pg_restore. SQLite: a
    copy of the database file."""
    settings_dict = connection.settings_dict
    folder = Path(out_dir) if out_dir else default_backup_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    if connection.vendor == "postgresql":
        name, suffix = settings_dict["NAME"], ".dump"
    elif connection.vendor == "sqlite":
        name, suffix = Path(str(settings_dict["NAME"])).stem, ".sqlite3"
    else:
        raise BackupError(f"Backing up a {connection.vendor} database is not supported.")
    path = folder / f"{_file_label(name)}-{stamp}{suffix}"
    if path.exists():
        raise BackupError(f"{path} already exists; not overwriting it.")
    partial = path.with_name(path.name + ".partial")
    _create_private_file(partial)
    try:
        if connection.vendor == "postgresql":
            _pg_dump(settings_dict, partial)
        else:
            _sqlite_copy(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    backup = Backup(path=path.resolve(), size=path.stat().st_size, vendor=connection.vendor)
    record_event(
        action=AuditAction.EXPORT,
        object_type="operations.backup",
        object_id=path.name[:64],
        detail={
            "file": str(backup.path),
            "bytes": backup.size,
            "database": str(settings_dict["NAME"]),
            "vendor": backup.vendor,
            "os_user": _os_user(),
        },
    )
    return backup
