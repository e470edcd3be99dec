"""Danish first, English complete: compiled catalogues are fresh, every Danish message
is translated, and every page renders in both languages without leftovers."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.urls import reverse

from tests.test_access_probe import OBJECT_ROUTES, POST_BODIES, routes, url_for

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("da", "en")
# Words spelt the same in Danish and English (or names of products and languages).
SAME_WORDS = set(
    [
        "bip",
        "redis",
        "status",
        "system",
        "team",
        "teams",
        "administration",
        "django",
        "admin",
        "dansk",
        "english",
        "beat",
        "for",
        "job",
        "navn",
        "cpr",
        "xxxx",
        "log",
        "menu",
        "progression",
        "relevant",
        "interval",
        "link",
        "version",
        "social",
        "start",
        "note",
        "csv",
        "xlsx",
        "zip",
        "spss",
        "sav",
        "stata",
        "dta",
        "pdf",
        "import",
        "utf",
        "windows",
        "excel",
        "format",
        "model",
        "data",
        "parameter",
        "brier",
        "score",
        "find",
        "upload",
        "integration",
        "api",
        # the HTTP header an integration sends its token in
        "authorization",
        "bearer",
    ]
)
WORD = re.compile(r"[A-Za-zÆØÅæøåÉé]{3,}")


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_fresh(locale):
    folder = ROOT / "locale" / locale / "LC_MESSAGES"
    with open(folder / "django.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    fresh = gettext.GNUTranslations(BytesIO(buffer.getvalue()))._catalog
    with open(folder / "django.mo", "rb") as fh:
        committed = gettext.GNUTranslations(fh)._catalog

    def messages(catalogue: dict) -> dict:  # the header carries dates: not a message
        return {k: v for k, v in catalogue.items() if k != "" and v}

    assert messages(fresh) == messages(committed), "run compilemessages, commit the .mo"
    assert len(messages(committed)) > (100 if locale == "da" else -1)


def test_every_danish_message_is_translated():
    with open(ROOT / "locale" / "da" / "LC_MESSAGES" / "django.po", "rb") as fh:
        catalog = read_po(fh, locale="da")
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if m.pluralizable else m.string))
    ]
    assert missing == []


class TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.parts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = TextOf()
    parser.feed(html)
    return parser.parts


def data_words() -> set[str]:
    """Words that come from data (names of people, teams, units), not from the UI."""
    from bip.accounts.models import Municipality, Team, Unit, User
    from citizens.models import Citizen

    texts: list[str] = []
    for user in User.objects.all():
        texts += [user.username, user.get_full_name()]
    texts += list(Team.objects.values_list("name", flat=True))
    texts += list(Unit.objects.values_list("name", flat=True))
    texts += list(Municipality.objects.values_list("name", flat=True))
    texts += list(Municipality.objects.values_list("unit_label", flat=True))
    texts += list(Citizen.objects.values_list("name", flat=True))
    from citizens.models import TargetGroup
    from measurements.models import QuestionText

    texts += list(TargetGroup.objects.values_list("label_da", flat=True))
    texts += list(TargetGroup.objects.values_list("label_en", flat=True))
    # questionnaire texts are data, kept per language in the database
    from measurements.models import InstrumentVersion, Question

    texts += list(InstrumentVersion.objects.values_list("note", flat=True))

    texts += list(Question.objects.values_list("code", flat=True))
    from bip.imports.models import ImportBatch
    from interventions.models import InterventionType

    texts += list(ImportBatch.objects.values_list("original_name", flat=True))
    from bip.accounts.models import ApiToken

    texts += list(ApiToken.objects.values_list("token_key", flat=True))
    from reports.models import Export

    texts += list(Export.objects.values_list("purpose_note", flat=True))
    from bip.imports.formats import all_formats

    texts += [c.name for f in all_formats() for c in f.columns]

    for t in InterventionType.objects.values_list("label_da", "label_en", "code"):
        texts += list(t)
    for t in QuestionText.objects.values_list("text", "low_label", "high_label"):
        texts += list(t)
    return {w.lower() for t in texts for w in WORD.findall(t)}


def words(parts: list[str]) -> set[str]:
    return {w.lower() for part in parts for w in WORD.findall(part)}


VIEWERS = ("caseworker", "team_leader", "municipal_admin", "analyst", "system_admin")
# Routes that are not HTML pages, with the status every viewer gets or may get.
NOT_PAGES = {
    "home": {302},  # sends each role to its start page
    "accounts:keepalive": {405},  # POST only
    "reports:associations_compute": {403, 405},  # POST only
    "reports:dashboard_refresh": {403, 405},  # POST only
    "measurements:correct": {302, 404},  # the round is not locked yet: to the round
    "imports:report": {200, 403},  # a CSV file
    "jobs:status": {200, 404},  # JSON
    "reports:export_download": {403, 404},  # a file; the probe's is not written yet
    "reports:citizen_summary": {200, 403, 404},  # a PDF file
    "reports:unit_report": {200, 403, 404},  # a PDF file
}


@pytest.mark.django_db
def test_pages_render_in_both_languages_without_leftovers(
    client, request, owned_objects
):
    """Every page renders in both languages for a user who may see it, with the same
    status in both; other users get 403 or 404 in both, never a skip."""
    objects = owned_objects
    problems = []
    readers: dict[str, list[str]] = {}
    for viewer in VIEWERS:
        client.force_login(request.getfixturevalue(viewer))
        for name, args in routes():
            if (
                name.startswith("api")
                or name in POST_BODIES
                or name in ("schema", "api-docs", "api-redoc")
            ):
                continue
            url = url_for(name, args, objects)
            pages, statuses = {}, {}
            for language in LOCALES:
                client.post(
                    reverse("set_language"), {"language": language, "next": "/"}
                )
                response = client.get(url)
                statuses[language] = response.status_code
                if response.status_code == 200 and name not in NOT_PAGES:
                    assert "text/html" in response["Content-Type"], name
                    pages[language] = response.content.decode()
            if statuses["da"] != statuses["en"]:
                problems.append(f"{name} as {viewer}: {statuses} differ by language")
            allowed = NOT_PAGES.get(name, {200, 403, 404})
            if not set(statuses.values()) <= allowed:
                problems.append(f"{name} as {viewer}: {statuses}, expected {allowed}")
            if len(pages) < 2:
                continue
            readers.setdefault(name, []).append(viewer)
            for language, html in pages.items():
                # code only from files; JSON data blocks (json_script) are not run
                if re.search(
                    r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', html
                ):
                    problems.append(f"{name} ({language}): inline script")
                if re.search(r"\sstyle=\"", html):
                    problems.append(f"{name} ({language}): inline style")
            shared = words(visible_text(pages["da"])) & words(visible_text(pages["en"]))
            leftovers = sorted(shared - data_words() - SAME_WORDS)
            if leftovers:
                problems.append(f"{name}: same in Danish and English: {leftovers}")
    pages_expected = {
        name
        for name, _ in routes()
        if not name.startswith("api")
        and name not in POST_BODIES
        and name not in ("schema", "api-docs", "api-redoc")
        and name not in NOT_PAGES
    }
    unread = sorted(pages_expected - set(readers))
    assert unread == [], "pages no viewer could render in both languages"
    assert problems == []


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy(client, caseworker):
    client.force_login(caseworker)
    for url in ("/login/", "/citizens/"):
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy


__all__ = ["OBJECT_ROUTES"]
