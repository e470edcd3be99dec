"""The access probe (DESIGN section 2): every named URL and router route, requested by
three kinds of outsider with the owner's real ids. Object URLs give 404, pages a role
may not use 403, lists 200 without the owner's rows; none of the owner's data is in any
body; every denial is in the audit log. A new route with an id must be added to
OBJECT_ROUTES, so no view escapes the probe."""

from __future__ import annotations

import re
from datetime import date
from http import HTTPStatus

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bip.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

EXEMPT = {
    "login",
    "logout",
    "healthz",
    "set_language",
    "schema",
    "api-docs",
    "api-redoc",
    # sign-in and password reset: for people who are not logged in
    "oidc_authentication_init",
    "oidc_authentication_callback",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # the citizen's personal link: no login, its token is the key (tested on its own)
    "citizen_form",
}
EXEMPT_PREFIXES = ("admin:",)  # Django admin: its own login; covered by test_admin_site
OBJECT_ROUTES = {  # route name -> which of the owner's objects its id names
    "citizens:detail": "citizen",
    "citizens:edit": "citizen",
    "citizens:assign": "citizen",
    "citizens:enrol": "citizen",
    "measurements:start": "citizen",
    "measurements:round": "round",
    "measurements:correct": "round",
    "measurements:link_create": "round",
    "instrument:detail": "instrument",
    "interventions:create": "citizen",
    "interventions:outcome_create": "citizen",
    "interventions:edit": "episode",
    "interventions:type_edit": "interventiontype",
    "imports:detail": "importbatch",
    "models:detail": "modelversion",
    "models:activate": "modelversion",
    "imports:report": "importbatch",
    "imports:commit": "importbatch",
    "instrument:copy": "instrument",
    "instrument:publish": "instrument",
    "instrument:question_add": "instrument",
    "instrument:translate": "instrument",
    "jobs:status": "job",
    "integrations:token_create": "integrationaccount",
    "integrations:deactivate": "integrationaccount",
    "integrations:token_revoke": "apitoken",
    "api:citizen-detail": "citizen",
    "api:job-detail": "job",
    "reports:dashboard_unit": "unit",
    "reports:citizen_summary": "citizen",
    "reports:unit_report": "unit",
    "reports:dashboard_unit_citizens": "unit",
    "reports:dashboard_team": "team",
    "reports:dashboard_team_citizens": "team",
    "reports:dashboard_caseworker": "caseworker",
    "reports:dashboard_caseworker_citizens": "caseworker",
    "api:enrolment-detail": "enrolment",
    "api:assignment-detail": "assignment",
    "api:round-detail": "round",
    "api:score-detail": "score",
    "api:modelversion-detail": "modelversion",
    "api:episode-detail": "episode",
    "api:outcome-detail": "outcome",
    "reports:comparison": "team",
    "reports:export_detail": "export",
    "reports:export_download": "export",
    "api:dashboard-unit": "unit",
    "api:dashboard-team": "team",
    "api:dashboard-caseworker": "caseworker",
    "api:export-detail": "export",
    "api:export-download": "export",
}
# Aggregate pages an analyst may read for any job centre or team of the
# municipality (DESIGN section 2: aggregates, suppressed): 200 for the analyst,
# still without any of the owner's data in the body.
ANALYST_AGGREGATES = {
    "reports:dashboard_unit",
    "reports:dashboard_team",
    "api:dashboard-unit",
    "api:dashboard-team",
}
POST_BODIES = {  # POST-only routes: what an outsider posts
    "citizens:search": lambda o: {"q": o["citizen"].name.split()[-1]},
    "accounts:switch": lambda o: {"municipality": str(o["citizen"].municipality_id)},
    "audit:search": lambda o: {"cpr": o["citizen"].cpr_clear()},
    "measurements:start": lambda o: {},
    "measurements:link_create": lambda o: {},
    "instrument:copy": lambda o: {},
    "interventions:catalogue_copy": lambda o: {},
    "imports:commit": lambda o: {},
    "models:fit": lambda o: {"kind": "local"},
    "models:activate": lambda o: {},
    "instrument:publish": lambda o: {"note": "x"},
    "instrument:question_add": lambda o: {"respondent": "citizen", "indicator": ""},
    "integrations:token_create": lambda o: {"valid_days": "30"},
    "integrations:deactivate": lambda o: {},
    "integrations:token_revoke": lambda o: {},
}
OUTSIDERS = ("other_municipality_admin", "other_team_caseworker", "analyst")


def walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", list(p.pattern.regex.groupindex)


