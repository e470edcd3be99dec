"""The dashboards' test data (registered in tests/conftest.py): aggregate cells of
two teams of one job centre over two quarters, with the citizens behind them."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from citizens.models import TargetGroup
from measurements.scoring.versions import active_model
from reports.models import DashboardCell, DashboardMember, DashboardRefresh
from tests.factories import CitizenFactory

Q1, Q2 = date(2025, 1, 1), date(2025, 4, 1)

# the figures of the team's first case worker in a quarter: 7 of 8 rounds done, 4
# progress, 2 standstill, 1 regression (the dashboards' and the quarterly report's)
TEAM_QUARTER = {
    "rounds_due": 8,
    "rounds_done": 7,
    "progress": 4,
    "standstill": 2,
    "regression": 1,
    "mix": {
        "none": {"n": 3, "progress": 2, "standstill": 1, "regression": 0},
        "job_only": {"n": 4, "progress": 2, "standstill": 1, "regression": 1},
    },
    "indicators": {
        "citizen": {"self_efficacy": [14.0, 7]},
        "caseworker": {"self_efficacy": [21.0, 7]},
    },
    "p12_bins": [0, 0, 3, 4, 0, 0, 0, 0, 0, 0],
    "p12_sum": 7 * 0.3,
    "p12_n": 7,
    "outcomes": {"job": {"n": 2, "days": 200}},
}


def make_cell(refresh, team, caseworker, target_group, quarter, members=(), **fields):
    cell = DashboardCell.objects.create(
        refresh=refresh,
        municipality_id=refresh.municipality_id,
        unit_id=team.unit_id,
        team=team,
        caseworker=caseworker,
        target_group=target_group,
        quarter=quarter,
        **fields,
    )
    DashboardMember.objects.bulk_create(
        DashboardMember(cell=cell, figure=f, category=c, citizen_id=citizen.pk)
        for f, c, citizen in members
    )
    return cell


def classes_members(citizens, progress, standstill, regression):
    out = [("done", "", c) for c in citizens]
    k = 0
    for klass, n in (
        ("progress", progress),
        ("standstill", standstill),
        ("regression", regression),
    ):
        out += [("class", klass, c) for c in citizens[k : k + n]]
        k += n
    return out


@pytest.fixture
def groups(db):
    first = TargetGroup.objects.get(code="kontant_aktivitetsparat")
    second = TargetGroup.objects.exclude(pk=first.pk).order_by("code").first()
    return first, second


@pytest.fixture
def dash(world, caseworker, other_team_caseworker, groups):
    """Team A (the case worker's) and team B of one job centre, two quarters."""
    first, second = groups
    mine = [
        CitizenFactory(team=world.team, caseworker=caseworker, name=f"Anna Mine{i}")
        for i in range(7)
    ]
    theirs = [
        CitizenFactory(
            team=world.other_team, caseworker=other_team_caseworker, name=f"Bo Their{i}"
        )
        for i in range(7)
    ]
    refresh = DashboardRefresh.objects.create(
        municipality=world.municipality,
        model_version=active_model(municipality_id=world.municipality.pk),
        computed_at=timezone.now(),
        rounds=29,
    )
    make_cell(
        refresh,
        world.team,
        caseworker,
        first,
        Q1,
        members=classes_members(mine, 4, 2, 1)
        + [("due", "", c) for c in mine]
        + [("outcome", "job", c) for c in mine[:2]]
        + [("p12", "2", c) for c in mine[:3]]
        + [("p12", "3", c) for c in mine[3:]]
        + [("mix", "none", c) for c in mine[:3]]
        + [("mix", "job_only", c) for c in mine[3:]]
        + [("mixclass", "none.progress", c) for c in mine[:2]]
        + [("mixclass", "none.standstill", mine[2])]
        + [("mixclass", "job_only.progress", c) for c in mine[3:5]]
        + [("mixclass", "job_only.standstill", mine[5])]
        + [("mixclass", "job_only.regression", mine[6])],
        **TEAM_QUARTER,
    )
    make_cell(
        refresh,
        world.team,
        caseworker,
        first,
        Q2,
        members=classes_members(mine[:6], 3, 3, 0),
        rounds_due=6,
        rounds_done=6,
        progress=3,
        standstill=3,
        p12_bins=[0, 0, 0, 6, 0, 0, 0, 0, 0, 0],
        p12_sum=6 * 0.35,
        p12_n=6,
    )
    make_cell(
        refresh,
        world.team,
        caseworker,
        second,
        Q2,
        members=classes_members(mine[:2], 2, 0, 0),
        rounds_due=2,
        rounds_done=2,
        progress=2,
    )
    make_cell(
        refresh,
        world.other_team,
        other_team_caseworker,
        first,
        Q1,
        members=classes_members(theirs, 5, 1, 1),
        rounds_due=7,
        rounds_done=7,
        progress=5,
        standstill=1,
        regression=1,
    )
    return {"refresh": refresh, "mine": mine, "theirs": theirs}
