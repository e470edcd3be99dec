"""Scores where the case worker works: the caseload's probability and class, the
citizen page's probability over time, what moved it, progression per indicator and
what to work on; a spell that ended in a job reads "in job since"."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interventions.services import outcome_record
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, only, run_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world, caseworker):
    person = CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        enrolment_start=date(2025, 1, 6),
        name="Bent Ærø",
    )
    make_round(person, date(2025, 1, 10))
    make_round(person, date(2025, 4, 10), cw=only(cw_job_belief=4))
    run_scores(world.municipality)
    return person


def test_citizen_page_shows_probability_progression_and_what_to_work_on(
    client, caseworker, scored
):
    client.force_login(caseworker)
    r = client.get(f"/citizens/{scored.pk}/")
    assert r.status_code == HTTPStatus.OK
    body = r.content.decode()
    assert "Jobsandsynlighed og progression" in body
    scores = r.context["scores"]
    assert [p["klass"] for p in scores["series"]] == ["", "progress"]
    assert scores["latest"].klass == "progress"
    assert scores["moved"][0]["steps"] == 1.0
    assert "Sagsbehandlerens tro på, at borgeren får et job (sagsbehandler)" in body
    assert "Referencemodel" in body  # the model's kind is named
    assert "data-probability" in body
    work = r.context["worklist"]
    assert work
    assert {w.indicator for w in work}.isdisjoint({"cw_job_belief"})
    assert "Det kan I arbejde med" in body
    assert "Kendskab til arbejdsmarkedet" in body


def test_no_score_before_the_case_workers_part(client, caseworker, world):
    person = CitizenFactory(team=world.team, caseworker=caseworker)
    client.force_login(caseworker)
    r = client.get(f"/citizens/{person.pk}/")
    assert r.status_code == HTTPStatus.OK
    assert r.context["scores"]["latest"] is None
    assert r.context["worklist"] == []


def test_in_job_since_and_old_scores_unchanged(client, caseworker, scored):
    from measurements.models import Score

    before = list(Score.objects.values_list("pk", "p12"))
    outcome_record(citizen=scored, kind="job", day=date(2025, 6, 1), by=caseworker)
    client.force_login(caseworker)
    r = client.get(f"/citizens/{scored.pk}/")
    body = r.content.decode()
    assert "I job siden 01.06.2025" in body
    assert r.context["worklist"] == []
    assert list(Score.objects.values_list("pk", "p12")) == before
    r = client.get("/citizens/?view=mine")
    assert "I job siden 01.06.2025" in r.content.decode()


def test_caseload_shows_probability_and_class(client, caseworker, scored):
    client.force_login(caseworker)
    r = client.get("/citizens/?view=mine")
    assert r.status_code == HTTPStatus.OK
    row = next(x for x in r.context["rows"] if x["citizen"].pk == scored.pk)
    assert row["citizen"].klass == "progress"
    assert 0.05 < row["citizen"].p12 < 0.2
    body = r.content.decode()
    assert "Fremgang" in body


def page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rounds_or_citizens(client, caseworker, world):
    small = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2023, 1, 2)
    )
    large = CitizenFactory(
        team=world.team, caseworker=caseworker, enrolment_start=date(2023, 1, 2)
    )
    for k in range(2):
        make_round(small, date(2023, 1, 10 + k))
    for k in range(8):
        make_round(large, date(2023, 1 + k, 10), cw=only(goal_directed=1 + k % 5))
    run_scores(world.municipality)
    client.force_login(caseworker)
    assert page_queries(client, f"/citizens/{small.pk}/") == page_queries(
        client, f"/citizens/{large.pk}/"
    )
    few = page_queries(client, "/citizens/?view=mine")
    for _ in range(20):
        person = CitizenFactory(team=world.team, caseworker=caseworker)
        make_round(person, date(2025, 3, 1))
    run_scores(world.municipality)
    assert page_queries(client, "/citizens/?view=mine") == few


def test_first_round_of_a_new_spell_compares_with_nothing(
    client, caseworker, scored, world
):
    from citizens.models import TargetGroup
    from citizens.services import enrolment_create

    outcome_record(citizen=scored, kind="job", day=date(2025, 6, 1), by=caseworker)
    enrolment_create(
        citizen=scored,
        by=caseworker,
        team=world.team,
        caseworker=caseworker,
        target_group=TargetGroup.objects.get(code="kontant_aktivitetsparat"),
        start=date(2025, 9, 1),
    )
    make_round(scored, date(2025, 9, 10), cw=only(cw_job_belief=5))
    run_scores(world.municipality)
    client.force_login(caseworker)
    r = client.get(f"/citizens/{scored.pk}/")
    assert r.context["scores"]["first_of_spell"]
    assert "Det er den første måling i det nuværende forløb." in r.content.decode()
    assert r.context["scores"]["latest"].klass == ""


def test_caseload_shows_the_previous_models_score_while_recomputing(
    client, caseworker, scored, world
):
    from measurements.models import ModelVersion

    ModelVersion.objects.create(
        municipality=world.municipality, kind="local", active=True, coefficients={}
    )  # activated, its recompute not run yet
    client.force_login(caseworker)
    r = client.get("/citizens/?view=mine")
    row = next(x for x in r.context["rows"] if x["citizen"].pk == scored.pk)
    assert row["citizen"].p12 is not None
    assert row["pending"]
    assert "beregnes" in r.content.decode()


def test_an_indicators_score_is_the_mean_of_its_answered_current_questions(
    client, caseworker, world
):
    from django.utils import timezone

    from measurements.models import Answer, InstrumentVersion, Question

    # a version where two indicators have a second question each
    version = InstrumentVersion.objects.get(municipality__isnull=True)
    for respondent, indicator in (
        ("caseworker", "cw_job_belief"),
        ("citizen", "self_efficacy"),
    ):
        Question.objects.create(
            version=version,
            code=f"{indicator}_2",
            indicator=indicator,
            respondent=respondent,
            order=99,
        )
    person = CitizenFactory(team=world.team, caseworker=caseworker)
    rnd = make_round(person, date(2025, 1, 10), cw=3, cit=3)
    answers = Answer.objects.filter(response__round=rnd)
    first, second = answers.filter(
        question__indicator="cw_job_belief", response__respondent="caseworker"
    )
    # the answer in force is 5; its corrected revision (1) no longer counts
    Answer.objects.filter(pk=first.pk).update(value=1, superseded_at=timezone.now())
    Answer.objects.create(response=first.response, question=first.question, value=5)
    Answer.objects.filter(pk=second.pk).update(value=2)
    # an unanswered question counts for nothing
    answered, unanswered = answers.filter(
        question__indicator="self_efficacy", response__respondent="citizen"
    )
    Answer.objects.filter(pk=answered.pk).update(value=4)
    Answer.objects.filter(pk=unanswered.pk).update(
        value=None, missing_reason="dont_know"
    )
    client.force_login(caseworker)
    r = client.get(f"/citizens/{person.pk}/")
    assert r.status_code == HTTPStatus.OK
    shown = {i["code"]: i for i in r.context["chart"]["indicators"]}
    assert shown["cw_job_belief"]["caseworker"] == [3.5]
    assert shown["self_efficacy"]["citizen"] == [4]
    assert shown["goal_directed"]["citizen"] == [3]
