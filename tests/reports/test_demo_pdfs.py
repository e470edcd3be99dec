"""In the demo, a team leader prints the quarterly report from the job centre's
dashboard and a case worker prints a citizen's summary from the citizen's page."""

from __future__ import annotations

import re
from http import HTTPStatus
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from bip.accounts.models import User
from citizens.models import Citizen
from reports.demo import dashboards_demo, load_demo, score_demo

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


def text_of(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_the_demos_team_leader_and_case_worker_print_their_pdfs(client):
    load_demo(citizens_per_team=6, cohort_citizens=0)
    score_demo()
    assert dashboards_demo() >= 1

    client.force_login(User.objects.get(username="teamleder1"))
    html = client.get(reverse("reports:dashboard"), follow=True).content.decode()
    link = re.search(
        r'href="(/reports/dashboard/unit/\d+/report\.pdf\?quarter=[^"]+)"', html
    )
    assert link, "no quarterly report on the team leader's dashboard"
    r = client.get(link[1].replace("&amp;", "&"))
    assert r.status_code == HTTPStatus.OK
    text = text_of(r.content)
    assert text.startswith("Kvartalsrapport for")
    assert "Tal pr." in text

    worker = User.objects.get(username="sagsbehandler1")
    citizen = Citizen.objects.filter(caseworker=worker).order_by("pk").first()
    client.force_login(worker)
    page = client.get(reverse("citizens:detail", args=[citizen.pk])).content.decode()
    summary = reverse("reports:citizen_summary", args=[citizen.pk])
    assert f'href="{summary}"' in page
    r = client.get(summary)
    assert r.status_code == HTTPStatus.OK
    text = text_of(r.content)
    assert citizen.name in text
    assert "Dine svar og din sagsbehandlers svar" in text
