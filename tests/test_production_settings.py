"""Production settings (README "Production settings"): `check --deploy` has nothing to report with
PRODUCTION=1; HTTPS is enforced except for the health check; every page carries a
Content-Security-Policy that no inline script or style in it needs loosening; error pages and
the log show nothing about the request, the error or the child it was about.

The error pages are reached through this module's URLs (ROOT_URLCONF below), views that fail the
way a real one might: with a child's name in the exception's message or in a failed query."""

import io
import logging
import os
import runpy
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.urls import include, path
from django.views.defaults import server_error
from gunicorn.config import Config
from gunicorn.glogging import Logger

from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parent.parent
CHILD_NAME = "Jane Smith"


# --- check --deploy and HTTPS ----------------------------------------------------------------------


def run_in_subprocess(tmp_path, args, **env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "DEBUG",
            "PRODUCTION",
            "SECURE_COOKIES",
            "BEHIND_HTTPS_PROXY",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "MIGRATION_DATABASE_URL",
            "OTP_REQUIRED_ROLES",
        }
    }
    clean.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "IRO_PORTAL_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "iro_portal.settings",
            **env,
        }
    )
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300)


def test_check_deploy_reports_nothing_in_production(tmp_path):
    result = run_in_subprocess(
        tmp_path,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        PRODUCTION="1",
        SITE_URL="https://iro.example.gov.uk",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced).", result.stdout


def test_without_the_production_switch_check_deploy_names_what_is_missing(tmp_path):
    result = run_in_subprocess(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="0")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, result.stderr


HTTPS_BEHAVIOUR = """
import django
django.setup()
from django.test import Client
client = Client()
plain = client.get("/sign-in/")
print("plain", plain.status_code, plain.get("Location"))
print("healthz", client.get("/healthz").status_code)
secure = client.get("/sign-in/", headers={"X-Forwarded-Proto": "https"})
csrf = secure.cookies["csrftoken"]
print("https", secure.status_code, secure["Strict-Transport-Security"], bool(csrf["secure"]), bool(csrf["httponly"]))
from django.conf import settings
print("session cookie secure", settings.SESSION_COOKIE_SECURE)
"""


