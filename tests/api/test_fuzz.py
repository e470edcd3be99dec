"""schemathesis against the API's own schema (SPEC section 6), on the test database
through the WSGI application in this process: for a municipal admin's token and a
case worker's, a case worker's session and a research integration, every operation with generated parameters gives no 5xx and a response
that matches the schema. Bounded: a fixed seed, a few examples an operation."""

from __future__ import annotations

import time
from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from bip.accounts.services import integration_create, token_issue
from bip.jobs.models import Job
from bip.jobs.services import job_run
from interventions.models import InterventionType
from interventions.services import episode_create, outcome_record
from measurements.models import ModelVersion
from reports.aggregates import KIND as DASHBOARDS
from reports.aggregates import dashboards_request
from reports.models import Export
from tests.measurements.helpers import make_round, run_scores

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]

EXAMPLES = 8  # per operation and token
# a bound against a hang, not a speed target: the examples bound the work, and a
# busy machine (the suite beside a benchmark) once needed 60 s for 24 operations
BUDGET_SECONDS = 150  # under the per-test timeout of `make test` (180 s)
CHECKS = [not_a_server_error, response_schema_conformance]


def token(world, admin, *, caseworker=None):
    """An integration token for the whole municipality (read and write), or one
    limited to the case worker's unit (read only): a person never has a token
    (DESIGN section 2), so the case worker's own session is fuzzed as well."""
    account = integration_create(
        municipality_id=world.municipality.pk,
        name="Fuzz",
        writes=not caseworker,
        unit=world.unit if caseworker else None,
        by=admin,
    )
    return token_issue(account=account, valid_days=30, by=admin)[1]


@pytest.fixture
def data(world, citizen, caseworker, other_citizen, other_team_caseworker):
    make_round(citizen, date(2025, 1, 6), cw=2, cit=3)
    make_round(citizen, date(2025, 4, 7), cw=4, cit=4)
    make_round(other_citizen, date(2025, 2, 3))
    kind = InterventionType.objects.filter(municipality__isnull=True).first()
    episode_create(
        citizen=citizen, type=kind, start=date(2025, 2, 1), end=None, by=caseworker
    )
    outcome_record(
        citizen=citizen, kind="subsidised_job", day=date(2025, 5, 1), by=caseworker
    )
    ModelVersion.objects.create(
        municipality=world.municipality,
        kind="local",
        coefficients={"const": -3.0},
        estimates={"const": {"estimate": -3.0, "se": 0.4}},
        metrics={"auc": 0.7},
    )
    run_scores(world.municipality)


@pytest.fixture
def api_schema():
    """The schema, calling the WSGI application in this process. As Django's test
    client does, requests keep the test's database connection (and transaction)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = WSGIHandler()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def fuzz(schema, headers):
    """Every operation, generated cases; returns the number of calls made."""
    calls = 0
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    assert {"GET", "POST"} <= {o.method.upper() for o in operations}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal calls
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)
            calls += 1

        run()
        # the real rows, through their details: a list's first row by id
        if "{id}" not in operation.path and operation.method.upper() == "GET":
            listed = schema.make_case(operation=operation, query={}).call(
                headers=headers
            )
            case_ok = listed.status_code == 200 and listed.json().get("results")
            if case_ok:
                detail = schema.find_operation_by_path(
                    "GET", f"{operation.path}{{id}}/"
                )
                if detail is not None:
                    row = listed.json()["results"][0]
                    real = schema.make_case(
                        operation=detail, path_parameters={"id": row["id"]}
                    )
                    response = real.call(headers=headers)
                    assert response.status_code == 200, detail.path
                    real.validate_response(response, checks=CHECKS)
                    calls += 1
    assert time.monotonic() - started < BUDGET_SECONDS
    return calls


def test_the_api_holds_to_its_schema_for_a_municipal_admins_token(
    api_schema, data, world, municipal_admin
):
    secret = token(world, municipal_admin)
    assert fuzz(api_schema, {"Authorization": f"Bearer {secret}"}) > 17 * EXAMPLES / 2


def test_the_api_holds_to_its_schema_for_a_case_workers_token(
    api_schema, data, world, municipal_admin, caseworker
):
    """A case worker's own token: a person never has one (DESIGN section 2), so the
    case worker's scope comes as an integration limited to their unit; the case
    worker's session itself is fuzzed in the next test."""
    secret = token(world, municipal_admin, caseworker=caseworker)
    assert fuzz(api_schema, {"Authorization": f"Bearer {secret}"}) > 17 * EXAMPLES / 2


def test_the_api_holds_to_its_schema_for_a_case_workers_session(
    api_schema, data, client, caseworker
):
    client.force_login(caseworker)
    cookie = client.cookies["sessionid"].value
    assert fuzz(api_schema, {"Cookie": f"sessionid={cookie}"}) > 17 * EXAMPLES / 2


def test_the_api_holds_to_its_schema_for_a_research_integration(
    api_schema, data, world, municipal_admin, team_leader
):
    """A research integration: the dashboards' aggregates (computed from the rounds
    above) and export requests are answered; every personal list is 403."""
    with transaction.atomic():
        dashboards_request(municipality_id=world.municipality.pk, by=municipal_admin)
    job_run(job_id=Job.objects.get(kind=DASHBOARDS).pk)
    account = integration_create(
        municipality_id=world.municipality.pk,
        name="Forskning",
        writes=False,
        research=True,
        unit=None,
        by=municipal_admin,
    )
    secret = token_issue(account=account, valid_days=30, by=municipal_admin)[1]
    assert fuzz(api_schema, {"Authorization": f"Bearer {secret}"}) > 17 * EXAMPLES / 2
    assert Export.objects.filter(requested_by=account.user).exists()
