"""Exports in the browser: an admin requests an SPSS export, watches the progress bar
and downloads the file; an analyst downloads a pseudonymised CSV. axe-core on each
page."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

import pytest

from bip.jobs.services import job_run
from citizens.models import Citizen
from reports.demo import DEMO_PASSWORD, load_demo
from reports.models import Export
from tests.browser.conftest import login, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(180),
]


def request_export(page, live_server, **choices):
    page.goto(f"{live_server.url}/reports/exports/")
    assert serious_violations(page) == []
    for name, value in choices.items():
        if value is True:
            page.check(f"input[name={name}]")
        elif name in ("layout", "format", "purpose"):
            page.select_option(f"select[name={name}]", value)
        else:
            page.fill(f"input[name={name}]", value)
    with page.expect_navigation():
        page.get_by_role("button", name="Start udtrækket").click()


def test_admin_and_analyst_download_their_exports(live_server, page):
    load_demo(citizens_per_team=2)
    names = list(Citizen.objects.values_list("name", flat=True))
    # jobs wait in the table (no broker in this test); the test runs them itself
    with mock.patch("bip.jobs.services._send"):
        login(page, live_server, "admin", DEMO_PASSWORD)
        request_export(
            page,
            live_server,
            format="sav",
            identified=True,
            purpose="administration",
            purpose_note="Afstemning med fagsystemet",
        )
        assert page.locator(".job-progress progress").is_visible()
        assert page.locator("[data-job-state]").inner_text() == "Venter"
        assert serious_violations(page) == []
        export = Export.objects.latest("pk")
        job_run(job_id=export.job_id)
        link = page.get_by_role("link", name="Færdig")
        link.wait_for()  # the bar polled the job and shows the link
        with page.expect_download() as download:
            link.click()
        with zipfile.ZipFile(download.value.path()) as zf:
            files = zf.namelist()
            assert any(n.endswith(".sav") for n in files)
            assert any(n.endswith("-codebook.csv") for n in files)
        page.goto(f"{live_server.url}/reports/exports/")
        assert serious_violations(page) == []

        page.context.clear_cookies()
        login(page, live_server, "analytiker", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/reports/exports/")
        assert page.locator("input[name=identified]").count() == 0  # not offered
        request_export(page, live_server, format="csv")
        export = Export.objects.latest("pk")
        assert export.pseudonymised
        job_run(job_id=export.job_id)
        link = page.get_by_role("link", name="Færdig")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        content = download.value.path().read_bytes()
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            text = b"".join(zf.read(n) for n in zf.namelist()).decode("utf-8-sig")
        assert text.splitlines()[0].startswith("pid;")
        assert not [n for n in names if n in text]
        assert serious_violations(page) == []
    assert page.console_errors == []
