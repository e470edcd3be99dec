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
    "teamleder1": ["/", "/reports/team/", "/citizens/?view=team"],
    "admin": ["/", "/municipality/", "/audit/", "/reports/statistics/"],
    "analytiker": ["/", "/reports/statistics/"],
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
