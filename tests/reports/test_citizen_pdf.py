"""The citizen's summary PDF: what it says (read back from the PDF's text), in the
citizen's language; its chart drawn as vectors; who may print it (the citizen's
readers only: others get 403 or 404 and learn nothing); every print in the audit
log, never stored by the browser."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bip.audit.models import AuditEvent, AuditEventCitizen
from interventions.models import InterventionType
from interventions.services import catalogue_copy, episode_create
from measurements.models import AssociationSnapshot, ModelVersion
from tests.factories import CitizenFactory
from tests.measurements.helpers import local_version, make_round, only, run_scores

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def fixed_day():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2025, 6, 2, 10))):
        yield


@pytest.fixture
def person(world, caseworker, municipal_admin):
    """Two rounds: the case worker rates network and purposefulness 2 in the latest,
    the citizen rates everything 4; one current and one ended intervention; a local
    model with stored suggestions and the municipality's associations."""
    person = CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        name="Åse Ørnbøl",
        enrolment_start=date(2025, 1, 6),
    )
    make_round(person, date(2025, 1, 10))
    make_round(person, date(2025, 4, 10), cw=only(goal_directed=2, network=2), cit=4)
    catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin)
    types = list(
        InterventionType.objects.filter(municipality=world.municipality).order_by("pk")
    )
    episode_create(
        citizen=person,
        type=types[0],
        start=date(2025, 3, 1),
        end=None,
        provider="Virksomhed Ø",
        by=caseworker,
    )
    episode_create(
        citizen=person,
        type=types[1],
        start=date(2025, 1, 15),
        end=date(2025, 2, 15),
        by=caseworker,
    )
    version = local_version(world.municipality)
    ModelVersion.objects.filter(pk=version.pk).update(active=True)
    run_scores(world.municipality)
    AssociationSnapshot.objects.create(
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
    person.current_type, person.ended_type = types[0], types[1]
    return person


def url(citizen) -> str:
    return reverse("reports:citizen_summary", args=[citizen.pk])


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """The text on one line: a table's cells come out one per line."""
    return " ".join(text.split())


def summary_events(citizen):
    return AuditEvent.objects.filter(
        action="citizen.summary_pdf", object_id=str(citizen.pk)
    )


def test_the_summary_in_danish(client, caseworker, person):
    client.force_login(caseworker)
    r = client.get(url(person))
    assert r.status_code == HTTPStatus.OK
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;")
    assert "opsummering" in r["Content-Disposition"]
    assert "no-store" in r["Cache-Control"]
    text = flat(pdf_text(r.content))
    assert text.startswith("Opsummering for Åse Ørnbøl Dato: 02.06.2025")
    assert "Dato: 02.06.2025" in text
    assert "Side 1 af" in text
    assert "Udskrevet 02.06.2025" in text
    # both respondents' latest answers per indicator: you (4), your case worker
    assert "Dine svar og din sagsbehandlers svar, 10.04.2025" in text
    assert "Område Dig Din sagsbehandler" in text
    assert "Netværksstøtte 4,0 2,0" in text
    assert "Målrettethed 4,0 2,0" in text
    assert "Samarbejdsevne 4,0 3,0" in text
    # an indicator only the case worker rates: no answer from the citizen
    assert "Koncentrationsevne \u2013 3,0" in text
    # the chart over time, as there are two rounds
    assert "Dine svar over tid" in text
    # the current intervention, not the ended one
    assert str(person.current_type.label_da) in text
    assert "Virksomhed Ø" in text
    assert str(person.ended_type.label_da) not in text
    # what to work on, as the citizen page shows it, with the municipality's types
    assert "Det kan I arbejde med" in text
    assert (
        "Netværksstøtte: chancen for job eller uddannelse stiger med omkring 2,1 "
        "procentpoint, når både du og din sagsbehandler vurderer det et trin højere."
    ) in text
    assert "Virksomhedspraktik" in text
    # nothing of the English version
    assert "Summary for" not in text


def test_the_worklist_is_the_citizen_pages(client, caseworker, person):
    """The same areas in the same order as the citizen page lists."""
    client.force_login(caseworker)
    page = client.get(reverse("citizens:detail", args=[person.pk]))
    areas = [w.label for w in page.context["worklist"]]
    assert len(areas) >= 2
    text = flat(pdf_text(client.get(url(person)).content))
    positions = [text.index(f"{n}. {a}:") for n, a in enumerate(areas, start=1)]
    assert positions == sorted(positions)


def test_in_the_citizens_own_language(client, caseworker, person):
    person.preferred_language = "en"
    person.save(update_fields=["preferred_language"])
    client.force_login(caseworker)  # the user interface stays Danish
    r = client.get(url(person))
    text = flat(pdf_text(r.content))
    assert "Summary for Åse Ørnbøl" in text
    assert "Area You Your case worker" in text
    assert "Support from network 4.0 2.0" in text
    assert "What to work on" in text
    assert "Work practice" in text
    assert "Opsummering" not in text
    assert "summary-" in r["Content-Disposition"]


def test_without_rounds_or_interventions(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.get(url(citizen))
    assert r.status_code == HTTPStatus.OK
    text = pdf_text(r.content)
    assert "Anna Østergård" in text
    assert "Der er ingen afsluttede målinger endnu." in text
    assert "Du har ingen igangværende indsatser." in text
    assert "Det kan I arbejde med" not in text


def test_the_charts_are_vector_graphics(client, caseworker, person):
    client.force_login(caseworker)
    reader = PdfReader(BytesIO(client.get(url(person)).content))
    drawn = b""
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for name in xobjects:
            assert xobjects[name].get_object().get("/Subtype") != "/Image", name
        drawn += page.get_contents().get_data()
    assert b" re " in drawn or b" re\n" in drawn  # rectangles: the bars
    assert b" l " in drawn or b" l\n" in drawn  # line segments: axes and lines


def test_every_print_is_audited(client, caseworker, person):
    client.force_login(caseworker)
    client.get(url(person))
    event = summary_events(person).get()
    assert event.actor_id == caseworker.pk
    assert event.object_type == "citizen"
    assert event.purpose == "casework"
    touched = AuditEventCitizen.objects.filter(event_id=event.pk)
    assert list(touched.values_list("citizen_id", flat=True)) == [person.pk]


def test_the_citizen_page_offers_the_print(client, caseworker, person):
    client.force_login(caseworker)
    body = client.get(reverse("citizens:detail", args=[person.pk])).content.decode()
    assert f'href="{url(person)}"' in body
    assert "Udskriv opsummering (PDF)" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(reverse("citizens:detail", args=[person.pk])).content.decode()
    assert "Print summary (PDF)" in body


def test_anonymous_is_sent_to_log_in(client, person):
    r = client.get(url(person))
    assert r.status_code == HTTPStatus.FOUND
    assert r["Location"].startswith("/login/")
    assert not summary_events(person).exists()


def test_another_teams_case_worker_gets_404_and_nothing(
    client, other_team_caseworker, person
):
    client.force_login(other_team_caseworker)
    r = client.get(url(person))
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert person.name not in r.content.decode()
    assert r["Content-Type"].startswith("text/html")
    assert AuditEvent.objects.filter(
        actor_id=other_team_caseworker.pk,
        action="access.denied",
        object_id=str(person.pk),
    ).exists()
    assert not summary_events(person).exists()


def test_another_municipalitys_admin_gets_404(client, other_municipality_admin, person):
    client.force_login(other_municipality_admin)
    assert client.get(url(person)).status_code == HTTPStatus.NOT_FOUND
    assert not summary_events(person).exists()


def test_an_analyst_may_not_print_it(client, analyst, person):
    client.force_login(analyst)
    r = client.get(url(person))
    assert r.status_code == HTTPStatus.FORBIDDEN
    assert person.name not in r.content.decode()
    assert AuditEvent.objects.filter(
        actor_id=analyst.pk, action="access.denied"
    ).exists()
    assert not summary_events(person).exists()


def test_a_citizen_that_does_not_exist(client, caseworker, person):
    client.force_login(caseworker)
    r = client.get(reverse("reports:citizen_summary", args=[99999999]))
    assert r.status_code == HTTPStatus.NOT_FOUND
    assert not AuditEvent.objects.filter(action="citizen.summary_pdf").exists()


def test_a_teammate_and_the_team_leader_may_print_it(
    client, teammate, team_leader, person
):
    for user in (teammate, team_leader):
        client.force_login(user)
        assert client.get(url(person)).status_code == HTTPStatus.OK
    assert summary_events(person).count() == 2
