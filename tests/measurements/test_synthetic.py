"""The synthetic-data package: CPR numbers unique at national scale, the writer's rows
as the product reads them back, and the demo caseload's shape (BIP's shares)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from citizens import cpr
from citizens.models import Assignment, Citizen, Enrolment
from interventions.models import InterventionEpisode, Outcome
from measurements.models import Answer, Response, Round
from measurements.scoring import features as F
from measurements.synthetic.caseload import caseload_spells, open_target_groups
from measurements.synthetic.episodes import MIX_SHARES, Catalogue
from measurements.synthetic.people import CprNumbers
from measurements.synthetic.uniform import uniform_spells
from measurements.synthetic.writer import write_spells
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round

TODAY = date(2026, 3, 2)


def test_cpr_numbers_are_unique_in_a_national_cohort():
    """250,000 citizens born as the cohort generator draws them (spells from 2021,
    ages 18 to 64): a serial modulo 1,000 gave some 1,700 duplicates here."""
    rng = np.random.default_rng(5)
    n = 250_000
    starts = rng.integers(0, 900, n)
    ages = rng.uniform(18, 64, n)
    born = [
        date(2021, 1, 4) + timedelta(days=int(s) - int(a * 365.25))
        for s, a in zip(starts, ages, strict=True)
    ]
    numbers = CprNumbers()
    issued = [numbers.next(b) for b in born]
    assert len(set(issued)) == n
    for b, digits in list(zip(born, issued, strict=True))[::997]:
        assert cpr.parse(digits).birth_date == b


@pytest.mark.parametrize(
    ("born", "capacity"),
    [(date(1930, 1, 1), 4000), (date(1985, 3, 4), 6000), (date(2010, 5, 6), 6000)],
)
def test_a_birth_date_has_its_numbers_those_passing_modulus_11_first(born, capacity):
    numbers = CprNumbers()
    issued = [numbers.next(born) for _ in range(capacity)]
    assert len(set(issued)) == capacity
    assert all(cpr.parse(digits).birth_date == born for digits in issued)
    passing = [cpr.modulus11_ok(digits) for digits in issued]
    first_failing = passing.index(False)
    assert first_failing > 300
    assert not any(passing[first_failing:])
    with pytest.raises(ValueError, match="no CPR numbers left"):
        numbers.next(born)


@pytest.fixture
def caseload(world, caseworker, teammate):
    spells = caseload_spells(
        random.Random(3),
        n=40,
        caseworkers=[caseworker.pk, teammate.pk],
        today=TODAY,
        target_groups=open_target_groups(),
        catalogue=Catalogue.load(),
    )
    return spells, write_spells(spells, team=world.team)


@pytest.mark.django_db
def test_the_writer_writes_what_the_spells_say(world, caseload):
    spells, written = caseload
    assert len(written.citizens) == len(written.enrolments) == len(spells) == 40
    assert len(written.rounds) == sum(len(s.rounds) for s in spells)
    numbers = set()
    for spell, citizen_id, enrolment_id in zip(
        spells, written.citizens, written.enrolments, strict=True
    ):
        c = Citizen.objects.get(pk=citizen_id)
        assert (c.name, c.birth_date, c.team, c.caseworker_id) == (
            spell.name,
            spell.born,
            world.team,
            spell.assignments[-1][0],
        )
        numbers.add(c.cpr_clear())
        assert cpr.parse(c.cpr_clear()).birth_date == spell.born
        e = Enrolment.objects.get(pk=enrolment_id)
        assert (e.citizen_id, e.start, e.end, e.end_reason, e.target_group.code) == (
            citizen_id,
            spell.start,
            spell.end,
            spell.end_reason,
            spell.target_group,
        )
        assert list(
            Assignment.objects.filter(enrolment=e)
            .order_by("start")
            .values_list("caseworker_id", "start", "end")
        ) == list(spell.assignments)
        assert list(
            Round.objects.filter(enrolment=e)
            .order_by("round_date")
            .values_list("round_date", "caseworker_id", "state", "team_id")
        ) == [(r.day, r.caseworker, "complete", world.team.pk) for r in spell.rounds]
        assert list(
            Outcome.objects.filter(enrolment=e).values_list(
                "citizen_id", "kind", "date"
            )
        ) == [(citizen_id, o.kind, o.day) for o in spell.outcomes]
        assert InterventionEpisode.objects.filter(enrolment=e).count() == len(
            spell.episodes
        )
    assert len(numbers) == 40
    assert (
        Citizen.objects.filter(pk__in=written.citizens).values("key").distinct().count()
        == 40
    )


@pytest.mark.django_db
def test_answers_read_back_as_given_and_a_draft_part_has_none(caseload):
    spells, written = caseload
    specs = [r for s in spells for r in s.rounds]
    assert any(r.cit is None for r in specs)
    assert any(isinstance(v, str) for r in specs for v in r.cw)  # missing reasons
    for round_id, spec in list(zip(written.rounds, specs, strict=True))[:120]:
        parts = {p.respondent: p for p in Response.objects.filter(round_id=round_id)}
        for respondent, values, indicators in (
            ("caseworker", spec.cw, F.CASEWORKER_INDICATORS),
            ("citizen", spec.cit, F.CITIZEN_INDICATORS),
        ):
            stored = {
                a.question.indicator: a.value or a.missing_reason
                for a in Answer.objects.filter(
                    response=parts[respondent]
                ).select_related("question")
            }
            if values is None:
                assert parts[respondent].state == "draft"
                assert stored == {}
            else:
                assert parts[respondent].state == "submitted"
                assert stored == dict(zip(indicators, values, strict=True))


@pytest.mark.django_db
def test_a_second_write_into_the_municipality_gets_new_numbers(world, caseworker):
    """The same birth dates twice: the numbers already in the municipality are
    skipped rather than handed out again."""
    for _ in range(2):
        write_spells(uniform_spells(n=30, caseworker=caseworker.pk), team=world.team)
    citizens = Citizen.objects.filter(municipality=world.municipality)
    assert citizens.count() == 60
    assert len({c.cpr_clear() for c in citizens}) == 60


@pytest.mark.django_db
def test_rows_made_afterwards_by_the_product_get_ids_of_their_own(world, caseworker):
    """The writer takes its ids from the tables' sequences, so the next citizen,
    spell and round made the ordinary way do not collide with them."""
    written = write_spells(
        uniform_spells(n=20, caseworker=caseworker.pk), team=world.team
    )
    person = CitizenFactory(team=world.team, caseworker=caseworker)
    rnd = make_round(person, date(2025, 3, 3))
    assert person.pk > max(written.citizens)
    assert person.enrolments.get().pk > max(written.enrolments)
    assert rnd.pk > max(written.rounds)
    assert Round.objects.filter(municipality=world.municipality).count() == 101


def _mix(groups: set[str]) -> str:
    if not groups:
        return "none"
    if groups == {"job_directed"}:
        return "job_only"
    return "job_parallel" if "job_directed" in groups else "other_only"


def test_the_demo_caseload_has_bip_shapes():
    """Quarterly rounds over 1 to 4 years, interventions in BIP's shares of quarters,
    a part of the citizens with a change of case worker or without their part, and
    jobs or education only after the last round and before today."""
    valid = date(2010, 1, 1)
    catalogue = Catalogue(
        {
            "job_directed": [(1, valid, None)],
            "health": [(2, valid, None)],
            "social": [(3, valid, None)],
            "upskilling": [(4, valid, None)],
        }
    )
    group_of = {1: "job_directed", 2: "health", 3: "social", 4: "upskilling"}
    spells = caseload_spells(
        random.Random(11),
        n=600,
        caseworkers=[1, 2, 3],
        today=TODAY,
        target_groups=["jobafklaring", "kontant_aktivitetsparat", "sygedagpenge"],
        catalogue=catalogue,
    )
    mixes = Counter()
    for s in spells:
        assert TODAY - timedelta(days=4 * 365) < s.start <= TODAY - timedelta(days=365)
        days = [r.day for r in s.rounds]
        assert days[0] - s.start < timedelta(days=20)
        assert all(80 <= (b - a).days <= 104 for a, b in itertools.pairwise(days))
        assert days[-1] <= TODAY
        windows: dict[date, set[str]] = {}
        for e in s.episodes:
            windows.setdefault(e.end + timedelta(days=25), set()).add(
                group_of[e.type_id]
            )
        for day in days[1:]:  # a baseline round has no quarter before it
            mixes[_mix(windows.get(day, set()))] += 1
        for o in s.outcomes:
            assert days[-1] < o.day <= TODAY
        if s.end is not None:
            assert s.end_reason in ("job", "education")
            assert s.assignments[-1][2] == s.end
    quarters = sum(mixes.values())
    for name, share in MIX_SHARES:
        assert mixes[name] / quarters == pytest.approx(share, abs=0.02), name
    rounds = [r for s in spells for r in s.rounds]
    assert sum(r.cit is None for r in rounds) / len(rounds) == pytest.approx(
        0.2, abs=0.02
    )
    changed = sum(len(s.assignments) == 2 for s in spells) / len(spells)
    assert changed == pytest.approx(0.25, abs=0.05)
    ended = sum(s.end is not None for s in spells) / len(spells)
    assert 0.05 < ended < 0.4
