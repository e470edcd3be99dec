"""An import in the browser: upload, the progress bar while the check runs, the per-row
report and its download, then saving with progress. axe-core on the import pages."""

from __future__ import annotations

from unittest import mock

import pytest

from bip.imports.models import ImportBatch
from bip.jobs.services import job_run
from interventions.models import Outcome
from reports.demo import DEMO_PASSWORD, load_demo
from tests.browser.conftest import login, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_dry_run_report_download_and_commit(live_server, page, tmp_path):
    load_demo(citizens_per_team=2)
    from citizens.models import Citizen

    citizen = Citizen.objects.filter(team__name="Team Ung").first()
    cpr = citizen.cpr_clear()
    bad = tmp_path / "udtraek.csv"
    bad.write_text(
        f"cpr;udfald;dato\n{cpr};uddannelse;01-03-2026\n{cpr};forfremmet;01-04-2026\n",
        encoding="utf-8",
    )
    good = tmp_path / "udtraek-rettet.csv"
    good.write_text(f"cpr;udfald;dato\n{cpr};uddannelse;01-03-2026\n", encoding="utf-8")

    login(page, live_server, "admin", DEMO_PASSWORD)
    # jobs wait in the table (no broker in this test); the test runs them itself
    with mock.patch("bip.jobs.services._send"):
        page.goto(f"{live_server.url}/imports/new/outcomes/")
        assert serious_violations(page) == []
        page.set_input_files("input[type=file]", str(bad))
        page.fill("input[name=outcomes_known_until]", "2026-10-31")
        with page.expect_navigation():
            page.get_by_role("button", name="Upload og tjek").click()
        assert page.locator(".job-progress progress").is_visible()
        assert page.locator("[data-job-state]").inner_text() in ("Venter", "I gang")
        batch = ImportBatch.objects.latest("pk")
        job_run(job_id=batch.parse_job_id)
        page.wait_for_selector(
            "text=Resultat af tjekket"
        )  # the bar reloads the page when done
        assert serious_violations(page) == []
        assert "forfremmet" in page.locator("table").last.inner_text()
        assert page.get_by_role("button", name="Gem").count() == 0
        with page.expect_download() as download:
            page.get_by_role("link", name="Hent rapporten (CSV)").click()
        report = download.value.path().read_text(encoding="utf-8-sig")
        assert "Ukendt udfald forfremmet" in report
        assert cpr not in report
        assert cpr.replace("-", "") not in report

        page.goto(f"{live_server.url}/imports/new/outcomes/")
        page.set_input_files("input[type=file]", str(good))
        page.fill("input[name=outcomes_known_until]", "2026-10-31")
        with page.expect_navigation():
            page.get_by_role("button", name="Upload og tjek").click()
        batch = ImportBatch.objects.latest("pk")
        job_run(job_id=batch.parse_job_id)
        page.wait_for_selector("text=Resultat af tjekket")
        with page.expect_navigation():
            page.get_by_role("button", name="Gem 1 ny række").click()
        assert page.locator(".job-progress progress").is_visible()
        batch.refresh_from_db()
        job_run(job_id=batch.commit_job_id)
        page.wait_for_selector("text=Gemt")
    assert (
        Outcome.objects.filter(
            citizen=citizen, kind="education", source="import"
        ).count()
        == 1
    )
    assert page.console_errors == []
