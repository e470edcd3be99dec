"""Fixtures of the export tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from interventions.models import InterventionType
from interventions.services import episode_create, outcome_record
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, run_scores


@pytest.fixture
def data(world, caseworker, other_team_caseworker, municipal_admin):
    """Two citizens with rounds, scores, an episode with free text and an outcome,
    and a citizen of another municipality who must never appear."""
    anna = CitizenFactory(team=world.team, caseworker=caseworker, name="Anna Østergård")
    bo = CitizenFactory(
        team=world.other_team, caseworker=other_team_caseworker, name="=Bo Formel"
    )
    for citizen, days in ((anna, (10, 100, 190)), (bo, (20, 110))):
        for i, d in enumerate(days):
            make_round(
                citizen,
                date(2025, 1, 6) + timedelta(days=d),
                cw=lambda ind, i=i: 2 + (i + len(ind)) % 4,
                cit=3 + i % 2,
                missing={("citizen", "network")} if i == 1 else (),
            )
    run_scores(world.municipality)
    own_type = InterventionType.objects.filter(municipality__isnull=True).first()
    episode_create(
        citizen=anna,
        type=own_type,
        start=date(2025, 2, 1),
        end=date(2025, 4, 1),
        provider="Hemmelig Udbyder",
        note="fritekst om helbred",
        by=caseworker,
    )
    outcome_record(
        citizen=bo,
        kind="subsidised_job",
        day=date(2025, 6, 1),
        by=other_team_caseworker,
    )
    other_team = world.other_municipality.units.create(
        name="Vejen Jobcenter"
    ).teams.create(name="Vejen Team")
    stranger = CitizenFactory(team=other_team, name="Fremmed Borger")
    return {"anna": anna, "bo": bo, "stranger": stranger}
