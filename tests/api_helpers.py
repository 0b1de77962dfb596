"""Helpers for the REST API tests: a client authenticated as a user by a real token (the way
integrations call the API), and the consistent error shape."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.api_tokens import create_api_token


def api_client(user=None):
    """An APIClient sending a token of `user` (anonymous when None)."""
    client = APIClient()
    if user is not None:
        _, key = create_api_token(user, name="tests", by=None)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_error_shape(response, status, field=None):
    """Every error body is {"detail": str, "errors": {field: [str]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and isinstance(body["errors"], dict), body
    if field is not None:
        assert field in body["errors"] and all(isinstance(m, str) for m in body["errors"][field]), body
    return body


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)
