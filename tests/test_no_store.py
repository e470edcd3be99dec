"""Every response to a signed-in user carries `Cache-Control: no-store` (DESIGN section
2): walked over every route of the access probe as the owners themselves. Static files
stay cacheable."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.test_access_probe import POST_BODIES, owner_data, routes, url_for

pytestmark = pytest.mark.django_db
__all__ = ["owner_data"]  # the probe's objects, with those only the API names


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


@pytest.mark.parametrize("owner", ["caseworker", "municipal_admin", "system_admin"])
def test_every_route_answers_a_signed_in_owner_with_no_store(
    client, request, owner_data, owner
):
    client.force_login(request.getfixturevalue(owner))
    missing, seen = [], set()
    for name, args in routes():
        url = url_for(name, args, owner_data)
        response = (
            client.post(url, POST_BODIES[name](owner_data))
            if name in POST_BODIES
            else client.get(url)
        )
        seen.add(response.status_code)
        if not no_store(response):
            missing.append(f"{name} {url}: {response.status_code}")
    assert missing == []
    assert HTTPStatus.OK in seen  # the walk reached real pages, not only refusals


def test_citizen_edit_form_with_the_full_cpr_is_not_stored(client, caseworker, citizen):
    client.force_login(caseworker)
    r = client.get(reverse("citizens:edit", args=[citizen.pk]))
    assert r.status_code == HTTPStatus.OK
    assert citizen.cpr_clear() in r.content.decode()
    assert no_store(r)
    assert "private" in r["Cache-Control"]


def test_static_files_stay_cacheable_for_a_signed_in_user(client, caseworker):
    client.force_login(caseworker)
    r = client.get("/static/css/app.css")
    assert r.status_code == HTTPStatus.OK
    assert not no_store(r)