def routes():
    seen = {}
    for name, args in walk(get_resolver().url_patterns):
        if name in EXEMPT or name.startswith(EXEMPT_PREFIXES):
            continue
        seen.setdefault(name, args)
    return sorted(seen.items())


@pytest.fixture
def owner_data(owned_objects, caseworker):
    """The shared objects, and those only the API names by id: the citizen's
    enrolment and assignment, an outcome and a score."""
    from django.utils import timezone

    from interventions.services import outcome_record
    from measurements.models import Score

    citizen = owned_objects["citizen"]
    enrolment = citizen.enrolments.get()
    outcome, _ = outcome_record(
        citizen=citizen, kind="subsidised_job", day=date(2025, 6, 2), by=caseworker
    )
    score = Score.objects.create(
        municipality_id=citizen.municipality_id,
        round=owned_objects["round"],
        model_version=owned_objects["modelversion"],
        lp=-3.0,
        hazard_q=0.05,
        p12=0.18,
        indicator_lp=0.2,
        inputs_hash="probe",
        computed_at=timezone.now(),
    )
    return {
        **owned_objects,
        "enrolment": enrolment,
        "assignment": enrolment.assignments.get(),
        "outcome": outcome,
        "score": score,
    }


def url_for(name: str, args: list[str], objects) -> str:
    kwargs = {}
    for arg in args:
        if arg == "format":
            kwargs[arg] = "json"
        elif arg == "kind":
            kwargs[arg] = "outcomes"  # an import format, not an object
        elif name in OBJECT_ROUTES:
            kwargs[arg] = objects[OBJECT_ROUTES[name]].pk
        else:
            pytest.fail(
                f"route {name} takes {arg!r}: add it to OBJECT_ROUTES in the probe"
            )
    return reverse(name, kwargs=kwargs)


def test_every_route_is_probed():
    names = [n for n, _ in routes()]
    assert "citizens:detail" in names
    assert "api:citizen-list" in names
    for name, args in routes():
        if [a for a in args if a not in ("format", "kind")]:
            assert name in OBJECT_ROUTES, f"{name} has an id: add it to OBJECT_ROUTES"


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_never_see_the_owners_data(client, request, owner_data, outsider):
    user = request.getfixturevalue(outsider)
    citizen = owner_data["citizen"]
    secrets = [
        citizen.name,
        citizen.cpr_masked,
        citizen.cpr_clear(),
        citizen.cpr_clear().replace("-", ""),
    ]
    client.force_login(user)
    problems = []
    for name, args in routes():
        url = url_for(name, args, owner_data)
        before = AuditEvent.objects.filter(
            actor_id=user.pk, action="access.denied"
        ).count()
        response = (
            client.post(url, POST_BODIES[name](owner_data))
            if name in POST_BODIES
            else client.get(url)
        )
        body = response.content.decode(errors="replace")
        status = response.status_code
        # an object outside scope is 404; a role without the right may meet 403 first
        aggregate = outsider == "analyst" and name in ANALYST_AGGREGATES
        if (
            name in OBJECT_ROUTES
            and args
            and status not in (403, 404)
            and not (aggregate and status == 200)
        ):
            problems.append(f"{name} {url}: {status}, expected 404 (or 403)")
        if status not in (200, 302, 403, 404, 405):
            problems.append(f"{name} {url}: unexpected {status}")
        leaked = [s for s in secrets if s in body]
        if leaked:
            problems.append(f"{name} {url}: body shows {leaked}")
        if status in (403, 404):
            after = AuditEvent.objects.filter(
                actor_id=user.pk, action="access.denied"
            ).count()
            if after <= before:
                problems.append(
                    f"{name} {url}: {status} without a denial in the audit log"
                )
    assert problems == []


def test_not_found_and_out_of_scope_look_the_same(
    client, other_team_caseworker, owner_data
):
    client.force_login(other_team_caseworker)
    url_a = reverse("citizens:detail", args=[owner_data["citizen"].pk])
    url_b = reverse("citizens:detail", args=[99999999])
    out_of_scope, missing = client.get(url_a), client.get(url_b)
    assert out_of_scope.status_code == missing.status_code == HTTPStatus.NOT_FOUND

    def normalised(body: bytes, url: str) -> bytes:
        # the CSRF token is masked anew per page; the language form echoes the path
        body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
        return body.replace(url.encode(), b"URL")

    assert normalised(out_of_scope.content, url_a) == normalised(missing.content, url_b)


def test_anonymous_gets_login_or_401_everywhere(client, owner_data):
    for name, args in routes():
        response = client.get(url_for(name, args, owner_data))
        assert response.status_code in (302, 401, 403, 405), name
        if response.status_code == 302:
            assert response["Location"].startswith("/login/"), name
