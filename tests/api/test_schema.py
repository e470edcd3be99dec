"""The API's OpenAPI 3.1 schema: generated without a warning or an error, valid by
the OpenAPI specification, covering every route of the router; the reference pages
served without inline script or style; malformed input answered in JSON, never 500."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from bip.api_urls import router

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, f"schema warnings or errors: {GENERATOR_STATS}"
    return generated


def test_the_schema_is_openapi_3_1_and_valid(schema):
    assert schema["openapi"] == "3.1.0"
    validate(schema)


def test_the_schema_generates_with_warnings_as_failures(tmp_path):
    # the management command a deployment would run, warnings as failures
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.1.0")


def test_every_router_route_is_in_the_schema(schema):
    paths = set(schema["paths"])
    for prefix, _viewset, _basename in router.registry:
        assert any(p.startswith(f"/api/v1/{prefix}/") for p in paths), prefix
    assert len(paths) >= 17


def test_list_filters_and_cursor_are_documented(schema):
    params = {
        p["name"] for p in schema["paths"]["/api/v1/rounds/"]["get"]["parameters"]
    }
    assert {"unit", "team", "date_from", "date_to", "updated_since"} <= params
    assert {"cursor", "page_size"} <= params


@pytest.mark.parametrize("name", ["api-docs", "api-redoc"])
def test_reference_pages_have_no_inline_script_or_style(client, caseworker, name):
    client.force_login(caseworker)
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html
    assert re.search(r"\sstyle=", html) is None
    assert "googleapis" not in html
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    for src in re.findall(r'<script src="([^"]+)"', html):
        assert src.startswith("/"), src


def test_the_swagger_script_is_a_file(client, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("api-docs") + "?script")
    assert response.status_code == HTTPStatus.OK
    assert "SwaggerUIBundle" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rounds/abc/",
        f"/api/v1/rounds/{2**70}/",
        "/api/v1/outcomes/-1/",
        "/api/v1/scores/?cursor=not-a-cursor",
        "/api/v1/rounds/?page_size=-5",
        "/api/v1/episodes/?updated_since=2025-02-30T00:00:00Z",
        "/api/v1/enrolments/?date_from=0000-01-01",
        "/api/v1/assignments/?team=1e3",
    ],
)
def test_malformed_input_is_never_a_500(client, municipal_admin, url):
    client.force_login(municipal_admin)
    response = client.get(url)
    assert response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()
