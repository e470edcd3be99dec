"""A case worker opens the caseload and a citizen with scores: the probability and
class in the list, the probability over time as a chart and as a table, what moved
it, and what to work on. An admin opens the associations page. axe-core finds no
serious or critical violations on any of them."""

from __future__ import annotations

from datetime import date

import pytest

from measurements.scoring.associations import associations_request
from tests.browser.conftest import login, serious_violations
from tests.factories import CitizenFactory
from tests.measurements.helpers import make_round, only, run_scores

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"
# What only a drawn chart has: its Chart.js instance's points and painted pixels.
DRAWN = """canvas => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext("2d")
    .getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return {painted, points: chart ? chart.data.datasets[0].data.map(p => p.y) : []};
}"""


def test_case_worker_sees_probability_trend_and_what_to_work_on(
    live_server, page, caseworker, municipal_admin, world
):
    person = CitizenFactory(
        team=world.team,
        caseworker=caseworker,
        enrolment_start=date(2025, 1, 6),
        name="Karen Ølgaard",
    )
    make_round(person, date(2025, 1, 10), cw=only(cw_job_belief=2))
    make_round(person, date(2025, 4, 10), cw=only(cw_job_belief=3, goal_directed=4))
    make_round(person, date(2025, 7, 10), cw=only(cw_job_belief=4, goal_directed=4))
    run_scores(world.municipality)
    from django.db import transaction

    from bip.jobs.services import job_run

    with transaction.atomic():
        job = associations_request(municipality_id=world.municipality.pk)
    job_run(job_id=job.pk)

    login(page, live_server, "caseworker", PASSWORD)
    page.goto(f"{live_server.url}/citizens/")
    row = page.locator("tr", has_text="Karen Ølgaard")
    assert "%" in row.inner_text()
    assert row.get_by_text("Fremgang").is_visible()
    assert serious_violations(page) == []

    row.get_by_role("link", name="Karen Ølgaard").click()
    page.wait_for_url(f"**/citizens/{person.pk}/")
    assert page.get_by_role(
        "heading", name="Jobsandsynlighed og progression"
    ).is_visible()
    assert (
        page.locator("[data-p12]").inner_text().strip().endswith("inden for 12 måneder")
    )
    chart = page.locator("canvas[data-probability]")
    assert chart.is_visible()
    drawn = chart.evaluate(DRAWN)
    # an undrawn canvas has the same size but no Chart.js instance and no paint
    assert drawn["painted"] > 500, drawn
    page.get_by_text("Vis som tabel").first.click()
    table = page.locator("#p12-table tbody tr")
    assert table.count() == 3
    shown = [
        float(c.split()[0].replace(",", "."))
        for c in table.locator("td:nth-child(2)").all_inner_texts()
    ]
    assert drawn["points"] == pytest.approx(shown, abs=0.051)  # the table rounds
    assert "Fremgang" in table.nth(2).inner_text()
    moved = page.get_by_role(
        "heading", name="Det har flyttet sandsynligheden siden forrige måling"
    )
    assert moved.is_visible()
    work = page.locator("section[aria-labelledby=worklist-heading] ol > li")
    assert work.count() >= 1
    assert "procentpoint" in work.first.inner_text()
    assert (
        "Sagsbehandlerens tro"
        not in page.locator("section[aria-labelledby=worklist-heading]").inner_text()
    )
    assert serious_violations(page) == []
    assert page.console_errors == []

    page.get_by_role("button", name="Log ud").click()
    login(page, live_server, "municipal_admin", PASSWORD)
    page.goto(f"{live_server.url}/reports/associations/")
    assert page.get_by_role("heading", name="Progression og indsatser").is_visible()
    assert page.get_by_role(
        "heading", name="Efter sammensætning af indsatser"
    ).is_visible()
    assert serious_violations(page) == []
    assert page.console_errors == []
