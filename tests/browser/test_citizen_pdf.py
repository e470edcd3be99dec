"""A case worker opens a citizen's page, prints the summary with the page's button,
and the PDF arrives as a download whose text names the citizen, the areas, both
respondents' answers and the current intervention. axe-core finds no serious or
critical violation on the page with the button."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from interventions.models import InterventionType
from interventions.services import catalogue_copy, episode_create
from tests.browser.conftest import login, serious_violations
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, only

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(90),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"


def test_case_worker_prints_a_citizens_summary(
    live_server, page, caseworker, municipal_admin, world
):
    person = CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        enrolment_start=date(2025, 1, 6),
        name="Bjørn Ærø",
    )
    make_round(person, date(2025, 1, 10))
    make_round(person, date(2025, 4, 10), cw=only(contact=5), cit=2)
    catalogue_copy(municipality_id=world.municipality.pk, by=municipal_admin)
    kind = InterventionType.objects.filter(municipality=world.municipality).first()
    episode_create(
        citizen=person, type=kind, start=date(2025, 3, 1), end=None, by=caseworker
    )

    login(page, live_server, "caseworker", PASSWORD)
    page.goto(f"{live_server.url}/citizens/{person.pk}/")
    button = page.get_by_role("link", name="Udskriv opsummering (PDF)")
    assert button.is_visible()
    assert serious_violations(page) == []

    with page.expect_download() as caught:
        button.click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename.startswith(f"opsummering-{person.pk}-")
    assert download.suggested_filename.endswith(".pdf")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    reader = PdfReader(BytesIO(content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert text.startswith("Opsummering for Bjørn Ærø")
    assert "Område Dig Din sagsbehandler" in text
    assert "Kontaktevne 2,0 5,0" in text  # the citizen's 2, the case worker's 5
    assert "Netværksstøtte 2,0 3,0" in text
    assert "Dine svar over tid" in text
    assert kind.label_da in text
    assert page.url.endswith(f"/citizens/{person.pk}/")  # the page stays put
    assert page.console_errors == []
