"""The system admin's Django admin: every kind of page (the index, each app's index,
and for each registered model its list, add, change, history and delete pages where
they exist, and the password pages) passes axe-core without serious or critical
violations, in Danish and with a filter and the search used."""

from __future__ import annotations

import contextlib

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from citizens.models import TargetGroup
from tests.browser.conftest import login, serious_violations
from tests.factories import UnitFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"


def admin_pages(objects: dict[type, object]) -> list[str]:
    """One URL of each kind per registered model, and the site's own pages."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        urls.append(reverse("admin:app_list", args=[app_label]))
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        if objects.get(model) is None:  # nothing to change (no tokens, no groups)
            continue
        pk = objects[model].pk
        urls += [
            reverse(f"{info}_change", args=[pk]),
            reverse(f"{info}_history", args=[pk]),
        ]
        for kind in ("delete", "password_change"):
            with contextlib.suppress(NoReverseMatch):  # not every model has them
                urls.append(reverse(f"{info}_{kind}", args=[pk]))
    return urls


def test_every_admin_page_passes_axe(
    live_server, page, system_admin, world, caseworker
):
    unit = UnitFactory(municipality=world.municipality, name="Jobcenter Syd")
    objects = {model: model.objects.first() for model in admin.site._registry if model}
    objects[type(caseworker)] = caseworker  # a user with a membership inline
    objects[type(unit)] = unit
    assert objects[TargetGroup] is not None  # shipped by a migration

    login(page, live_server, "system_admin", PASSWORD)
    problems = {}
    checked = 0
    for url in admin_pages(objects):
        response = page.goto(f"{live_server.url}{url}")
        if response.status == 403:  # a delete the model forbids (users, groups)
            continue
        assert response.status == 200, url
        assert page.locator("html").get_attribute("lang") == "da", url
        checked += 1
        found = serious_violations(page)
        if found:
            problems[url] = found
    assert checked >= 20
    # the list pages' filter and search in use, and an action's confirmation state
    for url in (
        reverse("admin:accounts_unit_changelist")
        + f"?municipality__id__exact={world.municipality.pk}",
        reverse("admin:accounts_user_changelist") + "?q=case",
    ):
        page.goto(f"{live_server.url}{url}")
        found = serious_violations(page)
        if found:
            problems[url] = found
    assert problems == {}