def test_production_behind_the_proxy_sends_everyone_to_https_except_the_health_check(tmp_path):
    result = run_in_subprocess(
        tmp_path,
        ["-c", HTTPS_BEHAVIOUR],
        DEBUG="0",
        PRODUCTION="1",
        BEHIND_HTTPS_PROXY="1",
        ALLOWED_HOSTS="testserver",
        SITE_URL="https://testserver",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "plain 301 https://testserver/sign-in/"
    assert lines[1] == "healthz 200"
    assert lines[2] == "https 200 max-age=31536000; includeSubDomains; preload True True"
    assert lines[3] == "session cookie secure True"


REQUIRED_CODES = """
import django
django.setup()
from django.conf import settings
print(",".join(settings.OTP_REQUIRED_FOR_ROLES))
"""


@pytest.mark.parametrize(
    "production, listed, required",
    [
        ("1", None, "service_manager,administrator"),
        ("1", "iro", "service_manager,administrator,iro"),
        ("1", "administrator", "service_manager,administrator"),
        ("0", None, ""),
        ("0", "iro", "iro"),
    ],
)
def test_in_production_managers_and_administrators_always_need_a_one_time_code(tmp_path, production, listed, required):
    """OTP_REQUIRED_ROLES adds roles in production; it cannot take managers or administrators away."""
    extra = {} if listed is None else {"OTP_REQUIRED_ROLES": listed}
    result = run_in_subprocess(
        tmp_path,
        ["-c", REQUIRED_CODES],
        DEBUG="0",
        PRODUCTION=production,
        SITE_URL="https://iro.example.gov.uk",
        **extra,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == required


# --- Content-Security-Policy ------------------------------------------------------------------------


class InlineCode(HTMLParser):
    """The page's inline <script> and <style> elements (with their nonce) and any style="" or
    on...="" attribute, which no nonce can allow."""

    def __init__(self):
        super().__init__()
        self.inline_elements = []
        self.inline_attributes = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in attributes):
            self.inline_elements.append((tag, attributes.get("nonce")))
        self.inline_attributes += [(tag, name) for name, _ in attrs if name == "style" or name.startswith("on")]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


def assert_strict_policy_allows_the_page(response):
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    page = InlineCode()
    page.feed(response.content.decode())
    assert not page.inline_attributes, f"inline style or event attributes the policy blocks: {page.inline_attributes}"
    for tag, nonce in page.inline_elements:
        assert nonce and f"'nonce-{nonce}'" in policy[f"{tag}-src"], f"inline <{tag}> without the response's nonce"
    return page


def test_the_pages_of_each_kind_carry_the_policy(client, iro, manager, board_member, administrator, looked_after_child):
    assert_strict_policy_allows_the_page(client.get("/sign-in/"))
    sign_in(client, iro)
    for url in (
        "/",
        "/children/caseload/",
        f"/children/{looked_after_child.pk}/",
        "/reviews/",
        "/dashboard/",
        "/children/99999/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code in {200, 404}, url
        assert_strict_policy_allows_the_page(response)
    sign_in(client, manager)
    for url in ("/dashboard/", "/children/", "/escalations/"):
        assert_strict_policy_allows_the_page(client.get(url))
    sign_in(client, board_member)
    refused = client.get("/children/")
    assert refused.status_code == 403
    assert_strict_policy_allows_the_page(refused)
    sign_in(client, administrator)
    assert_strict_policy_allows_the_page(client.get("/admin/"))


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_api_documentation_inline_code_carries_the_nonce(client, manager, url):
    sign_in(client, manager)
    page = assert_strict_policy_allows_the_page(client.get(url))
    assert {tag for tag, _ in page.inline_elements} == {"script", "style"}
    other = InlineCode()
    other.feed(client.get(url).content.decode())
    assert other.inline_elements[0][1] != page.inline_elements[0][1], "the nonce must change with every response"


def test_pages_that_use_no_nonce_do_not_announce_one(client):
    assert "'nonce-" not in client.get("/sign-in/")["Content-Security-Policy"]


# --- Error pages -------------------------------------------------------------------------------------


@login_not_required
def fails(request):
    raise ValueError(f"{CHILD_NAME}, born 4 March 2012, has no placement")


@login_not_required
def fails_in_the_database(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT given_name FROM no_such_table WHERE family_name = %s", [CHILD_NAME])


@login_not_required
def refuses(request):
    raise PermissionDenied(f"{CHILD_NAME}'s record is not allocated to you")


@login_not_required
def misses(request):
    raise Http404(f"No child called {CHILD_NAME}")


urlpatterns = [
    path("test-only/fails/", fails),
    path("test-only/fails-in-the-database/", fails_in_the_database),
    path("test-only/refuses/", refuses),
    path("test-only/misses/", misses),
    path("", include("iro_portal.urls")),
]

error_urls = override_settings(ROOT_URLCONF=__name__, DEBUG=False)


@pytest.fixture
def failing_client(client):
    client.raise_request_exception = False
    return client


def assert_says_nothing_about_the_request(response):
    page = response.content.decode()
    for detail in ("Smith", "2012", "Traceback", "ValueError", "no_such_table", "SELECT", "99999", "q="):
        assert detail not in page, f"{detail!r} on the {response.status_code} page"
    assert_strict_policy_allows_the_page(response)


@error_urls
@pytest.mark.parametrize("url", ["/test-only/fails/?q=Smith", "/test-only/fails-in-the-database/"])
def test_the_500_page_shows_no_traceback_message_or_sql(failing_client, db, url):
    response = failing_client.get(url)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert_says_nothing_about_the_request(response)


def test_the_500_page_renders_without_the_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


@error_urls
def test_the_403_and_404_pages_show_a_generic_message_only(failing_client, manager):
    refused = failing_client.get("/test-only/refuses/")
    assert refused.status_code == 403
    assert "You do not have permission to see this page" in refused.content.decode()
    assert_says_nothing_about_the_request(refused)

    missing = failing_client.get("/test-only/misses/")
    assert missing.status_code == 404
    assert_says_nothing_about_the_request(missing)

    sign_in(failing_client, manager)
    no_such_child = failing_client.get("/children/99999/?q=Smith")
    assert no_such_child.status_code == 404
    assert "Page not found" in no_such_child.content.decode()
    assert_says_nothing_about_the_request(no_such_child)


# --- The log -----------------------------------------------------------------------------------------


@pytest.fixture
def console_log():
    """What the configured console handler (LOGGING in settings) writes, as the server's log would."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


@error_urls
def test_the_log_of_a_404_has_the_path_but_not_the_search(failing_client, manager, console_log):
    sign_in(failing_client, manager)
    failing_client.get("/children/99999/?q=Smith")
    log = console_log.getvalue()
    assert "Not Found: /children/99999/" in log
    assert "Smith" not in log and "q=" not in log


@error_urls
@pytest.mark.parametrize(
    "url, function",
    [
        ("/test-only/fails/?q=Smith", "fails"),
        ("/test-only/fails-in-the-database/", "fails_in_the_database"),
    ],
)
def test_the_log_of_a_500_says_where_it_failed_but_not_the_message(failing_client, db, console_log, url, function):
    failing_client.get(url)
    log = console_log.getvalue()
    assert f"Internal Server Error: {url.split('?')[0]}" in log
    assert f"in {function}\n" in log and "(message not logged)" in log
    for detail in ("Smith", "2012", "q=", "no_such_table"):
        assert detail not in log, f"{detail!r} in the log:\n{log}"


def test_runserver_request_lines_lose_their_query_string(console_log):
    logging.getLogger("django.server").info('"%s" %s %s', "GET /children/?q=Smith&page=2 HTTP/1.1", 200, 5120)
    assert console_log.getvalue() == '"GET /children/ HTTP/1.1" 200 5120\n'


def test_gunicorn_access_log_has_neither_the_query_string_nor_the_referrer(tmp_path):
    config = Config()
    config.set("access_log_format", runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"])
    config.set("accesslog", str(tmp_path / "access.log"))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/children/?q=Smith",
        "PATH_INFO": "/children/",
        "QUERY_STRING": "q=Smith",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": "https://iro.example/children/?q=Smith",
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=5120, headers=[])
    Logger(config).access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=40))
    line = (tmp_path / "access.log").read_text()
    assert '"GET /children/ HTTP/1.1" 200 5120 "Firefox"' in line
    assert "Smith" not in line


def test_a_gunicorn_worker_freezes_the_application_it_loaded_for_the_collector():
    """The application's own objects are left out of the collector's passes and its first
    threshold is raised, once the worker has loaded the application (gunicorn.conf.py)."""
    import gc

    settings_file = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    thresholds = gc.get_threshold()
    try:
        settings_file["post_worker_init"](SimpleNamespace())
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == settings_file["COLLECTOR_THRESHOLDS"] != thresholds
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
