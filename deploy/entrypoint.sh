#!/bin/sh
# Entry point for every IRO Portal container (web, worker, beat, migrate): wait until the
# database accepts connections, then run the container's command (gunicorn, celery, manage.py).
# Set WAIT_FOR_DATABASE=0 to skip the wait.
set -eu

if [ "${WAIT_FOR_DATABASE:-1}" = "1" ]; then
    python "$(dirname "$0")/wait_for_database.py"
fi

exec "$@"
