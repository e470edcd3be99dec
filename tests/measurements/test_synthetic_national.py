"""The national-scale generator of `make bench` (measurements/synthetic/national.py),
small: exact sizes, whole spells with both parts, the organisation around them."""

from __future__ import annotations

import random

import pytest
from django.db.models import Count

from bip.accounts.models import Membership, Municipality, Role, Team
from citizens.models import Assignment, Citizen, Enrolment
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Response, Round
from measurements.synthetic.national import (
    NationalSize,
    rounds_per_spell,
    split,
    write_national,
)

pytestmark = pytest.mark.timeout(120)


def test_split_sums_exactly_with_every_part_at_least_the_minimum():
    parts = split(1000, [5.0, 0.1, 1.0, 3.3], minimum=50)
    assert sum(parts) == 1000
    assert min(parts) >= 50
    assert parts[0] > parts[3] > parts[2] > parts[1]
    with pytest.raises(ValueError, match="cannot give"):
        split(10, [1.0, 1.0], minimum=6)


def test_rounds_per_spell_sum_exactly_and_vary():
    counts = rounds_per_spell(random.Random(3), 500, 2003)
    assert sum(counts) == 2003
    assert min(counts) >= 1
    assert len(set(counts)) > 3  # short and long spells side by side
    with pytest.raises(ValueError, match="at least one round"):
        rounds_per_spell(random.Random(3), 10, 9)


def test_the_country_has_the_sizes_asked_for(db):
    write_national(NationalSize(municipalities=3, citizens=900, rounds=3600), seed=4)
    bench = Municipality.objects.filter(name__startswith="Benchkommune")
    assert bench.count() == 3
    mine = {"municipality__in": bench}
    assert Citizen.objects.filter(**mine).count() == 900
    assert Enrolment.objects.filter(**mine).count() == 900
    rounds = Round.objects.filter(**mine)
    assert rounds.count() == 3600
    assert not rounds.exclude(state=Round.State.COMPLETE).exists()
    # every spell has a round, and the teams have about 400 citizens each
    assert Enrolment.objects.filter(**mine, rounds__isnull=True).count() == 0
    per_team = Citizen.objects.filter(**mine).values("team").annotate(n=Count("pk"))
    assert Team.objects.filter(**mine).count() == len(per_team) >= 3
    assert all(100 <= row["n"] <= 800 for row in per_team)
    workers = Membership.objects.filter(**mine, role=Role.CASEWORKER)
    assert workers.count() == pytest.approx(900 / 40, abs=4)
    # both parts submitted in most rounds, the citizen's missing in about one in five
    parts = Response.objects.filter(
        round__municipality__in=bench, state=Response.State.SUBMITTED
    )
    assert parts.filter(respondent="caseworker").count() == 3600
    assert 0.7 < parts.filter(respondent="citizen").count() / 3600 < 0.9
    assert Assignment.objects.filter(**mine).count() > 900  # some changed worker
    assert InterventionEpisode.objects.filter(**mine).count() > 1000
    assert Outcome.objects.filter(**mine).exists()
