"""A refusal is an ordinary event for a server: a person opening a page their role does not
allow, a form posted from a page left open past its CSRF cookie, an API client over its limit.
The console says so in one line (what happened, the path), never with a traceback that would
have the person reading the log look for a bug."""

import io
import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.api_tokens import create_api_token
from tests.api_helpers import api_client
from tests.conftest import sign_in


@pytest.fixture
def console_log():
    """What the configured console handler (LOGGING in settings) writes, as the server's log would."""
    handler = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


def forget(console_log):
    console_log.seek(0)
    console_log.truncate()


def assert_one_line(console_log, caplog, expected):
    lines = console_log.getvalue().splitlines()
    assert lines == [expected], "\n".join(lines)
    refusal = [record for record in caplog.records if record.getMessage() == expected]
    assert len(refusal) == 1 and refusal[0].levelno == logging.WARNING


def test_a_page_the_role_may_not_see_is_one_line(client, board_member, looked_after_child, console_log, caplog):
    sign_in(client, board_member)
    forget(console_log)
    response = client.get(f"/children/{looked_after_child.pk}/")
    assert response.status_code == 403
    assert_one_line(console_log, caplog, f"Forbidden (Permission denied): /children/{looked_after_child.pk}/")


def test_a_form_posted_without_its_csrf_cookie_is_one_line(db, console_log, caplog):
    response = Client(enforce_csrf_checks=True).post("/sign-in/", {"username": "iro1", "password": "x"})
    assert response.status_code == 403
    assert_one_line(console_log, caplog, "Forbidden (CSRF cookie not set.): /sign-in/")


def test_an_api_client_over_its_limit_is_one_line(settings, manager, console_log, caplog):
    settings.API_THROTTLE_RATES = {"token": "1/hour", "user": "1/hour"}
    client = api_client(manager)
    assert client.get("/api/v1/dashboard/").status_code == 200
    forget(console_log)
    assert client.get("/api/v1/dashboard/").status_code == 429
    assert_one_line(console_log, caplog, "Too Many Requests: /api/v1/dashboard/")


def test_a_read_only_token_writing_is_one_line(manager, console_log, caplog):
    _, key = create_api_token(manager, name="Reader", by=manager, read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/strategy-discussions/", {}, format="json").status_code == 403
    assert_one_line(console_log, caplog, "Forbidden: /api/v1/strategy-discussions/")
