from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from bip.accounts.models import Municipality
from bip.accounts.roles import pages_for
from bip.accounts.scoping import scope_for


def nav_items(scope: Any) -> list[dict[str, Any]]:
    """The navigation: the role table's pages the scope may use. Pages with a menu
    show as one dropdown under its label, so an admin's bar fits on one line at
    1280 px."""
    return [
        {
            "url": reverse(page.url_name),
            "label": str(page.label),
            "group": str(page.menu or ""),
        }
        for page in pages_for(scope)
    ]


def _mark_current(items: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    # the longest matching prefix wins, so a page under /citizens/5/ marks "My citizens"
    matches = [i for i in items if path.startswith(i["url"])]
    best = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["active"] = item is best
        item["current"] = item["url"] == path
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    ids = getattr(user, "municipality_ids", [])
    municipalities = (
        list(Municipality.objects.filter(pk__in=ids).order_by("name")) if ids else []
    )
    active = next((m for m in municipalities if m.pk == scope.municipality_id), None)
    return {
        "idle_timeout": settings.BIP_IDLE_TIMEOUT,
        "nav_items": _mark_current(nav_items(scope), request.path),
        "active_municipality": active,
        "other_municipalities": [m for m in municipalities if m != active],
    }
