"""The API's description and its documentation pages: Swagger UI and ReDoc served from this
server (no CDN), a valid OpenAPI 3 document, and a schemathesis run of every operation it
describes, as a service manager with a token, against a small seeded authority: no 5xx and every
response conforms to the schema.

The operations are listed when the tests are collected, from drf-spectacular's generator (no
database needed), so each is its own test and a new endpoint is covered as soon as it exists.
Each test then loads the schema over WSGI, the way a client would, and drives the operation
with Hypothesis (a bounded, derandomised number of examples)."""

import re
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.api_tokens import create_api_token
from children.models import Child
from escalations.models import Escalation, EscalationStep
from oversight.models import OversightRecord
from reporting import services
from reviews.models import Review
from tests.conftest import sign_in
from tests.test_api_reporting import add_children, this_year

SCHEMA_URL = "/api/v1/schema/"
MAX_EXAMPLES = 6
EXTERNAL_URL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)

STRICT_STATUS_CODES = ("/api/v1/dashboard/", "/api/v1/annual-reports/")
"""Operations whose every status code must be documented (status_code_conformance): the ones
whose errors are described. For the others, an undocumented 4xx is not a failure here."""


# ---------------------------------------------------------------------------------------------
# The documentation pages and the document
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_documentation_pages_are_served_from_this_server(client, manager, url):
    sign_in(client, manager)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert SCHEMA_URL in page
    assert "/static/drf_spectacular_sidecar/" in page
    assert not EXTERNAL_URL.search(page), EXTERNAL_URL.search(page)
    assert "cdn." not in page.lower() and "unpkg" not in page.lower() and "jsdelivr" not in page.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [SCHEMA_URL, "/api/v1/docs/", "/api/v1/redoc/"])
def test_the_description_of_the_api_is_for_signed_in_users_only(client, url):
    """Anonymous users see only the sign-in page (DESIGN.md section 1), not even the API's shape."""
    response = client.get(url)
    assert response.status_code in (401, 403) or response["Location"].startswith("/sign-in/")
    assert b"openapi" not in response.content.lower()


def test_the_sidecar_assets_are_local_static_files(client, manager):
    from django.contrib.staticfiles import finders

    sign_in(client, manager)
    page = client.get("/api/v1/docs/").content.decode()
    assets = set(re.findall(r"/static/(drf_spectacular_sidecar/[^\"'?]+)", page))
    assert assets
    for asset in assets:
        assert finders.find(asset), asset


@pytest.mark.django_db
def test_the_schema_is_a_valid_openapi_3_document(manager):
    from tests.api_helpers import api_client

    response = api_client(manager).get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate_schema(document)  # raises on any violation of the OpenAPI 3 specification
    paths = document["paths"]
    assert {"/api/v1/dashboard/", "/api/v1/annual-reports/", "/api/v1/annual-reports/{year}/figures/"} <= set(paths)
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("type") == "apiKey" and scheme.get("name") == "Authorization" for scheme in schemes.values())


def test_the_spectacular_command_validates_the_schema_without_warnings(tmp_path):
    """A warning means part of an endpoint is missing from the description (an unknown filter
    type, a clashing enum name), so it fails the test like an error."""
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stdout=StringIO(), stderr=StringIO()
    )
    assert "openapi: 3" in out.read_text()


# ---------------------------------------------------------------------------------------------
# schemathesis
# ---------------------------------------------------------------------------------------------


def described_operations():
    """(method, path) of every operation in the generated schema, at collection time."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path)
        for path, item in sorted(document["paths"].items())
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    ]


OPERATIONS = described_operations()


@pytest.fixture
def wsgi_in_test_transaction(settings):
    """Calls through the WSGI application in this test's transaction: Django would otherwise
    close the connection at the end of each request (as its own test client also prevents)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded_authority(iro, other_iro, manager, path):
    """A few children with reviews, oversight and an escalation (and, for the annual report
    endpoints, a published report), so that the ids and years the operations are given exist."""
    add_children(3, iro)
    add_children(2, other_iro, start=3)
    if path.startswith("/api/v1/annual-reports/"):
        services.publish(services.report_for_year(this_year()), by=manager, confirmed=True)
        services.report_for_year(this_year() - 1)


_loaded = {}


def loaded_schema(app, headers):
    """The schema as a signed-in client loads it (over WSGI), once per run: it does not depend
    on the data."""
    if "schema" not in _loaded:
        _loaded["schema"] = schemathesis.openapi.from_wsgi(SCHEMA_URL, app, headers=headers)
    return _loaded["schema"]


def existing_ids(path):
    """Ids that exist for the resource of `path`: the model of its view's queryset (or, failing
    that, of its first segment)."""
    if path.startswith("/api/v1/annual-reports/"):
        return [this_year(), this_year() - 1]
    view = resolve(re.sub(r"{[^}]+}", "1", path)).func
    queryset = getattr(getattr(view, "cls", None), "queryset", None)
    model = getattr(queryset, "model", None)  # None for a view without a class queryset
    if model is None:
        resource = path.removeprefix("/api/v1/").split("/")[0]
        model = {
            "children": Child,
            "reviews": Review,
            "escalations": Escalation,
            "escalation-steps": EscalationStep,
            "oversight-records": OversightRecord,
        }.get(resource, Child)
    return list(model.objects.order_by("pk").values_list("pk", flat=True)[:50])


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_schemathesis(method, path, db, wsgi_in_test_transaction, seeded_authority, manager):
    _, key = create_api_token(manager, name="schemathesis", by=None)
    headers = {"Authorization": f"Token {key}"}
    schema = loaded_schema(wsgi_in_test_transaction, headers)
    operation = schema[path][method]
    checks = [not_a_server_error, response_schema_conformance]
    if path.startswith(STRICT_STATUS_CODES):
        checks.append(status_code_conformance)
    child_ids = list(Child.objects.values_list("pk", flat=True))
    ids = existing_ids(path)
    id_parameters = [
        parameter["name"]
        for parameter in schema.raw_schema["paths"][path].get("parameters", [])
        + schema.raw_schema["paths"][path][method.lower()].get("parameters", [])
        if parameter.get("in") == "path"
    ]

    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, data):
        for name in id_parameters:  # most of the time, an id that exists
            if name in case.path_parameters and data.draw(st.booleans(), label=f"existing {name}"):
                pool = child_ids if "child" in name and name != "id" else ids
                if pool:
                    case.path_parameters[name] = data.draw(st.sampled_from(pool), label=name)
        with transaction.atomic():  # each request on its own: what one changes, the next does not see
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=checks, headers=headers)

    run()


def test_every_reporting_operation_is_covered():
    """The run above covers the reporting endpoints (and whatever else exists when it runs)."""
    assert {
        ("GET", "/api/v1/dashboard/"),
        ("GET", "/api/v1/annual-reports/"),
        ("GET", "/api/v1/annual-reports/{year}/figures/"),
    } <= set(OPERATIONS)
