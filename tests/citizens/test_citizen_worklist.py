"""The citizen page reads what to work on as the recompute job stored it: no parameter
draws, no panel, the same number of queries however many rounds the municipality
has; while the recompute under the active model is pending it says the suggestions
are being computed; the intervention types come from the latest associations."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from http import HTTPStatus
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bip.jobs.services import job_run
from measurements.models import AssociationSnapshot, ModelVersion, Score, SpellScoring
from measurements.scoring.recompute import scores_sweep
from tests.factories import CitizenFactory
from tests.measurements.helpers import (
    bulk_spells,
    local_version,
    make_round,
    only,
    run_scores,
)

pytestmark = pytest.mark.django_db

PENDING = "Forslagene beregnes under den aktive model."


@pytest.fixture
def person(world, caseworker):
    person = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2025, 1, 6)
    )
    make_round(person, date(2025, 1, 10))
    make_round(person, date(2025, 4, 10), cw=only(goal_directed=2, network=2))
    return person


@pytest.fixture
def local(world):
    version = local_version(world.municipality)
    ModelVersion.objects.filter(pk=version.pk).update(active=True)
    return version


@contextmanager
def nothing_computed():
    """A parameter draw, a ranking, a panel or a chunk computed inside fails."""
    forbidden = mock.Mock(side_effect=AssertionError("computed in the request"))
    with (
        mock.patch("measurements.scoring.worklist.draw_parameters", forbidden),
        mock.patch("measurements.scoring.worklist.rank", forbidden),
        mock.patch("measurements.scoring.recompute.compute_chunk", forbidden),
        mock.patch("measurements.scoring.panel.features", forbidden),
        mock.patch("measurements.scoring.panel.build_panel", forbidden),
    ):
        yield
    forbidden.assert_not_called()


def get_page(client, person):
    with nothing_computed(), CaptureQueriesContext(connection) as queries:
        r = client.get(f"/citizens/{person.pk}/")
    assert r.status_code == HTTPStatus.OK
    return r, len(queries.captured_queries)


def snapshot(world, version):
    return AssociationSnapshot.objects.create(
        municipality=world.municipality,
        model_version=version,
        computed_at=timezone.now(),
        data={
            "labels": {"praktik": {"da": "Virksomhedspraktik", "en": "Work practice"}},
            "by_indicator": {
                "network": [
                    {
                        "code": "praktik",
                        "n": 80,
                        "citizens": 40,
                        "estimate": 0.4,
                        "low": 0.1,
                        "high": 0.7,
                        "low_adj": 0.05,
                        "high_adj": 0.75,
                    }
                ]
            },
        },
    )


def test_the_page_shows_the_stored_suggestions(
    client, caseworker, world, person, local
):
    run_scores(world.municipality)
    snapshot(world, local)
    client.force_login(caseworker)
    r, _n = get_page(client, person)
    latest = person.enrolments.get().rounds.latest("round_date")
    stored = Score.objects.get(round=latest, model_version=local).worklist["items"]
    work = r.context["worklist"]
    assert [(w.indicator, w.gain) for w in work] == [
        (i["indicator"], i["gain"]) for i in stored
    ]
    assert {"goal_directed", "network"} <= {w.indicator for w in work}
    body = r.content.decode()
    assert "Netværksstøtte" in body
    assert "Virksomhedspraktik" in body  # from the associations, read when shown
    assert PENDING not in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r, _n = get_page(client, person)
    assert "Work practice" in r.content.decode()


def test_queries_do_not_grow_with_the_municipalitys_rounds(
    client, caseworker, world, person, local
):
    bulk_spells(world.other_team, caseworker, spells=2, per_spell=4)
    run_scores(world.municipality)
    snapshot(world, local)
    client.force_login(caseworker)
    r, few = get_page(client, person)
    assert Score.objects.filter(model_version=local).count() == 10
    shown = [w.indicator for w in r.context["worklist"]]
    bulk_spells(world.other_team, caseworker, spells=38, per_spell=5)
    run_scores(world.municipality)
    assert Score.objects.filter(model_version=local).count() == 200
    r, many = get_page(client, person)
    assert many == few
    assert [w.indicator for w in r.context["worklist"]] == shown


def test_while_the_recompute_is_pending_the_page_says_so(
    client, caseworker, world, person
):
    run_scores(world.municipality)  # under the reference model
    version = local_version(world.municipality)
    ModelVersion.objects.filter(pk=version.pk).update(active=True)  # not run yet
    client.force_login(caseworker)
    r, _n = get_page(client, person)
    work = r.context["worklist"]
    assert list(work) == []
    assert work.pending
    body = r.content.decode()
    assert PENDING in body
    assert "Ingen indikator kommer i betragtning" not in body
    run_scores(world.municipality)
    r, _n = get_page(client, person)
    assert r.context["worklist"]
    assert PENDING not in r.content.decode()


def test_a_round_scored_before_worklists_existed_waits_for_the_sweep(
    client, caseworker, world, person
):
    run_scores(world.municipality)
    # as stored before worklists were, and before the spells' change markers
    Score.objects.update(worklist=None)
    SpellScoring.objects.all().delete()
    client.force_login(caseworker)
    r, _n = get_page(client, person)
    assert r.context["worklist"].pending
    job_run(job_id=scores_sweep()[0].pk)
    r, _n = get_page(client, person)
    assert r.context["worklist"]


def test_an_outsider_gets_404_and_no_suggestions(
    client, other_team_caseworker, world, person
):
    run_scores(world.municipality)
    client.force_login(other_team_caseworker)
    r = client.get(f"/citizens/{person.pk}/")
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert "worklist-heading" not in r.content.decode()
