"""Wait until Django can connect to its database (DATABASE_URL), up to WAIT_FOR_DATABASE_TIMEOUT
seconds (default 60). Exits 1 if it never can. Loading the settings also fails fast, with a clear
message, when SECRET_KEY is missing."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.utils import OperationalError  # noqa: E402

timeout = float(os.environ.get("WAIT_FOR_DATABASE_TIMEOUT", "60"))
deadline = time.monotonic() + timeout
while True:
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if time.monotonic() >= deadline:
            print(f"The database did not accept connections within {timeout:g}s: {error}", file=sys.stderr)
            sys.exit(1)
        print("Waiting for the database...", file=sys.stderr)
        time.sleep(1)
    else:
        connection.close()
        break
