"""The panel builder equals the generator's truth panel row for row on a 200-citizen
cohort written to the database through the product's models."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from measurements.scoring import features as F
from measurements.scoring.panel import build_panel
from measurements.synthetic.cohort import generate
from measurements.synthetic.writer import write_cohort

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


def test_panel_builder_matches_the_truth(world, caseworker, teammate, municipal_admin):
    cohort = generate(n_citizens=200, seed=42)
    ids = write_cohort(
        cohort,
        team=world.team,
        caseworkers=[caseworker, teammate],
        created_by=municipal_admin.pk,
    )
    world.municipality.outcomes_known_until = date(2099, 1, 1)
    world.municipality.save()
    built = build_panel(municipality_id=world.municipality.pk, today=date(2099, 1, 1))
    truth = cohort.panel.assign(citizen_id=cohort.panel["citizen_id"].map(ids))
    key = ["citizen_id", "round_date"]
    built = built.sort_values(key).reset_index(drop=True)
    truth = truth.sort_values(key).reset_index(drop=True)
    assert len(built) == len(truth)
    columns = [
        *F.CIT,
        *F.CW,
        "cit_part_missing",
        "miss_cit",
        "miss_cw",
        "cw_change",
        "event",
        "censored",
        "time_band",
        "age_band",
    ]
    for column in columns:
        pd.testing.assert_series_equal(
            built[column].astype(float),
            truth[column].astype(float),
            check_names=False,
            obj=column,
        )
    assert list(built["target_group"]) == list(truth["target_group"])
    assert built["event"].sum() > 0
    assert built["cw_change"].sum() > 0
    assert built["cit_part_missing"].sum() > 0


def test_the_command_writes_a_cohort(world, caseworker):
    from io import StringIO

    from django.core.management import call_command

    from citizens.models import Citizen

    out = StringIO()
    call_command(
        "synthetic_cohort", team=str(world.team.pk), citizens=20, seed=3, stdout=out
    )
    assert "Wrote 20 citizens" in out.getvalue()
    assert Citizen.objects.filter(team=world.team).count() == 20
