"""GET each demo role's main pages on the SQLite demo database; exit 1 on a failure."""

from __future__ import annotations

import sys

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bip.accounts.models import User  # noqa: E402

setup_test_environment()
settings.ALLOWED_HOSTS = ["testserver"]
settings.STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    sys.exit("the demo smoke test runs on SQLite")

PAGES = {
    "sagsbehandler1": ["/", "/citizens/", "/citizens/?view=team"],
    "teamleder1": [
        "/",
        "/reports/team/",
        "/citizens/?view=team",
        "/reports/associations/",
    ],
    "admin": ["/", "/municipality/", "/audit/", "/reports/statistics/", "/models/"],
    "analytiker": ["/", "/reports/statistics/", "/reports/associations/"],
    "systemadmin": ["/", "/system/", "/django-admin/"],
    "fjordby-admin": ["/", "/municipality/"],
}
failures = []
for username, urls in PAGES.items():
    client = Client()
    client.force_login(User.objects.get(username=username))
    for url in urls:
        response = client.get(url, follow=True)
        ok = response.status_code == 200
        print(
            f"  {'ok ' if ok else 'FAIL'} {response.status_code} {username:<16} {url}"
        )
        if not ok:
            failures.append((username, url, response.status_code))
# Isolation: the small municipality's admin never sees the large one's organisation.
client = Client()
client.force_login(User.objects.get(username="fjordby-admin"))
body = client.get("/municipality/").content.decode()
isolated = "Bækkelund" not in body and "Fjordby" in body
print(f"  {'ok ' if isolated else 'FAIL'} fjordby-admin sees only Fjordby")
if not isolated:
    failures.append(("fjordby-admin", "/municipality/", "sees another municipality"))
# Every complete round has a current score of the active model (scored at load).
from django.db.models import Exists, OuterRef  # noqa: E402

from measurements.models import Round, Score  # noqa: E402
from measurements.scoring.versions import active_model  # noqa: E402

unscored = 0
for municipality_id in set(Round.objects.values_list("municipality_id", flat=True)):
    current = Score.objects.filter(
        round=OuterRef("pk"),
        superseded_at__isnull=True,
        model_version=active_model(municipality_id=municipality_id),
    )
    unscored += (
        Round.objects.filter(municipality_id=municipality_id, state="complete")
        .filter(~Exists(current))
        .count()
    )
print(
    f"  {'ok ' if unscored == 0 else 'FAIL'} complete rounds without a score: {unscored}"
)
if unscored:
    failures.append(("demo", "scores", unscored))
# A citizen page with scores renders its probability and what to work on.
client = Client()
client.force_login(User.objects.get(username="sagsbehandler1"))
scored = Score.objects.filter(
    round__caseworker__username="sagsbehandler1", round__enrolment__end__isnull=True
).first()
if scored is not None:
    page = client.get(
        f"/citizens/{scored.round.enrolment.citizen_id}/"
    ).content.decode()
    shown = "data-probability" in page and "worklist-heading" in page
    print(
        f"  {'ok ' if shown else 'FAIL'} citizen page shows the probability and what to work on"
    )
    if not shown:
        failures.append(("sagsbehandler1", "citizen page", "no scores shown"))
client = Client()
response = client.get("/healthz")
print(
    f"  {'ok ' if response.status_code == 200 else 'FAIL'} {response.status_code} "
    f"healthz {response.content.decode()}"
)
if response.status_code != 200:
    failures.append(("anonymous", "/healthz", response.status_code))
if failures:
    print(f"demo smoke test: {len(failures)} failed", file=sys.stderr)
    sys.exit(1)
print("demo smoke test: all pages answered 200")
