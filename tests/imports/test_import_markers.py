"""Imports save set-wise (COPY, INSERT ... SELECT); the change markers the nightly
score sweep reads count those saves too, for exactly the spells they touch."""

from __future__ import annotations

from datetime import date

import pytest

from measurements import imports
from measurements.models import SpellScoring
from measurements.scoring import recompute
from tests.factories import CitizenFactory
from tests.imports.test_import_rules import rounds_file
from tests.measurements.helpers import make_round, run_scores

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]
KNOWN = {"outcomes_known_until": "2026-10-31"}


@pytest.fixture
def scored(world, caseworker, citizen):
    """The citizen and a neighbour on the same caseload, one scored round each."""
    neighbour = CitizenFactory(team=world.team, caseworker=caseworker)
    for person in (citizen, neighbour):
        make_round(person, date(2025, 2, 1))
    run_scores(world.municipality)
    return citizen, neighbour


def markers():
    return dict(SpellScoring.objects.values_list("enrolment_id", "inputs_version"))


def test_an_outcome_import_marks_its_spell_only(run_import, commit_import, scored):
    citizen, neighbour = scored
    before = markers()
    assert recompute.changed_spells() == {}
    cpr = citizen.cpr_clear()
    batch = run_import(
        "outcomes",
        f"cpr,outcome,date\n{cpr},subsidised_job,01-04-2026\n".encode(),
        **KNOWN,
    )
    assert batch.rows_error == 0
    assert commit_import(batch).committed_at is not None
    mine, theirs = citizen.enrolments.get().pk, neighbour.enrolments.get().pk
    # a subsidised job does not end the spell: only the outcome's row marks it
    assert citizen.enrolments.get().end is None
    after = markers()
    assert after[mine] > before[mine]
    assert after[theirs] == before[theirs]
    assert recompute.changed_spells() == {citizen.municipality_id: [mine]}


def test_a_rounds_import_marks_its_spell_only(
    run_import, commit_import, scored, monkeypatch
):
    citizen, neighbour = scored
    # the import's own recompute is left to the sweep (a busy worker)
    monkeypatch.setattr(imports, "scores_request_after_import", lambda **kw: None)
    before = markers()
    batch = run_import("rounds", rounds_file(citizen, date(2025, 5, 1)))
    assert batch.rows_error == 0
    assert commit_import(batch).committed_at is not None
    after = markers()
    mine, theirs = citizen.enrolments.get().pk, neighbour.enrolments.get().pk
    assert after[mine] > before[mine]
    assert after[theirs] == before[theirs]
    assert recompute.changed_spells() == {citizen.municipality_id: [mine]}
