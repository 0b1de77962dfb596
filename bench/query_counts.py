#!/usr/bin/env python
"""Queries per page and per API list endpoint (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_load .venv/bin/python bench/query_counts.py

Opens every list page and dashboard, and the first page of every API list endpoint, as the role
that sees the most: the service manager (every child), except the caseload, which only IROs have
(the IRO holding the most children). Pages use a signed-in session and the API a token, as browsers
and integrations do. The counts promise to be the same whatever the number of children, so a run
at one size is compared with a run at another (bench/run.py; tests/test_query_counts_bench.py).

Each address is opened twice by a new visitor (a fresh session or token) and the second request is
counted: what is cached once a process (content types) and what is written once a minute (the
session's last activity, the token's last use) falls in the first request, whatever the order.
Everything runs in a transaction rolled back at the end, so the sessions, tokens, audit events and
draft report the requests write do not stay in the measured data.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")
    import django

    django.setup()


def _addresses(today):
    """(name, path, as the IRO?) for every list page and dashboard, then every API list endpoint."""
    from django.urls import get_resolver, reverse

    from reviews.timescales import reporting_year_start

    last_complete_year = reporting_year_start(today).year - 1
    pages = [
        ("caseload", reverse("children:caseload"), True),
        ("children list", reverse("children:list"), False),
        ("reviews due", reverse("reviews:due"), False),
        ("reviews overdue", reverse("reviews:due") + "?period=overdue", False),
        ("reviews held", reverse("reviews:held"), False),
        ("reviews held late", reverse("reviews:held") + "?timeliness=late", False),
        ("escalations", reverse("escalations:list"), False),
        ("escalations all", reverse("escalations:list") + "?status=all", False),
        ("oversight worklist", reverse("oversight:worklist"), False),
        ("oversight all children", reverse("oversight:worklist") + "?show=all", False),
        ("dashboard", reverse("reporting:dashboard"), False),
        ("caseload of every IRO", reverse("reporting:caseloads"), False),
        ("annual reports", reverse("reporting:annual_reports"), False),
        ("annual report", reverse("reporting:annual_report", args=[last_complete_year]), False),
        ("audit log", reverse("audit:list"), False),
        ("reminders", reverse("notifications:inbox"), False),
        ("903 children to allocate", reverse("ssda903:to_allocate"), False),
    ]
    list_endpoints = sorted(
        name
        for name in get_resolver().reverse_dict
        if isinstance(name, str) and name.startswith("api-") and name.endswith("-list")
    )
    api = [(f"API {reverse(name)}", reverse(name), False) for name in [*list_endpoints, "api-dashboard"]]
    return pages + api


def _active_just_now(client):
    """Mark the session active now, as if the first request had been quick: a session is saved
    when a minute has passed since it last was (accounts.middleware.note_activity), and a page
    that takes longer than that at 100,000 children would otherwise count that save (three
    statements) as if the page made them."""
    from accounts.middleware import LAST_ACTIVITY_SESSION_KEY

    if client.session.session_key:
        session = client.session
        session[LAST_ACTIVITY_SESSION_KEY] = int(time.time())
        session.save()


def _new_visitor(client, user, api):
    """Make `client` a new visitor: a fresh session of `user` (pages) or a fresh API token of
    theirs and no session (endpoints)."""
    from accounts.api_tokens import create_api_token

    client.cookies.clear()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    if api:
        _, key = create_api_token(user, name="query counts benchmark", by=None)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    else:
        client.force_login(user)


def query_counts():
    """{page or endpoint: queries its second request by a new visitor made}; raises if any request
    does not answer 200."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from accounts.models import Role, User
    from children.selectors import caseload_sizes

    today = timezone.localdate()
    manager = User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).order_by("pk").first()
    iros = list(User.objects.filter(role=Role.IRO, is_active=True))
    if manager is None or not iros:
        raise RuntimeError("No active service manager or IRO: seed an authority first (manage.py seed_demo).")
    sizes = caseload_sizes(iros, today)
    busiest_iro = max(iros, key=lambda iro: (sizes[iro.pk]["children"], -iro.pk))

    counts = {}
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]), transaction.atomic():
        # One client for every visitor: each new one loads the middleware, and WhiteNoise's then
        # reads every static file's details, which costs more than most pages.
        client = Client()
        for name, path, as_iro in _addresses(today):
            _new_visitor(client, busiest_iro if as_iro else manager, api=path.startswith("/api/"))
            client.get(path)
            _active_just_now(client)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: GET {path} answered {response.status_code}, not 200.")
            counts[name] = len(captured.captured_queries)
        transaction.set_rollback(True)
    return counts


def main():
    _setup_django()
    from children.models import Child

    print(f"{Child.objects.count()} children")
    counts = query_counts()
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>3}")


if __name__ == "__main__":
    main()
