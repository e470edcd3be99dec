from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date

import pytest
from django.conf import settings

from bip.accounts.models import Membership, Role, Team
from tests.factories import (
    CitizenFactory,
    MembershipFactory,
    MunicipalityFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
)

# the dashboards' aggregate cells, shared by the pages' and the API's tests
pytest_plugins = ["tests.reports.dashboard_fixtures"]

CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Every django_db test also gets the `audit` alias (DESIGN section 3)."""
    if "audit" not in settings.DATABASES:
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        kwargs = dict(marker.kwargs)
        databases = kwargs.get("databases") or ["default"]
        if databases != "__all__" and "audit" not in databases:
            kwargs["databases"] = [*databases, "audit"]
        item.own_markers.insert(0, pytest.mark.django_db(*marker.args, **kwargs).mark)


def pytest_sessionstart(session: pytest.Session) -> None:
    if (
        CI
        and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        raise pytest.UsageError("CI runs the main suite on PostgreSQL only")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> object:
    """pytest-django's setup; afterwards close every connection (the audit alias too),
    so the test database can be dropped."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        conn = connections["default"]
        if conn.vendor == "postgresql":
            # connections left by threads (live server, concurrency tests) would
            # keep the test database from being dropped
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        for conn in connections.all():
            conn.close()


@pytest.fixture(scope="session")
def chromium_path_session() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if CI:
            pytest.fail("chromium is not installed: CI needs the browser tests")
        pytest.skip("chromium is not installed (make test installs it)")
    return path


@dataclass
class World:
    municipality: object
    unit: object
    team: Team
    other_team: Team
    other_municipality: object


@pytest.fixture
def world(db: None) -> World:
    muni = MunicipalityFactory(name="Aarhus Test", code="0751")
    unit = UnitFactory(municipality=muni, name="Jobcenter Nord")
    team = TeamFactory(unit=unit, name="Team A")
    other_team = TeamFactory(unit=unit, name="Team B")
    other_muni = MunicipalityFactory(name="Vejen Test", code="0575")
    return World(muni, unit, team, other_team, other_muni)


def _member(
    username: str,
    role: str,
    *,
    team: Team | None = None,
    municipality: object = None,
    **user_kwargs: object,
) -> object:
    user = UserFactory(username=username, **user_kwargs)
    MembershipFactory(
        user=user,
        role=role,
        team=team,
        municipality=municipality or team.municipality,  # type: ignore[union-attr]
        valid_from=date(2020, 1, 1),
    )
    return user


@pytest.fixture
def caseworker(world: World) -> object:
    return _member("caseworker", Role.CASEWORKER, team=world.team)


@pytest.fixture
def teammate(world: World) -> object:
    return _member("teammate", Role.CASEWORKER, team=world.team)


@pytest.fixture
def other_team_caseworker(world: World) -> object:
    return _member("other_team_caseworker", Role.CASEWORKER, team=world.other_team)


@pytest.fixture
def team_leader(world: World) -> object:
    return _member("team_leader", Role.TEAM_LEADER, team=world.team)


@pytest.fixture
def municipal_admin(world: World) -> object:
    return _member(
        "municipal_admin", Role.MUNICIPAL_ADMIN, municipality=world.municipality
    )


@pytest.fixture
def other_municipality_admin(world: World) -> object:
    return _member(
        "other_municipality_admin",
        Role.MUNICIPAL_ADMIN,
        municipality=world.other_municipality,
    )


@pytest.fixture
def analyst(world: World) -> object:
    return _member("analyst", Role.ANALYST, municipality=world.municipality)


@pytest.fixture
def system_admin(db: None) -> object:
    return UserFactory(username="system_admin", is_superuser=True, is_staff=True)


@pytest.fixture
def citizen(world: World, caseworker: object) -> object:
    """A citizen on the case worker's own caseload."""
    return CitizenFactory(team=world.team, caseworker=caseworker, name="Anna Østergård")


@pytest.fixture
def other_citizen(world: World, other_team_caseworker: object) -> object:
    return CitizenFactory(team=world.other_team, caseworker=other_team_caseworker)


@pytest.fixture
def owned_objects(citizen, caseworker, municipal_admin, world):
    """One of each kind of object, owned by the case worker's and admin's municipality:
    the access probe and the translation check request every route with them."""
    from bip.jobs.models import Job
    from measurements.services import round_start

    job = Job.objects.create(
        kind="jobs.probe", requested_by=municipal_admin, municipality=world.municipality
    )
    from measurements.instrument import instrument_copy
    from measurements.services import instrument_current

    draft = instrument_copy(
        source=instrument_current(municipality_id=world.municipality.pk),
        municipality_id=world.municipality.pk,
        by=municipal_admin,
    )
    from interventions.models import InterventionType
    from interventions.services import catalogue_copy, episode_create

    catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin)
    own_type = InterventionType.objects.filter(municipality=world.municipality).first()
    episode = episode_create(
        citizen=citizen, type=own_type, start=date(2025, 3, 1), end=None, by=caseworker
    )
    from django.core.files.base import ContentFile

    from bip.imports.services import batch_create

    upload = ContentFile(b"cpr;outcome;date\n", name="udtraek.csv")
    batch = batch_create(
        kind="outcomes",
        upload=upload,
        municipality_id=world.municipality.pk,
        by=municipal_admin,
    )
    from measurements.models import ModelVersion

    model = ModelVersion.objects.create(
        municipality=world.municipality, kind="local", coefficients={"intercept": -4.0}
    )
    from bip.accounts.services import integration_create, token_issue

    integration = integration_create(
        municipality_id=world.municipality.pk,
        name="Fagsystem",
        writes=False,
        unit=None,
        by=municipal_admin,
    )
    api_token, _secret = token_issue(
        account=integration, valid_days=30, by=municipal_admin
    )
    from reports.exports.services import export_request

    export = export_request(
        by=municipal_admin,
        municipality_id=world.municipality.pk,
        layout="wide",
        format="csv",
        pseudonymised=False,
        purpose="administration",
        purpose_note="Afstemning",
    )
    return {
        "unit": world.unit,
        "caseworker": caseworker,
        "export": export,
        "integrationaccount": integration,
        "apitoken": api_token,
        "modelversion": model,
        "importbatch": batch,
        "episode": episode,
        "interventiontype": own_type,
        "citizen": citizen,
        "job": job,
        "round": round_start(citizen=citizen, by=caseworker),
        "instrument": draft,
        "team": world.team,
    }


__all__ = ["Membership"]
